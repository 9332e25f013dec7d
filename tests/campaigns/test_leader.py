"""The leader lock: one holder at a time, takeover on release or expiry, prompt step-down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from fakeredis import FakeAsyncRedis, FakeServer
from redis.asyncio import Redis

from campaigns.leader import LeaderLock
from tests.conftest import REDIS_TEST_URL

Connect = Callable[[], Redis]
#: Hang guards only: no test measures time against these.
GUARD = 10.0


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


class Recorder:
    """Callbacks that remember what a holder was told."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.elected = asyncio.Event()
        self.lost = asyncio.Event()

    async def on_elected(self) -> None:
        self.log.append(f"{self.name}+")
        self.elected.set()

    def on_lost(self) -> None:  # a plain function is accepted too
        self.log.append(f"{self.name}-")
        self.lost.set()


async def test_only_one_of_three_holders_leads(connect: Connect) -> None:
    locks = [LeaderLock(connect(), "scheduler") for _ in range(3)]

    results = await asyncio.gather(*(lock.acquire() for lock in locks))

    assert sorted(results) == [False, False, True]
    assert [lock.is_leader for lock in locks] == results
    leader = locks[results.index(True)]
    assert await leader.renew()
    assert [await lock.acquire() for lock in locks] == results


async def test_another_takes_over_after_release(connect: Connect) -> None:
    first, second = LeaderLock(connect(), "scheduler"), LeaderLock(connect(), "scheduler")
    assert await first.acquire()
    assert not await second.acquire()

    assert await first.release()

    assert not first.is_leader
    assert await second.acquire()
    assert not await first.renew()
    assert not await first.release()  # not ours any more: the new leader keeps it
    assert second.is_leader


async def test_another_takes_over_after_expiry(connect: Connect) -> None:
    crashed = LeaderLock(connect(), "scheduler", ttl=0.2)
    waiting = LeaderLock(connect(), "scheduler", ttl=0.2)
    assert await crashed.acquire()

    for _ in range(200):  # polls, as a worker does, until the key has expired in Redis
        if await waiting.acquire():
            break
        await asyncio.sleep(0.05)

    assert not crashed.is_leader
    assert not await crashed.renew()
    assert waiting.is_leader


async def test_a_holder_counts_itself_leader_only_within_its_term(connect: Connect) -> None:
    lock = LeaderLock(connect(), "scheduler", ttl=0.2)
    assert await lock.acquire()
    await asyncio.sleep(0.25)  # past the term, with no renewal: no longer leader by itself
    assert not lock.is_leader


async def test_holders_elect_one_and_hand_over_when_it_leaves(connect: Connect) -> None:
    log: list[str] = []
    recorders = [Recorder(name, log) for name in "abc"]
    # A long term, so that a stalled machine cannot make the leader miss a renewal here.
    locks = [LeaderLock(connect(), "scheduler", ttl=5) for _ in recorders]
    contexts = [
        lock.hold(r.on_elected, r.on_lost, retry_every=0.02)
        for lock, r in zip(locks, recorders, strict=True)
    ]
    open_contexts = set(range(3))
    for context in contexts:
        await context.__aenter__()
    try:
        async with asyncio.timeout(GUARD):
            await _first_elected(recorders)
            await asyncio.sleep(0.1)  # the others keep trying meanwhile, in vain
            assert len(log) == 1
            first = "abc".index(log[0][0])
            assert [lock.is_leader for lock in locks].count(True) == 1
            assert locks[first].is_leader

            open_contexts.discard(first)
            await contexts[first].__aexit__(None, None, None)
            assert log[1] == f"{log[0][0]}-"
            assert not locks[first].is_leader

            await _first_elected([r for i, r in enumerate(recorders) if i != first])
            assert len(log) == 3
            assert log[2][0] != log[0][0]
            assert log[2].endswith("+")
    finally:
        for i in open_contexts:
            await contexts[i].__aexit__(None, None, None)
    assert [lock.is_leader for lock in locks] == [False] * 3
    assert sorted(e for e in log if e.endswith("-")) == sorted(
        f"{e[0]}-" for e in log if e.endswith("+")
    )


async def _first_elected(recorders: list[Recorder]) -> None:
    waiters = [asyncio.create_task(r.elected.wait()) for r in recorders]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
    await asyncio.gather(*waiters, return_exceptions=True)


async def test_leader_steps_down_when_its_renewal_is_refused(connect: Connect) -> None:
    client = connect()
    log: list[str] = []
    recorder = Recorder("a", log)
    lock = LeaderLock(client, "scheduler", ttl=0.3)

    async with lock.hold(recorder.on_elected, recorder.on_lost, retry_every=60):
        async with asyncio.timeout(GUARD):
            await recorder.elected.wait()
            # The key expired while this worker stalled, and another took it.
            await client.set(lock.key, "someone-else", px=60_000)
            await recorder.lost.wait()
        assert not lock.is_leader
        assert await client.get(lock.key) == "someone-else"
    assert log == ["a+", "a-"]
    assert await client.get(lock.key) == "someone-else"


async def test_leader_steps_down_when_redis_cannot_be_reached(connect: Connect) -> None:
    log: list[str] = []
    recorder = Recorder("a", log)
    lock = LeaderLock(connect(), "scheduler", ttl=0.3)
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        async with lock.hold(recorder.on_elected, recorder.on_lost, retry_every=60):
            async with asyncio.timeout(GUARD):
                await recorder.elected.wait()
                lock._redis = unreachable  # the network to Redis goes down
                await recorder.lost.wait()
            assert not lock.is_leader
    finally:
        await unreachable.aclose()
    assert log == ["a+", "a-"]


async def test_a_leader_whose_start_fails_lets_another_lead(connect: Connect) -> None:
    log: list[str] = []

    async def broken() -> None:
        log.append("broken+")
        raise RuntimeError("scheduler would not start")

    stepped_down = asyncio.Event()

    def cleanup() -> None:
        log.append("broken-")
        stepped_down.set()

    healthy = Recorder("healthy", log)
    first = LeaderLock(connect(), "scheduler", ttl=5)
    second = LeaderLock(connect(), "scheduler", ttl=5)
    async with first.hold(broken, cleanup, retry_every=60):
        async with asyncio.timeout(GUARD):
            await stepped_down.wait()
        assert not first.is_leader
        async with second.hold(healthy.on_elected, healthy.on_lost, retry_every=0.02):
            async with asyncio.timeout(GUARD):
                await healthy.elected.wait()
    assert log == ["broken+", "broken-", "healthy+", "healthy-"]


def test_bad_timings_are_refused() -> None:
    client = Redis.from_url(REDIS_TEST_URL)
    with pytest.raises(ValueError, match="ttl"):
        LeaderLock(client, "x", ttl=0)
    with pytest.raises(ValueError, match="renew_every"):
        LeaderLock(client, "x", ttl=1, renew_every=1)
