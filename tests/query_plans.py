"""The plan a store chooses for a query: for tests that an index serves what it was made for.

PostgreSQL is asked with sequential and bitmap scans off, so that a tiny test table still shows
whether the index can serve the query at all; SQLite's EXPLAIN QUERY PLAN names the index or the
scan it would use.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def query_plan(engine: AsyncEngine, query: str, arguments: tuple[object, ...] = ()) -> str:
    """The plan of `query` (SQL in the engine's dialect, positional `arguments`), as one line."""
    async with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            plan = (await c.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", arguments)).all()
        else:
            await c.execute(text("SET LOCAL enable_seqscan = off"))
            await c.execute(text("SET LOCAL enable_bitmapscan = off"))
            plan = (await c.exec_driver_sql(f"EXPLAIN {query}", arguments)).all()
    return " ".join(str(step) for step in plan)
