"""The throttle: a person past the limit is told once, then ignored until the window ends."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.texts import COMMON
from tests.bot.harness import bot_harness

CHAT = 616161
QUESTION = "送外卖的怎么交养老保险"


async def test_past_the_limit_one_notice_then_nothing(engine: AsyncEngine, redis: Redis) -> None:
    async with bot_harness(engine, redis, throttle_limit=3, throttle_window=60) as chat:
        await chat.consented(CHAT)  # /start and the button: two of the three
        [answer] = await chat.say(CHAT, QUESTION)
        assert answer != COMMON("zh", "throttled")
        assert await chat.say(CHAT, QUESTION) == [COMMON("zh", "throttled")]
        assert await chat.say(CHAT, QUESTION) == []


async def test_the_count_survives_a_script_flush(engine: AsyncEngine, redis: Redis) -> None:
    """The throttle's script is sent again when the server lost it (a restart, SCRIPT FLUSH),
    and counts on where it was."""
    async with bot_harness(engine, redis, throttle_limit=3, throttle_window=60) as chat:
        await chat.consented(CHAT)
        await redis.script_flush()
        [answer] = await chat.say(CHAT, QUESTION)
        assert answer != COMMON("zh", "throttled")
        assert await chat.say(CHAT, QUESTION) == [COMMON("zh", "throttled")]
