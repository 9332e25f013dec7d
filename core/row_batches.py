"""A batch of rows as one statement's parameters: PostgreSQL's `unnest` over array parameters.

executemany runs a statement once per row: asyncpg sends a Bind and an Execute for each, the
server plans and runs each on its own, and SQLAlchemy processes every row's parameters in
Python. A statement that reads its rows from `unnest(:a, :b, …) AS v(a, b, …)`, one array
parameter per column, is one execution for the whole batch, which the server runs as one set
and asyncpg encodes in C. SQLite has no arrays: there the same statement is built over plain
bound parameters and run per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam, column, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine


class RowParams:
    """`p.name` is `bindparam("name")`: one row's value, for a statement run per row."""

    def __getattr__(self, name: str) -> BindParameter[Any]:
        return bindparam(name)


def unnested(name: str, types: Mapping[str, TypeEngine[Any]]) -> Any:
    """`unnest(:c1, :c2, …) AS name(c1, c2, …)`: rows given as one array parameter a column.

    Execute a statement that reads from it with `as_columns(rows, types)`; its columns are
    `.c.c1`, `.c.c2`, …. PostgreSQL only.
    """
    arrays = [bindparam(c, type_=ARRAY(t)) for c, t in types.items()]
    return (
        func.unnest(*arrays)
        .table_valued(*(column(c, t) for c, t in types.items()))
        .render_derived(name=name)
    )


def as_columns(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    """The rows' values as one list per name: the parameters of a statement over `unnested`."""
    return {n: [r[n] for r in rows] for n in names}


def is_postgresql(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "postgresql"
