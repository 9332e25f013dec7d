"""The chat's state for every update, from Redis instead of the database.

Every update needs the chat's language, consent, stop and link. Reading them from the database
cost a pool checkout and a query per update, a fifth of a bot process's time; the throttle
already makes one Redis round trip per update, and the cached state rides in the same pipeline
(`Throttle` fetches it, `ChatContext` uses it or reads the database and fills the cache).

Every change the bot makes goes through `CachedRecords`, which forgets the chat's entry after
writing. Changes made elsewhere — staff suppressing a chat, a campaign send finding the bot
blocked — reach the bot when the entry expires (within `TTL` seconds); they only gate the bot's
own features, and outreach itself always reads the database.

Each entry lives a random time between three quarters of `TTL` and `TTL`. Chats cached together
(the replies to a campaign arrive together) would otherwise all expire together, and their next
updates would all read the database in the same second: a second cold start, a minute after the
first. Spread over a quarter of the lifetime, those reads come a few at a time.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.estimate_ledger import LedgerInputs
from bot.services import ChatRecords, StoredChat
from core import GroupCommit

#: Seconds a chat's cached state lives at most.
TTL = 60
_ABSENT = "null"  # a chat the records do not know, cached too (every first /start)


@dataclass(frozen=True, slots=True)
class CachedChat:
    language: str
    consented: bool
    stopped: bool
    resident_id: str | None


class ChatCache:
    def __init__(self, redis: Redis, *, ttl: int = TTL) -> None:
        self._redis = redis
        self._ttl = ttl
        self._shortest = max(1, ttl - ttl // 4)
        # A burst of chats not cached (after a campaign) stores them in one round trip a batch.
        self._stores: GroupCommit[tuple[str, str]] = GroupCommit(self._store_many)

    @staticmethod
    def key(chat_id: int) -> str:
        return f"bot:chat:{chat_id}"

    @staticmethod
    def decode(raw: str | bytes) -> CachedChat | None:
        data = json.loads(raw)
        if data is None:
            return None
        return CachedChat(
            str(data["language"]),
            bool(data["consented"]),
            bool(data["stopped"]),
            data["resident_id"],
        )

    async def store(self, chat_id: int, chat: StoredChat | None) -> None:
        value = (
            _ABSENT
            if chat is None
            else json.dumps(
                {
                    "language": chat.language,
                    "consented": chat.consented,
                    "stopped": chat.stopped,
                    "resident_id": chat.resident_id,
                }
            )
        )
        await self._stores.add((self.key(chat_id), value))

    def _lifetime(self) -> int:
        """Seconds for a new entry: from three quarters of the TTL to all of it, at random."""
        return random.randint(self._shortest, self._ttl)  # noqa: S311 (spreading, not secrecy)

    async def _store_many(self, entries: Sequence[tuple[str, str]]) -> None:
        if len(entries) == 1:
            key, value = entries[0]
            await self._redis.set(key, value, ex=self._lifetime())
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, value in entries:
                pipe.set(key, value, ex=self._lifetime())
            await pipe.execute()

    async def forget(self, chat_id: int) -> None:
        await self._redis.delete(self.key(chat_id))


def cached_records(records: ChatRecords, redis: Redis) -> CachedRecords:
    """`records` for everything of the bot that writes chat state (handlers, the Linker)."""
    if isinstance(records, CachedRecords):
        return records
    return CachedRecords(records, ChatCache(redis))


class CachedRecords:
    """`records`, forgetting a chat's cached state whenever the bot changes it.

    Whatever changes a chat's consent, language, stop or link must hold this, not the bare
    records: the dispatcher wraps what it is given, and the composition root wraps what it
    gives the Linker (`cached_records`).
    """

    def __init__(self, records: ChatRecords, cache: ChatCache) -> None:
        self._records = records
        self._cache = cache

    async def chat_user(self, chat_id: int) -> StoredChat | None:
        return await self._records.chat_user(chat_id)

    async def consent(self, chat_id: int, language: str) -> None:
        await self._records.consent(chat_id, language)
        await self._cache.forget(chat_id)

    async def set_language(self, chat_id: int, language: str) -> None:
        await self._records.set_language(chat_id, language)
        await self._cache.forget(chat_id)

    async def stop(self, chat_id: int, *, source: str) -> None:
        await self._records.stop(chat_id, source=source)
        await self._cache.forget(chat_id)

    async def link(self, chat_id: int, resident_id: str) -> None:
        await self._records.link(chat_id, resident_id)
        await self._cache.forget(chat_id)

    async def unlink(self, chat_id: int) -> None:
        await self._records.unlink(chat_id)
        await self._cache.forget(chat_id)

    async def question_answered(self, chat_id: int, entry: str, confidence: float) -> None:
        await self._records.question_answered(chat_id, entry, confidence)

    async def question_abstained(self, chat_id: int, reason: str, nearest: str | None) -> None:
        await self._records.question_abstained(chat_id, reason, nearest)

    async def estimate_given(self, chat_id: int, *, prefilled: bool) -> None:
        await self._records.estimate_given(chat_id, prefilled=prefilled)

    async def estimate_inputs(self, chat_id: int) -> LedgerInputs | None:
        return await self._records.estimate_inputs(chat_id)

    async def hand_off(self, chat_id: int, question: str) -> int:
        return await self._records.hand_off(chat_id, question)
