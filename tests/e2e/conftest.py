"""Fixtures of the end-to-end tests: processes share one PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core import create_engine
from tests.conftest import _empty


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the session's PostgreSQL database, emptied first: the database real
    processes (workers, relays) share with the test."""
    await _empty(postgres_url)
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()
