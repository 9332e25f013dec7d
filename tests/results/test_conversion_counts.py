"""The counts of conversions by kind that /metrics reads: kept exact by every writer."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from core import upgrade_to_head
from core.migrate import alembic_config
from ledger import Resident
from results import apply_status_changes, reconcile_statuses
from results.model import CONVERSION_COUNTS, CONVERSIONS
from tests.campaigns.residents import add_residents, resident
from tests.results.fixtures import NOW


async def _kept(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows: list[Any] = list(
            await connection.execute(select(CONVERSION_COUNTS.c.kind, CONVERSION_COUNTS.c.n))
        )
        return {str(kind): int(n) for kind, n in rows}


async def _counted(engine: AsyncEngine) -> dict[str, int]:
    c = CONVERSIONS.c
    async with engine.connect() as connection:
        rows: list[Any] = list(
            await connection.execute(select(c.kind, func.count()).group_by(c.kind))
        )
        return {str(kind): int(n) for kind, n in rows}


async def test_both_ways_in_are_counted_once(engine: AsyncEngine) -> None:
    """Conversions from the API and from a re-import add to their kinds' counts, and a batch
    sent again or a change found again adds nothing."""
    ids = await add_residents(engine, [resident(n, medical_status="never") for n in range(1, 5)])
    assert await reconcile_statuses(engine, now=NOW) == 0  # marks for the newcomers
    changes = [{"id_number": i, "pension_status": "paying"} for i in ids[:2]]
    assert (await apply_status_changes(engine, changes, idempotency_key="k", now=NOW)).conversions
    await apply_status_changes(engine, changes, idempotency_key="k", now=NOW)
    await apply_status_changes(engine, changes, idempotency_key="again", now=NOW)
    async with engine.begin() as connection:
        await connection.execute(
            update(Resident)
            .where(Resident.id_number.in_(ids[1:]))
            .values(pension_status="paying", medical_status="paying")
        )
    assert await reconcile_statuses(engine, now=NOW) == 5
    assert await reconcile_statuses(engine, now=NOW) == 0
    assert await _kept(engine) == {"pension_resumed": 4, "medical_enrolled": 3}
    assert await _kept(engine) == await _counted(engine)


async def test_concurrent_writers_keep_the_counts_exact(engine: AsyncEngine) -> None:
    """Batches applied at once on separate connections (as by several processes) each add
    their own conversions: the counts equal the table's."""
    ids = await add_residents(engine, [resident(n) for n in range(1, 41)])
    await reconcile_statuses(engine, now=NOW)
    batches = [
        [{"id_number": i, "pension_status": "paying"} for i in ids[n : n + 5]]
        for n in range(0, 40, 5)
    ]
    results = await asyncio.gather(
        *(
            apply_status_changes(engine, batch, idempotency_key=f"b{n}", now=NOW)
            for n, batch in enumerate(batches)
        )
    )
    assert sum(r.conversions for r in results) == 40
    assert await _kept(engine) == {"pension_resumed": 40} == await _counted(engine)


async def test_the_migration_counts_the_conversions_already_stored(engine: AsyncEngine) -> None:
    """Upgrading a database that holds conversions (from before migration 0014) starts the
    counts at the table's counts, so the gauge is exact from the first scrape."""
    ids = await add_residents(engine, [resident(n) for n in range(1, 4)])
    await reconcile_statuses(engine, now=NOW)
    changes = [{"id_number": i, "pension_status": "paying"} for i in ids]
    await apply_status_changes(engine, changes, idempotency_key="before", now=NOW)

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0013")

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)
    await upgrade_to_head(engine)
    assert await _kept(engine) == {"pension_resumed": 3} == await _counted(engine)
