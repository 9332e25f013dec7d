"""Conversions: attribution inside and outside the window, idempotency, the re-import path."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import EventKind
from campaigns.model import EVENTS
from ledger import Resident, import_ledger
from results import (
    ChangeKind,
    StatusChangeError,
    Statuses,
    apply_status_changes,
    classify,
    reconcile_statuses,
)
from results.model import CONVERSIONS
from tests.campaigns.residents import add_residents, resident
from tests.ledger.builders import id_number, write_csv
from tests.results.fixtures import NOW, add_campaign, add_event, add_message


def test_classify_each_kind() -> None:
    lapsed = Statuses("lapsed", "resident", "never")
    assert classify(lapsed, Statuses("paying", "resident", "paying")) == [
        ChangeKind.PENSION_RESUMED,
        ChangeKind.MEDICAL_ENROLLED,
    ]
    assert classify(Statuses("never", None, None), Statuses("paying", "employee", None)) == [
        ChangeKind.PENSION_ENROLLED
    ]
    paying = Statuses("paying", "resident", "paying")
    assert classify(paying, Statuses("paying", "employee", "paying")) == [
        ChangeKind.PENSION_SWITCHED
    ]
    assert classify(paying, Statuses("lapsed", "resident", "lapsed")) == []


async def _conversions(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(CONVERSIONS).order_by(CONVERSIONS.c.id))
        return [dict(r._mapping) for r in rows]


async def _conversion_events(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (
                await connection.execute(
                    select(func.count()).where(EVENTS.c.kind == EventKind.CONVERSION)
                )
            ).scalar_one()
        )


async def test_attributed_inside_window_not_outside(engine: AsyncEngine) -> None:
    inside, outside, chatted = await add_residents(engine, [resident(1), resident(2), resident(3)])
    campaign = await add_campaign(engine)
    message = await add_message(engine, campaign, inside, sent_at=NOW - timedelta(days=29))
    await add_message(engine, campaign, outside, sent_at=NOW - timedelta(days=31))
    await add_message(engine, campaign, chatted, sent_at=NOW - timedelta(days=20))
    event = await add_event(
        engine, EventKind.REPLY_RECEIVED, chatted, NOW - timedelta(days=2), provider="aliyun"
    )
    changes = [{"id_number": i, "pension_status": "paying"} for i in (inside, outside, chatted)]
    result = await apply_status_changes(engine, changes, idempotency_key="k1", now=NOW)
    assert (result.received, result.applied, result.conversions) == (3, 3, 3)
    rows = {r["resident_id"]: r for r in await _conversions(engine)}
    assert rows[inside]["campaign_id"] == campaign
    assert rows[inside]["message_id"] == message
    assert rows[inside]["kind"] == ChangeKind.PENSION_RESUMED
    assert rows[inside]["effective_on"] == date(2026, 11, 20)
    assert rows[outside]["campaign_id"] is None
    assert rows[outside]["message_id"] is None
    # The reply is the last contact; it answers the campaign's message, so the campaign counts.
    assert rows[chatted]["contact_event_id"] == event
    assert rows[chatted]["campaign_id"] == campaign
    assert await _conversion_events(engine) == 3
    async with engine.connect() as connection:
        stored = (
            await connection.execute(
                select(Resident.pension_status, Resident.pension_last_paid).where(
                    Resident.id_number == inside
                )
            )
        ).one()
    assert tuple(stored) == ("paying", date(2026, 11, 1))


async def test_window_is_configurable(engine: AsyncEngine) -> None:
    (rid,) = await add_residents(engine, [resident(1)])
    campaign = await add_campaign(engine)
    await add_message(engine, campaign, rid, sent_at=NOW - timedelta(days=40))
    await apply_status_changes(
        engine,
        [{"id_number": rid, "pension_status": "参保缴费"}],
        idempotency_key="k",
        now=NOW,
        window=timedelta(days=45),
    )
    (row,) = await _conversions(engine)
    assert row["campaign_id"] == campaign


async def test_a_contact_after_the_change_does_not_count(engine: AsyncEngine) -> None:
    (rid,) = await add_residents(engine, [resident(1)])
    campaign = await add_campaign(engine)
    await add_message(engine, campaign, rid, sent_at=NOW - timedelta(days=1))
    at = (NOW - timedelta(days=3)).isoformat()
    await apply_status_changes(
        engine,
        [{"id_number": rid, "pension_status": "paying", "at": at}],
        idempotency_key="k",
        now=NOW,
    )
    (row,) = await _conversions(engine)
    assert row["campaign_id"] is None
    assert row["effective_on"] == date(2026, 11, 17)


async def test_idempotent_by_key_and_never_double_counted(engine: AsyncEngine) -> None:
    a, b = await add_residents(engine, [resident(1), resident(2, medical_status="never")])
    changes = [
        {"id_number": a, "pension_status": "paying"},
        {"id_number": b, "medical_status": "paying"},
        {"id_number": id_number("19800101", 77), "pension_status": "paying"},
    ]
    first = await apply_status_changes(engine, changes, idempotency_key="batch-1", now=NOW)
    again = await apply_status_changes(engine, changes, idempotency_key="batch-1", now=NOW)
    assert first.conversions == 2
    assert first.unknown == [2]
    assert again.replayed
    assert again.conversions == 2  # the first result, not a second application
    # The same news under another key changes nothing any more.
    other = await apply_status_changes(engine, changes, idempotency_key="batch-2", now=NOW)
    assert (other.applied, other.unchanged, other.conversions) == (0, 2, 0)
    # A lapse and a resumption in the same month: still one conversion of that kind.
    flap = [
        {"id_number": a, "pension_status": "lapsed", "at": "2026-11-10"},
        {"id_number": a, "pension_status": "paying", "at": "2026-11-12"},
    ]
    flapped = await apply_status_changes(engine, flap, idempotency_key="batch-3", now=NOW)
    assert flapped.applied == 2
    assert flapped.conversions == 0
    assert len(await _conversions(engine)) == 2
    assert await _conversion_events(engine) == 2


async def test_invalid_batch_writes_nothing(engine: AsyncEngine) -> None:
    (rid,) = await add_residents(engine, [resident(1)])
    changes = [
        {"id_number": rid, "pension_status": "paying"},
        {"id_number": rid, "pension_status": "maybe"},
        {"id_number": "123"},
    ]
    with pytest.raises(StatusChangeError) as caught:
        await apply_status_changes(engine, changes, idempotency_key="bad", now=NOW)
    assert [p for p, _ in caught.value.problems] == [1, 2]
    assert await _conversions(engine) == []
    # The key was not used up by the rejected batch.
    ok = await apply_status_changes(engine, changes[:1], idempotency_key="bad", now=NOW)
    assert ok.conversions == 1


async def test_reimport_turns_changed_rows_into_conversions(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    a, b, c = (id_number("19700101", n) for n in (1, 2, 3))
    first = [
        [
            "张一",
            a,
            "13900000001",
            "勐海镇",
            "曼短村",
            "外卖骑手",
            "暂停缴费",
            "2023-06",
            "未参保",
            "",
        ],
        [
            "张二",
            b,
            "13900000002",
            "勐海镇",
            "曼短村",
            "农民工",
            "未参保",
            "",
            "未参保",
            "经济困难",
        ],
        ["张三", c, "13900000003", "勐海镇", "曼短村", "农民工", "参保缴费", "2026-10", "", ""],
    ]
    path = write_csv(tmp_path / "ledger.csv", first)
    await import_ledger(engine, path, today=NOW.date())
    assert await reconcile_statuses(engine, now=NOW) == 0  # newcomers are not conversions
    campaign = await add_campaign(engine)
    await add_message(engine, campaign, a, sent_at=NOW - timedelta(days=5))
    second = [list(r) for r in first]
    second[0][6] = "参保缴费"  # a resumed
    second[1][8] = "参保缴费"  # b enrolled in medical insurance
    second[2][6] = "暂停缴费"  # c lapsed: not a conversion
    write_csv(path, second)
    await import_ledger(engine, path, today=NOW.date())
    assert await reconcile_statuses(engine, now=NOW) == 2
    assert await reconcile_statuses(engine, now=NOW) == 0
    rows = {(r["resident_id"], r["kind"]): r for r in await _conversions(engine)}
    assert set(rows) == {(a, "pension_resumed"), (b, "medical_enrolled")}
    assert rows[a, "pension_resumed"]["campaign_id"] == campaign
    assert rows[a, "pension_resumed"]["source"] == "import"
    assert rows[b, "medical_enrolled"]["campaign_id"] is None
    async with engine.connect() as connection:
        data: str = (
            await connection.execute(
                select(EVENTS.c.data).where(
                    EVENTS.c.kind == EventKind.CONVERSION, EVENTS.c.resident_id == a
                )
            )
        ).scalar_one()
    assert json.loads(data)["change"] == "pension_resumed"
    # The API reporting the same change afterwards does not count it again.
    late = await apply_status_changes(
        engine, [{"id_number": a, "pension_status": "paying"}], idempotency_key="late", now=NOW
    )
    assert late.conversions == 0


async def test_window_from_the_environment(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    near, far = await add_residents(engine, [resident(1), resident(2)])
    campaign = await add_campaign(engine)
    await add_message(engine, campaign, near, sent_at=NOW - timedelta(days=6))
    await add_message(engine, campaign, far, sent_at=NOW - timedelta(days=8))
    monkeypatch.setenv("CONVERSION_WINDOW_DAYS", "7")
    changes = [{"id_number": i, "pension_status": "paying"} for i in (near, far)]
    await apply_status_changes(engine, changes, idempotency_key="env", now=NOW)
    rows = {r["resident_id"]: r["campaign_id"] for r in await _conversions(engine)}
    assert rows == {near: campaign, far: None}
