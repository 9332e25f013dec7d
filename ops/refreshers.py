"""Gauges that live in a store, read when /metrics is scraped.

Each factory returns a `Refresher`: an argument-less coroutine function that reads one store and
sets its gauges. `add_metrics_route(app, refreshers=[...])` awaits them on every scrape, each
within a bounded time; one that fails is logged and counted and leaves its gauges as they were.

The campaigns and outbox modules are imported when a factory is called, not when this module
is: they import `ops.instruments`, and the package must load in any order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core import stored_utc
from ops.instruments import (
    CONVERSION_KINDS,
    CONVERSIONS_RECORDED,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    QUEUE_LAG,
    QUEUE_LENGTH,
    QUEUE_OLDEST_AGE,
    QUEUE_PENDING,
    STREAMS,
    bounded,
)

Refresher = Callable[[], Awaitable[None]]


def queue_refresher(redis: Redis, *, prefix: str = "outreach", group: str = "senders") -> Refresher:
    """Length, pending entries, lag and oldest entry's age of each send stream, and the length
    of the dead-letter stream (REDIS: XLEN, XINFO GROUPS, XRANGE of one entry, TIME)."""
    from campaigns.stream import SendQueue

    queue = SendQueue(redis, prefix=prefix, group=group, consumer="metrics")

    async def queue_depth() -> None:
        depths = await queue.depth()
        pipe = redis.pipeline(transaction=False)
        for depth in depths:
            pipe.xrange(depth.stream, count=1)
        pipe.xlen(queue.dead_stream)
        pipe.xrange(queue.dead_stream, count=1)
        pipe.time()
        *firsts, dead_length, dead_first, server_time = await pipe.execute()
        now_ms = int(server_time[0]) * 1000 + int(server_time[1]) // 1000
        for depth, first in zip(depths, firsts, strict=True):
            stream = bounded(f"send:p{depth.priority}", STREAMS)
            QUEUE_LENGTH.labels(stream).set(depth.length)
            QUEUE_PENDING.labels(stream).set(depth.pending)
            QUEUE_LAG.labels(stream).set(depth.waiting)
            QUEUE_OLDEST_AGE.labels(stream).set(_age_seconds(first, now_ms))
        QUEUE_LENGTH.labels("send:dead").set(int(dead_length))
        QUEUE_OLDEST_AGE.labels("send:dead").set(_age_seconds(dead_first, now_ms))

    return queue_depth


def outbox_refresher(
    engine: AsyncEngine, *, clock: Callable[[], datetime] | None = None
) -> Refresher:
    """Undelivered events of the outbox (pending and dead) and the age of the oldest pending
    one (DATABASE: a count and one row, both on the relay's partial index)."""
    from outbox.store import OutboxStore
    from outbox.table import EVENTS

    store = OutboxStore(engine)
    now = clock or (lambda: datetime.now(UTC))

    async def outbox_backlog() -> None:
        counts = await store.counts()
        async with engine.connect() as connection:
            oldest = (
                await connection.execute(
                    select(EVENTS.c.at)
                    .where(EVENTS.c.relayed_at.is_(None), EVENTS.c.relay_dead_at.is_(None))
                    .order_by(EVENTS.c.id)
                    .limit(1)
                )
            ).scalar_one_or_none()
        OUTBOX_BACKLOG.labels("pending").set(counts["pending"])
        OUTBOX_BACKLOG.labels("dead").set(counts["dead"])
        age = 0.0 if oldest is None else (now() - stored_utc(oldest)).total_seconds()
        OUTBOX_OLDEST_AGE.set(max(age, 0.0))

    return outbox_backlog


def conversions_refresher(engine: AsyncEngine) -> Refresher:
    """Conversions recorded in the database, by kind (DATABASE: a row per kind of the counts
    that the writers keep in their own transactions; counting the table scanned all of it on
    every scrape)."""
    from results.model import CONVERSION_COUNTS

    async def conversions() -> None:
        c = CONVERSION_COUNTS.c
        async with engine.connect() as connection:
            rows: list[Any] = list(await connection.execute(select(c.kind, c.n)))
        found = {str(kind): int(n) for kind, n in rows}
        for kind in CONVERSION_KINDS:
            CONVERSIONS_RECORDED.labels(kind).set(found.get(kind, 0))

    return conversions


def _age_seconds(entries: Any, now_ms: int) -> float:
    """Seconds since the entry id's timestamp (ms-seq) of the first of `entries`; 0 if none."""
    if not entries:
        return 0.0
    entry_id = entries[0][0]
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    return max(now_ms - int(text.split("-", 1)[0]), 0) / 1000


__all__ = ["Refresher", "conversions_refresher", "outbox_refresher", "queue_refresher"]
