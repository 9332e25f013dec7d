"""The campaign part of `outreach demo`: one campaign per seed segment through the stand-ins."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import cast

import aiohttp
import sqlalchemy as sa
from rich.table import Table
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    CampaignComposer,
    TemplateRegistry,
    Triage,
    campaign_status,
    create_campaign,
    launch_campaign,
    load_campaign,
    parse_definition,
)
from campaigns.model import INBOUND, MESSAGES
from cli.context import console
from cli.demo_chat import run_chat
from cli.local_stack import LocalStack
from core import RESIDENT_TZ, create_redis, load_settings
from ledger import Resident
from worker import build_worker

_R = cast(sa.Table, Resident.__table__)

#: In the demo, one resident in this many who got an SMS writes back.
_REPLY_EVERY = 40
#: What they write: questions the knowledge base answers, ones it does not, and a stop.
_RESIDENT_REPLIES = (
    "我断缴了还能补吗",
    "灵活就业养老保险一年交多少钱",
    "在外地打工，能在老家交养老保险吗",
    "交满15年以后还用交吗",
    "TD",
    "城乡居民医保什么时候交",
    "我家房子拆迁的补偿款什么时候发",
    "退休以后每个月能领多少",
    "好的，谢谢",
)


async def run_campaigns(engine: AsyncEngine, stack: LocalStack, day: date) -> None:
    """Launch a campaign per template, send through the stand-ins, wait for the receipts."""
    # The demo sends at 10:00 of the demo day, inside every window, whenever it is run.
    clock_at = datetime.combine(day, time(10, 0), tzinfo=RESIDENT_TZ).astimezone(UTC)
    await _link_some_telegram(engine)
    registry = TemplateRegistry.load()
    redis = create_redis(load_settings().redis_url)
    try:
        console.print(
            f"[bold]4. 启动网关模拟器 / Gateway stand-ins[/]  阿里云 {stack.urls['aliyun']}  "
            f"腾讯云 {stack.urls['tencent']}  Telegram {stack.urls['telegram']}  "
            f"台账系统 / ledger system {stack.ledger_url}"
        )
        console.print(
            f"[bold]5. 每个种子人群一个活动 / One campaign per seed segment[/]"
            f"（模拟发送时间 / sending as of {clock_at.astimezone(RESIDENT_TZ):%Y-%m-%d %H:%M}）"
        )
        ids: list[int] = []
        for spec in registry.campaign_templates():
            definition = parse_definition(
                {
                    "name": spec.description[:60],
                    "segment": spec.segment,
                    "template": spec.name,
                    "channels": ["telegram", "sms"],
                    "sms_provider": "aliyun",
                    "sms_fallback": "tencent",
                }
            )
            composer = CampaignComposer(definition, today=day)
            composer.check()
            campaign_id = await create_campaign(
                engine, definition, composer.message_class, now=clock_at
            )
            await launch_campaign(
                engine,
                await load_campaign(engine, campaign_id),
                composer,
                now=clock_at,
                today=day,
            )
            ids.append(campaign_id)
        async with aiohttp.ClientSession() as http, engine.connect() as connection:
            phones: list[str] = list(
                (
                    await connection.execute(
                        select(_R.c.phone)
                        .where(_R.c.phone.is_not(None))
                        .order_by(_R.c.phone)
                        .limit(2)
                    )
                )
                .scalars()
                .all()
            )
            # Two residents answer: one says stop, one asks a question.
            for sender, text in zip(phones, ("TD", "我断缴了还能补吗"), strict=False):
                await http.post(
                    f"{stack.urls['aliyun']}/_sandbox/inbound", json={"from": sender, "text": text}
                )
        async with build_worker(engine, redis, stack.gateways, clock=lambda: clock_at) as worker:
            stop = asyncio.Event()
            task = asyncio.create_task(worker.dispatcher.run(stop))
            await _drain(worker.upkeep.run_all_once, engine, clock_at)
            # Some of those reached write back, as residents do: the answers go out in turn.
            replied = await _residents_write_back(engine, stack)
            await _drain(worker.upkeep.run_all_once, engine, clock_at)
            stop.set()
            await task
        await _report(engine, ids, clock_at, stack.logs)
        await _report_questions(engine, replied)
        await run_chat(engine, redis, stack)
    finally:
        await redis.aclose()


async def _link_some_telegram(engine: AsyncEngine) -> None:
    """Demo only: one resident in forty has linked a Telegram account."""
    async with engine.begin() as connection:
        rows = (await connection.execute(select(_R.c.id_number).order_by(_R.c.id_number))).all()
        chats = [
            {"rid": row[0], "chat": 5_000_000 + i} for i, row in enumerate(rows) if i % 40 == 0
        ]
        if chats:
            await connection.execute(
                update(_R)
                .where(_R.c.id_number == bindparam("rid"))
                .values(telegram_chat_id=bindparam("chat")),
                chats,
            )


async def _drain(
    upkeep: Callable[[], Awaitable[object]], engine: AsyncEngine, now: datetime
) -> None:
    """Run the worker's upkeep until every message due by `now` is final (at most a minute)."""
    for _ in range(600):
        await upkeep()
        if await _settled(engine, now):
            return
        await asyncio.sleep(0.1)


async def _residents_write_back(engine: AsyncEngine, stack: LocalStack) -> int:
    """One resident in `_REPLY_EVERY` who got an SMS answers it through the gateway.

    The replies go to the Alibaba Cloud stand-in, which pushes them to the service's callback
    like the real gateway; returns once the service has recorded all of them.
    """
    async with engine.connect() as connection:
        before = (await connection.execute(select(func.count()).select_from(INBOUND))).scalar_one()
        phones: list[str] = list(
            (
                await connection.execute(
                    select(MESSAGES.c.address)
                    .where(
                        (MESSAGES.c.provider == "aliyun")
                        & (MESSAGES.c.status == "delivered")
                        & (MESSAGES.c.id % _REPLY_EVERY == 0)
                    )
                    .distinct()
                    .order_by(MESSAGES.c.address)
                )
            )
            .scalars()
            .all()
        )
    async with aiohttp.ClientSession() as http:
        for i, phone in enumerate(phones):
            text = _RESIDENT_REPLIES[i % len(_RESIDENT_REPLIES)]
            async with http.post(
                f"{stack.urls['aliyun']}/_sandbox/inbound", json={"from": phone, "text": text}
            ) as response:
                response.raise_for_status()
    for _ in range(600):
        async with engine.connect() as connection:
            now = (await connection.execute(select(func.count()).select_from(INBOUND))).scalar_one()
        if now - before >= len(phones):
            break
        await asyncio.sleep(0.1)
    return len(phones)


async def _settled(engine: AsyncEngine, now: datetime) -> bool:
    """Nothing left but final rows and rows held for later (cap, window)."""
    async with engine.connect() as connection:
        busy = (
            await connection.execute(
                select(func.count()).where(
                    MESSAGES.c.status.in_(["sending", "sent", "unknown"])
                    | (
                        (MESSAGES.c.status == "queued")
                        & (MESSAGES.c.not_before.is_(None) | (MESSAGES.c.not_before <= now))
                    )
                )
            )
        ).scalar_one()
    return int(busy) == 0


async def _report(
    engine: AsyncEngine, ids: list[int], now: datetime, logs: dict[str, Path]
) -> None:
    table = Table(
        "活动 campaign",
        "计划 planned",
        "已送达 delivered",
        "未送达 failed",
        "暂缓 held",
        "退订 suppressed",
    )
    for campaign_id in ids:
        status = await campaign_status(engine, campaign_id, now=now)
        counts = status["counts"]
        table.add_row(
            f"{campaign_id}. {status['name'][:28]}",
            f"{status['total']:,}",
            f"{counts['delivered']:,}",
            f"{counts['failed']:,}",
            f"{status['held']:,}",
            f"{counts['suppressed']:,}",
        )
    console.print(table)
    sent: Counter[str] = Counter()
    for path in logs.values():
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                sent[json.loads(line)["provider"]] += 1
    console.print(
        "   网关收到的消息 / messages accepted by the stand-ins: "
        + "，".join(f"{k} {v:,}" for k, v in sorted(sent.items()))
    )
    console.print(
        "   暂缓的是近 7 天内已被其他活动联系过的居民（频次上限），到期后自动发送。\n"
        "   Held messages wait for the 7-day frequency cap of residents another campaign reached."
    )


async def _report_questions(engine: AsyncEngine, replied: int) -> None:
    """What became of the residents' SMS replies: stops, questions answered or left for staff."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(INBOUND.c.kind, INBOUND.c.triage, INBOUND.c.text, MESSAGES.c.body)
                .select_from(
                    INBOUND.outerjoin(MESSAGES, MESSAGES.c.id == INBOUND.c.reply_message_id)
                )
                .order_by(INBOUND.c.id)
            )
        ).all()
    outcomes: Counter[str] = Counter()
    example = None
    for row in rows:
        key = "opt_out" if row.kind == "opt_out" else (row.triage or "waiting")
        outcomes[key] += 1
        if example is None and row.triage == "answered" and row.body:
            example = row
    console.print(
        f"   居民回复短信 {len(rows):,} 条（活动后 {replied:,}）/ "
        f"SMS replies from residents ({replied:,} after the campaigns):",
        highlight=False,
    )
    for key, label in _OUTCOMES.items():
        if outcomes[key]:
            console.print(f"     {label}: {outcomes[key]:,}", highlight=False)
    if example is not None:
        console.print(f"   例 / e.g. 居民问 resident asks: {example.text}", highlight=False)
        console.print(f"   自动回复短信 / reply SMS: {example.body}", highlight=False)


_OUTCOMES = {
    Triage.ANSWERED.value: "已短信自动答复 / answered by SMS",
    Triage.ABSTAINED.value: "没把握，转工作人员 / not sure: handed to staff",
    Triage.ESTIMATE.value: "需个人测算，转工作人员 / needs a personal estimate: staff",
    Triage.TOO_LONG.value: "答复太长，转工作人员 / answer too long: staff",
    Triage.NO_GATEWAY.value: "短信网关不能发答复，转工作人员 / no gateway for answers: staff",
    Triage.NOT_A_QUESTION.value: "不是提问，无需答复 / not a question: no reply",
    Triage.UNKNOWN_SENDER.value: "号码不在台账，转工作人员 / unknown number: staff",
    Triage.SUPPRESSED.value: "已退订者来信，转工作人员 / from a stopped number: staff",
    "opt_out": "退订 / opted out",
    "waiting": "待处理 / waiting",
}
