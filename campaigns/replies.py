"""Residents' SMS questions answered by SMS, or handed to staff (the leader's `questions` job).

`apply_inbound` stores every reply that is not a stop word as a question. `ReplyDesk.triage`
takes the questions not yet triaged, asks the knowledge base about each (`reply_decision`), and
settles each one in a single transaction:

- the question row is marked triaged by a conditional UPDATE (`triaged_at IS NULL`): a second
  run, a second leader or a restart after a crash finds it done and does nothing;
- an answer, or the "staff will follow up" notice, is one `queued` message row of a standing
  reply campaign (reply_campaigns.py), unique per campaign × resident × question: from there the
  usual machinery sends it exactly once, within the window, never to a suppressed address;
- the events (`question_answered`, `question_abstained`, `question_handed_off`) say what was
  decided, without the phone or the question's text.

An answered question leaves the staff queue (`answered_at`, `answered_by` "auto"); every other
one stays in it. Senders who are not exactly one resident of the ledger, and senders on the
suppression list, get no SMS: staff decide.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from campaigns.definition import CampaignDefinition, Priority
from campaigns.events import EventKind, event_row, write_events
from campaigns.model import INBOUND, MESSAGES, SUPPRESSIONS, UNTRIAGED_QUESTION, MessageStatus
from campaigns.personal_address import polite_address
from campaigns.render import Renderer
from campaigns.render_errors import TemplateError, TemplateNotApproved
from campaigns.reply_campaigns import (
    ANSWER_TEMPLATE,
    HANDOFF_TEMPLATE,
    ReplyRules,
    reply_campaigns,
    reply_definition,
)
from campaigns.reply_decision import HANDED_OFF, Decision, Knowledge, Triage, Verdict, decide
from campaigns.templates import TemplateRegistry
from campaigns.timing import utc_now
from core import get_logger, in_transaction, is_sqlite, resident_ref, run_bound
from ledger import Resident
from ops.instruments import count_faq_abstained, count_faq_answered

log = get_logger("campaigns.replies")

_I = INBOUND
_M = MESSAGES
_S = SUPPRESSIONS
_R = Resident.__table__
#: Providers whose inbound messages are SMS (Telegram chat is the bot's).
_NOT_SMS = ("telegram",)


def pending_questions(batch: int) -> Select[Any]:
    """The oldest `batch` SMS questions not triaged yet, with their resident's name and sex.

    Polled every second: found through the partial index of untriaged questions (its predicate
    as SQL text, so that a prepared statement's generic plan can still use it)."""
    return (
        select(_I.c.id, _I.c.sender, _I.c.resident_id, _I.c.text, _R.c.name, _R.c.sex)
        .select_from(_I.outerjoin(_R, _R.c.id_number == _I.c.resident_id))
        .where(text(UNTRIAGED_QUESTION), _I.c.provider.not_in(_NOT_SMS))
        .order_by(_I.c.id)
        .limit(batch)
    )


@dataclass(frozen=True, slots=True)
class PendingQuestion:
    id: int
    sender: str
    resident_id: str | None
    text: str
    address: str  # the polite form of address (张先生), or the neutral greeting


class ReplyDesk:
    """Triage of residents' SMS questions; build once per worker."""

    def __init__(
        self,
        engine: AsyncEngine,
        knowledge: Knowledge,
        *,
        rules: ReplyRules | None = None,
        registry: TemplateRegistry | None = None,
        clock: Callable[[], datetime] = utc_now,
        batch: int = 100,
    ) -> None:
        self.engine = engine
        self.knowledge = knowledge
        self.rules = rules or ReplyRules()
        self.registry = registry or TemplateRegistry.load()
        self.renderer = Renderer(self.registry, max_sms_parts=self.rules.max_sms_parts)
        self.clock = clock
        self.batch = batch
        # A reply template that no gateway of this deployment may send (Alibaba Cloud caps a
        # variable at 35 characters, so an Aliyun-only deployment has no answer template):
        # answers go to staff instead, and without it hand-offs are not told by SMS. Waiting
        # rows of a gateway the worker does not have would wait for ever.
        self.definitions: dict[str, CampaignDefinition] = {}
        for template in (ANSWER_TEMPLATE, HANDOFF_TEMPLATE):
            try:
                self.definitions[template] = reply_definition(template, self.rules, self.registry)
            except TemplateNotApproved as error:
                log.warning("reply_template_unsendable", template=template, reason=error.en)
        for template, definition in self.definitions.items():
            for provider in definition.sms_providers():
                self.renderer.check(template, "sms", provider)  # refused at start, not mid-send

    def fits(self, address: str, answer: str) -> bool:
        """Whether the answer template with `answer` fits the part limit on every gateway (never
        when no gateway may send the answer template)."""
        if ANSWER_TEMPLATE not in self.definitions:
            return False
        providers = self.definitions[ANSWER_TEMPLATE].sms_providers()
        return answer_fits(self.renderer, providers, address, answer)

    def decide(self, question: PendingQuestion) -> tuple[Verdict, Decision]:
        verdict = self.knowledge(question.text)
        decision = decide(
            question.text,
            verdict,
            lambda text: self.fits(question.address, text),
            can_answer=ANSWER_TEMPLATE in self.definitions,
        )
        return verdict, decision

    async def triage(self) -> int:
        """Settle the questions waiting for triage (a batch); how many were settled."""
        pending = await self._pending()
        if not pending:
            return 0
        now = self.clock()

        async def ensure(connection: AsyncConnection) -> dict[str, int]:
            return await reply_campaigns(connection, self.definitions, now=now)

        campaigns = await in_transaction(self.engine, ensure, what="reply_campaigns")
        settled = 0
        for question in pending:
            # Every line of a question's triage carries it and its resident (masked).
            ids = {"question_id": question.id, "resident": resident_ref(question.resident_id)}
            settled += await run_bound(self._triage_one(question, campaigns, now), **ids)
        return settled

    async def _triage_one(
        self, question: PendingQuestion, campaigns: Mapping[str, int], now: datetime
    ) -> bool:
        """Decide and settle one question; False when another run settled it first."""
        # The knowledge base is CPU work (and loads itself on first use): off the loop.
        verdict, decision = await asyncio.to_thread(self.decide, question)

        async def work(connection: AsyncConnection) -> Triage | None:
            return await _settle(
                connection, question, verdict, decision, campaigns, self.rules, now
            )

        outcome = await in_transaction(self.engine, work, what="triage_question")
        if outcome is None:
            return False
        _count_answer(outcome, decision)
        log.info(
            "question_triaged", question=question.id, triage=outcome.value, entry=verdict.entry
        )
        return True

    async def _pending(self) -> list[PendingQuestion]:
        async with self.engine.connect() as connection:
            rows = (await connection.execute(pending_questions(self.batch))).all()
        return [
            PendingQuestion(
                int(r.id),
                r.sender,
                r.resident_id,
                r.text,
                polite_address(r.name or "", r.sex or ""),
            )
            for r in rows
        ]


def _count_answer(triage: Triage, decision: Decision) -> None:
    """Metrics say what the events say: answered, or abstained when it went to staff."""
    if triage is Triage.ANSWERED:
        count_faq_answered("sms")
    elif triage in HANDED_OFF:
        count_faq_abstained("sms", decision.reason or "low_confidence")


def answer_fits(renderer: Renderer, providers: Sequence[str], address: str, answer: str) -> bool:
    """Whether the answer template holds `answer` within the renderer's part limit (and each
    gateway's variable limit) on every one of `providers`."""
    variables = {"address": address, "answer": answer}
    try:
        for provider in providers:
            renderer.render(ANSWER_TEMPLATE, "sms", provider, variables)
    except TemplateError:
        return False
    return True


async def _settle(
    connection: AsyncConnection,
    question: PendingQuestion,
    verdict: Verdict,
    decision: Decision,
    campaigns: Mapping[str, int],
    rules: ReplyRules,
    now: datetime,
) -> Triage | None:
    """One question's triage, its reply row and its events (one transaction); None when
    another run settled it first."""
    triage = decision.triage
    if question.resident_id is None:
        triage = Triage.UNKNOWN_SENDER
    elif await _suppressed(connection, question):
        triage = Triage.SUPPRESSED
    answered = triage is Triage.ANSWERED
    claimed = await connection.execute(
        update(_I)
        .where(_I.c.id == question.id, _I.c.triaged_at.is_(None))
        .values(
            triaged_at=now,
            triage=triage.value,
            entry_id=verdict.entry,
            answered_at=now if answered else None,
            answered_by="auto" if answered else None,
        )
    )
    if claimed.rowcount == 0:
        return None
    template: str | None = None
    variables = {"address": question.address}
    if decision.text is not None and triage is decision.triage:
        # An answer, or a referral for a subject we do not cover (which also stays with staff),
        # unless the sender turned out unknown or stopped: worth an SMS each time, unlike the
        # "staff will follow up" notice.
        template = ANSWER_TEMPLATE
        variables["answer"] = decision.text
    elif triage in HANDED_OFF and not await _notified_lately(connection, question, rules, now):
        template = HANDOFF_TEMPLATE
    campaign_id = message_id = None
    if template is not None and template in campaigns and question.resident_id is not None:
        campaign_id = campaigns[template]
        message_id = await _queue_reply(connection, campaign_id, question, variables)
        if message_id is not None:
            await connection.execute(
                update(_I).where(_I.c.id == question.id).values(reply_message_id=message_id)
            )
    await write_events(
        connection,
        _events(question, verdict, decision, triage, now, campaign_id, message_id),
    )
    return triage


def _events(
    question: PendingQuestion,
    verdict: Verdict,
    decision: Decision,
    triage: Triage,
    now: datetime,
    campaign_id: int | None,
    message_id: int | None,
) -> list[dict[str, Any]]:
    def row(kind: str, data: dict[str, Any]) -> dict[str, Any]:
        return event_row(
            kind,
            now,
            campaign_id=campaign_id,
            message_id=message_id,
            resident_id=question.resident_id,
            data={"channel": "sms", "question": question.id, **data},
        )

    if triage is Triage.ANSWERED:
        return [
            row(
                EventKind.QUESTION_ANSWERED,
                {"entry": verdict.entry, "confidence": round(verdict.confidence, 3)},
            )
        ]
    events = []
    if triage in HANDED_OFF:
        events.append(
            row(
                EventKind.QUESTION_ABSTAINED,
                {
                    "nearest": verdict.entry,
                    "confidence": round(verdict.confidence, 3),
                    "reason": decision.reason,
                },
            )
        )
    events.append(
        row(
            EventKind.QUESTION_HANDED_OFF,
            {"reason": triage.value, "notified": message_id is not None},
        )
    )
    return events


async def _suppressed(
    connection: AsyncConnection, question: PendingQuestion, channel: str = "sms"
) -> bool:
    found = (
        await connection.execute(
            select(_S.c.address)
            .where(
                or_(
                    _S.c.address == f"{channel}:{question.sender}",
                    _S.c.resident_id == question.resident_id,
                )
            )
            .limit(1)
        )
    ).first()
    return found is not None


async def _notified_lately(
    connection: AsyncConnection, question: PendingQuestion, rules: ReplyRules, now: datetime
) -> bool:
    """Whether another open question of this resident got the hand-off notice lately."""
    found = (
        await connection.execute(
            select(_I.c.id)
            .where(
                _I.c.resident_id == question.resident_id,
                _I.c.id != question.id,
                _I.c.kind == "question",
                _I.c.answered_at.is_(None),
                _I.c.reply_message_id.is_not(None),
                _I.c.triage.in_([t.value for t in HANDED_OFF]),
                _I.c.triaged_at >= now - rules.notice_quiet,
            )
            .limit(1)
        )
    ).first()
    return found is not None


async def _queue_reply(
    connection: AsyncConnection,
    campaign_id: int,
    question: PendingQuestion,
    variables: Mapping[str, str],
    *,
    occurrence: str | None = None,
    channel: str = "sms",
) -> int | None:
    """The reply's message row (`queued`; the sweep puts it on the replies stream), unique per
    campaign × resident × occurrence (default `q{question id}`); None when it exists already.
    `channel` "telegram" sends it to the chat the question came from (`question.sender`)."""
    dialect = sqlite if is_sqlite(str(connection.engine.url)) else postgresql
    statement = (
        dialect.insert(_M)
        .values(
            campaign_id=campaign_id,
            occurrence=occurrence or f"q{question.id}",
            resident_id=question.resident_id,
            channel=channel,
            address=question.sender,
            priority=Priority.REPLY,
            status=MessageStatus.QUEUED.value,
            variables=json.dumps(dict(variables), ensure_ascii=False),
        )
        .on_conflict_do_nothing(index_elements=["campaign_id", "resident_id", "occurrence"])
        .returning(_M.c.id)
    )
    created = (await connection.execute(statement)).first()
    return None if created is None else int(created[0])
