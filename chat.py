"""Composition root of the chat side: the bot's dispatcher over the stores and the gateways.

`python -m bot` (polling) and `outreach serve` (polling or webhook) build the bot through
`build_chat`; the bot's handlers get their services by name from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import BotSettings, build_dispatcher
from campaigns.chat_store import ChatStore
from channels import GatewaySettings, telegram_bot
from faq import Answerer


@dataclass(slots=True)
class Chat:
    bot: Bot
    dispatcher: Dispatcher
    settings: BotSettings

    async def close(self) -> None:
        await self.bot.session.close()


class BotNotConfiguredError(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "未设置 TELEGRAM_BOT_TOKEN，机器人无法启动 / TELEGRAM_BOT_TOKEN is not set: no bot"
        )


def build_chat(
    engine: AsyncEngine,
    redis: Redis,
    gateways: GatewaySettings,
    settings: BotSettings | None = None,
    *,
    answerer: Answerer | None = None,
) -> Chat:
    """The bot and its dispatcher, with every service its handlers ask for."""
    if not gateways.telegram_bot_token:
        raise BotNotConfiguredError
    settings = settings or BotSettings()
    bot = telegram_bot(gateways.telegram_bot_token, gateways.telegram_api_url)
    dispatcher = build_dispatcher(
        redis,
        records=ChatStore(engine),
        answerer=answerer or Answerer(),
        throttle_limit=settings.throttle_limit,
        throttle_window=settings.throttle_window,
    )
    return Chat(bot, dispatcher, settings)
