"""The metrics after real work: a campaign through the SMS and Telegram stand-ins with their
receipts, residents' SMS questions, a chat with the bot (an answer, an abstention, an estimate),
and the stores' gauges; then no label value anywhere in the exposition carries personal data."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import EVENTS, MESSAGES
from cli.local_stack import LocalStack, local_stack
from ops import instruments
from ops.refreshers import conversions_refresher, outbox_refresher, queue_refresher
from tests.bot.harness import bot_harness
from tests.bot.test_estimate import PROVINCE, STEPS
from tests.bot.test_estimate import TODAY as CHAT_DAY
from tests.bot.test_faq_chat import GIG_WORKER, WEATHER
from tests.campaigns.residents import add_residents
from tests.e2e.test_campaign_loop import MORNING, drain, launch, people
from tests.e2e.test_sms_answers import QUESTION, reply_from
from tests.ops.scrape import Exposition, metrics_app
from worker import build_worker

CHAT = 717171
PHONE = re.compile(r"1[3-9]\d{9}")
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
#: Label values that are not personal by construction: histogram bounds and Python's own.
NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?(e[+-]?\d+)?|Inf)$")


@pytest.fixture
async def stack(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[LocalStack]:
    async with local_stack(engine, tmp_path / "gateways") as running:
        yield running


def vocabulary() -> set[str]:
    """Every value an outreach_* label may take."""
    words = {instruments.OTHER, "pending", "dead", "answered", "abstained"}
    for name in dir(instruments):
        value = getattr(instruments, name)
        if name.isupper() and isinstance(value, frozenset):
            words |= value
    return words


async def test_real_work_moves_the_metrics_and_no_label_carries_personal_data(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    rows = people(10)  # residents 5 and 10 have a linked Telegram chat; 8 get SMS
    await add_residents(engine, rows)
    refreshers = [queue_refresher(redis), outbox_refresher(engine), conversions_refresher(engine)]
    async with metrics_app(refreshers) as client:
        before = await client.scrape()

        await launch(engine, "lapsed_priority", "lapsed-priority")
        async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
            assert await drain(worker, engine) == {"delivered": 10}
        await reply_from(stack, engine, QUESTION, phone=rows[1]["phone"])  # answered by SMS
        await reply_from(stack, engine, WEATHER, phone=rows[2]["phone"])  # handed to staff
        async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
            assert await drain(worker, engine) == {"delivered": 12}

        async with bot_harness(
            engine, redis, today=lambda: CHAT_DAY, estimate_province=PROVINCE, throttle_limit=100
        ) as chat:
            await chat.consented(CHAT)
            await chat.say(CHAT, GIG_WORKER)
            await chat.say(CHAT, WEATHER)
            for action, value in STEPS:
                await (chat.say if action == "say" else chat.press)(CHAT, value)
        after = await client.scrape()

    def delta(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    # 8 campaign SMS, the answer and the hand-off notice: each accepted, then delivered by receipt.
    assert delta("outreach_messages_total", channel="sms", status="accepted") == 10
    assert delta("outreach_messages_total", channel="sms", status="delivered") == 10
    assert delta("outreach_messages_total", channel="telegram", status="delivered") == 2
    assert delta("outreach_messages_total", channel="sms", status="failed") == 0
    # The campaign went through aliyun, the replies' standing campaigns through tencent.
    receipt = {"state": "delivered", "outcome": "applied"}
    assert delta("outreach_receipts_total", provider="aliyun", **receipt) == 8
    assert delta("outreach_receipts_total", provider="tencent", **receipt) == 2
    assert delta("outreach_callbacks_total", provider="aliyun", kind="receipt", result="ok") >= 1
    assert delta("outreach_callbacks_total", provider="aliyun", kind="reply", result="ok") == 2
    assert delta("outreach_send_latency_seconds_count", gateway="aliyun") >= 1
    assert delta("outreach_send_latency_seconds_count", gateway="tencent") == 2
    assert delta("outreach_send_latency_seconds_count", gateway="telegram") >= 1
    assert delta("outreach_send_latency_seconds_sum", gateway="aliyun") > 0
    assert delta("outreach_faq_questions_total", channel="sms", outcome="answered") == 1
    assert delta("outreach_faq_questions_total", channel="sms", outcome="abstained") == 1
    assert delta("outreach_faq_questions_total", channel="telegram", outcome="answered") == 1
    assert delta("outreach_faq_questions_total", channel="telegram", outcome="abstained") == 1
    assert delta("outreach_faq_abstentions_total", channel="telegram", reason="off_topic") == 1
    assert delta("outreach_estimates_total", channel="telegram", source="typed") == 1

    # The stores' gauges: nothing relayed yet, so every event waits in the outbox.
    async with engine.connect() as connection:
        events = (await connection.execute(select(func.count()).select_from(EVENTS))).scalar()
        sent = (await connection.execute(select(func.count()).select_from(MESSAGES))).scalar()
    assert sent == 12
    assert after.value("outreach_outbox_backlog", state="pending") == events
    assert after.value("outreach_outbox_oldest_undelivered_age_seconds") > 0
    for stream in ("send:p0", "send:p1", "send:p2"):
        assert after.value("outreach_queue_length", stream=stream) == 0  # drained

    assert_no_personal_data(after, rows)


def assert_no_personal_data(exposition: Exposition, rows: list[dict[str, object]]) -> None:
    personal = {str(r[k]) for r in rows for k in ("id_number", "name", "phone") if r.get(k)}
    personal |= {str(CHAT), *(str(r["telegram_chat_id"]) for r in rows if r["telegram_chat_id"])}
    allowed = vocabulary()
    for sample in exposition.samples:
        for key, value in sample.labels.items():
            assert not PHONE.search(value), (sample.name, key)
            assert not ID_NUMBER.search(value), (sample.name, key)
            assert not any(p in value for p in personal), (sample.name, key)
            if sample.name.startswith("outreach_") and key != "le":
                assert value in allowed, (sample.name, key, value)
            elif key == "le":
                assert NUMERIC.match(value), (sample.name, value)
    assert exposition.label_values()  # the scan looked at something
