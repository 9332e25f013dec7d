"""The Twilio SMS channel: one Message create per outbound message, over our own aiohttp client.

Twilio's Messages API takes one recipient per request (`max_batch` is 1). Our reference goes in
the StatusCallback URL as `?ref=…`, which Twilio calls back verbatim, so every receipt names our
message. The text gets the 【sign】 prefix mainland carriers require; Twilio itself has no
template approval, so the body is sent as rendered.

Outcomes: a 201 is Accepted(sid); throttling, the per-number limit, 5xx and connections that
never opened are RetryLater; refusals are Failed (account-wide ones with GATEWAY_UNUSABLE);
a timeout or a dropped connection after the request went out is Unknown, resolved later by a
receipt or by `lookup`, which searches the account's message list for the same To and Body.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

from channels.base import (
    Accepted,
    ChannelKind,
    LookupResult,
    LookupUnavailable,
    NotFound,
    Outbound,
    RetryLater,
    SendResult,
    Unknown,
)
from channels.twilio.codes import result_for_error
from channels.twilio.config import REF_PARAM, TwilioConfig
from channels.twilio.lookup import (
    QueryError,
    closest,
    found,
    is_ours,
    message_records,
    rfc2822,
)
from channels.twilio.phones import to_e164
from core import get_logger

log = get_logger("channels.twilio")

#: How far before our `sent_at` a matching message may have been created (clock skew).
LOOKUP_SKEW = timedelta(minutes=10)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TwilioChannel:
    """Sends SMS through one Twilio account; see the module docstring for the outcomes."""

    def __init__(
        self,
        config: TwilioConfig,
        session: aiohttp.ClientSession | None = None,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.config = config
        self._session = session
        self._owns_session = session is None
        self._clock = clock
        credentials = f"{config.account_sid}:{config.auth_token}".encode()
        self._headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode("ascii")}
        self._timeout = aiohttp.ClientTimeout(total=config.timeout, connect=config.connect_timeout)

    @property
    def name(self) -> str:
        return "twilio"

    @property
    def kind(self) -> ChannelKind:
        return ChannelKind.SMS

    @property
    def max_batch(self) -> int:
        return 1

    async def close(self) -> None:
        """Close the HTTP session if this channel opened it (a shared one belongs to its owner)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- sending ---------------------------------------------------------------------------
    def body_for(self, message: Outbound) -> str:
        """The Body as sent: the 【sign】 first when there is one, then the rendered text."""
        return f"【{message.sign_name}】{message.text}" if message.sign_name else message.text

    def status_callback_for(self, ref: str) -> str | None:
        """The StatusCallback URL for one message: the configured URL plus `ref=<our id>`."""
        base = self.config.status_callback_url
        if base is None:
            return None
        parts = urlsplit(base)
        kept = parse_qsl(parts.query, keep_blank_values=True)
        query = [(k, v) for k, v in kept if k != REF_PARAM]
        query.append((REF_PARAM, ref))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def form_for(self, message: Outbound) -> dict[str, str]:
        """The create request's form fields for `message`."""
        form = {"To": to_e164(message.to), "Body": self.body_for(message)}
        if self.config.messaging_service_sid is not None:
            form["MessagingServiceSid"] = self.config.messaging_service_sid
        elif self.config.from_number is not None:
            form["From"] = self.config.from_number
        callback = self.status_callback_for(message.ref)
        if callback is not None:
            form["StatusCallback"] = callback
        return form

    async def send(self, batch: Sequence[Outbound]) -> list[SendResult]:
        """One create request per message, in order; never raises for gateway trouble."""
        return [await self._send_one(message) for message in batch]

    async def _send_one(self, message: Outbound) -> SendResult:
        try:
            async with self._http().post(
                self.config.messages_url,
                data=self.form_for(message),
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                status = response.status
                raw = await response.read()
                retry_after = _seconds(response.headers.get("Retry-After"))
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            result: SendResult = RetryLater(
                self.config.server_error_delay,
                f"无法连接短信平台，未发送 / could not connect, nothing sent "
                f"({type(exc).__name__})",
            )
        except TimeoutError:
            result = Unknown("请求已发出但等待应答超时 / timed out after the request was sent")
        except aiohttp.ClientError as exc:
            result = Unknown(
                f"连接在应答前中断 / connection lost before the answer ({type(exc).__name__})"
            )
        else:
            result = self._interpret(status, raw, retry_after)
        log.info(
            "twilio_send",
            ref=message.ref,
            outcome=type(result).__name__,
            code=getattr(result, "code", None),
        )
        return result

    def _interpret(self, status: int, raw: bytes, retry_after: float | None) -> SendResult:
        payload = _json_object(raw)
        if 200 <= status < 300:
            sid = payload.get("sid") if payload else None
            if isinstance(sid, str) and sid:
                return Accepted(sid)
            return Unknown("平台应答成功但没有消息 SID / success answer without a message SID")
        code = payload.get("code") if payload else None
        message = payload.get("message") if payload else None
        return result_for_error(
            status,
            str(code) if code is not None else None,
            str(message) if message is not None else None,
            retry_after=retry_after,
            throttle_delay=self.config.throttle_delay,
            number_limit_delay=self.config.number_limit_delay,
            server_error_delay=self.config.server_error_delay,
        )

    # -- status queries --------------------------------------------------------------------
    async def lookup(self, message: Outbound, sent_at: datetime) -> LookupResult:
        """Search the account's messages to the same number for the same Body.

        The list is filtered by To (and From, when the sender is a fixed number), not by
        DateSent: a message still queued has no date_sent yet, and those are exactly the ones
        a lookup after a timeout is about. Twilio lists newest first, so the search stops at
        the first page that reaches back past `sent_at`.
        """
        to, body = to_e164(message.to), self.body_for(message)
        try:
            matches, exhausted = await self._search(to, body, sent_at - LOOKUP_SKEW)
        except QueryError as exc:
            return LookupUnavailable(str(exc))
        if matches:
            return found(closest(matches, sent_at))
        if not exhausted:
            return LookupUnavailable(
                "该号码消息过多，未能查完 / too many messages to this number to search"
            )
        if self._clock() - sent_at < timedelta(seconds=self.config.lookup_settle):
            return LookupUnavailable("发送不久，消息可能仍在排队 / too early, may still be queued")
        return NotFound()

    async def _search(
        self, to: str, body: str, earliest: datetime
    ) -> tuple[list[dict[str, Any]], bool]:
        """Outbound messages to `to` with `body` created since `earliest`, and whether the
        search reached back that far within `lookup_max_pages` pages."""
        first = {"To": to, "PageSize": str(self.config.lookup_page_size)}
        if self.config.from_number is not None:
            first["From"] = self.config.from_number
        url, params = self.config.messages_url, first
        matches: list[dict[str, Any]] = []
        for _ in range(self.config.lookup_max_pages):
            page = await self._get(url, params)
            if page is None:
                raise QueryError("消息列表不存在 / message list not found")
            reached_back = False
            for record in message_records(page):
                created = rfc2822(record.get("date_created"))
                if created is not None and created < earliest:
                    reached_back = True
                elif is_ours(record, to, body):
                    matches.append(record)
            next_uri = page.get("next_page_uri")
            if reached_back or not next_uri:
                return matches, True
            url, params = self.config.base_url.rstrip("/") + str(next_uri), {}
        return matches, False

    async def fetch(self, provider_id: str) -> LookupResult:
        """The status of one message by its SID (GET …/Messages/{sid}.json)."""
        try:
            record = await self._get(self.config.message_url(provider_id), {})
        except QueryError as exc:
            return LookupUnavailable(str(exc))
        if record is None:
            return NotFound()
        return found(record)

    async def _get(self, url: str, params: dict[str, str]) -> dict[str, Any] | None:
        """GET a JSON resource; None for 404, `QueryError` for anything else unusable."""
        try:
            async with self._http().get(
                url, params=params, headers=self._headers, timeout=self._timeout
            ) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise QueryError(f"状态查询失败 / status query failed ({type(exc).__name__})") from exc
        if status == 404:
            return None
        payload = _json_object(raw)
        if status != 200 or payload is None:
            code = payload.get("code") if payload else None
            raise QueryError(f"状态查询被拒绝 / status query refused (HTTP {status}, {code})")
        return payload


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
