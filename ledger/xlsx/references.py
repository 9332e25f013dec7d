"""Cell and row references (A1, r="3"), read as openpyxl reads them."""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from string import ascii_uppercase

from ledger.xlsx.errors import XlsxError


@lru_cache(maxsize=1)
def columns() -> dict[bytes, int]:
    """Column letters → 0-based index, A to ZZZ."""
    letters = ("".join(t) for n in (1, 2, 3) for t in product(ascii_uppercase, repeat=n))
    return {name.encode(): index for index, name in enumerate(letters)}


def column(ref: str) -> int:
    """A cell reference's column, from 1, read as openpyxl reads it: letters up to a digit."""
    at = next((i for i, c in enumerate(ref) if c in "0123456789"), len(ref) - 1)
    index = columns().get(ref[:at].upper().encode())
    try:
        int(ref[at:])
    except ValueError:
        index = None
    if index is None:
        raise XlsxError(f"a cell has a bad reference {ref!r}")
    return index + 1


def row_number(text: str) -> int:
    """A row's r attribute, as openpyxl reads it."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)  # openpyxl accepts "3.0"
    except ValueError:
        value = 0.5
    if not value.is_integer():
        raise XlsxError(f"{text!r} is not a row number")
    return int(value)
