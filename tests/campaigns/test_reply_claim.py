"""Replies through the usual claim: the cap never holds them but counts them; a worker that does
not know the reply campaign yet gives the row back to the sweep."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import ReplyDesk, Verdict, apply_inbound
from campaigns.model import CAMPAIGNS, CONTACTS, MESSAGES
from campaigns.sending import CampaignRules, claim
from campaigns.upkeep import enqueue_due
from channels.base import Inbound
from tests.campaigns.residents import add_residents, resident

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
LEASE = timedelta(minutes=2)
REPLY = CampaignRules(window_opens_at=None, cap_days=0)
PROMOTIONAL = CampaignRules(window_opens_at=None, cap_days=7)


class Queue:
    def __init__(self) -> None:
        self.entries: list[tuple[int, str]] = []

    async def enqueue(self, entries: Sequence[tuple[int, str]]) -> None:
        self.entries.extend(entries)


@pytest.fixture
async def reply_id(engine: AsyncEngine) -> int:
    """The id of one queued answer to resident 1's question."""
    await add_residents(engine, [resident(1, name="王建国")])
    await apply_inbound(engine, Inbound("aliyun", "13900000001", "以前交的还算不算数"), now=NOW)
    desk = ReplyDesk(engine, lambda _q: Verdict("e", 0.9, answer="算。"), clock=lambda: NOW)
    await desk.triage()
    async with engine.connect() as c:
        return int((await c.execute(select(MESSAGES.c.id))).scalar_one())


async def row(engine: AsyncEngine, message_id: int) -> Any:
    async with engine.connect() as c:
        return (await c.execute(select(MESSAGES).where(MESSAGES.c.id == message_id))).one()


async def promotional_message(engine: AsyncEngine, resident_id: str) -> int:
    async with engine.begin() as c:
        campaign = await c.execute(
            insert(CAMPAIGNS)
            .values(name="宣传", state="running", definition="{}", priority=2)
            .returning(CAMPAIGNS.c.id)
        )
        message = await c.execute(
            insert(MESSAGES)
            .values(
                campaign_id=campaign.scalar_one(),
                occurrence="once",
                resident_id=resident_id,
                channel="sms",
                address="13900000001",
                priority=2,
                variables=json.dumps({}),
            )
            .returning(MESSAGES.c.id)
        )
        return int(message.scalar_one())


async def test_a_reply_is_not_held_by_the_cap_but_holds_the_next_promotional_message(
    engine: AsyncEngine, reply_id: int
) -> None:
    reply = await row(engine, reply_id)
    async with engine.begin() as c:  # a campaign reached the resident yesterday
        await c.execute(
            insert(CONTACTS).values(
                resident_id=reply.resident_id, last_contact_at=NOW - timedelta(days=1)
            )
        )
    [claimed] = await claim(engine, [reply_id], {reply.campaign_id: REPLY}, now=NOW, lease=LEASE)
    assert claimed.id == reply_id
    async with engine.connect() as c:
        contact = (await c.execute(select(CONTACTS))).one()
    assert contact.message_id == reply_id  # the reply counts as the latest contact

    later = NOW + timedelta(hours=1)
    promo = await promotional_message(engine, reply.resident_id)
    promo_row = await row(engine, promo)
    rules = {promo_row.campaign_id: PROMOTIONAL}
    assert await claim(engine, [promo], rules, now=later, lease=LEASE) == []
    held = await row(engine, promo)
    assert held.status == "queued"
    not_before = held.not_before.replace(tzinfo=held.not_before.tzinfo or UTC)
    assert not_before == NOW + timedelta(days=7)


async def test_a_worker_that_does_not_know_the_reply_campaign_yet_gives_the_row_back(
    engine: AsyncEngine, reply_id: int
) -> None:
    queue = Queue()
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=NOW) == 1
    assert (await row(engine, reply_id)).enqueued_at is not None
    # This worker loaded its running campaigns before the reply campaign existed.
    assert await claim(engine, [reply_id], {}, now=NOW, lease=LEASE) == []
    returned = await row(engine, reply_id)
    assert returned.status == "queued"
    assert returned.enqueued_at is None
    # So the next sweep enqueues it again at once, not after the requeue delay.
    assert await enqueue_due(engine, queue, now=NOW, enqueued_before=NOW) == 1
    assert [e[1] for e in queue.entries] == [str(reply_id), str(reply_id)]
