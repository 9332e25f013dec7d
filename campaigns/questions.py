"""Residents' questions that came back as replies, for staff to follow up (the hand-off queue).

A reply that is not a stop word is stored by `apply_inbound` as a question. The knowledge base
answers what it can by SMS (campaigns.replies): such a question is closed with `answered_by`
"auto" and leaves the open queue, but `--all` still lists it, marked as answered automatically,
so staff can read what residents were told. Staff list the open ones, call or write back, and
close them (`answered_by` "staff"); closing writes an event so that the results reports count it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.events import EventKind, event_row, write_events
from campaigns.model import INBOUND, UNANSWERED_QUESTION


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


def questions_query(include_closed: bool, limit: int) -> Select[Any]:
    """`list_questions`' query. The open ones alone are found through the partial index of
    unanswered questions (its predicate as SQL text, usable by a generic plan too)."""
    if include_closed:
        query = select(INBOUND).where(INBOUND.c.kind == "question")
    else:
        query = select(INBOUND).where(text(UNANSWERED_QUESTION))
    order = (INBOUND.c.answered_at.is_not(None), INBOUND.c.received_at, INBOUND.c.id)
    return query.order_by(*order).limit(limit)


async def list_questions(
    engine: AsyncEngine, *, include_closed: bool = False, limit: int = 100
) -> list[StoredQuestion]:
    """Residents' questions, oldest open first (closed ones after them when asked for)."""
    async with engine.connect() as connection:
        rows = (await connection.execute(questions_query(include_closed, limit))).all()
    return [
        StoredQuestion(
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
        for r in rows
    ]


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
