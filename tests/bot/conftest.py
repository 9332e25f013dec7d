"""Fixtures of the bot tests: a harness on both stores and the real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.bot.harness import BotHarness, bot_harness


@pytest.fixture
async def chat(engine: AsyncEngine, redis: Redis) -> AsyncIterator[BotHarness]:
    async with bot_harness(engine, redis) as harness:
        yield harness
