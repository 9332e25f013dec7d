"""Finding unmasked personal identifiers in whatever a process wrote.

What counts as a leak: a mainland resident ID number (18 characters whose check character is
right, or 15 digits) or a mobile phone (1[3-9] and nine more digits, with or without +86/0086),
not part of a longer run of digits. Text is read as a person would read it: full-width digits
are digits, and percent-encoded text (a URL in a log line) is read decoded too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from openpyxl import load_workbook

from core import mask_text
from ledger import check_character

_ID18 = re.compile(r"(?<!\d)(\d{17})([\dXx])(?!\d)")
_ID15 = re.compile(r"(?<!\d)\d{15}(?!\d)")
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)?86)?1[3-9]\d{9}(?!\d)")


@dataclass(frozen=True, slots=True)
class Leak:
    where: str  # file name (or stream) and line number
    kind: str  # "id_number" | "phone"
    line: str  # the line, masked: a failure message must not leak it again

    def __str__(self) -> str:
        return f"{self.where} [{self.kind}] {self.line[:300]}"


def identifiers(text: str) -> list[str]:
    """The kinds of unmasked identifiers in one line of text."""
    found: list[str] = []
    read = unicodedata.normalize("NFKC", text)
    for variant in {read, unquote(read)}:
        if any(m[2].upper() == check_character(m[1]) for m in _ID18.finditer(variant)):
            found.append("id_number")
        if _ID15.search(variant):
            found.append("id_number")
        if _PHONE.search(variant):
            found.append("phone")
    return sorted(set(found))


def scan_lines(where: str, lines: Iterable[str]) -> Iterator[Leak]:
    for number, line in enumerate(lines, start=1):
        for kind in identifiers(line):
            yield Leak(f"{where}:{number}", kind, mask_text(unquote(line)))


def scan_text(where: str, text: str) -> list[Leak]:
    return list(scan_lines(where, text.splitlines()))


def scan_workbook(path: Path) -> list[Leak]:
    """Every cell of every sheet of an .xlsx workbook."""
    workbook = load_workbook(path, read_only=True)
    leaks: list[Leak] = []
    try:
        for sheet in workbook.worksheets:
            rows = (
                "\t".join(str(value) for value in row if value is not None)
                for row in sheet.iter_rows(values_only=True)
            )
            leaks.extend(scan_lines(f"{path.name}!{sheet.title}", rows))
    finally:
        workbook.close()
    return leaks
