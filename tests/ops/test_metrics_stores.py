"""Gauges read from the stores at scrape time: the send queue in the real Redis, the outbox
and the conversions in both databases; and the counters the relay and the rate limit move."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import TokenBucket
from campaigns.stream import SendQueue
from core import EMBEDDED_REDIS, create_redis
from ops.refreshers import conversions_refresher, outbox_refresher, queue_refresher
from outbox import Relay
from results import apply_status_changes
from tests.campaigns.residents import add_residents, resident
from tests.ops.scrape import metrics_app
from tests.outbox.standin import T0, add_events, ledger_standin, relay_settings
from tests.results.fixtures import NOW


async def test_queue_depth_lag_age_and_dead_letters_from_redis(redis: Redis) -> None:
    queue = SendQueue(redis, consumer="worker-1")
    await queue.ensure_groups()
    # An entry from 1970 (ids are milliseconds since the epoch): its age says how old.
    await redis.xadd(queue.stream(2), {"m": "100"}, id="1000-0")
    await queue.enqueue([(0, "4"), (2, "1"), (2, "2")])
    await redis.xadd(queue.stream(1), {"junk": "no message id"})
    async with metrics_app([queue_refresher(redis)]) as client:
        before = await client.scrape()
        assert [d.message_id for d in await queue.read(count=1, block_ms=0)] == ["4"]
        # The malformed p1 entry is set aside; then one p2 entry is handed out.
        assert [d.message_id for d in await queue.read(count=1, block_ms=0)] == ["100"]
        after = await client.scrape()

    def gauge(name: str, stream: str) -> float:
        return after.value(f"outreach_queue_{name}", stream=stream)

    assert (gauge("length", "send:p0"), gauge("pending", "send:p0"), gauge("lag", "send:p0")) == (
        1,
        1,
        0,
    )
    assert (gauge("length", "send:p1"), gauge("pending", "send:p1"), gauge("lag", "send:p1")) == (
        0,
        0,
        0,
    )
    assert (gauge("length", "send:p2"), gauge("pending", "send:p2"), gauge("lag", "send:p2")) == (
        3,
        1,
        2,
    )
    assert gauge("length", "send:dead") == 1
    assert gauge("oldest_age_seconds", "send:p1") == 0
    assert gauge("oldest_age_seconds", "send:p2") > 1_700_000_000  # since 1970-01-01 00:00:01
    assert 0 <= gauge("oldest_age_seconds", "send:p0") < 3600
    dead = {"stage": "send", "reason": "malformed_entry"}
    assert after.value("outreach_dead_letters_total", **dead) == (
        before.value("outreach_dead_letters_total", **dead) + 1
    )


async def test_queue_gauges_on_the_embedded_store() -> None:
    # `outreach serve` on the defaults reads its queue from the in-process stand-in.
    embedded = create_redis(EMBEDDED_REDIS)
    queue = SendQueue(embedded, prefix="metrics-embedded", consumer="worker-1")
    await queue.ensure_groups()
    await queue.enqueue([(1, "5"), (1, "6")])
    await queue.read(count=1, block_ms=0)
    try:
        async with metrics_app([queue_refresher(embedded, prefix="metrics-embedded")]) as client:
            after = await client.scrape()
    finally:
        await queue.purge()
    assert after.value("outreach_queue_length", stream="send:p1") == 2
    assert after.value("outreach_queue_pending", stream="send:p1") == 1
    assert after.value("outreach_queue_lag", stream="send:p1") == 1


async def test_outbox_backlog_and_oldest_event_then_delivery(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_events(engine, residents=3, per_resident=2)  # at T0 and T0 + 1 s
    refresher = outbox_refresher(engine, clock=lambda: T0 + timedelta(seconds=90))
    async with metrics_app([refresher]) as client:
        before = await client.scrape()
        assert before.value("outreach_outbox_backlog", state="pending") == 6
        assert before.value("outreach_outbox_backlog", state="dead") == 0
        assert before.value("outreach_outbox_oldest_undelivered_age_seconds") == 90
        async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
            relay = Relay(engine, relay_settings(standin.url), clock=lambda: T0)
            assert await relay.drain() == 6
        after = await client.scrape()
    assert after.value("outreach_outbox_backlog", state="pending") == 0
    assert after.value("outreach_outbox_oldest_undelivered_age_seconds") == 0
    assert after.value("outreach_outbox_events_total", outcome="delivered") == (
        before.value("outreach_outbox_events_total", outcome="delivered") + 6
    )
    posts = after.value("outreach_outbox_post_seconds_count")
    assert posts >= before.value("outreach_outbox_post_seconds_count") + 1


async def test_outbox_retries_then_dead_letters_past_the_horizon(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await add_events(engine, residents=2, per_resident=2)
    now = [T0]
    async with metrics_app([outbox_refresher(engine, clock=lambda: now[0])]) as client:
        before = await client.scrape()
        async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
            relay = Relay(
                engine, relay_settings(standin.url), clock=lambda: now[0], rng=random.Random(7)
            )
            await standin.faults(down=True)
            await relay.drain()  # every event fails once: retried
            now[0] = T0 + timedelta(hours=25)
            await relay.drain()  # past the 24 h horizon: dead letters
        after = await client.scrape()

    def delta(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta("outreach_outbox_events_total", outcome="dead_lettered") == 4
    assert delta("outreach_outbox_events_total", outcome="retried") >= 1
    assert delta("outreach_retries_total", stage="outbox") >= 1
    assert delta("outreach_dead_letters_total", stage="outbox", reason="horizon") == 4
    assert after.value("outreach_outbox_backlog", state="dead") == 4
    assert after.value("outreach_outbox_backlog", state="pending") == 0


async def test_conversions_from_the_ledger_are_counted_and_read_back(engine: AsyncEngine) -> None:
    ids = await add_residents(engine, [resident(1), resident(2)])
    async with metrics_app([conversions_refresher(engine)]) as client:
        before = await client.scrape()
        changes = [{"id_number": i, "pension_status": "paying"} for i in ids]
        result = await apply_status_changes(engine, changes, idempotency_key="m1", now=NOW)
        assert result.conversions == 2
        # The ledger system sends the batch again: nothing new, nothing counted twice.
        await apply_status_changes(engine, changes, idempotency_key="m1", now=NOW)
        after = await client.scrape()
    assert after.value("outreach_conversions_total", source="api") == (
        before.value("outreach_conversions_total", source="api") + 2
    )
    assert after.value("outreach_conversions_recorded", kind="pension_resumed") == 2
    assert after.value("outreach_conversions_recorded", kind="pension_enrolled") == 0


async def test_rate_limit_waits_are_counted_with_their_seconds(redis: Redis) -> None:
    bucket = TokenBucket(redis, "outreach:rate:tencent", rate=4.0, burst=1)
    async with metrics_app() as client:
        before = await client.scrape()
        assert await bucket.wait_for(1) == 0  # the bucket starts full
        slept = await bucket.wait_for(1)  # the next token comes a quarter second later
        after = await client.scrape()
    assert slept > 0
    assert after.value("outreach_ratelimit_waits_total", gateway="tencent") == (
        before.value("outreach_ratelimit_waits_total", gateway="tencent") + 1
    )
    waited = after.value("outreach_ratelimit_wait_seconds_total", gateway="tencent")
    assert waited - before.value(
        "outreach_ratelimit_wait_seconds_total", gateway="tencent"
    ) == pytest.approx(slept)
