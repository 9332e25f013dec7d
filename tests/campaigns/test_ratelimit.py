"""The shared token bucket and the gateway pause, on the real Redis and the embedded store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from fakeredis import FakeAsyncRedis, FakeServer
from redis.asyncio import Redis

from campaigns.ratelimit import Grant, Pause, TokenBucket
from tests.conftest import REDIS_TEST_URL

Connect = Callable[[], Redis]
KEY = "outreach:rate:aliyun"


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


async def server_time(client: Redis) -> float:
    seconds, micros = await client.time()
    return float(seconds) + float(micros) / 1e6


async def drive(bucket: TokenBucket, quota: int, chunk: int, grants: list[Grant]) -> None:
    """Take `quota` tokens `chunk` at a time as `wait_for` does, recording every grant."""
    got = 0
    while got < quota:
        grant = await bucket.take(min(chunk, quota - got))
        if grant.granted:
            grants.append(grant)
        got += grant.granted
        await asyncio.sleep(grant.wait)


async def test_usable_tokens_never_exceed_burst_plus_rate_times_server_time(
    connect: Connect,
) -> None:
    rate, burst = 200.0, 5
    clients = [TokenBucket(connect(), KEY, rate=rate, burst=burst) for _ in range(3)]
    start = await server_time(connect())
    grants: list[Grant] = []

    await asyncio.gather(
        *(drive(b, 40, chunk, grants) for b, chunk in zip(clients, (1, 2, 7), strict=True))
    )

    end = await server_time(connect())
    assert sum(g.granted for g in grants) == 120
    usable = 0
    for grant in sorted(grants, key=lambda g: g.usable_at):
        assert start <= grant.at <= grant.usable_at <= end
        usable += grant.granted
        assert usable <= burst + rate * (grant.usable_at - start) + 1e-6


async def test_achieved_rate_is_near_the_configured_rate(connect: Connect) -> None:
    rate, burst = 300.0, 1
    buckets = [TokenBucket(connect(), KEY, rate=rate, burst=burst) for _ in range(2)]
    drained = await buckets[0].take(burst)  # start from an empty bucket
    assert (drained.granted, drained.wait) == (burst, 0.0)
    grants: list[Grant] = []

    await asyncio.gather(*(drive(b, 60, 1, grants) for b in buckets))

    elapsed = max(g.usable_at for g in grants) - drained.at
    ratio = 120 / (rate * elapsed)
    # Loose bounds over a short run on a shared machine; benchmarks/ratelimit.py measures.
    assert 0.5 <= ratio <= 1 + 1e-6


async def test_clients_share_one_budget(connect: Connect) -> None:
    first = TokenBucket(connect(), KEY, rate=0.01, burst=4)
    second = TokenBucket(connect(), KEY, rate=0.01, burst=4)

    assert (await first.take(3)).granted == 3
    grant = await second.take(3)
    assert grant.granted == 3  # lent: one token is there, two more come at one in 100 s
    assert 100 < grant.wait <= 200
    refused = await first.take(1)
    assert refused.granted == 0  # it would wait 300 s behind the loan, more than max_wait
    assert 200 < refused.wait <= 290


async def test_more_than_available_is_lent_with_the_time_it_may_be_used(
    connect: Connect,
) -> None:
    bucket = TokenBucket(connect(), KEY, rate=10.0, burst=5)

    grant = await bucket.take(8)

    assert grant.granted == 8
    assert grant.wait == pytest.approx(0.3)
    assert grant.usable_at == pytest.approx(grant.at + 0.3)


async def test_a_batch_larger_than_the_burst_waits_but_is_not_starved(connect: Connect) -> None:
    bucket = TokenBucket(connect(), KEY, rate=10.0, burst=5, max_wait=1.0)
    big = await bucket.take(1000)
    assert big.granted == 1000
    assert big.wait == pytest.approx(99.5)
    after = await bucket.take(1)
    assert after.granted == 0
    assert after.wait == pytest.approx(99.6 - 1.0, abs=0.05)


async def test_an_idle_bucket_holds_no_more_than_its_burst(connect: Connect) -> None:
    bucket = TokenBucket(connect(), KEY, rate=1000.0, burst=3)
    assert (await bucket.take(3)).wait == 0.0
    await asyncio.sleep(0.05)  # long enough to refill 50 tokens, were there room for them
    grant = await bucket.take(10)
    assert grant.wait >= 7 / 1000


async def test_wait_for_sleeps_until_the_tokens_may_be_used(connect: Connect) -> None:
    bucket = TokenBucket(connect(), KEY, rate=500.0, burst=5)
    assert await bucket.wait_for(5) == 0.0
    slept = await bucket.wait_for(12)
    assert 0.0 < slept <= 12 / 500


async def test_wait_for_asks_again_after_a_refusal(connect: Connect) -> None:
    bucket = TokenBucket(connect(), KEY, rate=100.0, burst=1, max_wait=0.01)
    assert (await bucket.take(3)).granted == 3  # in debt for 20 ms
    assert (await bucket.take(1)).granted == 0
    slept = await bucket.wait_for(1)
    assert slept > 0
    assert (await bucket.take(1)).granted == 1


async def test_bucket_key_expires_once_it_would_be_full_again(connect: Connect) -> None:
    client = connect()
    bucket = TokenBucket(client, KEY, rate=2.0, burst=10)
    await bucket.take(1)
    assert 500 < await client.pttl(KEY) <= 1_500  # one token to refill at 2 a second, + 1 s
    await bucket.take(20)
    assert 9_000 < await client.pttl(KEY) <= 11_500  # in debt: 21 tokens to refill, + 1 s


@pytest.mark.parametrize("rate", [0, 0.0, None])
async def test_rate_zero_or_none_is_unlimited(connect: Connect, rate: float | None) -> None:
    client = connect()
    bucket = TokenBucket(client, KEY, rate=rate)
    assert bucket.unlimited
    assert await bucket.take(10_000) == Grant(10_000, 0.0, 0.0)
    assert await bucket.wait_for(10_000) == 0.0
    assert await client.exists(KEY) == 0


async def test_script_flushed_from_the_server_is_sent_again(connect: Connect) -> None:
    client = connect()
    bucket = TokenBucket(client, KEY, rate=0.01, burst=3)
    assert (await bucket.take(2)).wait == 0.0
    await client.script_flush()

    grant = await bucket.take(2)
    assert grant.granted == 2
    assert 50 < grant.wait <= 100  # the state survived: one token left, one lent


async def test_reset_refills_the_bucket(connect: Connect) -> None:
    bucket = TokenBucket(connect(), KEY, rate=0.001, burst=3)
    assert (await bucket.take(3)).wait == 0.0
    assert (await bucket.take(1)).wait > 900
    await bucket.reset()
    grant = await bucket.take(3)
    assert (grant.granted, grant.wait) == (3, 0.0)


async def test_bad_settings_and_counts_are_refused(connect: Connect) -> None:
    client = connect()
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(client, KEY, rate=1.0, burst=0)
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(client, KEY, rate=-1.0)
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(client, KEY, rate=float("inf"))
    with pytest.raises(ValueError, match="max_wait"):
        TokenBucket(client, KEY, rate=1.0, max_wait=0)
    bucket = TokenBucket(client, KEY, rate=1.0)
    with pytest.raises(ValueError, match="negative"):
        await bucket.take(-1)
    assert await bucket.take(0) == Grant(0, 0.0, 0.0)


async def test_pause_is_seen_by_every_worker_and_only_ever_extended(connect: Connect) -> None:
    one, other = Pause(connect(), "aliyun"), Pause(connect(), "aliyun")
    assert await other.remaining() == 0.0
    assert await other.reason() is None

    assert await one.hold(60, "HTTP 429") == 60.0
    assert 30 < await other.remaining() <= 60
    assert await other.reason() == "HTTP 429"

    assert 30 < await other.hold(1, "short") <= 60  # a shorter hold does not cut it short
    assert await one.reason() == "HTTP 429"
    assert 60 < await other.hold(120, "down") <= 120
    assert await one.reason() == "down"

    await one.release()
    assert await other.remaining() == 0.0


async def test_pauses_are_per_gateway(connect: Connect) -> None:
    await Pause(connect(), "aliyun").hold(60)
    assert await Pause(connect(), "tencent").remaining() == 0.0


async def test_wait_sleeps_out_the_pause(connect: Connect) -> None:
    pause = Pause(connect(), "tencent")
    await pause.hold(0.05, "throttled")

    assert await pause.wait() > 0
    assert await pause.remaining() == 0.0
    assert await pause.wait() == 0.0
    assert await pause.hold(0) == 0.0
