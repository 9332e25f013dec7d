"""The relay against the ledger stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import event_row, write_events
from outbox import OutboxStore, Relay
from outbox.table import EVENTS
from tests.outbox.standin import (
    T0,
    add_events,
    assert_each_once,
    assert_in_resident_order,
    ledger_standin,
    relay_settings,
    resident_id,
    undelivered,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def relay(engine: AsyncEngine, url: str, clock: Callable[[], datetime], **settings: float) -> Relay:
    return Relay(engine, relay_settings(url, **settings), clock=clock, rng=random.Random(7))


async def test_every_event_once_in_resident_order(engine: AsyncEngine, tmp_path: Path) -> None:
    ids = await add_events(engine, residents=40, per_resident=5)
    async with engine.begin() as connection:  # an event that names no resident
        await write_events(connection, [event_row("campaign_state", T0, campaign_id=1)])
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        delivered = await relay(engine, standin.url, Clock()).drain()
    records = standin.records()
    assert delivered == len(ids) + 1
    assert_each_once(records, [*ids, max(ids) + 1])
    assert_in_resident_order(records)
    assert await undelivered(engine) == 0


async def test_only_the_resident_id_goes_out_unmasked(engine: AsyncEngine, tmp_path: Path) -> None:
    person = resident_id(3)
    data = {"reply": f"我的电话13912345678，身份证{person}", "nested": [{"phone": "13912345678"}]}
    async with engine.begin() as connection:
        await write_events(
            connection, [event_row("reply_received", T0, resident_id=person, data=data)]
        )
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        await relay(engine, standin.url, Clock()).drain()
    (record,) = standin.records()
    assert record["resident_id"] == person
    text = json.dumps(record["data"], ensure_ascii=False)
    assert "13912345678" not in text
    assert person not in text
    assert "139****5678" in text


async def test_outage_then_recovery_delivers_in_order(engine: AsyncEngine, tmp_path: Path) -> None:
    clock = Clock()
    first = await add_events(engine, residents=30, per_resident=2)
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        the_relay = relay(engine, standin.url, clock)
        assert await the_relay.drain() == len(first)
        await standin.faults(down=True)
        later = await add_events(engine, residents=30, per_resident=3)
        for _ in range(6):  # an hour of failed tries, the clock past each backoff
            assert await the_relay.drain() == 0
            clock.advance(timedelta(minutes=10))
        assert standin.sandbox.core.stats["refused"] >= 6
        async with engine.connect() as connection:
            attempts: set[int] = set(
                (
                    await connection.execute(
                        select(EVENTS.c.relay_attempts).where(EVENTS.c.id.in_(later))
                    )
                ).scalars()
            )
        assert 0 not in attempts  # each was tried (due with its resident's earlier ones)
        await standin.faults(reset=True)
        clock.advance(timedelta(hours=2))
        assert await the_relay.drain() == len(later)
    records = standin.records()
    assert_each_once(records, first + later)
    assert_in_resident_order(records)
    assert await OutboxStore(engine).dead_letters() == []


async def test_dead_letters_after_the_horizon_then_replay(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    clock = Clock()
    ids = await add_events(engine, residents=3, per_resident=2)
    store = OutboxStore(engine)
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        the_relay = relay(engine, standin.url, clock)
        await standin.faults(down=True)
        await the_relay.drain()
        clock.advance(timedelta(hours=23))
        await the_relay.drain()
        assert await store.dead_letters() == []  # still within the 24 h
        clock.advance(timedelta(hours=1, minutes=1))
        await the_relay.drain()
        dead = await store.dead_letters()
        assert [letter.id for letter in dead] == ids
        assert all(letter.attempts == 3 and letter.error == "HTTP 503" for letter in dead)
        assert await store.counts() == {"pending": 0, "dead": 6}
        # resident 0's next event waits behind its dead letters, even with the ledger back
        (later,) = await add_events(engine, residents=1, per_resident=1)
        await standin.faults(reset=True)
        clock.advance(timedelta(days=2))
        assert await the_relay.drain() == 0
        assert standin.records() == []
        resident_0 = [letter.id for letter in dead if letter.resident_id == resident_id(0)]
        assert await store.replay(resident_0) == 2
        assert await the_relay.drain() == 3  # resident 0's two replayed events, then the new one
        assert await store.replay() == 4
        assert await the_relay.drain() == 4
        ids = [*ids, later]
    records = standin.records()
    assert_each_once(records, ids)
    assert_in_resident_order(records)
    assert await store.counts() == {"pending": 0, "dead": 0}


async def test_a_relay_with_the_wrong_secret_delivers_nothing(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    ids = await add_events(engine, residents=2, per_resident=1)
    async with ledger_standin(tmp_path / "ledger.jsonl") as standin:
        wrong = Relay(
            engine,
            relay_settings(standin.url, webhook_secret="not-the-secret"),
            clock=Clock(),
        )
        assert await wrong.drain() == 0
        assert standin.sandbox.core.stats["bad_signature"] == 1
        assert standin.records() == []
        assert await undelivered(engine) == len(ids)
