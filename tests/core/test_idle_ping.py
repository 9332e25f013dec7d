"""Pooled PostgreSQL connections are pinged after sitting idle, not before every use."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from core import create_engine


async def _pinging(engine: Any) -> list[int]:
    """Count the pings the engine's dialect makes."""
    pings: list[int] = []
    dialect = engine.sync_engine.dialect
    ping = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        result: bool = ping(dbapi_connection)
        return result

    dialect.do_ping = counted
    return pings


async def test_a_connection_in_steady_use_is_not_pinged(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0, ping_after_idle=60)
    pings = await _pinging(engine)
    try:
        for _ in range(5):
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
        assert pings == []
    finally:
        await engine.dispose()


async def test_an_idle_connection_killed_meanwhile_is_replaced_unseen(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0, ping_after_idle=0.2)
    pings = await _pinging(engine)
    admin = create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with admin.connect() as connection:  # the server drops it while it sits idle
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.3)
        async with engine.connect() as connection:  # no error: the ping failed, a new one came
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
        assert len(pings) >= 1
    finally:
        await engine.dispose()
        await admin.dispose()
