"""The hand-off list: open questions oldest first, then the answered ones, read page by page;
a township's staff read the same list narrowed to their residents' questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns import QuestionCursor, StoredQuestion, get_question, list_questions
from campaigns.model import INBOUND
from tests.campaigns.residents import add_residents, resident

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
    async with engine.begin() as connection:
        ids = [
            await _add(
                connection,
                received=NOW - timedelta(minutes=received),
                answered=None if answered is None else NOW - timedelta(minutes=answered),
                kind=kind,
            )
            for received, answered, kind in rows
        ]
    by_place = sorted(
        (r for r in zip(ids, rows, strict=True) if r[1][2] == "question"),
        key=lambda r: (r[1][1] is not None, -r[1][0], r[0]),
    )
    return [i for i, _ in by_place]


async def _add(
    connection: AsyncConnection,
    received: datetime,
    answered: datetime | None,
    *,
    kind: str = "question",
    resident_id: str | None = None,
) -> int:
    """One inbound message (answered by staff at `answered`, or open); its id."""
    result = await connection.execute(
        insert(INBOUND)
        .values(
            provider="aliyun",
            sender="13900000001",
            resident_id=resident_id,
            text="我断缴了还能补吗",
            kind=kind,
            received_at=received,
            answered_at=answered,
            answered_by=None if answered is None else "staff",
        )
        .returning(INBOUND.c.id)
    )
    return int(result.scalar_one())


async def _pages(
    engine: AsyncEngine, *, include_closed: bool, size: int, township: str | None = None
) -> list[int]:
    shown: list[int] = []
    after: QuestionCursor | None = None
    while True:
        page: list[StoredQuestion] = await list_questions(
            engine, include_closed=include_closed, limit=size, after=after, township=township
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


HOME, OTHER = "新哨镇", "勐海镇"


async def _township_questions(
    engine: AsyncEngine,
) -> tuple[dict[str | None, list[int]], set[int]]:
    """Forty questions from two residents of HOME, two of OTHER and unknown senders (no
    resident), interleaved, some answered and some received at the same instant: each
    township's ids (None: every question) in the order the list shows them, and the answered
    ones' ids."""
    home = await add_residents(engine, [resident(i, township=HOME) for i in (1, 2)])
    other = await add_residents(engine, [resident(i, township=OTHER) for i in (3, 4)])
    senders = [home[0], other[0], other[1], None, other[0], home[1], other[1]]
    rows = [
        # (resident, minutes before NOW, answered)
        (senders[n % len(senders)], 100 - n // 2 * 2, n % 3 == 0)
        for n in range(40)
    ]
    placed = []
    async with engine.begin() as connection:
        for resident_id, received, answered in rows:
            at = NOW - timedelta(minutes=received)
            added = await _add(connection, at, NOW if answered else None, resident_id=resident_id)
            placed.append((answered, -received, added, resident_id))
    placed.sort()
    by_township = {
        None: [i for *_, i, _ in placed],
        HOME: [i for *_, i, r in placed if r in home],
        OTHER: [i for *_, i, r in placed if r in other],
    }
    return by_township, {i for answered, _, i, _ in placed if answered}


async def test_a_townships_list_holds_its_residents_questions_only_page_after_page(
    engine: AsyncEngine,
) -> None:
    """With a township, the list is that township's residents' questions in the whole list's
    order: a page holds `limit` of them however many others come between (none from unknown
    senders), and pages read after their last question add up to it. Without one (an admin),
    every question, unknown senders' too."""
    expected, answered = await _township_questions(engine)
    assert (len(expected[HOME]), len(expected[OTHER]), len(expected[None])) == (11, 23, 40)
    for township in (HOME, OTHER, None):
        in_order = expected[township]
        waiting = [i for i in in_order if i not in answered]
        assert 0 < len(waiting) < len(in_order)
        listed = await list_questions(engine, include_closed=True, limit=100, township=township)
        assert [q.id for q in listed] == in_order
        assert [q.id for q in await list_questions(engine, township=township)] == waiting
        for size in (1, 2, 5):
            assert await _pages(engine, include_closed=True, size=size, township=township) == (
                in_order
            )
            assert await _pages(engine, include_closed=False, size=size, township=township) == (
                waiting
            )
    first = await list_questions(engine, include_closed=True, limit=5, township=HOME)
    assert [q.id for q in first] == expected[HOME][:5]
    assert await list_questions(engine, include_closed=True, township="无此镇") == []


async def test_one_question_is_found_for_its_senders_township_only(engine: AsyncEngine) -> None:
    """`get_question` with a township finds a question of its residents, and neither another
    township's nor an unknown sender's; without one it finds any."""
    expected, _ = await _township_questions(engine)
    unknown = next(i for i in expected[None] if i not in expected[HOME] + expected[OTHER])
    home = expected[HOME][0]
    assert (await get_question(engine, home, township=HOME)) is not None
    assert await get_question(engine, home, township=OTHER) is None
    assert await get_question(engine, unknown, township=HOME) is None
    found = await get_question(engine, unknown)
    assert found is not None
    assert found.resident_id is None
