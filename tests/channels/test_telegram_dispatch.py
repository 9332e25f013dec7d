"""Whole aiogram runs against the stand-in: long polling, and a webhook with a secret token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from channels.sandbox.common import serve
from tests.channels.test_telegram_harness import StandIn, config, eventually, running

SECRET = "webhook-secret_1"


@pytest.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    async with running(config()) as running_stand_in:
        yield running_stand_in


def tiny_router() -> Router:
    """/start greets with the deep-link payload; the button press is answered and edited."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        name = message.from_user.first_name if message.from_user else "?"
        await message.answer(
            f"您好，{name}（{command.args or '无'}）",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="估算", callback_data="estimate")]]
            ),
        )

    @router.callback_query(F.data == "estimate")
    async def estimate(query: CallbackQuery) -> None:
        await query.answer("正在估算")
        if isinstance(query.message, Message):
            await query.message.edit_text("估算结果：每月约 300 元")

    @router.message(F.text)
    async def echo(message: Message) -> SendMessage:
        # Returned, not awaited: under a webhook aiogram puts the call in its HTTP answer.
        return message.answer(f"收到：{message.text}")

    return router


async def test_polling_run_answers_and_stops_cleanly(stand_in: StandIn) -> None:
    """A Dispatcher polling the stand-in handles /start, a button press and a message."""
    bot = stand_in.bot()
    dispatcher = Dispatcher()
    dispatcher.include_router(tiny_router())
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        await stand_in.inbound(301, "/start link-42", first_name="李强")

        async def greeted() -> bool:
            return await stand_in.texts(301) == ["您好，李强（link-42）"]

        await eventually(greeted)
        [greeting] = (await stand_in.sent(301))["messages"]
        await stand_in.press(301, "estimate", greeting["message_id"])

        async def estimated() -> bool:
            sent = await stand_in.sent(301)
            return bool(sent["callback_answers"]) and sent["messages"][0]["edited"]

        await eventually(estimated)
        await stand_in.inbound(301, "何时能领？")

        async def echoed() -> bool:
            return (await stand_in.texts(301))[-1:] == ["收到：何时能领？"]

        await eventually(echoed)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 10)
    sent = await stand_in.sent(301)
    assert [m["text"] for m in sent["messages"]] == ["估算结果：每月约 300 元", "收到：何时能领？"]
    assert [a["text"] for a in sent["callback_answers"]] == ["正在估算"]
    assert polling.exception() is None
    assert stand_in.api.updates.pending_count == 0  # every update was confirmed


async def receiver(bot: Bot, secret: str) -> web.AppRunner:
    """The service's webhook endpoint: aiogram's handler with a secret token, on a free port."""
    dispatcher = Dispatcher()
    dispatcher.include_router(tiny_router())
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=secret).register(
        app, path="/telegram/webhook"
    )
    return await serve(app, "127.0.0.1", 0)


async def test_webhook_delivery_with_secret_and_retry(stand_in: StandIn) -> None:
    """A wrong secret is refused and retried; with the right one the update is handled."""
    bot = stand_in.bot()
    runner = await receiver(stand_in.bot(), SECRET)
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/telegram/webhook"
    try:
        await bot.set_webhook(url, secret_token="not-the-secret")
        await stand_in.inbound(302, "能补缴吗")

        async def refused() -> bool:
            info = await bot.get_webhook_info()
            return info.last_error_message is not None

        await eventually(refused)
        info = await bot.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
        assert info.pending_update_count == 1
        assert await stand_in.texts(302) == []

        await bot.set_webhook(url, secret_token=SECRET)

        async def answered() -> bool:
            return await stand_in.texts(302) == ["收到：能补缴吗"]

        await eventually(answered)
        await stand_in.inbound(302, "/start")

        async def greeted() -> bool:
            return len(await stand_in.texts(302)) == 2

        await eventually(greeted)
        info = await bot.get_webhook_info()
        assert (info.pending_update_count, info.last_error_message) == (0, None)
        assert stand_in.api.updates.delivered == 2
    finally:
        await runner.cleanup()
    assert (await stand_in.texts(302))[1].startswith("您好")


async def test_webhook_push_carries_the_secret_header(stand_in: StandIn) -> None:
    """The raw push is the update as JSON with the secret header; a JSON method reply is run."""
    seen: list[tuple[str | None, dict[str, Any]]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.json_response({"method": "sendMessage", "chat_id": 303, "text": "已收到"})

    app = web.Application()
    app.router.add_post("/hook", record)
    runner = await serve(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        await stand_in.bot().set_webhook(f"http://{host}:{port}/hook", secret_token=SECRET)
        answer = await stand_in.inbound(303, "你好")

        async def pushed() -> bool:
            return await stand_in.texts(303) == ["已收到"]

        await eventually(pushed)
    finally:
        await runner.cleanup()
    [(header, update)] = seen
    assert header == SECRET
    assert update["update_id"] == answer["update_id"]
    assert update["message"]["text"] == "你好"
