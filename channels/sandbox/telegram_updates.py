"""The updates a bot has not yet received, and the two ways Telegram hands them over.

Long polling (getUpdates): an update stays pending until a later call's `offset` passes it; a call
with nothing pending waits up to `timeout` seconds for the next one; a second concurrent call ends
the first with 409 ("terminated by other getUpdates request"), and no call is allowed while a
webhook is set (409), as on the real Bot API.

Webhook: pending updates are POSTed as JSON to the webhook URL one at a time, in order, with the
X-Telegram-Bot-Api-Secret-Token header when a secret is set. An update is done only when the
receiver answers 2xx; otherwise the failure is recorded for getWebhookInfo and the update is
tried again after a growing pause, as Telegram does. The receiver may answer with a Bot API call
in its body (aiogram does when a handler returns a method); it is then executed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from channels.sandbox.telegram_params import ApiError, Params
from core import get_logger

log = get_logger("channels.sandbox.telegram")

JSON = dict[str, Any]
#: Runs a Bot API method that a webhook receiver answered with (name, parameters).
ReplyExecutor = Callable[[str, Params], Awaitable[None]]

#: Update types delivered when a bot does not say which it wants (Telegram's default list).
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Webhook:
    """The webhook as setWebhook left it."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: frozenset[str] | None


@dataclass(slots=True)
class WebhookRetry:
    """How long to wait before trying an update again: doubling from `first` up to `most`."""

    first: float = 0.2
    most: float = 5.0
    timeout: float = 10.0  # per delivery request


class UpdateQueue:
    """Pending updates with their long-poll and webhook delivery."""

    def __init__(self, retry: WebhookRetry, execute_reply: ReplyExecutor) -> None:
        self._retry = retry
        self._execute_reply = execute_reply
        self._pending: list[JSON] = []
        self._next_id = 100_000_001
        self._changed = asyncio.Condition()
        self._poll_generation = 0
        self._allowed: frozenset[str] | None = None
        self._closed = False
        self.webhook: Webhook | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered = 0
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._deliver_forever())

    async def close(self) -> None:
        """Release waiting pollers (the server is shutting down) and stop delivering."""
        self._closed = True
        await self._notify()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- new updates -----------------------------------------------------------------------
    async def add(self, kind: str, payload: JSON) -> int:
        """Queue an update of `kind` (message, callback_query, my_chat_member); its id."""
        update_id = self._next_id
        self._next_id += 1
        self._pending.append({"update_id": update_id, kind: payload})
        await self._notify()
        return update_id

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    # -- long polling ----------------------------------------------------------------------
    async def poll(
        self, offset: int | None, limit: int, wait: float, allowed: frozenset[str] | None
    ) -> list[JSON]:
        """getUpdates: confirm what `offset` passes, then answer what is pending or wait."""
        if self.webhook is not None:
            raise _conflict_webhook()
        if allowed is not None:
            self._allowed = allowed
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        await self._notify()  # ends an earlier poll still waiting
        deadline = time.monotonic() + max(0.0, wait)
        async with self._changed:
            while True:
                ready = self._ready(min(max(limit, 1), MAX_LIMIT))
                if ready or self._closed:
                    return ready
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                if self.webhook is not None:
                    raise _conflict_webhook()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _ready(self, limit: int) -> list[JSON]:
        """Pending updates of the types the bot asked for (Telegram drops the others)."""
        self._pending = [u for u in self._pending if _wanted(u, self._allowed)]
        return self._pending[:limit]

    # -- webhook ---------------------------------------------------------------------------
    async def set_webhook(self, webhook: Webhook | None, *, drop_pending: bool) -> None:
        """setWebhook / deleteWebhook: a change also ends any pause between retries."""
        self.webhook = webhook
        if webhook is not None and webhook.allowed_updates is not None:
            self._allowed = webhook.allowed_updates
        if drop_pending:
            self._pending.clear()
        self.last_error_date = None
        self.last_error_message = None
        await self._notify()

    def webhook_info(self) -> JSON:
        info: JSON = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = sorted(self.webhook.allowed_updates)
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _deliver_forever(self) -> None:
        pause = self._retry.first
        while True:
            async with self._changed:
                while not (self.webhook and self._ready(1)):
                    await self._changed.wait()
                webhook, update = self.webhook, self._pending[0]
            error = await self._deliver(webhook, update)
            if error is None:
                pause = self._retry.first
                if self._pending and self._pending[0] is update:
                    self._pending.pop(0)
                self.delivered += 1
                continue
            if self.webhook is webhook:  # not an attempt at a webhook replaced meanwhile
                self.last_error_date = int(time.time())
                self.last_error_message = error
            log.info("sandbox_webhook_refused", update_id=update["update_id"], error=error)
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    # A new setWebhook wakes this early, so a fixed receiver gets it at once.
                    await asyncio.wait_for(self._wait_for_webhook_change(webhook), pause)
            replaced = self.webhook is not webhook
            pause = self._retry.first if replaced else min(pause * 2, self._retry.most)

    async def _wait_for_webhook_change(self, webhook: Webhook) -> None:
        while self.webhook is webhook:
            await self._changed.wait()

    async def _deliver(self, webhook: Webhook, update: JSON) -> str | None:
        """POST one update; None when the receiver took it, else Telegram's error text."""
        assert self._session is not None
        headers = {}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        try:
            async with self._session.post(
                webhook.url,
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self._retry.timeout),
            ) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                reply = await _reply_call(response)
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as err:
            return f"Connection error: {type(err).__name__}"
        if reply is not None:
            await self._execute_reply(*reply)
        return None


async def _reply_call(response: aiohttp.ClientResponse) -> tuple[str, Params] | None:
    """The Bot API call a receiver answered with, if any (multipart form or JSON with "method")."""
    values: dict[str, Any] = {}
    if response.content_type == "multipart/form-data":
        with contextlib.suppress(ValueError):  # a malformed answer still took the update
            reader = aiohttp.MultipartReader.from_response(response)
            while (part := await reader.next()) is not None:
                if isinstance(part, aiohttp.BodyPartReader) and part.name:
                    values[part.name] = await part.text()
    elif response.content_type == "application/json":
        with contextlib.suppress(ValueError):
            body = await response.json()
            if isinstance(body, dict):
                values = body
    method = values.pop("method", None)
    if not isinstance(method, str) or not method:
        return None
    return method, Params(values)


def _wanted(update: JSON, allowed: frozenset[str] | None) -> bool:
    kind = next(key for key in update if key != "update_id")
    if not allowed:
        return kind not in DEFAULT_EXCLUDED
    return kind in allowed


def _conflict_webhook() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
