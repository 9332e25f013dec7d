"""The send stream: priority order, shared reading, reclaim from dead consumers, dead letters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from fakeredis import FakeAsyncRedis, FakeServer
from redis.asyncio import Redis

from campaigns.stream import Delivery, SendQueue
from tests.conftest import REDIS_TEST_URL

Connect = Callable[[], Redis]


@pytest.fixture(params=["redis", "embedded"])
async def connect(request: pytest.FixtureRequest, redis: Redis) -> AsyncIterator[Connect]:
    """New clients of one store: the real Redis (flushed by `redis`), or one embedded server."""
    server = FakeServer()
    made: list[Redis] = []

    def make() -> Redis:
        client: Redis
        if request.param == "redis":
            client = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
        else:
            client = FakeAsyncRedis(server=server, decode_responses=True)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


async def queue(connect: Connect, consumer: str, *, claim_idle_ms: int = 60_000) -> SendQueue:
    q = SendQueue(connect(), consumer=consumer, claim_idle_ms=claim_idle_ms)
    await q.ensure_groups()
    return q


def ids(deliveries: list[Delivery]) -> list[str]:
    return [d.message_id for d in deliveries]


async def test_higher_priority_first_and_never_mixed_with_lower(connect: Connect) -> None:
    q = await queue(connect, "w1")
    await q.enqueue([(2, "promo-1"), (1, "notice-1"), (0, "reply-1"), (2, "promo-2")])

    assert ids(await q.read(10, block_ms=0)) == ["reply-1"]
    assert ids(await q.read(10, block_ms=0)) == ["notice-1"]
    last = await q.read(10, block_ms=0)
    assert ids(last) == ["promo-1", "promo-2"]
    assert {d.priority for d in last} == {2}
    assert await q.read(10, block_ms=0) == []


async def test_reply_enqueued_later_overtakes_waiting_promotions(connect: Connect) -> None:
    q = await queue(connect, "w1")
    await q.enqueue([(2, f"promo-{i}") for i in range(5)])
    assert ids(await q.read(2, block_ms=0)) == ["promo-0", "promo-1"]

    await q.enqueue([(0, "reply")])

    assert ids(await q.read(2, block_ms=0)) == ["reply"]
    assert ids(await q.read(2, block_ms=0)) == ["promo-2", "promo-3"]


async def test_ensure_groups_twice_is_harmless_and_keeps_entries(connect: Connect) -> None:
    q = await queue(connect, "w1")
    await q.enqueue([(1, "a")])
    await q.ensure_groups()
    assert ids(await q.read(5, block_ms=0)) == ["a"]


async def test_entries_enqueued_before_the_group_exists_are_served(connect: Connect) -> None:
    q = SendQueue(connect(), consumer="w1")
    await q.enqueue([(1, "early")])
    await q.ensure_groups()
    assert ids(await q.read(5, block_ms=0)) == ["early"]


async def test_two_consumers_share_entries_without_overlap(connect: Connect) -> None:
    a, b = await queue(connect, "a"), await queue(connect, "b")
    sent = [f"m{i}" for i in range(60)]
    await a.enqueue([(i % 3, m) for i, m in enumerate(sent)])

    seen: dict[str, list[str]] = {"a": [], "b": []}
    while True:
        got_a, got_b = await asyncio.gather(a.read(4, block_ms=0), b.read(4, block_ms=0))
        if not got_a and not got_b:
            break
        seen["a"] += ids(got_a)
        seen["b"] += ids(got_b)
        await a.ack(got_a)
        await b.ack(got_b)

    assert seen["a"]
    assert seen["b"]
    assert not set(seen["a"]) & set(seen["b"])
    assert sorted(seen["a"] + seen["b"]) == sorted(sent)
    assert await a.lag() == 0


async def test_dead_consumers_entries_are_reclaimed_after_idle_time(connect: Connect) -> None:
    dead = await queue(connect, "dead")
    await dead.enqueue([(1, "x"), (1, "y"), (1, "z")])
    taken = await dead.read(10, block_ms=0)
    assert ids(taken) == ["x", "y", "z"]
    assert {d.deliveries for d in taken} == {1}

    patient = await queue(connect, "patient", claim_idle_ms=60_000)
    assert await patient.read(10, block_ms=0) == []  # not idle long enough yet

    rescuer = await queue(connect, "rescuer", claim_idle_ms=50)
    reclaimed = await _read_until_some(rescuer)
    assert ids(reclaimed) == ["x", "y", "z"]
    assert {d.deliveries for d in reclaimed} == {2}
    assert [d.entry_id for d in reclaimed] == [d.entry_id for d in taken]

    second = await queue(connect, "second", claim_idle_ms=50)
    again = await _read_until_some(second)
    assert {d.deliveries for d in again} == {3}
    assert await second.ack(again) == 3
    assert await dead.ack(taken) == 0  # the dead one comes back: nothing left to ack
    assert [d.length for d in await second.depth()] == [0, 0, 0]


async def test_reclaimed_lower_priority_waits_behind_fresh_higher(connect: Connect) -> None:
    dead = await queue(connect, "dead")
    await dead.enqueue([(2, "old-promo")])
    await dead.read(1, block_ms=0)
    rescuer = await queue(connect, "rescuer", claim_idle_ms=50)
    await asyncio.sleep(0.1)
    await rescuer.enqueue([(0, "reply")])

    assert ids(await rescuer.read(5, block_ms=0)) == ["reply"]
    assert ids(await _read_until_some(rescuer)) == ["old-promo"]


async def _read_until_some(q: SendQueue) -> list[Delivery]:
    async with asyncio.timeout(10):  # a hang guard, not a measurement
        got: list[Delivery] = []
        while not got:
            got = await q.read(10, block_ms=20)  # blocks: not a busy loop
    return got


async def test_dead_letter_records_why_and_removes_the_entry(connect: Connect) -> None:
    q = await queue(connect, "w1")
    await q.enqueue([(1, "42")])
    [delivery] = await q.read(1, block_ms=0)

    await q.dead_letter(delivery, "模板未审核 / template not approved")

    [letter] = await q.dead_letters()
    assert letter["m"] == "42"
    assert letter["reason"] == "模板未审核 / template not approved"
    assert letter["priority"] == "1"
    assert letter["deliveries"] == "1"
    assert letter["entry"] == delivery.entry_id
    assert letter["at"].endswith("+00:00")
    p1 = (await q.depth())[1]
    assert (p1.length, p1.pending) == (0, 0)


async def test_entry_without_message_id_is_set_aside(connect: Connect) -> None:
    q = await queue(connect, "w1")
    client = connect()
    await client.xadd(q.stream(0), {"other": "1"})
    await q.enqueue([(1, "fine")])

    assert ids(await q.read(5, block_ms=0)) == ["fine"]
    [letter] = await q.dead_letters()
    assert letter["reason"] == "entry has no message id"
    assert (await q.depth())[0].length == 0


async def test_depth_and_lag_count_waiting_and_pending(connect: Connect) -> None:
    q = await queue(connect, "w1")
    await q.enqueue([(1, f"n{i}") for i in range(5)] + [(2, "p0"), (2, "p1")])
    taken = await q.read(2, block_ms=0)

    depth = await q.depth()
    assert [(d.priority, d.length, d.pending, d.waiting) for d in depth] == [
        (0, 0, 0, 0),
        (1, 5, 2, 3),
        (2, 2, 0, 2),
    ]
    assert depth[1].stream == "outreach:send:p1"
    assert await q.lag() == 5

    assert await q.ack(taken) == 2
    assert [(d.length, d.pending) for d in await q.depth()] == [(0, 0), (3, 0), (2, 0)]


async def test_depth_of_a_queue_never_set_up_is_zero(connect: Connect) -> None:
    q = SendQueue(connect(), consumer="w1")
    assert [(d.length, d.pending) for d in await q.depth()] == [(0, 0)] * 3


async def test_a_message_id_enqueued_twice_is_delivered_twice(connect: Connect) -> None:
    # The documented contract: the database claim, not the stream, makes sending happen once.
    q = await queue(connect, "w1")
    await q.enqueue([(1, "7")])
    await q.enqueue([(1, "7")])
    assert ids(await q.read(5, block_ms=0)) == ["7", "7"]


async def test_blocking_read_returns_an_entry_enqueued_meanwhile(connect: Connect) -> None:
    reader, writer = await queue(connect, "reader"), await queue(connect, "writer")

    async def enqueue_soon() -> None:
        await asyncio.sleep(0.05)
        await writer.enqueue([(2, "late")])

    async with asyncio.timeout(10):
        got, _ = await asyncio.gather(reader.read(5, block_ms=5000), enqueue_soon())
    assert ids(got) == ["late"]


async def test_blocking_read_on_empty_streams_returns_nothing(connect: Connect) -> None:
    q = await queue(connect, "w1")
    assert await q.read(5, block_ms=30) == []


async def test_read_recreates_the_group_after_a_purge(connect: Connect) -> None:
    q = await queue(connect, "w1")
    await q.enqueue([(0, "a")])
    await q.purge()
    assert [d.length for d in await q.depth()] == [0, 0, 0]

    assert await q.read(5, block_ms=0) == []
    await q.enqueue([(0, "b")])
    assert ids(await q.read(5, block_ms=0)) == ["b"]


async def test_unknown_priority_and_empty_id_are_refused(connect: Connect) -> None:
    q = await queue(connect, "w1")
    with pytest.raises(ValueError, match="priority"):
        await q.enqueue([(3, "a")])
    with pytest.raises(ValueError, match="empty"):
        await q.enqueue([(1, "")])
    with pytest.raises(ValueError, match="count"):
        await q.read(0)
    assert await q.enqueue([]) == []


async def test_enqueue_keeps_order_across_scripts_and_a_flushed_script_cache(
    connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Entries go in by a server-side script, several calls for a long list: each stream still
    # gets its ids in the given order, and the answer is one entry id per pair, in order.
    monkeypatch.setattr("campaigns.stream._ENQUEUE_CHUNK", 4)
    client = connect()
    q = SendQueue(client, consumer="w1")
    await q.ensure_groups()
    await client.script_flush()  # the server has forgotten the script: sent in full
    pairs = [(i % 3, f"m{i}") for i in range(11)]
    entry_ids = await q.enqueue(pairs)

    assert len(entry_ids) == 11
    for priority in (0, 1, 2):
        stored = await client.xrange(q.stream(priority)) or []
        expected = [(e, m) for e, (p, m) in zip(entry_ids, pairs, strict=True) if p == priority]
        assert [(entry, fields) for entry, fields in stored] == [(e, {"m": m}) for e, m in expected]
    with pytest.raises(ValueError, match="priority"):
        await q.enqueue([(1, "ok"), (3, "bad")])
    assert await client.xlen(q.stream(1)) == 4  # nothing of a refused list was added
