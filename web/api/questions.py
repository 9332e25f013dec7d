"""The hand-off queue: residents' questions staff follow up, and the reply they record.

Staff see only questions whose sender is a resident of their township (questions from unknown
senders are for admins). The list's query keeps only those (campaigns.list_questions with the
township), so a staff member's page holds `limit` of their questions as an admin's does of every
question, and `next` (the last question shown, when the page is full; else null) continues it.
Another township's question answers 404, as an unknown one does.

A reply closes the question and, for an SMS question, queues the text to the resident through
the standing reply campaign (campaigns.reply_to_question: once, within the reply window, never to
a stopped number); it records the text, who wrote it and when. `sent_to_resident` says whether it
was queued: not for a Telegram question, a sender who is not a resident, or a stopped number
(`not_sent_reason`). A text too long for the reply's SMS parts is refused (422) and nothing
changes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    QuestionCursor,
    ReplySettings,
    StaffReplyError,
    StoredQuestion,
    get_question,
    list_questions,
    question_cursor,
    reply_to_question,
    utc_now,
)
from core import mask_id_number, mask_phone, mask_text
from web.api.auth import ENGINE, principal
from web.api.body import bounded_int, json_object, path_id, query_flag
from web.api.errors import conflict, forbidden, invalid, json_response, not_found
from web.api.model import QUESTION_REPLIES
from web.api.people import STAFF_ROLES
from web.api.tokens import Principal, Role

REPLY_LIMIT = 500


async def index(request: web.Request) -> web.Response:
    """A page of the list; `after` (the `next` of the previous page) asks for the next one."""
    who = principal(request, *STAFF_ROLES)
    include_closed = query_flag(request, "all")
    limit = bounded_int(request.query.get("limit"), "limit", 1, 500, 100)
    engine = request.app[ENGINE]
    township = _township(who)
    after = await _after(engine, request.query.get("after"), township)
    shown = await list_questions(
        engine, include_closed=include_closed, limit=limit, after=after, township=township
    )
    last = shown[-1] if len(shown) == limit else None
    replies = await _replies(engine, [q.id for q in shown])
    return json_response(
        {
            "questions": [_view(q, who, replies.get(q.id)) for q in shown],
            "next": None if last is None else last.id,
        }
    )


async def _after(
    engine: AsyncEngine, raw: str | None, township: str | None
) -> QuestionCursor | None:
    """The place after the question whose id is `raw` (None: from the start); another
    township's question is refused as an unknown one is, so an id tells staff nothing."""
    if raw is None:
        return None
    number = bounded_int(raw, "after", 1, 2**63 - 1, 1)
    cursor = await question_cursor(engine, number, township=township)
    if cursor is None:
        raise invalid("after 不是已知的问题", "after is not a known question", field="after")
    return cursor


async def reply(request: web.Request) -> web.Response:
    who = principal(request, *STAFF_ROLES)
    question_id = path_id(request)
    body = await json_object(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > REPLY_LIMIT:
        raise invalid(
            f"请填写答复内容（1 到 {REPLY_LIMIT} 个字）",
            f"text must be 1 to {REPLY_LIMIT} characters",
            field="text",
        )
    engine = request.app[ENGINE]
    # By id, and for staff only their township's: another's answers as an unknown one does.
    question = await get_question(engine, question_id, township=_township(who))
    if question is None:
        raise not_found("问题", "question")
    now = utc_now()
    if question.answered_at is not None:
        raise conflict("该问题已经跟进过了", "this question is already closed")

    try:
        outcome = await reply_to_question(
            engine, question_id, text, now=now, rules=ReplySettings().rules_here()
        )
    except StaffReplyError as err:
        if err.code == "not_open":
            raise conflict("该问题已经跟进过了", "this question is already closed") from err
        if err.code == "no_gateway":
            raise conflict(err.zh, err.en) from err
        raise invalid(err.zh, err.en, field="text") from err
    async with engine.begin() as connection:
        await connection.execute(
            insert(QUESTION_REPLIES).values(
                question_id=question_id, token_id=who.token_id, text=outcome.text, created_at=now
            )
        )
    return json_response(
        {
            "id": question_id,
            "answered_by": "staff",
            "reply": outcome.text,
            "sent_to_resident": outcome.sent,
            "not_sent_reason": outcome.reason,
        }
    )


def _township(who: Principal) -> str | None:
    """Whose questions `who` sees: None (every question) for an admin, else their township's."""
    if who.role is Role.ADMIN:
        return None
    if who.township is None:  # create_token refuses such a staff token: never every question
        raise forbidden()
    return who.township


async def _replies(engine: AsyncEngine, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(QUESTION_REPLIES.c.question_id, QUESTION_REPLIES.c.text).where(
                QUESTION_REPLIES.c.question_id.in_(ids)
            )
        )
        return {int(r.question_id): r.text for r in rows}


def _view(q: StoredQuestion, who: Principal, reply_text: str | None) -> dict[str, Any]:
    unmasked = who.role is Role.ADMIN
    resident_id = q.resident_id
    return {
        "id": q.id,
        "provider": q.provider,
        "sender": q.sender if unmasked else mask_phone(q.sender),
        "resident_id": resident_id if unmasked or not resident_id else mask_id_number(resident_id),
        "text": q.text if unmasked else mask_text(q.text),
        "received_at": q.received_at.isoformat(),
        "answered_at": q.answered_at.isoformat() if q.answered_at else None,
        "answered_by": q.answered_by,
        "triage": q.triage,
        "entry_id": q.entry_id,
        "reply": reply_text,
    }
