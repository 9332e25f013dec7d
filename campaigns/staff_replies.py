"""A staff member's reply to a resident's question, sent to the resident exactly once.

Staff answer a question from the hand-off queue (`outreach faq reply`, the API's
`POST /questions/{id}/reply`). In one transaction the question is closed (`answered_by`
"staff", by a conditional UPDATE: a second reply finds it closed and is refused), the reply is
queued, and a `question_followed_up` event says whether it was (`sent`).

- An SMS question: the staff text is the `answer` of the standing answer campaign's template
  (`question_answer`, reply_campaigns.py), one `queued` message row with occurrence
  `s{question id}` (the automatic answer's is `q{question id}`, so the two never collide), so
  that the usual machinery sends it once, within the reply window, at REPLY priority, never to
  a suppressed number. The text is made plain (reply_text.plain) but never cut: staff wrote it,
  so one that does not fit the reply's part limit is refused (`StaffReplyError` "too_long").
- A question handed off in the Telegram bot: the same template's Telegram form, one `queued`
  row of channel `telegram` to the chat the question came from, in the same standing campaign
  (the dispatcher sends a row by its own channel), refused above Telegram's 4,096 characters.
- Nothing is queued, and the question is still closed, for an SMS sender who is not a resident
  of the ledger (`reason` "unknown_sender"), for a suppressed number, chat or resident
  ("suppressed"), and for a Telegram chat linked to no resident, then or since ("not_linked": a
  message row belongs to a resident; at the hand-off the bot told such a chat to /link so the
  answer can reach it, and pointed it to 12333).

The standing campaign keeps the definition the worker gave it (REPLY_* settings); `rules` only
matter when no answer campaign exists yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns.definition import CampaignDefinition
from campaigns.events import EventKind, event_row, write_events
from campaigns.model import CAMPAIGNS, INBOUND, SYSTEM_REPLIES, CampaignState
from campaigns.personal_address import polite_address
from campaigns.render import Renderer
from campaigns.render_errors import TemplateError
from campaigns.replies import PendingQuestion, _queue_reply, _suppressed
from campaigns.reply_campaigns import ANSWER_TEMPLATE, ReplyRules, reply_campaigns, reply_definition
from campaigns.reply_text import plain
from campaigns.templates import TemplateRegistry
from core import BilingualError
from ledger import Resident

_I = INBOUND
TELEGRAM = "telegram"
#: Telegram's limit on one message's text (sendMessage), in characters.
TELEGRAM_MAX_TEXT = 4096
_R = Resident.__table__
_K = CAMPAIGNS


class StaffReplyError(BilingualError):
    """A staff reply refused: `code` "not_open" (no such open question), "too_long", or
    "no_gateway" (no SMS gateway of this deployment may send it)."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.code = code


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    question: int
    sent: bool  # a message row was queued for the resident
    text: str  # the text as queued (plain form of what staff wrote)
    message_id: int | None = None
    campaign_id: int | None = None
    #: Why nothing was queued: "unknown_sender", "not_linked" or "suppressed".
    reason: str | None = None


async def reply_to_question(
    engine: AsyncEngine,
    question_id: int,
    text: str,
    *,
    now: datetime,
    rules: ReplyRules | None = None,
    registry: TemplateRegistry | None = None,
) -> ReplyOutcome:
    """Close an open question with staff's reply and queue the reply to the resident (see the
    module's docstring). Raises StaffReplyError when the question is not open or the text does
    not fit the reply's part limit; nothing is changed then."""
    body = plain(text)
    if not body:
        raise StaffReplyError("empty", "请填写答复内容", "the reply text is empty")
    registry = registry or TemplateRegistry.load()
    rules = rules or ReplyRules()

    async def work(connection: AsyncConnection) -> ReplyOutcome:
        question = await _open_question(connection, question_id)
        reason: str | None = None
        if question is None:
            raise StaffReplyError(
                "not_open",
                f"没有编号为 {question_id} 的待跟进提问（可能已经跟进过了）",
                f"no open question with id {question_id} (it may be closed already)",
            )
        pending, provider = question
        channel = TELEGRAM if provider == TELEGRAM else "sms"
        if pending.resident_id is None:
            reason = "not_linked" if channel == TELEGRAM else "unknown_sender"
        elif await _suppressed(connection, pending, channel):
            reason = "suppressed"
        campaign_id = message_id = None
        if reason is None:
            campaign_id, definition = await _answer_campaign(connection, rules, registry, now)
            if channel == TELEGRAM:
                _check_fits_telegram(registry, pending.address, body)
            else:
                _check_sendable(rules, registry, definition)
                _check_fits(registry, definition, pending.address, body)
        closed = await connection.execute(
            update(_I)
            .where(_I.c.id == question_id, _I.c.answered_at.is_(None))
            .values(
                answered_at=now,
                answered_by="staff",
                # A question closed before triage needs none: no automatic answer after staff's.
                triaged_at=func.coalesce(_I.c.triaged_at, now),
            )
        )
        if closed.rowcount == 0:
            raise StaffReplyError(
                "not_open",
                f"提问 {question_id} 已经跟进过了",
                f"question {question_id} is already closed",
            )
        if campaign_id is not None:
            variables = {"address": pending.address, "answer": body}
            message_id = await _queue_reply(
                connection,
                campaign_id,
                pending,
                variables,
                occurrence=f"s{question_id}",
                channel=channel,
            )
        sent = message_id is not None
        await write_events(
            connection,
            [
                event_row(
                    EventKind.QUESTION_FOLLOWED_UP,
                    now,
                    campaign_id=campaign_id if sent else None,
                    message_id=message_id,
                    resident_id=pending.resident_id,
                    data={
                        "question": question_id,
                        "provider": provider,
                        "by": "staff",
                        "sent": sent,
                        **({"reason": reason} if reason else {}),
                    },
                )
            ],
        )
        return ReplyOutcome(
            question_id,
            sent,
            body,
            message_id=message_id,
            campaign_id=campaign_id if sent else None,
            reason=reason,
        )

    async with engine.begin() as connection:
        return await work(connection)


async def _open_question(
    connection: AsyncConnection, question_id: int
) -> tuple[PendingQuestion, str] | None:
    row = (
        await connection.execute(
            select(
                _I.c.id,
                _I.c.sender,
                _I.c.resident_id,
                _I.c.text,
                _I.c.provider,
                _R.c.name,
                _R.c.sex,
            )
            .select_from(_I.outerjoin(_R, _R.c.id_number == _I.c.resident_id))
            .where(_I.c.id == question_id, _I.c.kind == "question", _I.c.answered_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    if row.resident_id is None and row.provider == TELEGRAM and row.sender.isdigit():
        # The bot asked an unlinked chat to /link so that the answer can reach it: take the
        # link it has now.
        linked = (
            await connection.execute(
                select(_R.c.id_number, _R.c.name, _R.c.sex)
                .where(_R.c.telegram_chat_id == int(row.sender))
                .limit(2)
            )
        ).all()
        if len(linked) == 1:
            person = linked[0]
            address = polite_address(person.name or "", person.sex or "")
            pending = PendingQuestion(
                int(row.id), row.sender, str(person.id_number), row.text, address
            )
            return pending, TELEGRAM
    address = polite_address(row.name or "", row.sex or "")
    return PendingQuestion(int(row.id), row.sender, row.resident_id, row.text, address), str(
        row.provider
    )


async def _answer_campaign(
    connection: AsyncConnection, rules: ReplyRules, registry: TemplateRegistry, now: datetime
) -> tuple[int, CampaignDefinition]:
    """The standing answer campaign (its stored definition), created from `rules` if missing."""
    rows = (
        await connection.execute(
            select(_K.c.id, _K.c.definition)
            .where(
                _K.c.created_by == SYSTEM_REPLIES,
                _K.c.state != CampaignState.CANCELLED.value,
            )
            .order_by(_K.c.id)
        )
    ).all()
    for row in rows:
        if json.loads(row.definition).get("template") == ANSWER_TEMPLATE:
            return int(row.id), CampaignDefinition.from_json(row.definition)
    # Created whatever gateways this deployment has: it carries Telegram answers too
    # (`_check_sendable` refuses an SMS answer no gateway here may send).
    definition = reply_definition(ANSWER_TEMPLATE, replace(rules, available=None), registry)
    ids = await reply_campaigns(connection, {ANSWER_TEMPLATE: definition}, now=now)
    return ids[ANSWER_TEMPLATE], definition


def _check_sendable(
    rules: ReplyRules, registry: TemplateRegistry, definition: CampaignDefinition
) -> None:
    """Refuse an SMS answer that no SMS gateway of this deployment may send: queued, it would
    wait for ever (an Aliyun-only deployment: Alibaba Cloud cannot carry a long answer)."""
    if rules.available is None or set(definition.sms_providers()) & rules.available:
        return
    approved = ", ".join(registry.get(ANSWER_TEMPLATE).approvals)
    raise StaffReplyError(
        "no_gateway",
        f"本系统的短信网关都不能发送答复短信（答复模板只在 {approved} 审核通过），请电话联系居民",
        f"no SMS gateway of this deployment may send the answer (the answer template is "
        f"approved by {approved} only): please call the resident",
    )


def _check_fits(
    registry: TemplateRegistry, definition: CampaignDefinition, address: str, body: str
) -> None:
    limit = definition.max_sms_parts
    renderer = Renderer(registry, max_sms_parts=limit)
    variables = {"address": address, "answer": body}
    try:
        for provider in definition.sms_providers():
            renderer.render(ANSWER_TEMPLATE, "sms", provider, variables)
    except TemplateError as err:
        raise StaffReplyError(
            "too_long",
            f"答复太长，短信放不下（最多 {limit} 条短信，含称呼和签名）：请缩短后再发。{err.zh}",
            f"the reply does not fit in {limit} SMS parts (with greeting and signature): "
            f"shorten it. {err.en}",
        ) from err


def _check_fits_telegram(registry: TemplateRegistry, address: str, body: str) -> None:
    rendered = Renderer(registry).render(
        ANSWER_TEMPLATE, TELEGRAM, TELEGRAM, {"address": address, "answer": body}
    )
    if len(rendered.text) > TELEGRAM_MAX_TEXT:
        raise StaffReplyError(
            "too_long",
            f"答复太长：Telegram 一条消息最多 {TELEGRAM_MAX_TEXT} 个字（含称呼），"
            f"这条有 {len(rendered.text)} 个字，请缩短后再发。",
            f"the reply does not fit in one Telegram message ({len(rendered.text)} of at most "
            f"{TELEGRAM_MAX_TEXT} characters with the greeting): shorten it.",
        )
