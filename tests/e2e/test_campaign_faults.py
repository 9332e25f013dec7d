"""A campaign through gateways that misbehave, and through a Redis flushed mid-campaign.

Time is simulated (each round of the loop is ten seconds of service time), so backoffs, leases
and the grace before asking a gateway about an unknown outcome pass quickly, while the
stand-ins' stalls and pushes happen in real time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import DispatchSettings
from campaigns.model import FINAL, MESSAGES, MessageStatus
from channels.sandbox import ReceiptOptions
from cli.local_stack import local_stack
from tests.campaigns.residents import add_residents
from tests.e2e.test_campaign_loop import MORNING, launch, logged, people
from worker import Worker, build_worker

MAX_ATTEMPTS = 6


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def run_until_final(
    worker: Worker,
    engine: AsyncEngine,
    clock: Clock,
    *,
    rounds: int = 600,
    step: float = 10.0,
    during: list[tuple[int, object]] | None = None,
) -> Counter[str]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.dispatcher.run(stop))
    try:
        for n in range(rounds):
            for at, action in during or []:
                if at == n:
                    await action()  # type: ignore[operator]
            worker.upkeep.unknown_grace = timedelta(seconds=20)
            await worker.upkeep.run_all_once()
            counts = Counter(await _statuses(engine))
            if counts and set(counts) <= {s.value for s in FINAL}:
                return counts
            clock.now += timedelta(seconds=step)
            await asyncio.sleep(0.05)
        return Counter(await _statuses(engine))
    finally:
        stop.set()
        await task


async def _statuses(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as c:
        return list((await c.execute(select(MESSAGES.c.status))).scalars().all())


def settings() -> DispatchSettings:
    return DispatchSettings(
        batch_size=50,
        block_ms=50,
        max_attempts=MAX_ATTEMPTS,
        outage_seconds=1.0,
        lease=timedelta(minutes=2),
    )


async def test_faults_end_in_final_states_without_duplicates(
    engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    await add_residents(engine, people(150))
    receipts = ReceiptOptions(delay=0.05, failure=0.1, duplicates=0.3, reorder=0.3)
    async with local_stack(engine, tmp_path, receipts=receipts) as stack:
        aliyun = stack.faults["aliyun"]
        aliyun.error_5xx, aliyun.timeout_after_accept, aliyun.stall = 0.2, 0.05, 6.0
        stack.gateways.gateway_timeout = 2.0
        clock = Clock(MORNING)
        await launch(engine, "lapsed_priority", "lapsed-priority")

        async def primary_down() -> None:
            aliyun.down = True

        async def primary_back() -> None:
            aliyun.down = False

        async def throttle_burst() -> None:
            aliyun.throttle = 0.5

        async def throttle_over() -> None:
            aliyun.throttle = 0.0

        async with build_worker(
            engine, redis, stack.gateways, clock=clock, dispatch=settings()
        ) as worker:
            counts = await run_until_final(
                worker,
                engine,
                clock,
                during=[
                    (0, primary_down),
                    (15, primary_back),
                    (20, throttle_burst),
                    (30, throttle_over),
                ],
            )
        assert sum(counts.values()) == 150
        async with engine.connect() as c:
            rows = (await c.execute(select(MESSAGES))).all()
        unsettled = [
            (r.id, r.status, r.provider, r.attempts, r.reason, r.sent_at)
            for r in rows
            if r.status not in {"delivered", "failed", "expired"}
        ]
        assert unsettled == [], f"rows not final after the run (clock {clock.now}): {unsettled}"
        for row in rows:
            assert row.attempts <= MAX_ATTEMPTS
            if row.status == MessageStatus.FAILED.value:
                assert row.reason
                assert row.error_code
        messages = logged(stack)
        per_phone = Counter(m["to"] for m in messages)
        assert max(per_phone.values()) == 1, "a resident got the same message twice"
        assert Counter(m["provider"] for m in messages)["tencent"] > 0, "no failover happened"
        # Every row is on a phone exactly once, or failed before any gateway took it (its
        # retries ran out while the primary was down or throttling): nothing in between.
        never_sent = [r for r in rows if r.address not in per_phone]
        assert (
            all(
                r.status == MessageStatus.FAILED.value and r.error_code == "retries_exhausted"
                for r in never_sent
            )
            or counts["expired"] > 0
        ), [(r.status, r.error_code) for r in never_sent]
        assert len(messages) + len(never_sent) == 150


async def test_flushed_redis_is_rebuilt_from_the_rows(
    engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    await add_residents(engine, people(120))
    async with local_stack(engine, tmp_path, rates={"aliyun": 40.0, "telegram": 25.0}) as stack:
        clock = Clock(MORNING)
        await launch(engine, "lapsed_priority", "lapsed-priority")

        async def flush() -> None:
            await redis.flushdb()

        async with build_worker(
            engine, redis, stack.gateways, clock=clock, dispatch=settings()
        ) as worker:
            counts = await run_until_final(
                worker, engine, clock, step=1.0, during=[(3, flush), (6, flush)]
            )
        assert counts == {"delivered": 120}
        per_resident = Counter(m["to"] for m in logged(stack))
        assert len(per_resident) == 120
        assert max(per_resident.values()) == 1


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
