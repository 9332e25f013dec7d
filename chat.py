"""Composition root of the chat side: the bot's dispatcher over the stores and the gateways.

`python -m bot` (polling) and `outreach serve` (polling or webhook) build the bot through
`build_chat`; the bot's handlers get their services by name from here.

Linking a chat to its resident sends a one-time code by SMS through campaigns'
`SmsCodeSender` (a transactional template: any hour, outside the frequency cap, never to a
phone on the suppression list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import BotSettings, ChatRecords, build_dispatcher, cached_records, prepare_bot
from bot.linking import Linker
from campaigns import ChatStore, SmsCodeSender, TransactionalSms
from channels import GatewaySettings, telegram_bot
from faq import Answerer
from ledger import resident_by_phone_and_id_suffix, resident_contact
from pension import province_name

VERIFICATION_TEMPLATE = "verification_code"


@dataclass(slots=True)
class Chat:
    bot: Bot
    dispatcher: Dispatcher
    settings: BotSettings
    linker: Linker
    store: ChatStore

    async def close(self) -> None:
        await self.linker.settle()
        await self.store.aclose()
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
    linker: Linker | None = None,
    hold_connections: bool = False,
) -> Chat:
    """The bot and its dispatcher, with every service its handlers ask for.

    `hold_connections`: the chat events' writer, and the reader of chats not cached, keep their
    database connections while updates keep coming (campaigns.ChatStore), for a bot process
    that calls `Chat.close` before it disposes of the engine."""
    if not gateways.telegram_bot_token:
        raise BotNotConfiguredError
    settings = settings or BotSettings()
    # Replies wait out Telegram's flood control; campaign sends (channels.telegram) do not.
    bot = prepare_bot(telegram_bot(gateways.telegram_bot_token, gateways.telegram_api_url))
    store = ChatStore(engine, hold_connections=hold_connections)
    records = cached_records(store, redis)
    linker = linker or build_linker(engine, redis, gateways, records)
    dispatcher = build_dispatcher(
        redis,
        records=records,
        answerer=answerer or own_province_answerer(settings.province),
        linker=linker,
        estimate_province=settings.province,
        throttle_limit=settings.throttle_limit,
        throttle_window=settings.throttle_window,
    )
    # Codes still being sent finish before a polling process ends.
    dispatcher.shutdown.register(linker.settle)
    return Chat(bot, dispatcher, settings, linker, store)


def own_province_answerer(province: str) -> Answerer:
    """The knowledge base for a bot serving `province` (a code; "national" for none): a question
    that names the bot's own province gets the answer, as in the SMS replies (REPLY_PROVINCE);
    one naming another province is referred to 12333."""
    return Answerer(province=province_name(province))


def build_linker(
    engine: AsyncEngine,
    redis: Redis,
    gateways: GatewaySettings,
    records: ChatRecords,
    **limits: Any,
) -> Linker:
    """The linking service over the ledger, the suppression list and the SMS gateways."""

    async def find(phone: str, id_suffix: str) -> str | None:
        found = await resident_by_phone_and_id_suffix(engine, phone, id_suffix)
        return None if found is None else found.id_number

    async def phone_of(resident_id: str) -> str | None:
        found = await resident_contact(engine, resident_id)
        return None if found is None else found.phone

    sender = SmsCodeSender(engine, gateways, TransactionalSms.load(VERIFICATION_TEMPLATE))
    return Linker(redis, find=find, sender=sender, records=records, phone_of=phone_of, **limits)
