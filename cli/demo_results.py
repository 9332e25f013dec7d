"""The demo's last step: the loop closed through the real pieces; funnel and progress.

An outbox relay (run in-process until nothing is due) posts the demo's events, signed, to the
ledger system's stand-in in the local stack. The stand-in then pushes status changes back to
the service's `POST /api/v1/ledger/status-changes` (mounted on the local web app, with the demo's
ledger-role token): a quarter of the residents a campaign reached, and one lapsed resident in
fifty who was never contacted, start paying their pension that afternoon. The conversions this
makes are events too, and the relay delivers them as well.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import utc_now
from campaigns.model import MESSAGES, MessageStatus
from cli.context import console
from cli.local_stack import LocalStack
from cli.report import print_funnel, print_progress
from core import RESIDENT_TZ
from ledger import Resident, Status
from outbox import Relay
from results import (
    Month,
    export_for_ledger,
    funnel_report,
    progress_report,
    write_progress_workbook,
)
from results.model import CONVERSIONS

_R = Resident.__table__.c
_BATCH = 1_000
_PUSH_WAIT = 60.0  # seconds the stand-in's pushes may take to be acknowledged


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


async def _relay(engine: AsyncEngine, stack: LocalStack) -> int:
    """Deliver every due event to the ledger stand-in; answers how many it recorded."""
    before = stack.ledger.core.stats["accepted"]
    await Relay(engine, stack.relay_settings(deployment_id="demo")).drain()
    return int(stack.ledger.core.stats["accepted"] - before)


async def _push(stack: LocalStack, changes: list[dict[str, str]], day: date) -> None:
    """The stand-in pushes `changes` in batches; waits until the service acknowledged all."""
    stats = stack.ledger.core.stats
    target = stats["pushes_acknowledged"]
    for start in range(0, len(changes), _BATCH):
        stack.ledger.push_changes(changes[start : start + _BATCH], f"demo-{day}-{start}")
        target += 1
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _PUSH_WAIT
    while stats["pushes_acknowledged"] < target:
        if loop.time() > deadline:
            raise RuntimeError(
                f"the ledger stand-in's status pushes were not acknowledged: {dict(stats)}"
            )
        await asyncio.sleep(0.05)


async def _conversions(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(CONVERSIONS))).scalar_one()
        )


async def close_the_loop(engine: AsyncEngine, stack: LocalStack, workdir: Path, day: date) -> None:
    """Relay the events, have the stand-in push status changes back, print funnel and progress."""
    recorded = await _relay(engine, stack)
    console.print(
        f"[bold]7. 事件推送台账系统 / Outbox relay → ledger system[/]  "
        f"台账系统记录 {recorded:,} 条事件（已签名验证）/ events recorded, signatures verified"
    )
    # 16:00 of the demo day, or just now when the demo runs earlier that day (the API refuses
    # a change in the future; the demo day's sending time is always past, see cli/demo.py).
    at = min(
        datetime.combine(day, time(16, 0), tzinfo=RESIDENT_TZ).astimezone(UTC),
        utc_now() - timedelta(minutes=1),
    )
    changes = await _reported_changes(engine, at)
    console.print(
        f"[bold]8. 台账系统回报参保 / The ledger system reports enrollments[/]  "
        f"{len(changes):,} 人开始缴费 / residents start paying → {stack.web_url}/api/v1"
    )
    before = await _conversions(engine)
    await _push(stack, changes, day)
    converted = await _conversions(engine) - before
    funnel = await funnel_report(engine)
    attributed = funnel[0].converted if funnel else 0
    console.print(f"   转化 {converted:,}，其中归因于外联 {attributed:,} / conversions, attributed")
    relayed = await _relay(engine, stack)
    console.print(f"   转化事件推送 {relayed:,} 条 / conversion events relayed")
    console.print("[bold]9. 活动漏斗（按人员类别）/ Campaign funnel by group[/]")
    print_funnel(await funnel_report(engine, split="group"), "group")
    month = Month(day.year, day.month)
    report = await progress_report(engine, month)
    console.print(f"[bold]10. 月度进度（乡镇合计）/ Monthly progress, township totals[/] {month}")
    print_progress(report, totals_only=True)
    out = workdir / f"progress-{month}.xlsx"
    png = write_progress_workbook(report, out)
    export = workdir / "ledger-export.csv"
    rows = await export_for_ledger(engine, export)
    console.print(f"   工作簿 / workbook: {out}\n   图表 / chart: {png}")
    console.print(
        f"   台账反馈（身份证号已脱敏）/ export for the ledger, masked: {export} ({rows:,})"
    )
