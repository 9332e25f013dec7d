"""The questions job: each SMS question answered or handed off once, in one transaction."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    ANSWER_TEMPLATE,
    HANDOFF_TEMPLATE,
    Priority,
    Renderer,
    ReplyDesk,
    TemplateRegistry,
    Verdict,
    apply_inbound,
    list_questions,
    sms_parts,
)
from campaigns.model import CAMPAIGNS, EVENTS, INBOUND, MESSAGES
from campaigns.replies import answer_fits
from campaigns.reply_campaigns import ReplyRules, reply_definition
from campaigns.reply_text import LOCAL, MORE, has_caveat, short_answer
from campaigns.upkeep import finish_campaigns
from channels.base import Inbound
from faq import load_entries
from tests.campaigns.residents import add_residents, resident
from worker import FaqKnowledge

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PHONE = "13900000001"
STRANGER = "13700000009"
ANSWER = "以前交的年限不会作废，个人账户的钱也保留。"
REFERRAL = "失业保险的具体问题我们这里答不准，建议您拨打 12333 人社服务热线咨询。"
KNOWN = {
    "断缴了三年，以前交的还算不算": Verdict("lapse-years-kept", 0.8, answer=ANSWER),
    "失业金能领几个月": Verdict(None, 0.99, reason="not_covered", referral=REFERRAL),
    "我退休以后能领多少钱": Verdict("my-pension-amount", 1.0, answer="测算。", route="estimate"),
}


def knowledge(question: str) -> Verdict:
    return KNOWN.get(question, Verdict("nearest-entry", 0.2, reason="low_confidence"))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def desk(engine: AsyncEngine, clock: Clock) -> ReplyDesk:
    await add_residents(engine, [resident(1, name="王建国")])
    return ReplyDesk(engine, knowledge, clock=clock)


async def ask(engine: AsyncEngine, text: str, sender: str = PHONE, at: datetime = NOW) -> None:
    await apply_inbound(engine, Inbound("aliyun", sender, text, at=at), now=at)


async def table(engine: AsyncEngine, which: Any) -> list[Any]:
    async with engine.connect() as c:
        return list((await c.execute(select(which).order_by(which.c.id))).all())


async def replies(engine: AsyncEngine) -> list[tuple[str, Any]]:
    """(template, message row) of every reply message."""
    async with engine.connect() as c:
        rows = (
            await c.execute(
                select(CAMPAIGNS.c.definition, MESSAGES)
                .join(CAMPAIGNS, CAMPAIGNS.c.id == MESSAGES.c.campaign_id)
                .order_by(MESSAGES.c.id)
            )
        ).all()
    return [(json.loads(r.definition)["template"], r) for r in rows]


async def events(engine: AsyncEngine, kind: str) -> list[Any]:
    return [e for e in await table(engine, EVENTS) if e.kind == kind]


def no_personal_data(rows: list[Any]) -> Iterator[bool]:
    for e in rows:
        yield PHONE not in (e.data or "") and "断缴" not in (e.data or "")


async def test_a_sure_answer_is_queued_as_one_reply_and_leaves_the_staff_queue(
    engine: AsyncEngine, desk: ReplyDesk
) -> None:
    await ask(engine, "断缴了三年，以前交的还算不算")
    assert await desk.triage() == 1
    [(template, message)] = await replies(engine)
    assert template == ANSWER_TEMPLATE
    assert message.status == "queued"
    assert message.priority == Priority.REPLY
    assert message.address == PHONE
    assert json.loads(message.variables) == {"address": "王先生", "answer": ANSWER}
    [question] = await table(engine, INBOUND)
    assert question.triage == "answered"
    assert question.answered_by == "auto"
    assert question.answered_at is not None
    assert question.reply_message_id == message.id
    assert await list_questions(engine) == []
    [auto] = await list_questions(engine, include_closed=True)
    assert auto.answered_by == "auto"
    assert auto.entry_id == "lapse-years-kept"
    [event] = await events(engine, "question_answered")
    assert event.resident_id == message.resident_id
    assert event.message_id == message.id
    data = json.loads(event.data)
    assert data["channel"] == "sms"
    assert data["entry"] == "lapse-years-kept"
    assert data["confidence"] == 0.8
    assert all(no_personal_data(await table(engine, EVENTS)))


async def test_triage_runs_once_however_often_and_however_many_run_it(
    engine: AsyncEngine, desk: ReplyDesk, clock: Clock
) -> None:
    await ask(engine, "断缴了三年，以前交的还算不算")
    other = ReplyDesk(engine, knowledge, clock=clock)
    settled = await asyncio.gather(desk.triage(), other.triage())
    assert sum(settled) == 1
    assert await desk.triage() == 0
    assert len(await replies(engine)) == 1
    assert len(await events(engine, "question_answered")) == 1


async def test_a_duplicate_push_of_the_same_reply_is_one_question(
    engine: AsyncEngine, desk: ReplyDesk
) -> None:
    extra = {"sequence_id": "77"}
    pushed = Inbound("aliyun", PHONE, "断缴了三年，以前交的还算不算", at=NOW, extra=extra)
    first = await apply_inbound(engine, pushed, now=NOW)
    again = await apply_inbound(engine, pushed, now=NOW + timedelta(seconds=30))
    assert not first.duplicate
    assert again.duplicate
    assert len(await table(engine, INBOUND)) == 1
    assert len(await events(engine, "reply_received")) == 1
    await desk.triage()
    assert len(await replies(engine)) == 1


async def test_the_same_words_sent_again_later_are_a_new_question(
    engine: AsyncEngine, desk: ReplyDesk
) -> None:
    await ask(engine, "断缴了三年，以前交的还算不算")
    await ask(engine, "断缴了三年，以前交的还算不算", at=NOW + timedelta(minutes=5))
    assert len(await table(engine, INBOUND)) == 2


async def test_an_abstention_stays_with_staff_and_the_resident_is_told_once(
    engine: AsyncEngine, desk: ReplyDesk, clock: Clock
) -> None:
    await ask(engine, "村里的路什么时候修好")
    await desk.triage()
    [(template, message)] = await replies(engine)
    assert template == HANDOFF_TEMPLATE
    assert json.loads(message.variables) == {"address": "王先生"}
    [open_question] = await list_questions(engine)
    assert open_question.triage == "abstained"
    assert open_question.entry_id == "nearest-entry"
    [abstained] = await events(engine, "question_abstained")
    assert json.loads(abstained.data)["nearest"] == "nearest-entry"
    [handed] = await events(engine, "question_handed_off")
    assert json.loads(handed.data)["notified"] is True
    assert handed.resident_id == message.resident_id

    # Asking again while that question is open: handed off, but no second notice.
    clock.now = NOW + timedelta(hours=2)
    await ask(engine, "低保户的医保怎么报销呢", at=clock.now)
    await desk.triage()
    assert len(await replies(engine)) == 1
    assert len(await list_questions(engine)) == 2
    latest = (await events(engine, "question_handed_off"))[-1]
    assert json.loads(latest.data)["notified"] is False

    # A day later the resident is told again.
    clock.now = NOW + timedelta(hours=30)
    await ask(engine, "残疾人参保有没有补贴啊", at=clock.now)
    await desk.triage()
    assert [t for t, _ in await replies(engine)] == [HANDOFF_TEMPLATE, HANDOFF_TEMPLATE]


async def test_a_subject_we_do_not_cover_is_referred_and_stays_with_staff(
    engine: AsyncEngine, desk: ReplyDesk
) -> None:
    """A question on a subject the knowledge base does not cover gets one SMS saying where to
    ask, and stays in the staff queue (as an abstention, with its reason)."""
    await ask(engine, "失业金能领几个月")
    await desk.triage()
    [(template, message)] = await replies(engine)
    assert template == ANSWER_TEMPLATE
    assert json.loads(message.variables)["answer"] == REFERRAL + "工作人员也会联系您。"
    [open_question] = await list_questions(engine)
    assert open_question.triage == "abstained"
    assert open_question.answered_at is None
    [abstained] = await events(engine, "question_abstained")
    assert json.loads(abstained.data)["reason"] == "not_covered"
    [handed] = await events(engine, "question_handed_off")
    assert json.loads(handed.data)["notified"] is True


async def test_a_deployment_that_cannot_send_answers_hands_every_question_to_staff(
    engine: AsyncEngine, clock: Clock
) -> None:
    """Aliyun only: Alibaba Cloud cannot carry an answer (variables of 35 characters at most),
    so no answer is queued to wait for a gateway this worker does not have; the question goes
    to staff and the resident is told through Aliyun that it did."""
    await add_residents(engine, [resident(1, name="王建国")])
    aliyun_only = ReplyDesk(
        engine, knowledge, rules=ReplyRules(available=frozenset({"aliyun"})), clock=clock
    )
    assert set(aliyun_only.definitions) == {HANDOFF_TEMPLATE}
    await ask(engine, "断缴了三年，以前交的还算不算")
    assert await aliyun_only.triage() == 1
    [(template, message)] = await replies(engine)
    assert template == HANDOFF_TEMPLATE
    [campaign] = await table(engine, CAMPAIGNS)  # the hand-off's: no answer campaign
    assert json.loads(campaign.definition)["sms_provider"] == "aliyun"
    [open_question] = await list_questions(engine)
    assert (open_question.triage, open_question.entry_id) == ("no_gateway", "lapse-years-kept")
    assert message.status == "queued"


async def test_own_money_questions_are_handed_off(engine: AsyncEngine, desk: ReplyDesk) -> None:
    await ask(engine, "我退休以后能领多少钱")
    await desk.triage()
    assert [t for t, _ in await replies(engine)] == [HANDOFF_TEMPLATE]
    [q] = await list_questions(engine)
    assert q.triage == "estimate"
    [abstained] = await events(engine, "question_abstained")
    assert json.loads(abstained.data)["reason"] == "estimate"


async def test_a_suppressed_sender_gets_nothing(engine: AsyncEngine, desk: ReplyDesk) -> None:
    await ask(engine, "TD")
    await ask(engine, "断缴了三年，以前交的还算不算", at=NOW + timedelta(seconds=5))
    await desk.triage()
    assert await replies(engine) == []
    [q] = await list_questions(engine)
    assert q.triage == "suppressed"
    [handed] = await events(engine, "question_handed_off")
    assert json.loads(handed.data) == {
        "channel": "sms",
        "question": q.id,
        "reason": "suppressed",
        "notified": False,
    }


async def test_an_unknown_sender_is_left_to_staff(engine: AsyncEngine, desk: ReplyDesk) -> None:
    await ask(engine, "断缴了三年，以前交的还算不算", sender=STRANGER)
    await desk.triage()
    assert await replies(engine) == []
    [q] = await list_questions(engine)
    assert q.triage == "unknown_sender"
    [handed] = await events(engine, "question_handed_off")
    assert handed.resident_id is None
    assert STRANGER not in handed.data


async def test_acknowledgements_send_nothing(engine: AsyncEngine, desk: ReplyDesk) -> None:
    await ask(engine, "好的，谢谢")
    await desk.triage()
    assert await replies(engine) == []
    [q] = await list_questions(engine)
    assert q.triage == "not_question"


async def test_reply_campaigns_are_standing_and_never_completed(
    engine: AsyncEngine, desk: ReplyDesk
) -> None:
    await ask(engine, "断缴了三年，以前交的还算不算")
    await ask(engine, "村里的路什么时候修好", at=NOW + timedelta(seconds=1))
    await desk.triage()
    async with engine.begin() as c:
        await c.execute(MESSAGES.update().values(status="delivered"))
    assert await finish_campaigns(engine, now=NOW) == []
    campaigns = await table(engine, CAMPAIGNS)
    assert {c.state for c in campaigns} == {"running"}
    assert {c.priority for c in campaigns} == {Priority.REPLY}
    assert len(campaigns) == 2
    # Another question reuses them.
    await ask(engine, "断缴了三年，以前交的还算不算", at=NOW + timedelta(minutes=9))
    await desk.triage()
    assert len(await table(engine, CAMPAIGNS)) == 2


def test_every_knowledge_base_answer_has_an_sms_form_within_the_limit() -> None:
    """The shipped template and knowledge base: what residents would receive, for every entry
    the knowledge base would answer by SMS."""
    rules = ReplyRules()
    registry = TemplateRegistry.load()
    renderer = Renderer(registry, max_sms_parts=rules.max_sms_parts)
    providers = reply_definition(ANSWER_TEMPLATE, rules, registry).sms_providers()
    for entry in load_entries():
        if entry.route:
            continue
        short = short_answer(
            entry.answer,
            varies_by_province=entry.varies_by_province,
            fits=lambda text: answer_fits(renderer, providers, "欧阳先生", text),
        )
        assert short is not None, entry.id
        if not entry.answer.startswith(short.removesuffix(MORE).removesuffix(LOCAL)[:20]):
            pytest.fail(f"{entry.id}: the SMS form does not start with the answer")
        if entry.varies_by_province:
            assert has_caveat(short), entry.id
        for provider in providers:
            rendered = renderer.render(
                ANSWER_TEMPLATE, "sms", provider, {"address": "欧阳先生", "answer": short}
            )
            assert sms_parts(f"【{rendered.sign_name}】{rendered.text}") <= rules.max_sms_parts


def test_faq_knowledge_adapts_the_answerer() -> None:
    faq = FaqKnowledge()
    answered = faq("断缴了三年，以前交的还算不算")
    assert answered.answer is not None
    assert answered.entry == "lapse-years-kept"
    abstained = faq("明天会下雨吗")
    assert abstained.answer is None
    assert abstained.reason  # why, in the knowledge base's words
    assert abstained.referral is None
    referred = faq("被厂里辞退了，失业金能领几个月")
    assert referred.answer is None
    assert referred.reason == "not_covered"
    assert referred.referral is not None
    assert "失业保险" in referred.referral
    assert "12333" in referred.referral
