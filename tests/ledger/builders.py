"""Small builders for ledger files and ID numbers used across ledger tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from ledger import check_character

HEADER = (
    "姓名",
    "公民身份号码",
    "联系电话",
    "乡镇（街道）",
    "村（社区）",
    "人员类别",
    "养老保险参保状态",
    "养老保险最后缴费年月",
    "医疗保险参保状态",
    "未参保原因",
)


def id_number(birth: str, seq: int = 1, *, male: bool = True, division: str = "532504") -> str:
    """A valid ID number for a birth date YYYYMMDD; the sequence sets the sex digit's parity."""
    sequence = seq * 2 + (1 if male else 0)
    first17 = f"{division}{birth}{sequence % 1000:03d}"
    return first17 + check_character(first17)


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8",
) -> Path:
    """A CSV ledger in the given encoding."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path, rows: Sequence[Sequence[object]], *, header: Sequence[str] = HEADER
) -> Path:
    """An XLSX ledger; cells keep their Python types (numbers stay numbers, as Excel would)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path
