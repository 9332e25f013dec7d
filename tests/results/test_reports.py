"""Reports on a small fixed ledger, every figure worked out by hand below."""

from __future__ import annotations

import csv
import struct
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import EventKind
from results import (
    Month,
    UnitProgress,
    apply_status_changes,
    export_for_ledger,
    funnel_report,
    parse_targets,
    progress_report,
    write_progress_workbook,
)
from tests.campaigns.residents import add_residents, resident
from tests.results.fixtures import NOW, add_campaign, add_event, add_message

TOWN, TOWN2 = "勐海镇", "勐遮镇"
A, B, C = "曼短村", "曼召村", "曼恩村"


async def _ledger(engine: AsyncEngine) -> list[str]:
    """Nine residents, one campaign, three conversions reported by the ledger system.

    1 A lapsed, delivered 10 days ago, resumes paying   → in scope, contacted, reached, converted
    2 A lapsed, sent (no receipt) 10 days ago            → in scope, contacted, insured, unpaid
    3 A never (financial difficulty), no message         → in scope, reason counted
    4 A paying since 2026-09, no message                 → in scope, insured, paid
    5 A student                                          → out of scope
    6 B never, delivered 5 days ago, replied 3 days ago, enrolls → engaged and converted
    7 B paying, last paid 2025-12                        → insured, not paid this year
    8 C lapsed, delivered 40 days ago (2026-10-11), resumes → converted, not attributed
    9 C born 2015                                        → out of scope (under 16)
    """
    ids = await add_residents(
        engine,
        [
            resident(1),
            resident(2),
            resident(3, pension_status="never", uninsured_reason="financial_difficulty"),
            resident(4, pension_status="paying", pension_last_paid=date(2026, 9, 1)),
            resident(5, employment_status="student", pension_status="never"),
            resident(6, village=B, pension_status="never", identity_group="migrant_worker"),
            resident(7, village=B, pension_status="paying", pension_last_paid=date(2025, 12, 1)),
            resident(8, township=TOWN2, village=C),
            resident(9, birth="20150101", township=TOWN2, village=C, pension_status="never"),
        ],
    )
    campaign = await add_campaign(engine)
    await add_message(engine, campaign, ids[0], sent_at=NOW - timedelta(days=10))
    await add_message(engine, campaign, ids[1], status="sent", sent_at=NOW - timedelta(days=10))
    await add_message(engine, campaign, ids[5], sent_at=NOW - timedelta(days=5))
    await add_event(engine, EventKind.REPLY_RECEIVED, ids[5], NOW - timedelta(days=3))
    await add_message(engine, campaign, ids[7], sent_at=NOW - timedelta(days=40))
    changes = [{"id_number": ids[i], "pension_status": "paying"} for i in (0, 5, 7)]
    result = await apply_status_changes(engine, changes, idempotency_key="fixed", now=NOW)
    assert result.conversions == 3
    return ids


def _figures(
    report_units: list[UnitProgress], township: str, village: str | None
) -> tuple[int, ...]:
    (unit,) = [u for u in report_units if (u.township, u.village) == (township, village)]
    return (
        unit.in_scope,
        unit.contacted,
        unit.reached,
        unit.converted,
        unit.crossed_off,
        unit.insured,
        unit.paid,
    )


async def test_progress_matches_hand_computation(engine: AsyncEngine) -> None:
    await _ledger(engine)
    report = await progress_report(engine, Month.parse("2026-11"))
    u = report.units
    #                                   scope contacted reached conv crossed insured paid
    assert _figures(u, TOWN, A) == (4, 2, 1, 1, 1, 3, 2)
    assert _figures(u, TOWN, B) == (2, 1, 1, 1, 1, 2, 1)
    assert _figures(u, TOWN, None) == (6, 3, 2, 2, 2, 5, 3)
    assert _figures(u, TOWN2, C) == (1, 1, 1, 1, 1, 1, 1)
    (a,) = [x for x in u if x.village == A]
    assert a.enrollment_rate == pytest.approx(3 / 4)
    assert a.payment_rate == pytest.approx(2 / 3)
    assert a.enrollment_target is not None
    assert (a.enrollment_target.rate, a.enrollment_target.due_month) == (0.90, 6)
    assert a.payment_target is not None
    assert (a.payment_target.rate, a.payment_target.due_month) == (0.80, 11)
    assert report.reasons == [(TOWN, A, "financial_difficulty", 1)]


async def test_progress_of_an_earlier_month(engine: AsyncEngine) -> None:
    await _ledger(engine)
    report = await progress_report(engine, Month.parse("2026-10"))
    # October: only resident 8 had been sent a message; no conversion yet; resident 1's payment
    # (November) is not in October's figures, resident 4's (September) is.
    assert _figures(report.units, TOWN, A) == (4, 0, 0, 0, 0, 3, 1)
    assert _figures(report.units, TOWN2, C) == (1, 1, 1, 0, 0, 1, 0)
    (a,) = [x for x in report.units if x.village == A]
    assert a.payment_target is not None
    assert (a.payment_target.rate, a.payment_target.due_month) == (0.70, 8)


async def test_targets_per_unit(engine: AsyncEngine) -> None:
    await _ledger(engine)
    targets = parse_targets(
        {
            "default": {"payment": {7: 0.5}},
            "units": {TOWN: {"enrollment": {6: 0.95}}, f"{TOWN}/{B}": {"payment": {9: 0.65}}},
        }
    )
    report = await progress_report(engine, Month.parse("2026-11"), targets)
    by_village = {(x.township, x.village): x for x in report.units}
    b, c = by_village[TOWN, B], by_village[TOWN2, C]
    rates = [
        t.rate if t else None
        for t in (b.enrollment_target, b.payment_target, c.enrollment_target, c.payment_target)
    ]
    assert rates == [0.95, 0.65, 0.90, 0.5]


async def test_funnel_matches_hand_computation(engine: AsyncEngine) -> None:
    await _ledger(engine)
    (total,) = await funnel_report(engine)
    # Messages to 1, 2, 6, 8; 2 never confirmed; 6 replied; 1 and 6 converted within the window.
    assert (total.targeted, total.sent, total.delivered, total.engaged, total.converted) == (
        4,
        4,
        3,
        1,
        2,
    )
    assert total.rate("converted") == pytest.approx(0.5)
    towns = {r.key: r for r in await funnel_report(engine, split="township")}
    assert (towns[TOWN].targeted, towns[TOWN].delivered, towns[TOWN].converted) == (3, 2, 2)
    assert (towns[TOWN2].targeted, towns[TOWN2].delivered, towns[TOWN2].converted) == (1, 1, 0)
    groups = {r.key: r for r in await funnel_report(engine, split="group")}
    assert (groups["migrant_worker"].engaged, groups["migrant_worker"].converted) == (1, 1)
    assert (groups["rider"].targeted, groups["rider"].engaged, groups["rider"].converted) == (
        3,
        0,
        1,
    )


async def test_workbook_has_chart_and_png(engine: AsyncEngine, tmp_path: Path) -> None:
    await _ledger(engine)
    report = await progress_report(engine, Month.parse("2026-11"))
    out = tmp_path / "report.xlsx"
    png = write_progress_workbook(report, out)
    book = load_workbook(out)
    assert book.sheetnames == ["进度 Progress", "未参保原因 Reasons", "说明 Notes"]
    sheet = book["进度 Progress"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] is not None]
    # 曼召村, 曼短村, 勐海镇 total, 曼恩村, 勐遮镇 total.
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (TOWN, B, 2),
        (TOWN, A, 4),
        (TOWN, "合计 Total", 6),
        (TOWN2, C, 1),
        (TOWN2, "合计 Total", 1),
    ]
    assert rows[1][9] == pytest.approx(0.75)
    assert rows[4][16] == "是 yes"  # 勐遮镇: 100% enrolled, 100% paid
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "xl/charts/chart1.xml" in names
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert "barChart" in chart
    assert "'进度 Progress'!$J$3:$J$7" in chart
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (50 + 5 * 36 + 20, 300)


async def test_export_masks_unless_asked(engine: AsyncEngine, tmp_path: Path) -> None:
    ids = await _ledger(engine)
    masked = tmp_path / "export.csv"
    assert await export_for_ledger(engine, masked) == 9
    with masked.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["姓名", "身份证号", "户籍地址"]
    body = {r[0]: r for r in rows[1:]}
    assert body["张1"][1] == ids[0][:4] + "*" * 10 + ids[0][-4:]
    assert not any(i in masked.read_text(encoding="utf-8-sig") for i in ids)
    assert body["张1"][6:] == ["参保缴费", "", "2026-11-10 12:00", "短信", "养老保险续缴"]
    assert body["张2"][10] == "已发送"
    assert body["张3"][7:] == ["经济困难", "", "", "未联系"]
    assert body["张6"][10] == "养老保险新参保"
    plain = tmp_path / "export.xlsx"
    assert await export_for_ledger(engine, plain, unmasked=True, township=TOWN2) == 2
    sheet = load_workbook(plain).active
    assert sheet is not None
    assert sorted(r[1] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(
        [ids[7], ids[8]]
    )


async def test_a_chat_without_a_message_counts_as_contact(engine: AsyncEngine) -> None:
    (asked, silent) = await add_residents(engine, [resident(1), resident(2)])
    await add_event(engine, EventKind.ESTIMATE_GIVEN, asked, NOW - timedelta(days=1))
    await add_event(engine, EventKind.CHAT_CONSENTED, silent, NOW - timedelta(days=1))
    report = await progress_report(engine, Month.parse("2026-11"))
    # Consent alone is not engagement; an estimate is.
    assert _figures(report.units, TOWN, A) == (2, 1, 1, 0, 0, 2, 0)
