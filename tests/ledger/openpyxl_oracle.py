"""The text openpyxl's value of a cell stands for: the contract the xlsx reader is tested on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def cell_text(value: Any) -> str:
    """The text of a cell from the value openpyxl reads, as the importer must see it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # A phone typed into a number cell reads back as 13812345678.0; a long ID number is past
        # the float's 15 significant digits and keeps its exponent so that it is recognised.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)
