"""A whole campaign through real HTTP stand-ins, the real Redis and both databases.

Plan → launch → worker (stream, claim, render, rate gate, gateway) → stand-in logs the message
and pushes a receipt → web callback → row delivered. Checks that every planned resident got
exactly one message, that opted-out residents got none, and that nothing leaves outside the
window.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    CampaignComposer,
    create_campaign,
    launch_campaign,
    load_campaign,
    parse_definition,
)
from campaigns.model import MESSAGES, SUPPRESSIONS
from cli.local_stack import LocalStack, local_stack
from tests.campaigns.residents import add_residents, resident
from tests.conftest import TODAY
from worker import Worker, build_worker

#: 10:00 and 22:00 in Shanghai on the test day.
MORNING = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
SURNAMES = "王李张刘陈杨黄赵吴周"


def people(n: int) -> list[dict[str, Any]]:
    """Lapsed men over 50 (segment lapsed-priority); every fifth has linked Telegram."""
    return [
        resident(
            i,
            birth="19700315",
            name=f"{SURNAMES[i % 10]}建国",
            chat=900_000 + i if i % 5 == 0 else None,
        )
        for i in range(1, n + 1)
    ]


@pytest.fixture
async def stack(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[LocalStack]:
    async with local_stack(engine, tmp_path / "gateways") as running:
        yield running


async def launch(engine: AsyncEngine, template: str, segment: str, **extra: Any) -> int:
    definition = parse_definition(
        {
            "name": template,
            "segment": segment,
            "template": template,
            "channels": ["telegram", "sms"],
            "sms_provider": "aliyun",
            "sms_fallback": "tencent",
            **extra,
        }
    )
    composer = CampaignComposer(definition, today=TODAY)
    composer.check()
    campaign_id = await create_campaign(engine, definition, composer.message_class, now=MORNING)
    campaign = await load_campaign(engine, campaign_id)
    await launch_campaign(engine, campaign, composer, now=MORNING, today=TODAY)
    return campaign_id


async def drain(worker: Worker, engine: AsyncEngine, *, rounds: int = 300) -> dict[str, int]:
    """Run the dispatcher and the upkeep jobs until no message is waiting for anything."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.dispatcher.run(stop))
    try:
        for _ in range(rounds):
            await worker.upkeep.run_all_once()
            counts, held = await _snapshot(engine, worker.upkeep.clock())
            if not {"queued", "sending", "sent", "unknown"} & set(counts):
                return counts
            if set(counts) <= {"queued", "delivered", "failed", "suppressed"} and held:
                return counts
            await asyncio.sleep(0.1)
        return await statuses(engine)
    finally:
        stop.set()
        await task


async def _snapshot(engine: AsyncEngine, now: datetime) -> tuple[dict[str, int], bool]:
    """Counts by status, and whether every queued row is held past `now`, from ONE read: two
    reads raced the sender (rows claimed between them left "all held" true of an empty set,
    and the drain returned with every row still counted as queued)."""
    async with engine.connect() as c:
        rows = (await c.execute(select(MESSAGES.c.status, MESSAGES.c.not_before))).all()
    counts = dict(Counter(str(r.status) for r in rows))
    held = all(
        r.not_before is not None and _aware(r.not_before) > now
        for r in rows
        if r.status == "queued"
    )
    return counts, held


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as c:
        rows: list[str] = list((await c.execute(select(MESSAGES.c.status))).scalars().all())
    return dict(Counter(rows))


def logged(stack: LocalStack) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for path in stack.logs.values():
        if path.exists():
            lines.extend(json.loads(line) for line in path.read_text("utf-8").splitlines())
    return lines


async def test_every_planned_resident_gets_exactly_one_message(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    rows = people(40)
    rows.append(resident(41, birth="19700315", name="王大山"))  # says stop before the send
    await add_residents(engine, rows)
    async with aiohttp.ClientSession() as http:
        reply = {"from": "13900000041", "text": "TD"}
        async with http.post(f"{stack.urls['aliyun']}/_sandbox/inbound", json=reply) as r:
            assert r.status == 200
        for _ in range(100):  # the reply is pushed to our callback asynchronously
            async with engine.connect() as c:
                if (await c.execute(select(SUPPRESSIONS.c.address))).first():
                    break
            await asyncio.sleep(0.05)

    campaign_id = await launch(engine, "lapsed_priority", "lapsed-priority")
    async with build_worker(engine, redis, stack.gateways, clock=lambda: MORNING) as worker:
        counts = await drain(worker, engine)

    assert counts == {"delivered": 40}
    messages = logged(stack)
    to = Counter(m["to"] for m in messages)
    assert len(messages) == 40
    assert max(to.values()) == 1
    assert "13900000041" not in to
    assert Counter(m["provider"] for m in messages) == {"aliyun": 32, "telegram": 8}
    sms = [m for m in messages if m["provider"] == "aliyun"]
    assert all(m["ref"] or m["provider_id"] for m in sms)
    assert all("先生您好" in m["text"] for m in messages)
    async with engine.connect() as c:
        bodies: list[str | None] = list(
            (await c.execute(select(MESSAGES.c.body).where(MESSAGES.c.campaign_id == campaign_id)))
            .scalars()
            .all()
        )
    assert all(body and "12333" in body for body in bodies)


async def test_nothing_promotional_leaves_at_night(
    engine: AsyncEngine, redis: Redis, stack: LocalStack
) -> None:
    await add_residents(
        engine,
        [
            resident(
                i,
                birth="19900101",
                name=f"李{i}明",
                identity_group="rider",
                employment_status="flexible",
                pension_status="never",
                pension_scheme=None,
                pension_last_paid=None,
            )
            for i in range(1, 6)
        ],
    )
    await launch(engine, "new_form_workers", "new-form-workers", channels=["sms"])
    async with build_worker(engine, redis, stack.gateways, clock=lambda: NIGHT) as worker:
        counts = await drain(worker, engine, rounds=30)
    assert counts == {"queued": 5}
    assert logged(stack) == []
    async with engine.connect() as c:
        held: list[datetime] = list(
            (await c.execute(select(MESSAGES.c.not_before))).scalars().all()
        )
    # Held until 08:00 the next morning, Shanghai time (00:00 UTC).
    assert {_aware(h) for h in held} == {datetime(2026, 11, 23, 0, 0, tzinfo=UTC)}
