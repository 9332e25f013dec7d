"""Queue stats read the real streams and the message rows."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import SendQueue
from ops.queue_stats import queue_stats
from tests.ops.support import add_messages


async def test_empty_queue(redis: Redis, engine: AsyncEngine) -> None:
    stats = await queue_stats(redis, engine)
    assert [s.stream for s in stats.streams] == ["p0", "p1", "p2", "dead"]
    assert all(s.length == 0 for s in stats.streams)
    assert stats.messages == {}


async def test_lengths_pending_lag_consumers_and_statuses(
    redis: Redis, engine: AsyncEngine
) -> None:
    ids = await add_messages(engine, ["queued"] * 5 + ["sent", "delivered", "delivered"])
    queue = SendQueue(redis, consumer="worker-a")
    await queue.ensure_groups()
    await queue.enqueue([(1, str(i)) for i in ids[:5]] + [(2, "999")])
    taken = await queue.read(count=2, block_ms=0)  # two of p1 handed to worker-a
    assert [d.priority for d in taken] == [1, 1]
    await queue.dead_letter(taken[0], "模板未审核 / template not approved")

    stats = {s.stream: s for s in (await queue_stats(redis, engine)).streams}
    p1 = stats["p1"]
    assert p1.key == "outreach:send:p1"
    assert p1.length == 4  # the dead-lettered entry was acked and deleted
    assert p1.pending == 1
    assert p1.lag == 3
    assert p1.oldest_pending_age is not None
    assert p1.oldest_entry_age is not None
    assert [(c.name, c.pending) for c in p1.consumers] == [("worker-a", 1)]
    p2 = stats["p2"]
    assert (p2.length, p2.pending, p2.lag, p2.oldest_pending_age) == (1, 0, 1, None)
    assert stats["p0"].length == 0
    dead = stats["dead"]
    assert dead.length == 1
    assert dead.pending is None
    assert dead.oldest_entry_age is not None

    messages = (await queue_stats(redis, engine)).messages
    assert messages == {"delivered": 2, "queued": 5, "sent": 1}


async def test_streams_without_a_group_count_everything_as_lag(
    redis: Redis, engine: AsyncEngine
) -> None:
    await redis.xadd("outreach:send:p2", {"m": "1"})
    p2 = (await queue_stats(redis, engine)).streams[2]
    assert (p2.length, p2.pending, p2.lag, p2.consumers) == (1, 0, 1, [])
