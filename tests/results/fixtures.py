"""A small fixed ledger with one campaign, for conversion and report tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import CAMPAIGNS, EVENTS, MESSAGES

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


async def add_campaign(engine: AsyncEngine, name: str = "断缴提醒") -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(CAMPAIGNS)
            .values(name=name, state="running", definition="{}", priority=5)
            .returning(CAMPAIGNS.c.id)
        )
        return int(result.scalar_one())


async def add_message(
    engine: AsyncEngine,
    campaign_id: int,
    resident_id: str,
    *,
    status: str = "delivered",
    sent_at: datetime | None = None,
    channel: str = "sms",
) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(MESSAGES)
            .values(
                campaign_id=campaign_id,
                occurrence="once",
                resident_id=resident_id,
                channel=channel,
                address="13900000000",
                priority=5,
                status=status,
                variables="{}",
                sent_at=sent_at,
            )
            .returning(MESSAGES.c.id)
        )
        return int(result.scalar_one())


async def add_event(
    engine: AsyncEngine, kind: str, resident_id: str, at: datetime, **data: Any
) -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(EVENTS)
            .values(kind=kind, at=at, resident_id=resident_id, data=None)
            .returning(EVENTS.c.id)
        )
        return int(result.scalar_one())
