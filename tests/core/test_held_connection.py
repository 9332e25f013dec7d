"""core.HeldConnection: one connection across close statements, handed back when quiet or broken."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import ChatStore
from campaigns.model import EVENTS
from core import HeldConnection, stored_utc
from tests.campaigns.residents import add_residents, resident

COUNT = text("SELECT count(*) FROM events WHERE kind = 'question_answered'")


def _checked_out(engine: AsyncEngine) -> int:
    return int(engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_statements_share_one_connection(engine: AsyncEngine) -> None:
    held = HeldConnection(engine.execution_options(isolation_level="AUTOCOMMIT"), linger=600)
    try:
        for _ in range(3):
            await held.execute(text("SELECT 1"))
            assert held.held
            assert _checked_out(engine) == 1
        held._expire()  # the timer, early: a statement ran within `linger`, so it stays
        assert held.held
    finally:
        await held.aclose()
    assert _checked_out(engine) == 0


async def test_a_quiet_spell_hands_the_connection_back(engine: AsyncEngine) -> None:
    held = HeldConnection(engine.execution_options(isolation_level="AUTOCOMMIT"), linger=0.05)
    try:
        await held.execute(text("SELECT 1"))
        await _until(lambda: not held.held and _checked_out(engine) == 0)
        await held.execute(text("SELECT 1"))  # the next statement takes one again
        assert _checked_out(engine) == 1
    finally:
        await held.aclose()


async def _until(condition: Callable[[], bool], *, within: float = 10.0) -> None:
    """Wait for `condition` (no timing is asserted: only that it comes true)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "never came true"
        await asyncio.sleep(0.01)


async def test_a_failed_statement_gives_the_connection_back_and_the_next_starts_fresh(
    engine: AsyncEngine,
) -> None:
    held = HeldConnection(engine.execution_options(isolation_level="AUTOCOMMIT"))
    try:
        await held.execute(text("SELECT 1"))
        with pytest.raises(DBAPIError):
            await held.execute(text("SELECT * FROM no_such_table"))
        assert not held.held
        await held.execute(text("SELECT 1"))
        assert held.held
    finally:
        await held.aclose()
    await _until(lambda: _checked_out(engine) == 0)  # the failed one is closed in a task


async def test_one_statement_at_a_time(engine: AsyncEngine) -> None:
    held = HeldConnection(engine)
    try:
        first = asyncio.ensure_future(held.execute(text("SELECT 1")))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="one statement at a time"):
            await held.execute(text("SELECT 1"))
        await first
    finally:
        await held.aclose()


async def test_a_store_holding_its_writes_commits_every_event_and_closes_clean(
    engine: AsyncEngine,
) -> None:
    store = ChatStore(engine, hold_connections=True)
    await asyncio.gather(
        *(store.question_answered(10_000 + n, "rider-pension", 0.9) for n in range(40))
    )
    await store.question_answered(10_000, "rider-pension", 0.9)
    async with engine.connect() as connection:  # another connection sees them: committed
        assert (await connection.execute(COUNT)).scalar_one() == 41
    assert _checked_out(engine) == 1  # the writer's, held
    await store.aclose()
    assert _checked_out(engine) == 0


async def test_a_held_writer_stores_the_same_rows_as_the_pools(engine: AsyncEngine) -> None:
    """On PostgreSQL the held writer inserts through asyncpg with its own text of the insert;
    the rows must be the ones SQLAlchemy's statement writes: the linked resident found by the
    chat, the data, the time."""
    (linked,) = await add_residents(engine, [resident(1, chat=20_001)])
    now = datetime(2026, 12, 6, 4, 30, tzinfo=UTC)
    for hold in (False, True):
        store = ChatStore(engine, clock=lambda: now, hold_connections=hold)
        await asyncio.gather(
            store.question_answered(20_001, "rider-pension", 0.91234),
            store.question_abstained(20_002, "low_confidence", None),
        )
        await store.question_abstained(20_001, "vague", "rider-pension")  # a batch of one
        await store.aclose()
    e = EVENTS.c
    query = select(e.kind, e.at, e.campaign_id, e.message_id, e.resident_id, e.data).order_by(e.id)
    async with engine.connect() as connection:
        rows: list[tuple[Any, ...]] = [tuple(r) for r in await connection.execute(query)]
    pooled, held = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    assert len(pooled) == 3
    assert sorted(map(str, held)) == sorted(map(str, pooled))
    by_resident = {(r[0], r[4]) for r in held}
    assert ("question_answered", linked) in by_resident
    assert ("question_abstained", None) in by_resident  # chat 20_002 is linked to no one
    assert all(stored_utc(r[1]) == now for r in held)
    assert {json.loads(r[5])["channel"] for r in held} == {"telegram"}


async def test_a_held_reader_reads_the_same_chats_as_the_pool(engine: AsyncEngine) -> None:
    """On PostgreSQL chats not cached are read many at once, through asyncpg with a text of its
    own: each must come back as SQLAlchemy's per-chat query reads it."""
    (linked,) = await add_residents(engine, [resident(1, chat=30_005)])
    pooled = ChatStore(engine)
    await pooled.consent(30_001, "zh")
    await pooled.consent(30_002, "en")
    await pooled.consent(30_003, "zh")
    await pooled.stop(30_003, source="telegram_stop")  # consented, then stopped
    await pooled.stop(30_004, source="telegram_block")  # stopped, never consented
    await pooled.set_language(30_006, "en")  # a language, no consent
    chats = [30_001, 30_002, 30_003, 30_004, 30_005, 30_006, 30_007, 30_001]
    expected = [await pooled.chat_user(chat) for chat in chats]
    assert expected[4] is not None
    assert expected[4].resident_id == linked
    assert expected[6] is None  # a chat the records do not know
    held = ChatStore(engine, hold_connections=True)
    try:
        assert list(await asyncio.gather(*(held.chat_user(chat) for chat in chats))) == expected
        assert await held.chat_user(30_002) == expected[1]  # a read of one
    finally:
        await held.aclose()
    assert _checked_out(engine) == 0
