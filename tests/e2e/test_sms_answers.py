"""A resident's SMS question answered through the stand-ins, the real Redis and both databases.

The resident's reply goes out from a gateway stand-in to our callback; the worker's questions
job asks the knowledge base and queues the answer; the dispatcher sends it through a stand-in,
whose JSONL log is what the resident's phone would have received.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import ChatStore, StaffReplyError, list_questions, reply_to_question
from campaigns.model import INBOUND, MESSAGES
from cli.local_stack import LocalStack, local_stack
from ledger import Resident
from tests.campaigns.residents import add_residents, resident
from tests.e2e.test_campaign_loop import logged
from worker import Worker, build_worker

MORNING = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NIGHT = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # 22:00
WINDOW_OPENS = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 08:00 the next day
PHONE = "13900000001"
QUESTION = "断缴了三年，以前交的还算不算"
RESIDENTS = cast(Table, Resident.__table__)


@pytest.fixture
async def stack(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[LocalStack]:
    await add_residents(engine, [resident(1, name="王建国"), resident(2, name="李秀英")])
    async with local_stack(engine, tmp_path / "gateways") as running:
        yield running


async def reply_from(stack: LocalStack, engine: AsyncEngine, text: str, phone: str = PHONE) -> None:
    """The resident replies by SMS: the stand-in pushes it to our callback (asynchronously)."""
    before = await inbound_count(engine)
    async with aiohttp.ClientSession() as http:
        body = {"from": phone, "text": text}
        async with http.post(f"{stack.urls['aliyun']}/_sandbox/inbound", json=body) as answer:
            assert answer.status == 200
    for _ in range(200):
        if await inbound_count(engine) > before:
            return
        await asyncio.sleep(0.05)
    pytest.fail("the stand-in's reply push never arrived")


async def inbound_count(engine: AsyncEngine) -> int:
    async with engine.connect() as c:
        return int((await c.execute(select(func.count()).select_from(INBOUND))).scalar_one())


async def drain(worker: Worker, engine: AsyncEngine, *, rounds: int = 300) -> dict[str, int]:
    """Run the worker until every question is triaged and no reply is on its way.

    One snapshot of the message rows decides, so a row claimed between two reads cannot make
    it look finished; rows held for later (the window) count as settled.
    """
    stop = asyncio.Event()
    task = asyncio.create_task(worker.dispatcher.run(stop))
    try:
        for _ in range(rounds):
            await worker.upkeep.run_all_once()  # triages every question stored before it
            now = worker.upkeep.clock()
            async with engine.connect() as c:
                rows = (await c.execute(select(MESSAGES.c.status, MESSAGES.c.not_before))).all()
            moving = [
                r
                for r in rows
                if r.status in ("sending", "sent", "unknown")
                or (r.status == "queued" and (r.not_before is None or _utc(r.not_before) <= now))
            ]
            if not moving:
                return dict(Counter(r.status for r in rows))
            await asyncio.sleep(0.1)
        pytest.fail("replies still on their way")
    finally:
        stop.set()
        await task


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to(stack: LocalStack, phone: str) -> list[dict[str, Any]]:
    return [m for m in logged(stack) if m["to"] == phone]


async def answer_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as c:
        return list((await c.execute(select(MESSAGES).order_by(MESSAGES.c.id))).all())


async def test_a_question_gets_exactly_one_answer_despite_duplicate_pushes_and_restarts(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    # The gateway pushes the same reply twice at once (a retry it thought lost), then again.
    push = [
        {
            "phone_number": PHONE,
            "send_time": "2026-11-22 09:58:00",
            "content": QUESTION,
            "sign_name": "参保服务",
            "dest_code": "0001",
            "sequence_id": 4242,
        }
    ]
    url = f"{stack.web_url}/callbacks/aliyun/replies"
    async with aiohttp.ClientSession() as http:

        async def deliver() -> int:
            async with http.post(url, json=push) as answer:
                return answer.status

        assert list(await asyncio.gather(deliver(), deliver())) == [200, 200]
        assert await deliver() == 200
    assert await inbound_count(engine) == 1

    for _ in range(2):  # a second worker (a restart) finds nothing more to do
        async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
            counts = await drain(worker, engine)
        assert counts == {"delivered": 1}

    [sms] = to(stack, PHONE)
    assert sms["text"].startswith("王先生您好，关于您问的问题：")
    assert "以前交的年限都保留" in sms["text"]
    [row] = await answer_rows(engine)
    assert row.status == "delivered"
    assert row.body == sms["text"]
    async with engine.connect() as c:
        [question] = (await c.execute(select(INBOUND))).all()
    assert question.triage == "answered"
    assert question.answered_by == "auto"


async def test_a_question_at_night_is_answered_when_the_window_opens(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    await reply_from(stack, engine, QUESTION)
    async with build_worker(engine, redis, stack.gateways, clock=lambda: NIGHT) as worker:
        counts = await drain(worker, engine, rounds=30)
    assert counts == {"queued": 1}
    assert to(stack, PHONE) == []
    [held] = await answer_rows(engine)
    assert _utc(held.not_before) == WINDOW_OPENS

    async with build_worker(engine, redis, stack.gateways, clock=lambda: WINDOW_OPENS) as worker:
        counts = await drain(worker, engine)
    assert counts == {"delivered": 1}
    assert len(to(stack, PHONE)) == 1


async def test_a_sender_who_said_stop_gets_nothing(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    await reply_from(stack, engine, "TD")
    await reply_from(stack, engine, QUESTION)
    async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
        await drain(worker, engine, rounds=20)
    assert logged(stack) == []
    assert await answer_rows(engine) == []


async def test_unsure_questions_get_one_notice_that_staff_will_follow_up(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    phone = "13900000002"
    await reply_from(stack, engine, "村里的路什么时候能修好啊", phone)
    await reply_from(stack, engine, "村里的路到底什么时候修", phone)
    async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
        counts = await drain(worker, engine)
    assert counts == {"delivered": 1}
    [sms] = to(stack, phone)
    assert "工作人员会尽快联系您" in sms["text"]
    assert "12333" in sms["text"]
    async with engine.connect() as c:
        waiting = (
            await c.execute(select(INBOUND.c.id).where(INBOUND.c.answered_at.is_(None)))
        ).all()
    assert len(waiting) == 2  # both stay in the staff queue


async def test_a_staff_reply_reaches_the_resident_exactly_once(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    phone = "13900000002"
    await reply_from(stack, engine, "村里的路什么时候能修好啊", phone)
    async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
        assert await drain(worker, engine) == {"delivered": 1}  # the "staff will call" notice
    [question] = await list_questions(engine)
    staff_text = "修路的事镇里已报县交通局，预计明年春天开工。"
    outcome = await reply_to_question(engine, question.id, staff_text, now=MORNING)
    assert outcome.sent
    with pytest.raises(StaffReplyError):  # a second click, a second staff member
        await reply_to_question(engine, question.id, staff_text, now=MORNING)

    for _ in range(2):  # a restarted worker sends nothing more
        async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
            assert await drain(worker, engine) == {"delivered": 2}
    received = [m["text"] for m in to(stack, phone)]
    assert len(received) == 2
    assert "工作人员会尽快联系您" in received[0]
    assert received.count(received[1]) == 1
    assert staff_text in received[1]
    assert received[1].startswith("李先生您好，关于您问的问题：")
    assert await list_questions(engine) == []


async def test_a_staff_reply_to_a_bot_hand_off_reaches_the_chat_exactly_once(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    """A question handed off in the Telegram bot is answered in the bot, once."""
    chat = 5_550_001
    async with engine.begin() as c:
        await c.execute(
            update(RESIDENTS)
            .where(RESIDENTS.c.id_number == resident(1)["id_number"])
            .values(telegram_chat_id=chat)
        )
    question = await ChatStore(engine, clock=lambda: MORNING).hand_off(chat, "村里的路什么时候修")
    staff_text = "修路的事镇里已报县交通局，预计明年春天开工。"
    outcome = await reply_to_question(engine, question, staff_text, now=MORNING)
    assert (outcome.sent, outcome.reason) == (True, None)

    for _ in range(2):  # a restarted worker sends nothing more
        async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
            assert await drain(worker, engine) == {"delivered": 1}
    [received] = to(stack, str(chat))
    assert received["text"].startswith("王先生您好！")
    assert staff_text in received["text"]
    assert [m for m in logged(stack) if staff_text in m["text"]] == [received]  # no SMS too
    assert await list_questions(engine) == []
