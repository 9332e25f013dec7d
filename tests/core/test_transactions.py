"""A transaction PostgreSQL aborts as a deadlock victim is run again; other errors are not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core import create_engine, in_transaction, is_transient


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url)
    async with engine.begin() as c:
        await c.execute(text("DROP TABLE IF EXISTS tx_probe"))
        await c.execute(text("CREATE TABLE tx_probe (id int PRIMARY KEY, v int NOT NULL)"))
        await c.execute(text("INSERT INTO tx_probe VALUES (1, 0), (2, 0)"))
    yield engine
    async with engine.begin() as c:
        await c.execute(text("DROP TABLE tx_probe"))
    await engine.dispose()


async def test_a_deadlock_victim_is_run_again_and_both_commit(pg: AsyncEngine) -> None:
    attempts = 0
    a_holds_1 = asyncio.Event()
    b_holds_2 = asyncio.Event()

    async def a(connection: AsyncConnection) -> str:
        nonlocal attempts
        attempts += 1
        await connection.execute(text("UPDATE tx_probe SET v = v + 1 WHERE id = 1"))
        if attempts == 1:
            a_holds_1.set()
            await b_holds_2.wait()
        # First attempt: waits for B, which then waits for us: PostgreSQL aborts us (we began
        # waiting first, so our deadlock check runs first). Second attempt: B is done.
        await connection.execute(text("UPDATE tx_probe SET v = v + 10 WHERE id = 2"))
        return "a"

    async def b() -> None:
        await a_holds_1.wait()
        async with pg.begin() as connection:
            await connection.execute(text("UPDATE tx_probe SET v = v + 100 WHERE id = 2"))
            b_holds_2.set()
            await asyncio.sleep(0.5)
            await connection.execute(text("UPDATE tx_probe SET v = v + 1000 WHERE id = 1"))

    result, _ = await asyncio.gather(in_transaction(pg, a, what="probe"), b())
    assert result == "a"
    assert attempts == 2
    async with pg.connect() as c:
        result_rows = (await c.execute(text("SELECT id, v FROM tx_probe"))).all()
    rows = {int(r[0]): int(r[1]) for r in result_rows}
    # Exactly one successful run of A (1 and 10), and B's whole transaction (100 and 1000).
    assert rows == {1: 1001, 2: 110}


async def test_errors_about_the_work_itself_are_not_retried(pg: AsyncEngine) -> None:
    attempts = 0

    async def clash(connection: AsyncConnection) -> None:
        nonlocal attempts
        attempts += 1
        await connection.execute(text("INSERT INTO tx_probe VALUES (1, 5)"))

    with pytest.raises(IntegrityError) as caught:
        await in_transaction(pg, clash)
    assert attempts == 1
    assert not is_transient(caught.value)
    assert not is_transient(ValueError("not a database error"))
