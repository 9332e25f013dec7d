"""Export for the ledger system, one row per resident in the ledger's own columns.

ID numbers are masked (5325**********1234) unless the caller passes `unmasked=True`; the caller
checks the role (the CLI asks for an explicit admin option, the API for the admin role).
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import EVENTS, MESSAGES, MessageStatus
from core import RESIDENT_TZ, mask_id_number, stored_utc
from ledger import Resident, Status, UninsuredReason
from results.changes import ChangeKind
from results.model import CONVERSIONS
from results.scope import ENGAGED_KINDS

COLUMNS = (
    "姓名",
    "身份证号",
    "户籍地址",
    "乡镇（街道）",
    "村（社区）",
    "核实情况",
    "参保状态",
    "未参保原因",
    "最后联系时间",
    "联系渠道",
    "联系结果",
)
CHANNELS = {"sms": "短信", "telegram": "Telegram"}
MESSAGE_RESULTS = {
    MessageStatus.DELIVERED.value: "已送达",
    MessageStatus.FAILED.value: "发送失败",
}
_R = Resident.__table__.c


def _query(township: str | None) -> Any:
    m, c, e = MESSAGES.c, CONVERSIONS.c, EVENTS.c
    last = (
        select(
            m.resident_id,
            m.sent_at,
            m.channel,
            m.status,
            func.row_number()
            .over(partition_by=m.resident_id, order_by=(m.sent_at.desc(), m.id.desc()))
            .label("n"),
        )
        .where(m.sent_at.is_not(None))
        .subquery()
    )
    conversion = select(
        c.resident_id,
        c.kind,
        func.row_number()
        .over(partition_by=c.resident_id, order_by=(c.effective_on.desc(), c.id.desc()))
        .label("n"),
    ).subquery()
    engaged = (
        select(e.resident_id).where(e.kind.in_(ENGAGED_KINDS)).group_by(e.resident_id).subquery()
    )
    query = (
        select(
            _R.name,
            _R.id_number,
            _R.household_address,
            _R.township,
            _R.village,
            _R.verification,
            _R.pension_status,
            _R.uninsured_reason,
            last.c.sent_at,
            last.c.channel,
            last.c.status,
            conversion.c.kind,
            engaged.c.resident_id,
        )
        .select_from(Resident.__table__)
        .outerjoin(last, and_(last.c.resident_id == _R.id_number, last.c.n == 1))
        .outerjoin(conversion, and_(conversion.c.resident_id == _R.id_number, conversion.c.n == 1))
        .outerjoin(engaged, engaged.c.resident_id == _R.id_number)
        .order_by(_R.township, _R.village, _R.id_number)
    )
    if township is not None:
        query = query.where(_R.township == township)
    return query


def _result(status: str | None, conversion: str | None, engaged: bool) -> str:
    if conversion is not None:
        return ChangeKind(conversion).label
    if engaged:
        return "有回复或咨询"
    if status is None:
        return "未联系"
    return MESSAGE_RESULTS.get(status, "已发送")


def _cells(row: Any, unmasked: bool) -> list[str]:
    sent_at: datetime | None = row[8]
    return [
        row[0],
        row[1] if unmasked else mask_id_number(row[1]),
        row[2] or "",
        row[3] or "",
        row[4] or "",
        row[5] or "",
        Status(row[6]).label if row[6] else "",
        UninsuredReason(row[7]).label if row[7] else "",
        stored_utc(sent_at).astimezone(RESIDENT_TZ).strftime("%Y-%m-%d %H:%M") if sent_at else "",
        CHANNELS.get(row[9], row[9] or ""),
        _result(row[10], row[11], row[12] is not None),
    ]


async def export_rows(
    engine: AsyncEngine, *, unmasked: bool = False, township: str | None = None
) -> AsyncIterator[list[str]]:
    """The export's rows (without the header), streamed from the database."""
    async with engine.connect() as connection:
        result = await connection.stream(_query(township))
        async for partition in result.partitions(5_000):
            for row in partition:
                yield _cells(row, unmasked)


async def export_for_ledger(
    engine: AsyncEngine, path: Path, *, unmasked: bool = False, township: str | None = None
) -> int:
    """Write the export to `path` (.xlsx, else CSV in UTF-8 with BOM); the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    if path.suffix.lower() == ".xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("台账反馈")
        sheet.append(list(COLUMNS))
        async for cells in export_rows(engine, unmasked=unmasked, township=township):
            sheet.append(cells)
            written += 1
        book.save(path)
        return written
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        async for cells in export_rows(engine, unmasked=unmasked, township=township):
            writer.writerow(cells)
            written += 1
    return written
