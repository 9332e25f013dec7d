"""A cell's text from its raw value, type and style (contract: tests/ledger/openpyxl_oracle.py)."""

from __future__ import annotations

from datetime import date, datetime

from openpyxl.utils.datetime import from_excel, from_ISO8601

#: A row: its number as Excel shows it, and its cells' texts by column.
Row = tuple[int, list[str]]

# Cell kinds, from a cell's t attribute and its style's number format.
INLINE, SHARED, NUMBER, DATE, DURATION, BOOL, ISO, TEXT, EMPTY = range(9)
_TYPES = {"inlineStr": INLINE, "s": SHARED, "b": BOOL, "d": ISO}


class Cells:
    """What a workbook says about reading its cells: shared strings, date styles, epoch."""

    def __init__(
        self,
        shared: list[str],
        dates: frozenset[int],
        durations: frozenset[int],
        epoch: datetime,
    ) -> None:
        self.shared = shared
        self.dates = dates
        self.durations = durations
        self.epoch = epoch

    def kind(self, t: str | None, s: str | None) -> int:
        """A cell's kind, from its type and style attributes, as openpyxl decides its value."""
        if t is None or t == "n":
            style = int(s) if s else 0
            if style in self.dates:
                return DURATION if style in self.durations else DATE
            return NUMBER
        return _TYPES.get(t, TEXT)

    def text(self, kind: int, raw: str) -> str:
        """A cell's text from its raw value (an <is>'s text is already the cell's)."""
        if not raw:
            return ""
        if kind == NUMBER:
            return _number(raw)
        if kind == SHARED:
            return self.shared[shared_index(raw)]
        if kind in (DATE, DURATION):
            number = _cast_number(raw)
            try:
                value = from_excel(number, self.epoch, timedelta=kind == DURATION)
            except (OverflowError, ValueError):
                return "#VALUE!"  # openpyxl's value for a date out of range
            return _date_text(value)
        if kind == BOOL:
            return "是" if int(raw) else "否"
        if kind == ISO:
            return _date_text(from_ISO8601(raw))
        return raw


def shared_index(raw: bytes | str) -> int:
    """A shared string's index; a negative one would silently count from the end."""
    index = int(raw)
    if index < 0:
        raise IndexError(index)
    return index


def _cast_number(raw: str) -> int | float:
    """A number cell's value, as openpyxl casts it."""
    if "." in raw or "E" in raw or "e" in raw:
        return float(raw)
    return int(raw)


def _number(raw: str) -> str:
    """A number cell's text: 13812345678.0 as 13812345678; past 15 digits, repr keeps the e."""
    value = _cast_number(raw)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _date_text(value: object) -> str:
    """A date cell's text, as the oracle in tests/ledger/openpyxl_oracle.py writes it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # a time of day, or a duration
