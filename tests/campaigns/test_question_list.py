"""The hand-off list: open questions oldest first, then the answered ones, read page by page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import QuestionCursor, StoredQuestion, list_questions
from campaigns.model import INBOUND

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


async def _questions(engine: AsyncEngine) -> list[int]:
    """Eleven rows: open and answered questions, some received at the same instant, and an
    opt-out (never listed); their ids in the order the list shows them."""
    rows = [
        # (minutes before NOW, answered minutes before NOW or None, kind)
        (50, None, "question"),
        (10, 5, "question"),
        (30, None, "question"),
        (30, None, "question"),  # same instant as the one before: by id
        (60, 1, "question"),
        (60, 2, "question"),
        (45, None, "opt_out"),
        (20, 3, "question"),
        (5, None, "question"),
        (10, 4, "question"),
        (70, None, "question"),
    ]
    ids = []
    async with engine.begin() as connection:
        for received, answered, kind in rows:
            result = await connection.execute(
                insert(INBOUND)
                .values(
                    provider="aliyun",
                    sender="13900000001",
                    text="我断缴了还能补吗",
                    kind=kind,
                    received_at=NOW - timedelta(minutes=received),
                    answered_at=None if answered is None else NOW - timedelta(minutes=answered),
                    answered_by=None if answered is None else "staff",
                )
                .returning(INBOUND.c.id)
            )
            ids.append(int(result.scalar_one()))
    by_place = sorted(
        (r for r in zip(ids, rows, strict=True) if r[1][2] == "question"),
        key=lambda r: (r[1][1] is not None, -r[1][0], r[0]),
    )
    return [i for i, _ in by_place]


async def _pages(engine: AsyncEngine, *, include_closed: bool, size: int) -> list[int]:
    shown: list[int] = []
    after: QuestionCursor | None = None
    while True:
        page: list[StoredQuestion] = await list_questions(
            engine, include_closed=include_closed, limit=size, after=after
        )
        shown += [q.id for q in page]
        if len(page) < size:
            return shown
        after = QuestionCursor.question(page[-1])


async def test_the_list_with_closed_questions_keeps_its_order(engine: AsyncEngine) -> None:
    """Open questions come first, oldest first (ties by id), then the answered ones in the same
    order; an opt-out is never listed, and a limit cuts the list where it says."""
    expected = await _questions(engine)
    listed = await list_questions(engine, include_closed=True, limit=100)
    assert [q.id for q in listed] == expected
    assert [q.answered_at is None for q in listed] == [True] * 5 + [False] * 5
    assert [q.id for q in await list_questions(engine, include_closed=True, limit=7)] == (
        expected[:7]
    )
    assert [q.id for q in await list_questions(engine)] == expected[:5]


async def test_pages_read_after_the_last_question_add_up_to_the_list(
    engine: AsyncEngine,
) -> None:
    """Reading page after page (each after the previous page's last question) shows every
    question once, in the list's order, across the open-to-answered boundary and ties."""
    expected = await _questions(engine)
    for size in (1, 2, 3, 4):
        assert await _pages(engine, include_closed=True, size=size) == expected
        assert await _pages(engine, include_closed=False, size=size) == expected[:5]
