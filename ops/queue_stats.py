"""How the send queue stands: each stream's length, pending, lag, oldest entries and consumers,
and the message rows by status (the database is the truth the stream only points at).

Lag here is the entries no consumer has been handed yet (length − pending): the queue deletes
every entry it acks, which leaves Redis's own `lag` of a group undefined.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import Priority, SendQueue

#: The consumer group every send worker reads through (campaigns.SendQueue's default).
SEND_GROUP = "senders"
PRIORITIES = (Priority.REPLY, Priority.NOTICE, Priority.PROMOTIONAL)
#: A name for the queue object this module builds to learn the keys; it never reads.
_OBSERVER = "outreach-ops"


@dataclass(frozen=True, slots=True)
class ConsumerStats:
    name: str
    pending: int
    idle_seconds: float


@dataclass(frozen=True, slots=True)
class StreamStats:
    """One stream. `lag`: entries not yet handed to a consumer; ages in seconds (None: none)."""

    stream: str  # "p0", "p1", "p2" (priority) or "dead"
    key: str
    length: int
    pending: int | None  # None for the dead-letter stream, which no group reads
    lag: int | None
    oldest_pending_age: float | None
    oldest_entry_age: float | None
    consumers: list[ConsumerStats] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QueueStats:
    streams: list[StreamStats]
    messages: dict[str, int]  # message rows by status

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _age(entry_id: str | None, now_ms: float) -> float | None:
    """Seconds since the entry id's millisecond timestamp."""
    if not entry_id:
        return None
    try:
        stamp = int(entry_id.split("-", 1)[0])
    except ValueError:
        return None
    return round(max(now_ms - stamp, 0) / 1000, 1)


async def _oldest_entry(redis: Redis, key: str) -> str | None:
    entries = await redis.xrange(key, count=1)
    return _text(entries[0][0]) if entries else None


async def _stream(redis: Redis, label: str, key: str, group: str, now_ms: float) -> StreamStats:
    length = int(await redis.xlen(key))
    oldest = _age(await _oldest_entry(redis, key), now_ms)
    try:
        groups = await redis.xinfo_groups(key)
    except ResponseError:  # the stream does not exist yet
        groups = []
    info = next((g for g in groups if _text(g["name"]) == group), None)
    if info is None:
        return StreamStats(label, key, length, 0, length, None, oldest)
    pending = int(info["pending"])
    summary = await redis.xpending(key, group) if pending else {}
    smallest = summary.get("min") if summary else None
    consumers = [
        ConsumerStats(_text(c["name"]), int(c["pending"]), round(int(c["idle"]) / 1000, 1))
        for c in await redis.xinfo_consumers(key, group)
    ]
    return StreamStats(
        label,
        key,
        length,
        pending,
        max(length - pending, 0),
        _age(_text(smallest) if smallest else None, now_ms),
        oldest,
        consumers,
    )


async def message_counts(engine: AsyncEngine) -> dict[str, int]:
    """Message rows by status."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT status, COUNT(*) FROM messages GROUP BY status ORDER BY status")
        )
        return {str(row[0]): int(row[1]) for row in rows}


async def queue_stats(
    redis: Redis, engine: AsyncEngine, *, prefix: str = "outreach", group: str = SEND_GROUP
) -> QueueStats:
    """Every send stream (priority 0 first), the dead-letter stream, and the message rows."""
    queue = SendQueue(redis, prefix=prefix, group=group, consumer=_OBSERVER)
    now_ms = time.time() * 1000
    streams = [
        await _stream(redis, f"p{priority}", queue.stream(priority), group, now_ms)
        for priority in PRIORITIES
    ]
    dead_length = int(await redis.xlen(queue.dead_stream))
    streams.append(
        StreamStats(
            "dead",
            queue.dead_stream,
            dead_length,
            None,
            None,
            None,
            _age(await _oldest_entry(redis, queue.dead_stream), now_ms),
        )
    )
    return QueueStats(streams, await message_counts(engine))
