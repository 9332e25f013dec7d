"""Residents' open questions are found through their partial indexes (migration 0012).

The worker polls the untriaged ones every second and staff list the unanswered ones; both used
to read all of `inbound_messages` (every reply and opt-out ever received).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement

from campaigns.questions import questions_query
from campaigns.replies import pending_questions
from tests.query_plans import query_plan


async def _plan(engine: AsyncEngine, statement: ClauseElement) -> str:
    compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    return await query_plan(engine, str(compiled))


def _uses(plan: str, index: str, engine: AsyncEngine) -> bool:
    """PostgreSQL: the partial index. SQLite (the embedded store) may prefer the (kind,
    triaged_at) index; either way no scan of the whole table."""
    if engine.dialect.name == "sqlite":
        return "SEARCH inbound_messages USING INDEX" in plan and "SCAN inbound_messages" not in plan
    return index in plan


async def test_the_triage_poll_reads_the_untriaged_questions_index(engine: AsyncEngine) -> None:
    plan = await _plan(engine, pending_questions(100))
    assert _uses(plan, "ix_inbound_untriaged_questions", engine), plan


async def test_the_open_questions_list_reads_its_index(engine: AsyncEngine) -> None:
    plan = await _plan(engine, questions_query(include_closed=False, limit=100))
    assert _uses(plan, "ix_inbound_open_questions", engine), plan
