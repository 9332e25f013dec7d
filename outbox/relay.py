"""The relay loop: claim due events, post them signed, record the outcome.

Each of `concurrency` lanes repeats claim → POST → mark; a 2xx answer delivers the whole batch
(the ledger system dedupes by idempotency key), anything else (an error status, a timeout, a
refused connection) schedules every event of the batch for a retry with backoff, and makes it a
dead letter once the horizon since its first failure has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from core import get_logger, is_transient, run_bound
from ops.instruments import count_outbox, timed_outbox_post
from outbox.payload import batch_body
from outbox.settings import RelaySettings
from outbox.signing import signed_headers
from outbox.store import Backoff, OutboxStore

log = get_logger("outbox.relay")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Pass:
    """What one claim → post round did."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0


class Relay:
    def __init__(
        self,
        engine: AsyncEngine,
        settings: RelaySettings,
        *,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], datetime] = _utc_now,
        rng: random.Random | None = None,
    ) -> None:
        if not settings.webhook_url:
            raise ValueError("the relay needs LEDGER_WEBHOOK_URL")
        self.url: str = settings.webhook_url
        self.settings = settings
        self.store = OutboxStore(engine)
        self.clock = clock
        self.backoff = Backoff(
            base=timedelta(seconds=settings.backoff_base_seconds),
            cap=timedelta(seconds=settings.backoff_max_seconds),
            horizon=settings.horizon,
        )
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._session = session
        self.delivered = 0  # events this relay delivered since it started

    async def once(self) -> Pass:
        """One round: claim a batch, post it, record the outcome."""
        now = self.clock()
        owner, rows = await self.store.claim(self.settings.batch_size, now, self.settings.lease)
        if not rows:
            return Pass()
        # The batch's lines (failures, errors) carry the ids of its events.
        return await run_bound(self._relay(owner, rows), event_ids=[row.id for row in rows])

    async def _relay(self, owner: str, rows: Sequence[Row[Any]]) -> Pass:
        """Post one claimed batch and record the outcome."""
        body = batch_body(self.settings.deployment_id, rows)
        with timed_outbox_post():
            error = await self._post(body)
        if error is None:
            await self.store.delivered([row.id for row in rows], self.clock())
            self.delivered += len(rows)
            count_outbox(delivered=len(rows))
            return Pass(delivered=len(rows))
        dead = await self.store.failed(rows, owner, self.clock(), error, self.backoff, self._rng)
        log.warning("outbox_post_failed", events=len(rows), error=error, dead=dead)
        count_outbox(retried=len(rows) - dead, dead=dead)
        return Pass(failed=len(rows), dead=dead)

    async def _post(self, body: bytes) -> str | None:
        """None when the ledger system acknowledged the batch, else what went wrong."""
        assert self._session is not None
        headers = signed_headers(self.settings.webhook_secret, body)
        try:
            async with self._session.post(self.url, data=body, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return type(exc).__name__

    async def drain(self) -> int:
        """Rounds until nothing is due now; returns how many events were delivered."""
        delivered = 0
        async with self._opened():
            while (result := await self.once()).delivered or result.failed:
                delivered += result.delivered
        return delivered

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, then deliver what is due before returning."""
        async with self._opened():
            log.info("outbox_relay_started", url=self.url, lanes=self.settings.concurrency)
            async with asyncio.TaskGroup() as lanes:
                for _ in range(self.settings.concurrency):
                    lanes.create_task(self._lane(stop))
            await self._flush()

    async def _flush(self) -> None:
        """Stopping: post what is due now, so no event waits for the next start; stops at the
        first round that delivers nothing (nothing due, or the ledger system failing)."""
        log.info("outbox_relay_flushing")
        flushed = 0
        try:
            while (result := await self.once()).delivered:
                flushed += result.delivered
        except Exception as exc:
            log.warning("outbox_flush_failed", error=type(exc).__name__, flushed=flushed)
            return
        log.info("outbox_relay_stopped", flushed=flushed)

    async def _lane(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                result = await self.once()
            except Exception as exc:  # the relay must not take the worker's sending down
                if is_transient(exc):
                    log.warning("outbox_database_unavailable", error=type(exc).__name__)
                else:
                    log.exception("outbox_round_failed")
                result = Pass()
            if result.delivered:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.idle_seconds)

    @contextlib.asynccontextmanager
    async def _opened(self) -> AsyncIterator[None]:
        if self._session is not None:
            yield
            return
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            self._session = session
            try:
                yield
            finally:
                self._session = None
