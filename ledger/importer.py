"""Import of a ledger file: stream, check every row, upsert good rows, report bad ones."""

from __future__ import annotations

import asyncio
import csv
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from core.logging import get_logger
from ledger.record import RowError, RowParser, Values
from ledger.source import Row, SourceError, Unreadable, open_ledger
from ledger.upsert import BatchWriter, open_writer

log = get_logger(__name__)

ERROR_HEADER = ("行号 Row", "列 Column", "姓名 Name", "值 Value", "原因", "Reason")


@dataclass(slots=True)
class ImportResult:
    """What an import did, for staff and for scripts."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    errors_path: Path | None = None
    ignored_columns: tuple[str, ...] = ()
    reasons: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        """The figures scripts read."""
        return {
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "rejected": self.rejected,
        }


class _ErrorReport:
    """The errors file, written as rows are rejected; created only when the first one is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self._writer: Any = None

    def write(self, errors: list[RowError]) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # UTF-8 with BOM so that Excel and WPS open it with the Chinese intact.
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(ERROR_HEADER)
        for e in errors:
            self._writer.writerow((e.line, e.column, e.name, e.value, e.reason_zh, e.reason_en))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    @property
    def used(self) -> bool:
        return self._writer is not None


@contextmanager
def _report(path: Path) -> Iterator[_ErrorReport]:
    report = _ErrorReport(path)
    try:
        yield report
    finally:
        report.close()


#: Rows parsed between two chances for the event loop to move the write in flight along.
_YIELD_EVERY = 250


class _Pipeline:
    """At most one batch written while the next is parsed: the two cores work at once."""

    def __init__(self, writer: BatchWriter) -> None:
        self._writer = writer
        self._in_flight: asyncio.Task[int] | None = None
        self.inserted = 0

    async def submit(self, batch: list[Values]) -> None:
        """Wait for the previous batch, then start writing this one."""
        await self.drain()
        if batch:
            self._in_flight = asyncio.create_task(self._writer.write(batch))
            await asyncio.sleep(0)  # start it now, before parsing resumes

    async def drain(self) -> int:
        """Wait for the batch in flight; the number of new residents so far."""
        if self._in_flight is not None:
            task, self._in_flight = self._in_flight, None
            self.inserted += await task
        return self.inserted

    async def abandon(self) -> None:
        """After a failure: let the batch in flight end either way, never leave it dangling."""
        if self._in_flight is not None:
            task, self._in_flight = self._in_flight, None
            await asyncio.gather(task, return_exceptions=True)


def default_errors_path(path: Path) -> Path:
    """Where rejected rows are reported when no path is given: beside the file."""
    return path.with_name(f"{path.stem}.errors.csv")


async def import_ledger(
    engine: AsyncEngine,
    path: Path,
    *,
    today: date,
    errors_path: Path | None = None,
    batch_size: int | None = None,
) -> ImportResult:
    """Import `path` into the residents table; every rejected row is written to the errors file.

    Raises SourceError or HeaderError, before anything is written, when the file as a whole is
    unusable (unreadable encoding, missing required columns).
    """
    result = ImportResult()
    report_path = errors_path or default_errors_path(path)
    _check_writable(report_path)
    with open_ledger(path) as (header, rows), _report(report_path) as report:
        result.ignored_columns = header.ignored
        parser = RowParser(header, today=today)
        async with engine.connect() as connection:
            writer = await open_writer(connection, parser.columns)
            pipeline = _Pipeline(writer)
            try:
                await _stream(
                    rows, parser, pipeline, batch_size or writer.batch_size, report, result
                )
                result.inserted = await pipeline.drain()
            except BaseException:
                await pipeline.abandon()
                raise
        result.updated = result.rows - result.rejected - result.inserted
        result.errors_path = report_path if report.used else None
    log.info("ledger_imported", file=path.name, **result.as_json())
    return result


async def _stream(
    rows: Iterator[Row],
    parser: RowParser,
    pipeline: _Pipeline,
    batch_size: int,
    report: _ErrorReport,
    result: ImportResult,
) -> None:
    """Check each row; hand good ones to the pipeline in batches, report the others."""
    seen: dict[int, int] = {}  # ID number (as an int: a third of the memory) → its row
    id_title = parser.id_title
    batch: list[Values] = []
    for line, cells in rows:
        if isinstance(cells, Unreadable):
            parsed: Values | list[RowError] = [
                RowError(line, "整行 whole row", "", cells.reason_zh, cells.reason_en)
            ]
        elif not any(cells):
            continue
        else:
            parsed = parser.parse(line, cells)
        result.rows += 1
        if isinstance(parsed, tuple):
            first = seen.setdefault(_id_key(parsed[0]), line)
            if first == line:
                batch.append(parsed)
                if len(batch) >= batch_size:
                    await pipeline.submit(batch)
                    batch = []
                elif len(batch) % _YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let the write in flight make progress
                continue
            parsed = [_duplicate(line, first, id_title, parsed[1])]
        result.rejected += 1
        result.reasons.update(_reason_kind(e) for e in parsed)
        report.write(parsed)
    await pipeline.submit(batch)


def _check_writable(report_path: Path) -> None:
    # Checked before the first row: finding out at the first bad row would stop an import
    # half-way, with the rows before it written and the reasons for the rest nowhere.
    folder = report_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        writable = False
    else:
        writable = os.access(folder, os.W_OK) and (
            not report_path.exists() or os.access(report_path, os.W_OK)
        )
    if not writable:
        raise SourceError(
            f"无法在“{folder}”写入错误明细文件，请用 --errors 指定一个可写的位置",
            f"cannot write the errors file in {folder}; give a writable path with --errors",
        )


def _id_key(id_number: str) -> int:
    # The check character is a function of the other 17 digits, so they identify the number.
    return int(id_number[:17])


def _duplicate(line: int, first: int, title: str, name: str) -> RowError:
    return RowError(
        line=line,
        column=title,
        value="",
        reason_zh=f"身份证号与第{first}行重复，本行未导入",
        reason_en=f"same ID number as row {first}; row not imported",
        name=name,
    )


def _reason_kind(error: RowError) -> str:
    # Reasons carry values ("实际17位"); the summary counts them by column and kind of reason.
    return f"{error.column}：{error.reason_zh.split('，')[0]}"
