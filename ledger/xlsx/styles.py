"""Which cell styles show a date, or a duration, by their number formats."""

from __future__ import annotations

from ledger.xlsx.errors import XlsxError
from ledger.xlsx.parsers import elements

Styles = tuple[frozenset[int], frozenset[int]]

#: Built-in formats that Excel and WPS in a Chinese locale use without declaring them in the
#: styles: 年月日 dates (27–31, 36, 50–54, 57, 58) and 时分 times (32–35, 55, 56). openpyxl knows
#: none of these ids and reads such a cell as a plain number; staff see a date, so we read one.
_CHINESE_DATES = frozenset(range(27, 37)) | frozenset(range(50, 59))


def date_styles(data: bytes) -> Styles:
    """The cell styles (cellXfs indexes) whose number format shows a date, and a duration."""
    from openpyxl.styles.numbers import (
        builtin_format_code,
        is_date_format,
        is_timedelta_format,
    )

    custom: dict[int, str | None] = {}
    formats: list[int] = []
    try:
        for path, attrs in elements(data):
            if path == ("styleSheet", "numFmts", "numFmt"):
                custom[int(attrs["numFmtId"])] = attrs.get("formatCode")
            elif path == ("styleSheet", "cellXfs", "xf"):
                formats.append(int(attrs.get("numFmtId", 0)))
    except (KeyError, ValueError) as err:
        raise XlsxError(f"malformed number format in the styles: {err!r}") from err
    dates, durations = set(), set()
    for style, format_id in enumerate(formats):
        # As openpyxl: a custom format takes precedence over a built-in one of the same id.
        if format_id in custom:
            code = custom[format_id]
        elif format_id in _CHINESE_DATES:
            dates.add(style)
            continue
        else:
            code = builtin_format_code(format_id)
        if is_date_format(code):
            dates.add(style)
            if is_timedelta_format(code):
                durations.add(style)
    return frozenset(dates), frozenset(durations)
