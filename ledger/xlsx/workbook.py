"""The workbook: its zip archive, its first worksheet, and what reading that sheet needs."""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.parsers import expat

from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

from ledger.xlsx.cells import Cells, Row
from ledger.xlsx.errors import XlsxError
from ledger.xlsx.parsers import elements
from ledger.xlsx.shared_strings import shared_strings
from ledger.xlsx.sheet import sheet_rows
from ledger.xlsx.styles import date_styles

_CHUNK = 1 << 20
#: Parts read whole (shared strings, styles, workbook) may not be larger: a zip bomb could
#: otherwise expand a few kilobytes into gigabytes of memory.
_PART_LIMIT = 256 << 20


def iter_xlsx_rows(path: Path) -> Iterator[Row]:
    """Stream the first worksheet: (row number as Excel shows it, cell texts by column)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise XlsxError(f"not an xlsx workbook (not a zip archive): {err}") from err
    with archive:
        part = "the workbook"
        try:
            book = _Book(archive)
            part = book.sheet
            with archive.open(book.sheet) as stream:
                yield from sheet_rows(book.cells, _chunks(stream))
        except expat.ExpatError as err:
            raise XlsxError(f"malformed XML in {part}: {err}") from err
        except LookupError as err:  # expat asked for an encoding Python does not know
            raise XlsxError(f"unreadable XML in {part}: {err}") from err
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
            raise XlsxError(f"damaged workbook ({part}): {err}") from err


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """A part's bytes, in chunks."""
    while chunk := stream.read(_CHUNK):
        yield chunk


class _Book:
    """What reading the first worksheet needs from the rest of the workbook."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        package = self._relationships("")
        workbook = next(
            (t for kind, t in package.values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        if workbook not in self.names:
            raise XlsxError("not an xlsx workbook: it has no workbook part")
        related = self._relationships(workbook)
        sheets: list[str] = []
        epoch = WINDOWS_EPOCH
        for path, attrs in elements(self._read(workbook)):
            if path == ("workbook", "workbookPr"):
                # openpyxl's reading of the flag: anything but false, f, 0 or nothing is true.
                if attrs.get("date1904", "") not in ("", "false", "f", "0"):
                    epoch = MAC_EPOCH
            elif path == ("workbook", "sheets", "sheet"):
                kind, target = related.get(attrs.get("id", ""), ("", ""))
                if kind.endswith("/worksheet") and target in self.names:
                    sheets.append(target)
        if not sheets:
            raise XlsxError("the workbook has no worksheet")
        self.sheet = sheets[0]
        parts = {kind.rpartition("/")[2]: target for kind, target in related.values()}
        strings, styles = parts.get("sharedStrings"), parts.get("styles")
        shared = shared_strings(self._read(strings)) if strings else []
        none: frozenset[int] = frozenset()
        dates, durations = date_styles(self._read(styles)) if styles else (none, none)
        self.cells = Cells(shared, dates, durations, epoch)

    def _read(self, name: str) -> bytes:
        """A part, whole, if it is not suspiciously large."""
        if name not in self.names:
            raise XlsxError(f"the workbook refers to a part it does not have: {name}")
        if self.archive.getinfo(name).file_size > _PART_LIMIT:
            raise XlsxError(f"{name} is larger than {_PART_LIMIT >> 20} MiB")
        return self.archive.read(name)

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id → (type, the target's name in the archive)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.names:
            return {}
        found = {}
        for path, attrs in elements(self._read(rels)):
            if path[-1] == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)
        return found
