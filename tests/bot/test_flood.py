"""Replies wait out Telegram's flood control instead of failing."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import build_dispatcher
from bot.retry import prepare_bot
from campaigns import ChatStore
from channels.sandbox import FloodLimits
from tests.bot.harness import BotHarness, answerer
from tests.channels.test_telegram_harness import TOKEN, config, running

CHAT = 600600


async def test_a_second_reply_within_a_second_is_sent_after_the_wait(
    engine: AsyncEngine, redis: Redis
) -> None:
    limits = FloodLimits(overall_per_second=30, per_chat_per_second=1)
    async with running(config(flood=limits)) as stand_in:
        store = ChatStore(engine)
        dispatcher = build_dispatcher(redis, records=store, answerer=answerer())
        chat = BotHarness(stand_in, prepare_bot(stand_in.bot(TOKEN)), dispatcher, store)
        [welcome] = await chat.say(CHAT, "/start")
        [help_text] = await chat.say(CHAT, "/help")  # at once: Telegram says wait a second
        assert "隐私说明" in welcome
        assert "使用方法" in help_text
        async with stand_in.http.get(f"{stand_in.url}/_sandbox/stats") as response:
            stats = await response.json()
        assert stats.get("errors_429", 0) >= 1  # the wait really happened


async def test_without_the_middleware_the_reply_is_lost(engine: AsyncEngine, redis: Redis) -> None:
    limits = FloodLimits(overall_per_second=30, per_chat_per_second=1)
    async with running(config(flood=limits)) as stand_in:
        store = ChatStore(engine)
        dispatcher = build_dispatcher(redis, records=store, answerer=answerer())
        chat = BotHarness(stand_in, stand_in.bot(TOKEN), dispatcher, store)
        await chat.say(CHAT, "/start")
        replies = await chat.say(CHAT, "/help")
        # The help text is lost (what the middleware is for); the error path may or may not
        # get its apology through, depending on how long the logging took.
        assert not any("使用方法" in reply for reply in replies)
