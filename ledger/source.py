"""Streaming readers of ledger files: CSV in any encoding staff's software writes, and XLSX."""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from core.errors import BilingualError
from ledger.columns import HeaderError, HeaderMap

#: How many rows above the header a file may carry (titles, units, dates).
_HEADER_SEARCH_ROWS = 10
_CHUNK = 1 << 20


class SourceError(BilingualError):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A line the file format itself cannot parse; the lines after it are still read."""

    reason_zh: str
    reason_en: str


#: A data row: its row number as a spreadsheet shows it, and its cells (or why it has none).
Row = tuple[int, list[str] | Unreadable]


def detect_encoding(path: Path) -> str:
    """The encoding that decodes the whole file: UTF-8 (with or without BOM), UTF-16, or GB18030.

    The whole file is decoded before anything is imported, so a file that turns out undecodable
    half-way cannot leave half of itself in the ledger.
    """
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        # GB18030 is a superset of GBK and GB2312, which office software in China exports.
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        if _decodes(path, encoding):
            return encoding
    raise SourceError(
        "无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030。"
        "请在表格软件中“另存为” CSV UTF-8 或 Excel 文件",
        "cannot read the file's encoding (neither UTF-8 nor GBK/GB18030); "
        "save it again as 'CSV UTF-8' or as an Excel workbook",
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as f:
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "，")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _find_header(rows: Iterator[Row]) -> tuple[HeaderMap, int]:
    first_error: HeaderError | None = None
    for number, cells in rows:
        if isinstance(cells, Unreadable) or not any(c.strip() for c in cells):
            continue
        try:
            return HeaderMap.from_row(cells), number
        except HeaderError as err:
            first_error = first_error or err
        if number >= _HEADER_SEARCH_ROWS:
            break
    if first_error is None:
        raise SourceError("文件是空的，没有表头", "the file is empty: no header row")
    raise first_error


def _csv_rows(stream: IO[str]) -> Iterator[Row]:
    first = stream.readline()
    stream.seek(0)
    reader = csv.reader(stream, delimiter=_sniff_delimiter(first))
    number = 0
    while True:
        number += 1
        try:
            yield number, next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            # The reader resynchronises on the next line: report this one, keep the rest.
            yield (
                number,
                Unreadable(
                    f"这一行无法按 CSV 格式读取（{err}）", f"the line is not valid CSV ({err})"
                ),
            )


def _xlsx_rows(path: Path) -> Generator[Row, None, None]:
    from ledger.xlsx import XlsxError, iter_xlsx_rows  # only the XLSX path pays for the import

    try:
        yield from iter_xlsx_rows(path)
    except (XlsxError, zipfile.BadZipFile) as err:
        raise SourceError(
            "无法打开 Excel 文件，文件可能已损坏或不是 .xlsx 格式（旧版 .xls 请另存为 .xlsx）",
            f"cannot open the workbook ({err}); it may be damaged or not .xlsx "
            "(save an old .xls as .xlsx)",
        ) from err


@contextmanager
def open_ledger(path: Path) -> Iterator[tuple[HeaderMap, Iterator[Row]]]:
    """Open a ledger file: its header map and an iterator over its data rows, streamed."""
    if not path.is_file():
        raise SourceError(f"找不到文件：{path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise SourceError(
            "不支持旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 或 CSV",
            "old .xls files are not supported; save as .xlsx or CSV",
        )
    if suffix in {".xlsx", ".xlsm"}:
        sheet_rows = _xlsx_rows(path)
        try:
            header, _ = _find_header(sheet_rows)
            yield header, sheet_rows
        finally:
            sheet_rows.close()
        return
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as stream:
        rows = _csv_rows(stream)
        header, _ = _find_header(rows)
        yield header, rows
