"""`one_of`: the send loop's `IN` over a batch of values, on both databases."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select
from sqlalchemy.engine import ScalarResult
from sqlalchemy.ext.asyncio import AsyncEngine

from core import one_of

_META = MetaData()
_ROWS = Table(
    "one_of_rows",
    _META,
    Column("id", BigInteger, primary_key=True),
    Column("name", String(20), nullable=False),
)


async def test_one_of_matches_exactly_the_listed_values(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_META.create_all)
        await connection.execute(insert(_ROWS), [{"id": i, "name": f"n{i}"} for i in range(1, 601)])
        wanted = [*range(2, 601, 3), 9999]  # one value matches no row
        ids: ScalarResult[int] = await connection.scalars(
            select(_ROWS.c.id).where(one_of(connection, _ROWS.c.id, wanted)).order_by(_ROWS.c.id)
        )
        assert list(ids) == list(range(2, 601, 3))
        names: ScalarResult[int] = await connection.scalars(
            select(_ROWS.c.id).where(one_of(connection, _ROWS.c.name, {"n7", "n500", "x"}))
        )
        assert sorted(names) == [7, 500]
        none: ScalarResult[int] = await connection.scalars(
            select(_ROWS.c.id).where(one_of(connection, _ROWS.c.id, []))
        )
        assert list(none) == []
        await connection.run_sync(_META.drop_all)


async def test_on_postgresql_a_batch_is_one_array_parameter(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        clause = one_of(connection, _ROWS.c.id, range(500))
        compiled = clause.compile(dialect=connection.dialect)
        if connection.dialect.name == "postgresql":
            assert len(compiled.params) == 1
            assert list(compiled.params.values()) == [list(range(500))]
        else:
            assert "IN" in str(compiled)
