"""A bot under test: the real dispatcher, the real stores, the Telegram stand-in on a real port.

`say` and `press` go through the stand-in's control routes (a person writing, a person pressing
a button), fetch the resulting raw updates with getUpdates as Telegram delivers them, and feed
each to the dispatcher with `feed_raw_update`; what the bot answered is read back from the
stand-in. No handler is called directly and nothing on our side is faked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import build_dispatcher
from campaigns import ChatStore
from faq import Answerer
from tests.channels.test_telegram_harness import TOKEN, StandIn, config, running


@cache
def answerer() -> Answerer:
    """One knowledge base for the whole run (it takes about a second to build)."""
    return Answerer()


@dataclass
class BotHarness:
    stand_in: StandIn
    bot: Bot
    dispatcher: Dispatcher
    store: ChatStore
    offset: int = 0
    # chat id -> {message id: text} of the bot's messages as last read
    seen: dict[int, dict[int, str]] = field(default_factory=dict)

    async def deliver(self) -> int:
        """Feed every pending update to the dispatcher, as polling would (a call a handler
        returns is made, as polling makes it); how many."""
        status, body = await self.stand_in.call(
            "getUpdates", json_body={"offset": self.offset, "timeout": 0}
        )
        assert status == 200, body
        for update in body["result"]:
            self.offset = update["update_id"] + 1
            await self.feed(update)
        return len(body["result"])

    async def feed(self, update: dict[str, Any]) -> None:
        """Feed one raw update to the dispatcher; a call its handler returns is made, as
        polling makes it (and Telegram, from a webhook's answer)."""
        returned = await self.dispatcher.feed_raw_update(self.bot, update)
        if isinstance(returned, TelegramMethod):
            await self.bot(returned)

    async def say(self, chat_id: int, text: str, **person: Any) -> list[str]:
        """`chat_id` writes `text`; the texts the bot sent back."""
        await self.stand_in.inbound(chat_id, text, **person)
        await self.deliver()
        return [m["text"] for m in await self.new_messages(chat_id)]

    async def press(self, chat_id: int, data: str) -> list[str]:
        """`chat_id` presses the newest button carrying `data`; the texts the bot sent back."""
        message_id = await self.button_message(chat_id, data)
        await self.stand_in.press(chat_id, data, message_id)
        await self.deliver()
        return [m["text"] for m in await self.new_messages(chat_id)]

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = (await self.stand_in.sent(chat_id))["messages"]
        return messages

    async def new_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages sent, or edited, since the last look."""
        messages = await self.messages(chat_id)
        before = self.seen.get(chat_id, {})
        fresh = [m for m in messages if before.get(m["message_id"]) != m["text"]]
        self.seen[chat_id] = {m["message_id"]: m["text"] for m in messages}
        return fresh

    async def button_message(self, chat_id: int, data: str) -> int:
        for message in reversed(await self.messages(chat_id)):
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                if any(button.get("callback_data") == data for button in row):
                    return int(message["message_id"])
        raise AssertionError(f"no button {data!r} in chat {chat_id}")

    async def callback_answers(self, chat_id: int) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = (await self.stand_in.sent(chat_id))["callback_answers"]
        return answers

    async def consented(self, chat_id: int, language: str = "zh") -> None:
        """Take `chat_id` through /start and the consent button."""
        await self.say(chat_id, "/start", language_code=language)
        await self.press(chat_id, f"consent:yes:{language}")


@asynccontextmanager
async def bot_harness(
    engine: AsyncEngine, redis: Redis, **services: Any
) -> AsyncIterator[BotHarness]:
    store = ChatStore(engine)
    async with running(config()) as stand_in:
        dispatcher = build_dispatcher(redis, records=store, answerer=answerer(), **services)
        yield BotHarness(stand_in, stand_in.bot(TOKEN), dispatcher, store)
