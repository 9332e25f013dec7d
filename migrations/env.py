"""Alembic environment: runs on a connection handed in by core.migrate, or on DATABASE_URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import campaigns.model  # noqa: F401  (registers the tables on Base.metadata)
import ledger.model  # noqa: F401
from core.database import Base, create_engine
from core.settings import load_settings

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url() -> None:
    engine = create_engine(
        context.config.get_main_option("sqlalchemy.url") or load_settings().database_url
    )
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


_connection = context.config.attributes.get("connection")
if _connection is not None:
    _run(_connection)
else:
    asyncio.run(_run_from_url())
