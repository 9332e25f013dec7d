"""The migrations build exactly the schema the models describe, on both stores."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import campaigns.model
import ledger.model
import web.api.model  # noqa: F401  (registers the API's tables)
from core import Base


async def test_models_match_the_migrated_schema(engine: AsyncEngine) -> None:
    assert campaigns.model.Message.__table__ is Base.metadata.tables["messages"]
    assert ledger.model.Resident.__table__ is Base.metadata.tables["residents"]

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
