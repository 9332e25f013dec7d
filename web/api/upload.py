"""Ledger upload: a CSV or Excel file posted as multipart field `file`, imported as by the CLI.

Admins' files go straight to ledger.import_ledger. A staff member's file is checked first, row
by row, against their township; rows they may not write are rejected as row errors and every
other row is imported as usual:
- a row whose 乡镇（街道） is empty or another township's ("不属于本乡镇");
- a row whose ID number is already in the ledger under another township (a staff member cannot
  move or overwrite another township's resident; the message does not name the township).
A staff file without the 乡镇（街道） column is refused whole (nothing is written).
After the import, status changes it wrote become conversions (results.reconcile_statuses).
"""

from __future__ import annotations

import asyncio
import csv
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import utc_now
from core import BilingualError, mask_id_number, today
from ledger import Field, HeaderMap, Resident, RowParser, import_ledger, open_ledger
from results import reconcile_statuses
from web.api.auth import ENGINE, principal
from web.api.errors import ApiError, bad_request, invalid, json_response
from web.api.people import STAFF_ROLES
from web.api.tokens import Principal, Role

MAX_BYTES = 50 * 1024 * 1024
SUFFIXES = (".csv", ".xlsx", ".xlsm")
ERRORS_SHOWN = 200
_R = Resident.__table__


async def upload(request: web.Request) -> web.Response:
    who = principal(request, *STAFF_ROLES)
    with tempfile.TemporaryDirectory(prefix="outreach-upload-") as folder:
        path = await _receive(request, Path(folder))
        errors_path = Path(folder) / "errors.csv"
        try:
            if who.role is Role.STAFF:
                checked = await _checked_copy(request.app[ENGINE], path, who)
                path = checked.path
            else:
                checked = _Checked(path)
            result = await import_ledger(
                request.app[ENGINE], path, today=today(), errors_path=errors_path
            )
        except BilingualError as err:  # SourceError, HeaderError: nothing was written
            raise invalid(err.zh, err.en, field="file") from err
        conversions = await reconcile_statuses(request.app[ENGINE], now=utc_now())
        errors = checked.errors + [
            {**e, "row": checked.original_line(e["row"])}
            for e in await asyncio.to_thread(_read_errors, errors_path)
        ]
    errors.sort(key=lambda e: (e["row"], e["column"]))
    return json_response(
        {
            "rows": result.rows + len(checked.errors),
            "inserted": result.inserted,
            "updated": result.updated,
            "rejected": result.rejected + len(checked.errors),
            "ignored_columns": list(
                result.ignored_columns if checked.ignored is None else checked.ignored
            ),
            "conversions": conversions,
            "errors": errors[:ERRORS_SHOWN],
            "errors_truncated": len(errors) > ERRORS_SHOWN,
        }
    )


async def _receive(request: web.Request, folder: Path) -> Path:
    """The posted file, streamed to `folder`; 413 past MAX_BYTES."""
    if not request.content_type.startswith("multipart/"):
        raise bad_request(
            "请以 multipart/form-data 上传文件（字段名 file）",
            "send the file as multipart/form-data, field 'file'",
        )
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and part.name == "file":
            suffix = Path(part.filename or "").suffix.lower()
            if suffix not in SUFFIXES:
                raise invalid(
                    "只支持 CSV 或 Excel（.xlsx）文件", "only CSV or .xlsx files", field="file"
                )
            path = folder / f"ledger{suffix}"
            with path.open("wb") as out:
                size = 0
                while chunk := await part.read_chunk(256 * 1024):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise ApiError(
                            413,
                            "too_large",
                            f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后上传",
                            f"the file is over {MAX_BYTES // 1024 // 1024} MB; split it",
                        )
                    out.write(chunk)
            return path
    raise bad_request("没有收到文件（字段名 file）", "no file in field 'file'")


@dataclass(slots=True)
class _Checked:
    path: Path
    errors: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # line of the copy - 2 → original line
    ignored: tuple[str, ...] | None = None  # the original's unknown columns (the copy has none)

    def original_line(self, line: int) -> int:
        return self.lines[line - 2] if self.lines else line


async def _checked_copy(engine: AsyncEngine, path: Path, who: Principal) -> _Checked:
    """A CSV copy of `path` without the rows `who` may not write, and why each was left out."""
    assert who.township is not None
    copy = path.with_name("checked.csv")
    checked = _Checked(copy)
    # Parsing a large file takes seconds: off the event loop, which serves callbacks too.
    header, kept, checked.errors = await asyncio.to_thread(_scan, path, who.township)
    elsewhere = await _elsewhere(engine, [k[2] for k in kept if k[2]], who.township)
    for line, _, id_number in kept:
        if id_number in elsewhere:
            checked.errors.append(
                _error(
                    line,
                    header.titles[Field.ID_NUMBER],
                    mask_id_number(id_number),
                    "该居民已登记在其他乡镇，本乡镇账号不能修改",
                    "this resident is registered under another township; you cannot change it",
                )
            )
    kept = [k for k in kept if k[2] not in elsewhere]
    checked.lines = [k[0] for k in kept]
    checked.ignored = header.ignored
    await asyncio.to_thread(_write_copy, copy, header, [k[1] for k in kept])
    return checked


_Kept = tuple[int, list[str], str | None]  # line, cells, ID number when the row parses


def _scan(path: Path, township: str) -> tuple[HeaderMap, list[_Kept], list[dict[str, Any]]]:
    """The rows that name `township` (or do not parse: the import reports those), and errors."""
    kept: list[_Kept] = []
    errors: list[dict[str, Any]] = []
    with open_ledger(path) as (header, rows):
        if Field.TOWNSHIP not in header.positions:
            raise invalid(
                "乡镇账号上传的台账必须有“乡镇（街道）”列",
                "a township's upload needs the township column",
                field="file",
            )
        parser = RowParser(header, today=today())
        at = parser.columns.index(Field.TOWNSHIP.value)
        for line, cells in rows:
            if not isinstance(cells, list):  # a line the reader could not read
                errors.append(_error(line, "整行 whole row", "", cells.reason_zh, cells.reason_en))
                continue
            if not any(cells):
                continue
            parsed = parser.parse(line, cells)
            if isinstance(parsed, tuple) and parsed[at] != township:
                errors.append(_foreign_row(line, header, parsed[at] or ""))
                continue
            kept.append((line, cells, parsed[0] if isinstance(parsed, tuple) else None))
    return header, kept, errors


async def _elsewhere(engine: AsyncEngine, ids: list[str], township: str) -> set[str]:
    """Which of the ID numbers the ledger holds under another township."""
    found: set[str] = set()
    async with engine.connect() as connection:
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            result = await connection.execute(
                select(_R.c.id_number).where(
                    _R.c.id_number.in_(batch),
                    _R.c.township.is_not(None),
                    _R.c.township != township,
                )
            )
            found.update(result.scalars())
    return found


def _write_copy(path: Path, header: HeaderMap, rows: list[list[str]]) -> None:
    titles = [""] * (max(header.positions.values()) + 1)
    for name, index in header.positions.items():
        titles[index] = header.titles[name]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(titles)
        writer.writerows(rows)


def _read_errors(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))[1:]
    return [_error(int(r[0]), r[1], r[3], r[4], r[5]) for r in rows]


def _foreign_row(line: int, header: HeaderMap, value: str) -> dict[str, Any]:
    return _error(
        line,
        header.titles[Field.TOWNSHIP],
        value,
        "不属于本乡镇：乡镇账号只能导入本乡镇的居民",
        "not your township: a township's token imports only its own residents",
    )


def _error(line: int, column: str, value: str, zh: str, en: str) -> dict[str, Any]:
    return {"row": line, "column": column, "value": value, "reason_zh": zh, "reason_en": en}
