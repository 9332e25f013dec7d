"""The progress report as an Excel workbook with a chart, and the same chart as a PNG beside it."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from ledger import UninsuredReason
from results.png import Bars, bar_chart_png
from results.progress import ProgressReport, UnitProgress

#: More units than this and the PNG shows township totals only (it stays readable).
PNG_MAX_UNITS = 30

HEADER = (
    "# 序号",
    "乡镇（街道） Township",
    "村（社区） Village",
    "在范围 In scope",
    "已联系 Contacted",
    "已触达 Reached",
    "本月转化 Converted",
    "累计销号 Crossed off",
    "已参保 Insured",
    "参保率 Enrollment rate",
    "参保率目标 Target",
    "目标月 Due month",
    "本年已缴费 Paid",
    "缴费率 Payment rate",
    "缴费率目标 Target",
    "目标月 Due month",
    "是否达标 On target",
)
NOTES = (
    "在范围：16 周岁以上、非在校学生、非死亡或已在外地参保 / In scope: 16+, not students, "
    "not deceased or insured elsewhere",
    "已联系：月底前已发出外联消息；已触达：已送达或居民有回复、咨询、测算 / Contacted: sent "
    "a message; reached: delivered, or the resident replied, asked or got an estimate",
    "本月转化：本月新参保、续缴或转换险种；累计销号：外联以来的转化人数 / Converted this "
    "month; crossed off: converted since outreach began",
    "参保率 = 已参保（参保缴费或暂停缴费）÷ 在范围；缴费率 = 本年已缴费 ÷ 已参保 / Enrollment "
    "rate = insured ÷ in scope; payment rate = paid this year ÷ insured",
    "参保状态取台账当前状态，联系和转化截至月底 / Statuses are the ledger's current ones; "
    "contacts and conversions are counted to the month's end",
    "图表中的编号对应“进度”表的序号列 / Numbers in the chart are the Progress sheet's # column",
)


def ordered_units(report: ProgressReport) -> list[UnitProgress]:
    """Each township's villages, then its total: the order of the sheet and of the chart."""
    towns: dict[str | None, list[UnitProgress]] = {}
    for unit in report.units:
        towns.setdefault(unit.township, [])
    for unit in report.units:
        if unit.village is not None:
            towns[unit.township].append(unit)
    for unit in report.units:
        if unit.village is None:
            towns[unit.township].append(unit)
    return [u for units in towns.values() for u in units]


def _on_target(unit: UnitProgress) -> str:
    checks = [
        (unit.enrollment_rate, unit.enrollment_target),
        (unit.payment_rate, unit.payment_target),
    ]
    met = all(
        rate is not None and target is not None and rate >= target.rate for rate, target in checks
    )
    return "是 yes" if met else "否 no"


def _row(index: int, unit: UnitProgress) -> list[object]:
    e, p = unit.enrollment_target, unit.payment_target
    return [
        index,
        unit.township or "（未填）",
        unit.village if unit.village is not None else "合计 Total",
        unit.in_scope,
        unit.contacted,
        unit.reached,
        unit.converted,
        unit.crossed_off,
        unit.insured,
        unit.enrollment_rate,
        e.rate if e else None,
        e.due_month if e else None,
        unit.paid,
        unit.payment_rate,
        p.rate if p else None,
        p.due_month if p else None,
        _on_target(unit),
    ]


def write_progress_workbook(report: ProgressReport, path: Path) -> Path:
    """Write the workbook to `path` and the chart to `path` with .png; the PNG's path."""
    units = ordered_units(report)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "进度 Progress"
    sheet.append([f"外联进度月报 Monthly outreach progress {report.month}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for i, unit in enumerate(units, start=1):
        sheet.append(_row(i, unit))
    last = len(units) + 2
    for column in ("J", "K", "N", "O"):
        for cell in sheet[f"{column}3:{column}{max(last, 3)}"]:
            cell[0].number_format = "0.0%"
    chart = BarChart()
    chart.type = "col"
    chart.title = "参保率与缴费率 Enrollment and payment rates"
    chart.y_axis.title = "比例 rate"
    chart.x_axis.title = "序号 #"
    for rate_column in (10, 14):  # enrollment rate, payment rate
        chart.add_data(
            Reference(sheet, min_col=rate_column, min_row=2, max_row=last), titles_from_data=True
        )
    chart.set_categories(Reference(sheet, min_col=1, min_row=3, max_row=last))
    chart.width, chart.height = 24, 12
    sheet.add_chart(chart, "B" + str(last + 3))

    reasons = book.create_sheet("未参保原因 Reasons")
    reasons.append(
        ["乡镇（街道） Township", "村（社区） Village", "未参保原因 Reason", "人数 Residents"]
    )
    for township, village, reason, count in report.reasons:
        label = UninsuredReason(reason).label if reason else "未填写 not given"
        reasons.append([township, village, label, count])
    notes = book.create_sheet("说明 Notes")
    notes.append([f"月份 Month: {report.month}"])
    for line in NOTES:
        notes.append([line])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    png = path.with_suffix(".png")
    numbered = list(enumerate(units, start=1))
    if len(numbered) > PNG_MAX_UNITS:
        numbered = [(i, u) for i, u in numbered if u.village is None]
    bar_chart_png(
        [
            Bars(
                i,
                u.enrollment_rate,
                u.payment_rate,
                u.enrollment_target.rate if u.enrollment_target else None,
                u.payment_target.rate if u.payment_target else None,
            )
            for i, u in numbered
        ],
        png,
    )
    return png
