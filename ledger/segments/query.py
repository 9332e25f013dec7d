"""Questions asked of the residents table through a segment: how many, which, and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ledger.model import Resident
from ledger.segments.compiler import compile_where
from ledger.segments.explain import Verdict, evaluate
from ledger.segments.spec import Segment

_RESIDENTS = Resident.__table__


async def count_segment(connection: AsyncConnection, segment: Segment, on: date) -> int:
    """How many residents the segment holds on a date."""
    query = select(func.count()).select_from(_RESIDENTS).where(compile_where(segment.where, on))
    return int((await connection.execute(query)).scalar_one())


async def sample_segment(
    connection: AsyncConnection, segment: Segment, on: date, limit: int = 10
) -> Sequence[Row[Any]]:
    """The first residents of the segment by ID number (a stable sample)."""
    query = (
        select(_RESIDENTS)
        .where(compile_where(segment.where, on))
        .order_by(_RESIDENTS.c.id_number)
        .limit(limit)
    )
    return (await connection.execute(query)).all()


async def find_resident(connection: AsyncConnection, id_number: str) -> Row[Any] | None:
    """One resident by ID number, or None."""
    query = select(_RESIDENTS).where(_RESIDENTS.c.id_number == id_number)
    return (await connection.execute(query)).first()


async def explain_resident(
    connection: AsyncConnection, segment: Segment, id_number: str, on: date
) -> Verdict | None:
    """Which clauses of the segment hold for one resident (None if no such resident)."""
    resident = await find_resident(connection, id_number)
    return None if resident is None else evaluate(segment.where, resident, on)
