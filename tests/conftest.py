"""Fixtures shared by the whole suite: both databases, a real Redis, and a fixed 'today'."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path

import pytest
import structlog
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from core import create_engine, upgrade_to_head

#: A fixed evaluation date, so that ages and lapse months do not drift with the calendar.
TODAY = date(2026, 11, 22)

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _create_pg_database(name: str) -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    await upgrade_to_head(engine)
    await engine.dispose()
    return url


async def _drop_pg_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def _migrate_sqlite(url: str) -> None:
    engine = create_engine(url)
    await upgrade_to_head(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this run; dropped at the end."""
    name = f"outreach_test_{uuid.uuid4().hex[:12]}"
    url = asyncio.run(_create_pg_database(name))
    yield url
    asyncio.run(_drop_pg_database(name))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies, so migrations run once a session."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    asyncio.run(_migrate_sqlite(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of an empty, migrated database: every database test runs on both stores."""
    if request.param == "sqlite":
        path = tmp_path / "outreach.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_empty(url))
    return url


async def _empty(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        tables = await connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        names = [f'"{row[0]}"' for row in tables if row[0] != "alembic_version"]
        await connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the empty database of `database_url`."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """The machine's real Redis (database 15), flushed before and after each test."""
    client: Redis = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put structlog, bound context, the root logger and the hooks `configure_logging` sets
    back as they were after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    excepthook, thread_hook = sys.excepthook, threading.excepthook
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.excepthook, threading.excepthook = excepthook, thread_hook
    logging.captureWarnings(False)
