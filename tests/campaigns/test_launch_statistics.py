"""A launch leaves PostgreSQL's planner with statistics that know the new rows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core import create_engine
from tests.campaigns.residents import add_residents, resident
from tests.campaigns.test_sending_rows import launched
from tests.conftest import _empty


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    await _empty(postgres_url)
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()


async def test_launch_analyzes_the_messages_table(pg: AsyncEngine) -> None:
    await add_residents(pg, [resident(i) for i in range(1, 301)])
    await launched(pg, channels=["sms"])
    async with pg.connect() as c:
        planned: float = (
            await c.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'messages'"))
        ).scalar_one()
    # Without ANALYZE after the insert the planner's row count would still be that of the
    # empty table (-1 or 0 on PostgreSQL 15) and claims would be planned as walks.
    assert planned == 300
