"""Two relays at once on PostgreSQL: disjoint claims, no event posted twice, order kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core import create_engine
from outbox import Relay
from tests.conftest import _empty
from tests.outbox.standin import (
    add_events,
    assert_each_once,
    assert_in_resident_order,
    ledger_standin,
    relay_settings,
    undelivered,
    wait_for,
)


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    await _empty(postgres_url)
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()


async def test_two_relays_post_no_event_twice(
    pg_engine: AsyncEngine, postgres_url: str, tmp_path: Path
) -> None:
    ids = await add_events(pg_engine, residents=500, per_resident=8)
    engines = [create_engine(postgres_url) for _ in range(2)]
    stop = asyncio.Event()
    async with ledger_standin(tmp_path / "ledger.jsonl", latency=0.005) as standin:
        settings = relay_settings(standin.url, batch_size=50, concurrency=4)
        relays = [Relay(engine, settings) for engine in engines]
        running = [asyncio.create_task(relay.run(stop)) for relay in relays]

        async def all_delivered() -> bool:
            return await undelivered(pg_engine) == 0

        await wait_for(all_delivered, "every event delivered")
        stop.set()
        await asyncio.gather(*running)
        stats = dict(standin.sandbox.core.stats)
    for engine in engines:
        await engine.dispose()
    assert stats.get("concurrent_duplicates", 0) == 0
    assert stats.get("duplicates", 0) == 0  # nothing crashed: no event was posted twice at all
    assert all(relay.delivered > 0 for relay in relays)
    assert sum(relay.delivered for relay in relays) == len(ids)
    records = standin.records()
    assert_each_once(records, ids)
    assert_in_resident_order(records)
