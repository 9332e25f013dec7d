"""Batch upsert of resident rows by ID number, on the fastest path each database offers.

Cells left empty in a file never erase what the ledger already knows: an update keeps the stored
value where the new one is NULL. Column names come only from the model, never from a file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from ledger.model import IMPORTED_COLUMNS

_ALWAYS_REPLACED = frozenset({"id_number", "name", "sex", "birth_date"})


class BatchWriter(Protocol):
    """Writes batches of resident rows; returns how many of each batch were new."""

    #: Rows per transaction that measured fastest for this database (benchmarks/README.md).
    batch_size: int

    async def write(self, rows: Sequence[tuple[Any, ...]]) -> int: ...


def _assignments(columns: Sequence[str], excluded: str) -> str:
    parts = [
        f"{c} = {excluded}.{c}"
        if c in _ALWAYS_REPLACED
        else f"{c} = COALESCE({excluded}.{c}, residents.{c})"
        for c in columns
        if c != "id_number"
    ]
    return ", ".join([*parts, "updated_at = CURRENT_TIMESTAMP"])


def _check(columns: Sequence[str]) -> None:
    unknown = set(columns) - set(IMPORTED_COLUMNS)
    if unknown or columns[0] != "id_number":
        raise ValueError(f"not importable columns: {sorted(unknown)}")


class SqliteWriter:
    """executemany of INSERT … ON CONFLICT DO UPDATE on the aiosqlite connection.

    One transaction a batch.
    """

    batch_size = 20_000  # fewer, larger transactions: each WAL commit is costly at this size

    def __init__(self, connection: Any, columns: Sequence[str]) -> None:
        _check(columns)
        # sqlite3's implicit date adapter is deprecated from Python 3.12; store dates as the ISO
        # text SQLAlchemy's Date type reads back, through the C method rather than a Python shim.
        sqlite3.register_adapter(date, date.isoformat)
        self._connection = connection  # aiosqlite.Connection
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        self._upsert = (
            f"INSERT INTO residents ({names}) VALUES ({marks}) "  # noqa: S608 (model columns only)
            f"ON CONFLICT (id_number) DO UPDATE SET {_assignments(columns, 'excluded')}"
        )
        self._tuned = False

    async def write(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Upsert one batch in one transaction."""
        if not self._tuned:
            # Measured on a million rows: the default 2 MB page cache thrashes on the random-order
            # ID index, and checkpointing the WAL every 4 MB costs an fsync every few batches.
            # Both are settings of this connection only.
            await self._connection.execute("PRAGMA cache_size=-32768")
            await self._connection.execute("PRAGMA wal_autocheckpoint=16384")
            self._tuned = True
        # A new row takes rowid max+1 and an updated row keeps its own, so the growth of the
        # largest rowid inside one write transaction is exactly the number of new residents.
        await self._connection.execute("BEGIN IMMEDIATE")
        before = await self._max_rowid()
        await self._connection.executemany(self._upsert, rows)
        after = await self._max_rowid()
        await self._connection.commit()
        return after - before

    async def _max_rowid(self) -> int:
        cursor = await self._connection.execute("SELECT coalesce(max(rowid), 0) FROM residents")
        (value,) = await cursor.fetchone()
        await cursor.close()
        return int(value)


class PostgresWriter:
    """COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT a batch."""

    batch_size = 5_000  # smaller batches keep PostgreSQL merging while the next is parsed

    def __init__(self, connection: Any, columns: Sequence[str]) -> None:
        _check(columns)
        self._connection = connection  # asyncpg.Connection
        self._columns = list(columns)
        names = ", ".join(columns)
        self._merge = (
            f"WITH up AS (INSERT INTO residents ({names}) "  # noqa: S608 (model columns only)
            f"SELECT {names} FROM resident_import "
            f"ON CONFLICT (id_number) DO UPDATE SET {_assignments(columns, 'EXCLUDED')} "
            "RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted) FROM up"
        )
        self._ready = False

    async def write(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Upsert one batch in one transaction."""
        if not self._ready:
            await self._connection.execute(
                "CREATE TEMP TABLE IF NOT EXISTS resident_import "
                "(LIKE residents INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            self._ready = True
        async with self._connection.transaction():
            await self._connection.copy_records_to_table(
                "resident_import", records=rows, columns=self._columns
            )
            inserted = await self._connection.fetchval(self._merge)
        return int(inserted)


async def open_writer(connection: AsyncConnection, columns: Sequence[str]) -> BatchWriter:
    """The writer for the database behind `connection` (which must not have begun work yet)."""
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if connection.dialect.name == "postgresql":
        return PostgresWriter(driver, columns)
    if connection.dialect.name == "sqlite":
        return SqliteWriter(driver, columns)
    raise ValueError(f"unsupported database: {connection.dialect.name}")
