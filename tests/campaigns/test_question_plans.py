"""Residents' questions are found through their partial indexes (migrations 0012 and 0013).

The worker polls the untriaged ones every second and staff list the unanswered ones; both used
to read all of `inbound_messages` (every reply and opt-out ever received). A township's staff
read the same indexes, their residents' questions kept by the query.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement

from campaigns.questions import QuestionCursor, questions_query
from campaigns.replies import pending_questions
from tests.query_plans import query_plan

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


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


async def test_the_list_with_closed_questions_reads_both_indexes(engine: AsyncEngine) -> None:
    """With closed questions included, the open ones come from their index and the answered
    ones from theirs (migration 0013), each in order: no part of the list scans the table."""
    for after in (None, QuestionCursor(False, NOW, 7), QuestionCursor(True, NOW, 7)):
        plan = await _plan(engine, questions_query(include_closed=True, limit=100, after=after))
        assert _uses(plan, "ix_inbound_closed_questions", engine), plan
        if engine.dialect.name == "postgresql":
            assert "Seq Scan" not in plan, plan
            open_part = "ix_inbound_open_questions" in plan
            assert open_part is (after is None or not after.closed), plan


async def test_a_townships_list_reads_the_same_indexes(engine: AsyncEngine) -> None:
    """A staff member's list keeps their township's questions in the query itself: each part is
    still read in order from its partial index, its sender's resident looked up per question
    (by ID number), so neither table is scanned whole."""
    cases = [(False, None), (False, QuestionCursor(False, NOW, 7))]
    cases += [
        (True, after) for after in (None, *(QuestionCursor(c, NOW, 7) for c in (False, True)))
    ]
    for include_closed, after in cases:
        plan = await _plan(engine, questions_query(include_closed, 100, after, township="新哨镇"))
        index = "ix_inbound_closed_questions" if include_closed else "ix_inbound_open_questions"
        assert _uses(plan, index, engine), plan
        assert "SCAN residents" not in plan, plan
        if engine.dialect.name == "postgresql":
            assert "Seq Scan" not in plan, plan
            open_part = after is None or not after.closed
            assert ("ix_inbound_open_questions" in plan) is open_part, plan
            assert ("ix_inbound_closed_questions" in plan) is include_closed, plan
