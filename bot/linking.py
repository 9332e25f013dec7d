"""Linking a chat to its ledger resident with a one-time code sent by SMS to the phone on record.

The resident gives the last six characters of their ID number and their phone. Whatever the
ledger says, the chat hears the same thing ("if the details match our records, a code has been
sent") and a code state is stored for the chat:

- real: the details name exactly one resident and the phone may be sent to (not suppressed);
  a fresh 6-digit code (`secrets`) goes to that phone, and the state keeps only
  sha256(salt + code) with a per-code salt, the resident's key (their ID number, which
  `link` needs) and the expiry; never the code or the phone;
- decoy: anything else (no match, an ambiguous match, a suppressed phone); the digest is of
  32 random bytes, so no code satisfies it, and every answer to a code is the one a real state
  with a wrong code gets.

Both paths do the same work before the chat is answered (the ledger lookup and the suppression
check always run, on what was typed); the SMS goes out in a background task after the state is
stored, so the gateway's latency is never part of the answer's time.

Limits (Redis, shared by every bot process): a code lives `ttl` seconds and allows
`max_attempts` entries, after which it is void; a chat may ask for `chat_daily` codes a day
(Asia/Shanghai) and a phone, as typed, `phone_daily` (counted for typed phones whether or not
they match, so the limit says nothing about the ledger). Keys never hold a phone: the phone's
counter is keyed by its sha256.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from redis.asyncio import Redis

from core import RESIDENT_TZ, get_logger, mask_phone
from ledger import IdentityError, parse_phone

log = get_logger("bot.linking")

CODE_DIGITS = 6
#: The last six characters of an ID number: digits, the last possibly the check character X.
ID_SUFFIX = re.compile(r"\d{5}[\dX]")
_PREFIX = "bot:link"
_DAY = 2 * 24 * 3600  # daily counters outlive their day, whatever the clock says

# KEYS[1] the chat's code state; ARGV[1] the most entries a code allows. Counts one entry and
# answers {entries, digest, salt, resident, expires}; {entries} alone once the code is used up
# (and deleted); nil when the chat has no code.
_ENTER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local entries = redis.call('HINCRBY', KEYS[1], 'entries', 1)
if entries > tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return {entries}
end
local state = redis.call('HMGET', KEYS[1], 'digest', 'salt', 'resident', 'expires')
return {entries, state[1], state[2], state[3], state[4]}
"""


class CodeSender(Protocol):
    """Sends a one-time code by SMS (implemented at the composition root over channels/)."""

    async def reachable(self, phone: str) -> bool:
        """Whether a code may go to `phone`: not on the suppression list, a gateway configured."""

    async def send_code(self, phone: str, code: str) -> bool:
        """Send `code` to `phone` as a verification SMS; whether a gateway took it."""


class LinkRecords(Protocol):
    async def link(self, chat_id: int, resident_id: str) -> None:
        """Link the chat to the ledger resident and write account_linked."""


#: The one resident with a phone and an ID-number suffix, or None (see ledger.lookup).
FindResident = Callable[[str, str], Awaitable[str | None]]
#: The phone on record of a resident, or None.
PhoneOf = Callable[[str], Awaitable[str | None]]


class Requested(StrEnum):
    SENT_IF_MATCHED = "sent_if_matched"  # the same answer for a match and a non-match
    LIMITED = "limited"  # the chat or the phone asked for too many codes today


class Entered(StrEnum):
    LINKED = "linked"
    WRONG = "wrong"  # `left` entries remain
    USED_UP = "used_up"  # too many wrong entries: the code is void
    EXPIRED = "expired"
    NO_CODE = "no_code"  # nothing asked for, or already used
    MALFORMED = "malformed"  # not six digits: not counted as an entry


@dataclass(frozen=True, slots=True)
class Entry:
    """What became of a code the chat entered."""

    outcome: Entered
    left: int = 0
    resident_id: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


def _plain(raw: str) -> str:
    """Full-width forms as ASCII, without spaces, dashes or dots between characters."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-.·")


def normalise_suffix(raw: str) -> str | None:
    """The last six characters of an ID number as typed ("53 001x", "５３００１Ｘ"), or None."""
    text = _plain(raw).upper()
    return text if ID_SUFFIX.fullmatch(text) else None


def normalise_phone(raw: str) -> str | None:
    """A mainland mobile number as typed (+86, spaces, dashes, full-width), or None."""
    try:
        return parse_phone(unicodedata.normalize("NFKC", raw))
    except IdentityError:
        return None


def normalise_code(raw: str) -> str | None:
    text = _plain(raw)
    return text if len(text) == CODE_DIGITS and text.isascii() and text.isdigit() else None


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _digest(salt: bytes, secret: bytes) -> str:
    return hashlib.sha256(salt + secret).hexdigest()


class Linker:
    """One-time codes for linking chats, kept in Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        find: FindResident,
        sender: CodeSender,
        records: LinkRecords,
        phone_of: PhoneOf,
        clock: Callable[[], datetime] = utc_now,
        ttl: int = 600,
        max_attempts: int = 5,
        chat_daily: int = 5,
        phone_daily: int = 3,
    ) -> None:
        self._redis = redis
        self._find = find
        self._sender = sender
        self._records = records
        self._phone_of = phone_of
        self._clock = clock
        self.ttl = ttl
        self.max_attempts = max_attempts
        self.chat_daily = chat_daily
        self.phone_daily = phone_daily
        self._enter = redis.register_script(_ENTER)
        self._sending: set[asyncio.Task[None]] = set()

    async def request(self, chat_id: int, id_suffix: str, phone: str) -> Requested:
        """Ask for a code for normalised `id_suffix` and `phone` (see the module's docstring)."""
        if not await self._within_limits(chat_id, phone):
            log.info("link.limited", chat_id=chat_id, phone=mask_phone(phone))
            return Requested.LIMITED
        resident = await self._find(phone, id_suffix)
        reachable = await self._sender.reachable(phone)
        real = resident is not None and reachable
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_bytes(16)
        secret = code.encode() if real else secrets.token_bytes(32)
        expires = self._clock().timestamp() + self.ttl
        key = self._state_key(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)  # a new request voids the chat's previous code
            pipe.hset(
                key,
                mapping={
                    "digest": _digest(salt, secret),
                    "salt": salt.hex(),
                    "resident": resident if real and resident else "",
                    "expires": repr(expires),
                    "entries": 0,
                },
            )
            pipe.expire(key, self.ttl + 60)
            await pipe.execute()
        log.info("link.code_requested", chat_id=chat_id, phone=mask_phone(phone), real=real)
        if real:
            self._background(self._send(chat_id, phone, code))
        return Requested.SENT_IF_MATCHED

    async def enter(self, chat_id: int, raw_code: str) -> Entry:
        """The chat typed `raw_code`: link it when it is the code of a real state in time."""
        code = normalise_code(raw_code)
        if code is None:
            return Entry(Entered.MALFORMED)
        key = self._state_key(chat_id)
        answer: list[Any] | None = await self._enter(keys=[key], args=[self.max_attempts])
        if answer is None:
            return Entry(Entered.NO_CODE)
        if len(answer) == 1:
            return Entry(Entered.USED_UP)
        entries, digest, salt, resident, expires = (_text(value) for value in answer)
        if self._clock().timestamp() >= float(expires):
            await self._redis.delete(key)
            return Entry(Entered.EXPIRED)
        matches = hmac.compare_digest(_digest(bytes.fromhex(salt), code.encode()), digest)
        if matches and resident:
            if not await self._redis.delete(key):
                return Entry(Entered.NO_CODE)  # another update used it a moment ago
            await self._records.link(chat_id, resident)
            log.info("link.linked", chat_id=chat_id)
            return Entry(Entered.LINKED, resident_id=resident)
        left = self.max_attempts - int(entries)
        if left <= 0:
            await self._redis.delete(key)
            return Entry(Entered.USED_UP)
        return Entry(Entered.WRONG, left=left)

    async def phone_on_record(self, resident_id: str) -> str | None:
        """The phone the ledger holds for the linked resident (shown masked to the chat)."""
        return await self._phone_of(resident_id)

    async def forget(self, chat_id: int) -> None:
        """Drop the chat's code (the dialogue was cancelled)."""
        await self._redis.delete(self._state_key(chat_id))

    async def settle(self) -> None:
        """Wait for the codes being sent (tests, and a clean shutdown)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def _within_limits(self, chat_id: int, phone: str) -> bool:
        day = self._clock().astimezone(RESIDENT_TZ).strftime("%Y%m%d")
        hashed = hashlib.sha256(f"link-phone:{phone}".encode()).hexdigest()[:32]
        chat_key = f"{_PREFIX}:asked:chat:{chat_id}:{day}"
        phone_key = f"{_PREFIX}:asked:phone:{hashed}:{day}"
        if await self._count(chat_key) > self.chat_daily:
            return False  # refused before the phone counts: one chat cannot use up a phone's
        return await self._count(phone_key) <= self.phone_daily

    async def _count(self, key: str) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, _DAY)
            count, _ = await pipe.execute()
        return int(count)

    async def _send(self, chat_id: int, phone: str, code: str) -> None:
        try:
            sent = await self._sender.send_code(phone, code)
        except Exception as exc:  # the resident may ask again; the chat was already answered
            # No traceback: a renderer showing local values would print the code.
            log.error("link.code_not_sent", chat_id=chat_id, error=type(exc).__name__)  # noqa: TRY400
            return
        if not sent:
            log.warning("link.code_not_sent", chat_id=chat_id, phone=mask_phone(phone))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    @staticmethod
    def _state_key(chat_id: int) -> str:
        return f"{_PREFIX}:code:{chat_id}"
