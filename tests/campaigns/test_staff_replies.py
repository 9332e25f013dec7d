"""A staff member's reply to a resident's question: queued once by SMS, in one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    ANSWER_TEMPLATE,
    Priority,
    ReplyDesk,
    StaffReplyError,
    Verdict,
    apply_inbound,
    list_questions,
    reply_to_question,
)
from campaigns.model import CAMPAIGNS, EVENTS, INBOUND, MESSAGES, SUPPRESSIONS
from campaigns.reply_campaigns import ReplyRules
from channels.base import Inbound
from tests.campaigns.residents import add_residents, resident

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PHONE = "13900000001"
STAFF_TEXT = "王先生，您断缴的三年可以补缴，请带身份证到镇社保所办理。"
QUESTION = "村里的路什么时候能修好啊"


@pytest.fixture(autouse=True)
async def residents(engine: AsyncEngine) -> None:
    await add_residents(engine, [resident(1, name="王建国", chat=777001)])


async def ask(engine: AsyncEngine, text: str, sender: str = PHONE, provider: str = "aliyun") -> int:
    await apply_inbound(engine, Inbound(provider, sender, text, at=NOW), now=NOW)
    async with engine.connect() as c:
        return int((await c.execute(select(func.max(INBOUND.c.id)))).scalar_one())


async def rows(engine: AsyncEngine, which: Any) -> list[Any]:
    async with engine.connect() as c:
        return list((await c.execute(select(which).order_by(which.c.id))).all())


async def followed_up(engine: AsyncEngine) -> list[dict[str, Any]]:
    return [
        json.loads(e.data) for e in await rows(engine, EVENTS) if e.kind == "question_followed_up"
    ]


async def test_an_sms_question_gets_the_staff_reply_queued_once(engine: AsyncEngine) -> None:
    qid = await ask(engine, QUESTION)
    outcome = await reply_to_question(engine, qid, f"  {STAFF_TEXT}\n", now=NOW)
    assert outcome.sent
    assert outcome.reason is None
    assert outcome.text == STAFF_TEXT
    [message] = await rows(engine, MESSAGES)
    assert message.id == outcome.message_id
    assert (message.status, message.channel, message.address) == ("queued", "sms", PHONE)
    assert message.priority == Priority.REPLY
    assert message.occurrence == f"s{qid}"
    assert json.loads(message.variables) == {"address": "王先生", "answer": STAFF_TEXT}
    [campaign] = await rows(engine, CAMPAIGNS)
    assert json.loads(campaign.definition)["template"] == ANSWER_TEMPLATE
    assert message.campaign_id == campaign.id
    [question] = await rows(engine, INBOUND)
    assert question.answered_by == "staff"
    assert question.triaged_at is not None  # no automatic answer after the staff's
    [event] = [e for e in await rows(engine, EVENTS) if e.kind == "question_followed_up"]
    assert event.message_id == message.id
    assert json.loads(event.data) == {
        "question": qid,
        "provider": "aliyun",
        "by": "staff",
        "sent": True,
    }
    assert PHONE not in event.data

    with pytest.raises(StaffReplyError) as again:
        await reply_to_question(engine, qid, "再发一次", now=NOW + timedelta(minutes=1))
    assert again.value.code == "not_open"
    assert "已经跟进" in again.value.zh or "待跟进" in again.value.zh
    assert len(await rows(engine, MESSAGES)) == 1
    assert len(await followed_up(engine)) == 1


async def test_the_staff_reply_and_the_automatic_answer_never_collide(
    engine: AsyncEngine,
) -> None:
    """A handed-off question got the automatic notice (q…); the staff reply (s…) still goes."""
    qid = await ask(engine, QUESTION)
    desk = ReplyDesk(
        engine, lambda _q: Verdict("nearest", 0.1, reason="low_confidence"), clock=lambda: NOW
    )
    assert await desk.triage() == 1
    outcome = await reply_to_question(engine, qid, STAFF_TEXT, now=NOW)
    assert outcome.sent
    occurrences = sorted(m.occurrence for m in await rows(engine, MESSAGES))
    assert occurrences == [f"q{qid}", f"s{qid}"]
    assert await desk.triage() == 0
    assert await list_questions(engine) == []


async def test_a_suppressed_sender_gets_nothing_but_the_question_is_closed(
    engine: AsyncEngine,
) -> None:
    await ask(engine, "TD")
    qid = await ask(engine, QUESTION)
    outcome = await reply_to_question(engine, qid, STAFF_TEXT, now=NOW)
    assert (outcome.sent, outcome.reason, outcome.message_id) == (False, "suppressed", None)
    assert await rows(engine, MESSAGES) == []
    assert await list_questions(engine) == []
    [data] = await followed_up(engine)
    assert data == {
        "question": qid,
        "provider": "aliyun",
        "by": "staff",
        "sent": False,
        "reason": "suppressed",
    }


async def telegram_question(engine: AsyncEngine, chat: str, resident_id: str | None) -> int:
    """A question handed off in the bot, as ChatStore.hand_off stores it."""
    async with engine.begin() as c:
        inserted = await c.execute(
            insert(INBOUND)
            .values(
                provider="telegram",
                sender=chat,
                resident_id=resident_id,
                text=QUESTION,
                kind="question",
                received_at=NOW,
            )
            .returning(INBOUND.c.id)
        )
        return int(inserted.scalar_one())


async def test_an_unknown_sender_and_an_unlinked_chat_are_closed_unsent(
    engine: AsyncEngine,
) -> None:
    stranger = await ask(engine, QUESTION, sender="13700000009")
    chat = await telegram_question(engine, "888002", None)
    first = await reply_to_question(engine, stranger, STAFF_TEXT, now=NOW)
    second = await reply_to_question(engine, chat, STAFF_TEXT, now=NOW)
    assert (first.sent, first.reason) == (False, "unknown_sender")
    assert (second.sent, second.reason) == (False, "not_linked")
    assert await rows(engine, MESSAGES) == []
    assert [(d["sent"], d["reason"]) for d in await followed_up(engine)] == [
        (False, "unknown_sender"),
        (False, "not_linked"),
    ]
    assert await list_questions(engine) == []


async def test_a_linked_chat_gets_the_staff_reply_in_the_bot_once(engine: AsyncEngine) -> None:
    qid = await telegram_question(engine, "777001", resident(1)["id_number"])
    outcome = await reply_to_question(engine, qid, STAFF_TEXT, now=NOW)
    assert (outcome.sent, outcome.reason) == (True, None)
    [message] = await rows(engine, MESSAGES)
    assert (message.channel, message.address, message.status) == ("telegram", "777001", "queued")
    assert (message.occurrence, message.priority) == (f"s{qid}", Priority.REPLY)
    assert json.loads(message.variables) == {"address": "王先生", "answer": STAFF_TEXT}
    [data] = await followed_up(engine)
    assert data == {"question": qid, "provider": "telegram", "by": "staff", "sent": True}
    with pytest.raises(StaffReplyError) as again:
        await reply_to_question(engine, qid, STAFF_TEXT, now=NOW)
    assert again.value.code == "not_open"
    assert len(await rows(engine, MESSAGES)) == 1


async def test_a_chat_that_linked_after_the_hand_off_gets_the_reply(engine: AsyncEngine) -> None:
    """The bot tells an unlinked chat to /link so that staff's answer can reach it."""
    qid = await telegram_question(engine, "777001", None)  # 777001 is linked by now
    outcome = await reply_to_question(engine, qid, STAFF_TEXT, now=NOW)
    assert (outcome.sent, outcome.reason) == (True, None)
    [message] = await rows(engine, MESSAGES)
    assert (message.channel, message.address) == ("telegram", "777001")
    assert message.resident_id == resident(1)["id_number"]
    assert json.loads(message.variables)["address"] == "王先生"


async def test_a_stopped_chat_gets_nothing(engine: AsyncEngine) -> None:
    async with engine.begin() as c:
        await c.execute(
            insert(SUPPRESSIONS).values(
                address="telegram:777001", resident_id=None, source="telegram_stop", created_at=NOW
            )
        )
    qid = await telegram_question(engine, "777001", resident(1)["id_number"])
    outcome = await reply_to_question(engine, qid, STAFF_TEXT, now=NOW)
    assert (outcome.sent, outcome.reason) == (False, "suppressed")
    assert await rows(engine, MESSAGES) == []


async def test_a_reply_too_long_for_one_telegram_message_is_refused(engine: AsyncEngine) -> None:
    qid = await telegram_question(engine, "777001", resident(1)["id_number"])
    with pytest.raises(StaffReplyError) as refused:
        await reply_to_question(engine, qid, "请带身份证到镇社保所办理。" * 400, now=NOW)
    assert refused.value.code == "too_long"
    assert "4096" in refused.value.zh
    assert await rows(engine, MESSAGES) == []
    [still_open] = await list_questions(engine)
    assert still_open.id == qid


async def test_a_reply_too_long_for_the_sms_parts_is_refused_and_changes_nothing(
    engine: AsyncEngine,
) -> None:
    qid = await ask(engine, QUESTION)
    with pytest.raises(StaffReplyError) as refused:
        await reply_to_question(engine, qid, "请带身份证到镇社保所办理。" * 40, now=NOW)
    assert refused.value.code == "too_long"
    assert "答复太长" in refused.value.zh
    assert "最多 3 条短信" in refused.value.zh
    assert "3 SMS parts" in refused.value.en
    assert await rows(engine, MESSAGES) == []
    assert await followed_up(engine) == []
    [still_open] = await list_questions(engine)
    assert still_open.id == qid
    with pytest.raises(StaffReplyError) as empty:
        await reply_to_question(engine, qid, " \n ", now=NOW)
    assert empty.value.code == "empty"


async def test_an_sms_reply_no_gateway_here_may_send_is_refused_and_changes_nothing(
    engine: AsyncEngine,
) -> None:
    """Aliyun only: the answer template is approved by Tencent Cloud and Twilio, so a queued
    reply would wait for ever; staff are told to call instead. A Telegram reply still goes."""
    aliyun_only = ReplyRules(available=frozenset({"aliyun"}))
    qid = await ask(engine, QUESTION)
    with pytest.raises(StaffReplyError) as refused:
        await reply_to_question(engine, qid, STAFF_TEXT, now=NOW, rules=aliyun_only)
    assert refused.value.code == "no_gateway"
    assert "请电话联系居民" in refused.value.zh
    assert "tencent" in refused.value.en
    assert await rows(engine, MESSAGES) == []
    [still_open] = await list_questions(engine)
    assert still_open.id == qid
    in_bot = await ask(engine, QUESTION, sender="777001", provider="telegram")
    outcome = await reply_to_question(engine, in_bot, STAFF_TEXT, now=NOW, rules=aliyun_only)
    assert outcome.sent


async def test_no_such_question_is_refused(engine: AsyncEngine) -> None:
    with pytest.raises(StaffReplyError) as missing:
        await reply_to_question(engine, 9999, STAFF_TEXT, now=NOW)
    assert missing.value.code == "not_open"
