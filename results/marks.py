"""The statuses conversions last saw per resident, and the comparison after an import."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core import in_transaction
from ledger import Resident
from ops.instruments import count_conversions
from results.changes import Statuses, classify
from results.model import MARKS
from results.recording import Found, record
from results.settings import attribution_window

_R = Resident.__table__.c
_CHUNK = 500


async def load_marks(connection: AsyncConnection, ids: list[str]) -> dict[str, Statuses]:
    marks: dict[str, Statuses] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = await connection.execute(
            select(
                MARKS.c.resident_id,
                MARKS.c.pension_status,
                MARKS.c.pension_scheme,
                MARKS.c.medical_status,
            ).where(MARKS.c.resident_id.in_(ids[start : start + _CHUNK]))
        )
        for row in rows:
            marks[row[0]] = Statuses(row[1], row[2], row[3])
    return marks


async def save_marks(connection: AsyncConnection, marks: Mapping[str, Statuses]) -> None:
    """Upsert the marks of these residents."""
    if not marks:
        return
    known = set(await load_marks(connection, list(marks)))
    rows = [
        {
            "rid": rid,
            "ps": s.pension_status,
            "sc": s.pension_scheme,
            "ms": s.medical_status,
        }
        for rid, s in marks.items()
    ]
    old = [r for r in rows if r["rid"] in known]
    new = [r for r in rows if r["rid"] not in known]
    if old:
        await connection.execute(
            update(MARKS)
            .where(MARKS.c.resident_id == bindparam("rid"))
            .values(
                pension_status=bindparam("ps"),
                pension_scheme=bindparam("sc"),
                medical_status=bindparam("ms"),
            ),
            old,
        )
    if new:
        await connection.execute(
            insert(MARKS).values(
                resident_id=bindparam("rid"),
                pension_status=bindparam("ps"),
                pension_scheme=bindparam("sc"),
                medical_status=bindparam("ms"),
            ),
            new,
        )


async def reconcile_statuses(
    engine: AsyncEngine, *, now: datetime, window: timedelta | None = None
) -> int:
    """Turn status changes an import wrote into conversions; the number of conversions.

    Call after every ledger import (re-import). One scan finds the residents whose stored
    statuses differ from their marks; they are then handled 500 at a time, one transaction each
    (conversions, their events and the new marks commit together). Residents new to the ledger
    get marks and no conversion. Running it again, or after a crash half-way, finds only what is
    left; a chunk whose residents changed again meanwhile is compared as it was read, and the
    later change is found by the next run.
    """
    span = attribution_window(window)
    async with engine.connect() as connection:
        changed: list[Any] = list(await connection.execute(_changed()))
    total = 0
    for start in range(0, len(changed), _CHUNK):
        chunk = changed[start : start + _CHUNK]
        converted = await in_transaction(
            engine, partial(_convert, rows=chunk, now=now, window=span), what="reconcile_statuses"
        )
        count_conversions("import", converted)
        total += converted
    await in_transaction(engine, _mark_newcomers, what="mark_newcomers")
    return total


def _changed() -> Any:
    m = MARKS.c
    return (
        select(
            _R.id_number,
            _R.pension_status,
            _R.pension_scheme,
            _R.medical_status,
            m.pension_status,
            m.pension_scheme,
            m.medical_status,
        )
        .join(MARKS, m.resident_id == _R.id_number)
        .where(
            _R.pension_status.is_distinct_from(m.pension_status)
            | _R.pension_scheme.is_distinct_from(m.pension_scheme)
            | _R.medical_status.is_distinct_from(m.medical_status)
        )
        .order_by(_R.id_number)
    )


async def _convert(
    connection: AsyncConnection, rows: list[Any], now: datetime, window: timedelta
) -> int:
    found: list[Found] = []
    marks: dict[str, Statuses] = {}
    for row in rows:
        after = Statuses(row[1], row[2], row[3])
        before = Statuses(row[4], row[5], row[6])
        marks[row[0]] = after
        found.extend(Found(row[0], kind, now) for kind in classify(before, after))
    await save_marks(connection, marks)
    return await record(connection, found, source="import", now=now, window=window)


async def _mark_newcomers(connection: AsyncConnection) -> None:
    m = MARKS.c
    await connection.execute(
        insert(MARKS).from_select(
            ["resident_id", "pension_status", "pension_scheme", "medical_status"],
            select(_R.id_number, _R.pension_status, _R.pension_scheme, _R.medical_status).where(
                ~exists().where(m.resident_id == _R.id_number)
            ),
        )
    )
