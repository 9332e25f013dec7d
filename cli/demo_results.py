"""The demo's last step: the ledger system reports enrollments back; funnel and progress.

Until the ledger stand-in pushes status changes itself, this step plays the ledger system: a
quarter of the residents a campaign reached, and one lapsed resident in fifty who was never
contacted, start paying their pension that afternoon. The changes go through the same function
as `POST /api/v1/ledger/status-changes`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import utc_now
from campaigns.model import MESSAGES, MessageStatus
from cli.context import console
from cli.report import print_funnel, print_progress
from core import RESIDENT_TZ
from ledger import Resident, Status
from results import (
    Month,
    apply_status_changes,
    export_for_ledger,
    funnel_report,
    progress_report,
    write_progress_workbook,
)

_R = Resident.__table__.c
_BATCH = 1_000


async def _reported_changes(engine: AsyncEngine, at: datetime) -> list[dict[str, str]]:
    m = MESSAGES.c
    async with engine.connect() as connection:
        reached: list[str] = list(
            (
                await connection.execute(
                    select(m.resident_id)
                    .where(m.status == MessageStatus.DELIVERED.value)
                    .join(Resident.__table__, _R.id_number == m.resident_id)
                    .where(_R.pension_status != Status.PAYING.value)
                    .group_by(m.resident_id)
                    .order_by(m.resident_id)
                )
            ).scalars()
        )
        lapsed: list[str] = list(
            (
                await connection.execute(
                    select(_R.id_number)
                    .where(
                        _R.pension_status == Status.LAPSED.value,
                        _R.id_number.not_in(select(m.resident_id)),
                    )
                    .order_by(_R.id_number)
                )
            ).scalars()
        )
    chosen = reached[::4] + lapsed[::50]
    return [
        {"id_number": rid, "pension_status": Status.PAYING.value, "at": at.isoformat()}
        for rid in chosen
    ]


async def close_the_loop(engine: AsyncEngine, workdir: Path, day: date) -> None:
    """Apply the ledger system's status changes, print the funnel and the progress report."""
    at = datetime.combine(day, time(16, 0), tzinfo=RESIDENT_TZ).astimezone(UTC)
    now = max(utc_now(), at + timedelta(minutes=1))
    changes = await _reported_changes(engine, at)
    console.print(
        f"[bold]7. 台账系统回报参保 / The ledger system reports enrollments[/]  "
        f"{len(changes):,} 人开始缴费 / residents start paying"
    )
    converted = 0
    for start in range(0, len(changes), _BATCH):
        result = await apply_status_changes(
            engine,
            changes[start : start + _BATCH],
            idempotency_key=f"demo-{day.isoformat()}-{start}",
            now=now,
        )
        converted += result.conversions
    funnel = await funnel_report(engine)
    attributed = funnel[0].converted if funnel else 0
    console.print(f"   转化 {converted:,}，其中归因于外联 {attributed:,} / conversions, attributed")
    console.print("[bold]8. 活动漏斗（按人员类别）/ Campaign funnel by group[/]")
    print_funnel(await funnel_report(engine, split="group"), "group")
    month = Month(day.year, day.month)
    report = await progress_report(engine, month)
    console.print(f"[bold]9. 月度进度（乡镇合计）/ Monthly progress, township totals[/] {month}")
    print_progress(report, totals_only=True)
    out = workdir / f"progress-{month}.xlsx"
    png = write_progress_workbook(report, out)
    export = workdir / "ledger-export.csv"
    rows = await export_for_ledger(engine, export)
    console.print(f"   工作簿 / workbook: {out}\n   图表 / chart: {png}")
    console.print(
        f"   台账反馈（身份证号已脱敏）/ export for the ledger, masked: {export} ({rows:,})"
    )
