"""`outreach report …`: campaign funnel, monthly progress (Excel + PNG), export for the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.context import console, database, fail, print_json, run
from ledger import Group
from results import (
    SPLITS,
    STAGE_LABELS,
    STAGES,
    FunnelRow,
    Month,
    ProgressReport,
    TargetsError,
    export_for_ledger,
    funnel_report,
    load_targets,
    ordered_units,
    progress_report,
    write_progress_workbook,
)

app = typer.Typer(help="报表 / Reports.", no_args_is_help=True)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _key_label(split: str | None, key: str | None) -> str:
    if split is None:
        return "合计 total"
    if key is None:
        return "（未填）not given"
    if split == "group":
        code = Group.parse(key)
        return f"{code.label} {key}" if code else key
    return key


def print_funnel(rows: list[FunnelRow], split: str | None) -> None:
    """The funnel as a table: each stage's count and its share of the targeted."""
    table = Table({"campaign": "活动 campaign", "group": "人员类别 group"}.get(split or "", "范围"))
    for stage in STAGES:
        table.add_column(f"{STAGE_LABELS[stage]} {stage}", justify="right")
    for row in rows:
        cells = [f"{row.targeted:,}"] + [
            f"{getattr(row, s):,} ({_percent(row.rate(s))})" for s in STAGES[1:]
        ]
        table.add_row(_key_label(split, row.key), *cells)
    console.print(table)


def print_progress(report: ProgressReport, *, totals_only: bool = False) -> None:
    """The progress report as a table: villages, then each township's total (or totals only)."""
    units = (
        [(i, u) for i, u in enumerate(ordered_units(report), start=1) if u.village is None]
        if totals_only
        else list(enumerate(ordered_units(report), start=1))
    )
    place = ("乡镇 township",) if totals_only else ("#", "乡镇 township", "村 village")
    table = Table(
        *place,
        "在范围 in scope",
        "已联系 contacted",
        "已触达 reached",
        "本月转化 converted",
        "累计销号 crossed off",
        "参保率 enrollment (目标 target)",
        "缴费率 payment (目标 target)",
        title=f"外联进度 Progress {report.month}",
    )
    for i, u in units:
        e = f"{u.enrollment_target.rate:.0%}" if u.enrollment_target else "—"
        p = f"{u.payment_target.rate:.0%}" if u.payment_target else "—"
        village = u.village if u.village is not None else "[bold]合计 total[/]"
        where = (
            (u.township or "（未填）",)
            if totals_only
            else (str(i), u.township or "（未填）", village)
        )
        table.add_row(
            *where,
            f"{u.in_scope:,}",
            f"{u.contacted:,}",
            f"{u.reached:,}",
            f"{u.converted:,}",
            f"{u.crossed_off:,}",
            f"{_percent(u.enrollment_rate)} ({e})",
            f"{_percent(u.payment_rate)} ({p})",
        )
    console.print(table)


@app.command()
def funnel(
    campaign: Annotated[int | None, typer.Option(help="活动编号 / Campaign id.")] = None,
    by: Annotated[
        str | None, typer.Option(help=f"按何拆分 / Split by: {', '.join(SPLITS)}.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON.")] = False,
) -> None:
    """活动漏斗：目标→发送→送达→互动→转化 / Campaign funnel."""
    if by is not None and by not in SPLITS:
        fail(f"--by 只能是 {', '.join(SPLITS)}", f"--by must be one of {', '.join(SPLITS)}")

    async def work() -> list[FunnelRow]:
        async with database() as engine:
            return await funnel_report(engine, campaign_id=campaign, split=by)

    rows = run(work())
    if as_json:
        print_json({"split": by, "rows": [r.as_json() for r in rows]})
        return
    print_funnel(rows, by)


@app.command()
def progress(
    month: Annotated[str, typer.Option(help="月份 YYYY-MM / Month.")],
    out: Annotated[
        Path | None, typer.Option(help="Excel 文件（旁边另存 PNG 图）/ Workbook (.xlsx).")
    ] = None,
    targets: Annotated[
        Path | None, typer.Option(help="目标 YAML（默认按乡镇方案）/ Targets YAML.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON.")] = False,
) -> None:
    """月度进度：分乡镇、村的参保率和缴费率对照目标 / Monthly progress against targets."""
    try:
        chosen = Month.parse(month)
    except ValueError:
        fail(f"月份“{month}”应写成 2026-10", f"month {month!r} must look like 2026-10")
    try:
        goals = load_targets(targets)
    except TargetsError as err:
        fail(err.zh, err.en)
    if out is not None and out.suffix.lower() != ".xlsx":
        fail("--out 须为 .xlsx 文件", "--out must be an .xlsx file")

    async def work() -> ProgressReport:
        async with database() as engine:
            return await progress_report(engine, chosen, goals)

    report = run(work())
    png = write_progress_workbook(report, out) if out is not None else None
    if as_json:
        print_json(report.as_json())
    else:
        print_progress(report)
    if out is not None:
        console.print(f"已写入 / written: {out}, {png}")


@app.command()
def export(
    out: Annotated[Path, typer.Option(help="导出文件 .csv 或 .xlsx / Output file.")],
    township: Annotated[str | None, typer.Option(help="只导出某乡镇 / One township.")] = None,
    unmasked: Annotated[
        bool, typer.Option(help="显示完整身份证号（须 --role admin）/ Full ID numbers.")
    ] = False,
    role: Annotated[str, typer.Option(help="角色 staff | admin / Role.")] = "staff",
) -> None:
    """导出给台账系统（身份证号默认脱敏）/ Export for the ledger system (IDs masked)."""
    if role not in ("staff", "admin"):
        fail("--role 只能是 staff 或 admin", "--role must be staff or admin")
    if unmasked and role != "admin":
        fail(
            "完整身份证号只能由管理员导出：请加 --role admin",
            "only an admin may export full ID numbers: add --role admin",
        )

    async def work() -> int:
        async with database() as engine:
            return await export_for_ledger(engine, out, unmasked=unmasked, township=township)

    written = run(work())
    masked = "完整 full" if unmasked else "已脱敏 masked"
    console.print(f"已导出 {written:,} 行（身份证号{masked}）/ exported rows → {out}")
