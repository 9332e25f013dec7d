"""Residents' questions that came back as replies, for staff to follow up (the hand-off queue).

A reply that is not a stop word is stored by `apply_inbound` as a question. The knowledge base
answers what it can by SMS (campaigns.replies): such a question is closed with `answered_by`
"auto" and leaves the open queue, but `--all` still lists it, marked as answered automatically,
so staff can read what residents were told. Staff list the open ones, call or write back, and
close them (`answered_by` "staff"); closing writes an event so that the results reports count it.

A township's staff see only questions whose sender is a resident of that township (`township`):
the filter is part of the query, so each page holds up to `limit` of their questions, read in
order from the partial indexes like an admin's. Questions from unknown senders (no resident) are
for admins only (`township=None`: every question).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, select, text, tuple_, union_all, update
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import EventKind, event_row, write_events
from campaigns.model import ANSWERED_QUESTION, INBOUND, UNANSWERED_QUESTION
from ledger import RESIDENTS


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    id: int
    provider: str
    sender: str
    resident_id: str | None
    text: str
    received_at: datetime
    answered_at: datetime | None
    answered_by: str | None = None  # "auto" (SMS answer) | "staff"
    triage: str | None = None  # campaigns.reply_decision.Triage, None before triage
    entry_id: str | None = None  # the entry answered with, or the nearest one


@dataclass(frozen=True, slots=True)
class QuestionCursor:
    """Where the previous page of the list ended: its last question's place in the order."""

    closed: bool
    received_at: datetime
    id: int

    @classmethod
    def question(cls, q: StoredQuestion) -> QuestionCursor:
        return cls(q.answered_at is not None, q.received_at, q.id)


def _from_township(township: str) -> ColumnElement[bool]:
    """A question whose sender is a resident of `township` (one with no resident is not)."""
    r = RESIDENTS.c
    return exists().where(r.id_number == INBOUND.c.resident_id, r.township == township)


def _part(
    predicate: str, limit: int, after: QuestionCursor | None, township: str | None
) -> Select[Any]:
    """The first `limit` questions of one part of the list (open or answered), after `after`,
    read in order from that part's partial index (its predicate as SQL text, so that a generic
    plan can use it too); with a township, only its residents' questions."""
    c = INBOUND.c
    query = select(INBOUND).where(text(predicate))
    if township is not None:
        query = query.where(_from_township(township))
    if after is not None:
        query = query.where(tuple_(c.received_at, c.id) > tuple_(after.received_at, after.id))
    return query.order_by(c.received_at, c.id).limit(limit)


def questions_query(
    include_closed: bool,
    limit: int,
    after: QuestionCursor | None = None,
    township: str | None = None,
) -> Select[Any]:
    """`list_questions`' query: the open questions, then (when asked for) the answered ones,
    each oldest first; with a township, only those of its residents. Each part reads its own
    index in order and stops at `limit` rows it keeps: sorting every question ever received
    for one page read them all (migration 0013)."""
    if not include_closed:
        if after is not None and after.closed:
            return select(INBOUND).where(false())
        return _part(UNANSWERED_QUESTION, limit, after, township)
    closed_after = after if after and after.closed else None
    parts = [_part(ANSWERED_QUESTION, limit, closed_after, township)]
    if after is None or not after.closed:
        parts.insert(0, _part(UNANSWERED_QUESTION, limit, after, township))
    # SQLite takes ORDER BY and LIMIT only on a whole compound: each part is a subquery.
    both = union_all(*(select(part.subquery()) for part in parts)).subquery()
    order = (both.c.answered_at.is_not(None), both.c.received_at, both.c.id)
    return select(both).order_by(*order).limit(limit)


def _stored(r: Any) -> StoredQuestion:
    return StoredQuestion(
        r.id,
        r.provider,
        r.sender,
        r.resident_id,
        r.text,
        r.received_at,
        r.answered_at,
        r.answered_by,
        r.triage,
        r.entry_id,
    )


async def list_questions(
    engine: AsyncEngine,
    *,
    include_closed: bool = False,
    limit: int = 100,
    after: QuestionCursor | None = None,
    township: str | None = None,
) -> list[StoredQuestion]:
    """Residents' questions, oldest open first (closed ones after them when asked for); with a
    township, only those whose sender is one of its residents (None: every question, unknown
    senders' too). A page holds `limit` questions unless the list ends there; the next page
    starts `after=QuestionCursor.question(last of this page)`, with the same township."""
    query = questions_query(include_closed, limit, after, township)
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [_stored(r) for r in rows]


async def get_question(
    engine: AsyncEngine, question_id: int, *, township: str | None = None
) -> StoredQuestion | None:
    """One resident's question by id, open or closed; None when there is none (or, with a
    township, when its sender is not one of that township's residents)."""
    query = select(INBOUND).where(INBOUND.c.id == question_id, INBOUND.c.kind == "question")
    if township is not None:
        query = query.where(_from_township(township))
    async with engine.connect() as connection:
        row = (await connection.execute(query)).first()
    return None if row is None else _stored(row)


async def question_cursor(
    engine: AsyncEngine, question_id: int, *, township: str | None = None
) -> QuestionCursor | None:
    """Where the page after question `question_id` starts; None when there is no such
    question, or (with a township) when it is not one of that township's (a page's `after`,
    from the CLI or the API: another township's id is refused as an unknown one is)."""
    question = await get_question(engine, question_id, township=township)
    return None if question is None else QuestionCursor.question(question)


async def close_question(engine: AsyncEngine, question_id: int, *, now: datetime) -> bool:
    """Mark a question followed up; False when there is no such open question."""
    async with engine.begin() as connection:
        row = (
            await connection.execute(
                update(INBOUND)
                .where(
                    INBOUND.c.id == question_id,
                    INBOUND.c.kind == "question",
                    INBOUND.c.answered_at.is_(None),
                )
                .values(answered_at=now, answered_by="staff")
                .returning(INBOUND.c.resident_id, INBOUND.c.provider)
            )
        ).first()
        if row is None:
            return False
        await write_events(
            connection,
            [
                event_row(
                    EventKind.QUESTION_FOLLOWED_UP,
                    now,
                    resident_id=row.resident_id,
                    data={"question": question_id, "provider": row.provider},
                )
            ],
        )
    return True
