"""The export for the ledger system: which message, conversion and engagement each row shows,
the same whether one township or the whole ledger is exported, and how a township is read."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import EventKind
from results import ChangeKind, export_rows
from results.export import export_query
from results.model import CONVERSIONS
from tests.campaigns.residents import add_residents, resident
from tests.query_plans import query_plan
from tests.results.fixtures import NOW, add_campaign, add_event, add_message

TOWN, OTHER = "勐海镇", "勐遮镇"


async def _conversion(engine: AsyncEngine, resident_id: str, kind: ChangeKind, on: date) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(CONVERSIONS).values(
                resident_id=resident_id,
                kind=kind.value,
                effective_on=on,
                period=f"{on:%Y-%m}",
                reported_at=NOW,
                source="api",
            )
        )


async def _ledger(engine: AsyncEngine) -> list[str]:
    """Residents 1-8 in TOWN, 9 in OTHER; what each shows is in `test_each_row_shows_…`."""
    ids = await add_residents(
        engine,
        [resident(n) for n in range(1, 9)] + [resident(9, township=OTHER, village="曼恩村")],
    )
    c1, c2, c3 = [await add_campaign(engine, f"第{n}轮") for n in (1, 2, 3)]
    # 1: the later send wins although its row is older.
    await add_message(engine, c1, ids[0], sent_at=NOW - timedelta(days=1))
    await add_message(engine, c2, ids[0], status="failed", sent_at=NOW - timedelta(days=9))
    # 2: two sends at the same instant: the higher id wins.
    await add_message(engine, c1, ids[1], status="failed", sent_at=NOW - timedelta(days=2))
    await add_message(
        engine, c2, ids[1], status="sent", sent_at=NOW - timedelta(days=2), channel="telegram"
    )
    # 3: a queued message (no sent_at) is not a contact, however new.
    await add_message(engine, c1, ids[2], sent_at=NOW - timedelta(days=3))
    await add_message(engine, c2, ids[2], status="queued")
    # 4: nothing at all.
    # 5: the later conversion wins, whatever the insert order.
    await add_message(engine, c1, ids[4], sent_at=NOW - timedelta(days=30))
    await _conversion(engine, ids[4], ChangeKind.MEDICAL_RESUMED, date(2026, 11, 12))
    await _conversion(engine, ids[4], ChangeKind.PENSION_ENROLLED, date(2026, 10, 2))
    # 6: a conversion on the same day as another: the higher id wins.
    await _conversion(engine, ids[5], ChangeKind.PENSION_ENROLLED, date(2026, 11, 3))
    await _conversion(engine, ids[5], ChangeKind.MEDICAL_ENROLLED, date(2026, 11, 3))
    # 7: engaged (a question answered); 8: a consent is not engagement.
    await add_message(engine, c3, ids[6], sent_at=NOW - timedelta(days=4))
    await add_event(engine, EventKind.QUESTION_ANSWERED, ids[6], NOW - timedelta(days=3))
    await add_event(engine, EventKind.CHAT_CONSENTED, ids[7], NOW - timedelta(days=3))
    # 9: another township, contacted and converted.
    await add_message(engine, c3, ids[8], sent_at=NOW - timedelta(days=1))
    await _conversion(engine, ids[8], ChangeKind.PENSION_RESUMED, date(2026, 11, 19))
    await add_event(engine, EventKind.REPLY_RECEIVED, ids[8], NOW - timedelta(hours=1))
    return ids


async def _rows(engine: AsyncEngine, township: str | None) -> list[list[str]]:
    return [row async for row in export_rows(engine, unmasked=True, township=township)]


async def test_each_row_shows_the_latest_send_and_conversion(engine: AsyncEngine) -> None:
    """A township's rows show each resident's latest send (by time, then id; unsent rows
    ignored), latest conversion (by date, then id) and engagement, and no other township."""
    ids = await _ledger(engine)
    rows = await _rows(engine, TOWN)
    assert [r[1] for r in rows] == sorted(ids[:8])
    shown = {r[1]: r[8:] for r in rows}
    assert shown[ids[0]] == ["2026-11-19 12:00", "短信", "已送达"]
    assert shown[ids[1]] == ["2026-11-18 12:00", "Telegram", "已发送"]
    assert shown[ids[2]] == ["2026-11-17 12:00", "短信", "已送达"]
    assert shown[ids[3]] == ["", "", "未联系"]
    assert shown[ids[4]] == ["2026-10-21 12:00", "短信", "医疗保险续缴"]
    assert shown[ids[5]] == ["", "", "医疗保险新参保"]
    assert shown[ids[6]] == ["2026-11-16 12:00", "短信", "有回复或咨询"]
    assert shown[ids[7]] == ["", "", "未联系"]
    assert [r[8:] for r in await _rows(engine, OTHER)] == [
        ["2026-11-19 12:00", "短信", "养老保险续缴"]
    ]


async def test_a_township_reads_as_its_rows_of_the_whole_ledger(engine: AsyncEngine) -> None:
    """The per-township query and the whole-ledger query give the same rows in the same order."""
    await _ledger(engine)
    whole = await _rows(engine, None)
    assert len(whole) == 9
    for township in (TOWN, OTHER):
        assert await _rows(engine, township) == [r for r in whole if r[3] == township]


async def test_a_township_is_read_by_resident_through_the_indexes(engine: AsyncEngine) -> None:
    """One township's export probes each resident's messages, conversions and events by the
    indexes that lead with the resident, and computes nothing over a whole table."""
    statement = export_query(TOWN, engine.dialect.name)
    compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    plan = await query_plan(engine, str(compiled))
    if engine.dialect.name == "sqlite":
        # SQLite names the unique constraints' indexes sqlite_autoindex_<table>_N.
        for probe in (
            r"SEARCH residents USING INDEX ix_residents_township_village \(township=\?\)",
            r"SEARCH messages USING INDEX \w+ \(resident_id=\?\)",
            r"SEARCH last_message USING INTEGER PRIMARY KEY \(rowid=\?\)",
            r"SEARCH conversions USING INDEX \w+ \(resident_id=\?\)",
            r"SEARCH events USING INDEX ix_events_resident \(resident_id=\?\)",
        ):
            assert re.search(probe, plan), plan
        assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), plan
        return
    for index in ("uq_messages_once", "uq_conversions_once", "ix_events_resident"):
        assert f"using {index} on" in plan, plan
    assert plan.count("Index Cond: ((resident_id)::text = (residents.id_number)::text)") == 3, plan
    assert "WindowAgg" not in plan, plan
    assert "HashAggregate" not in plan, plan
