"""The Bot API stand-in: aiogram's methods parse its answers; it behaves as Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)

from channels.sandbox.telegram_config import TelegramSandboxConfig
from channels.sandbox.telegram_flood import FloodLimits
from tests.channels.test_telegram_harness import (
    ManualClock,
    StandIn,
    config,
    log_lines,
    running,
)


@pytest.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    async with running(config()) as running_stand_in:
        yield running_stand_in


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="估算养老金", callback_data="estimate")],
            [InlineKeyboardButton(text="政策原文", url="https://example.org/policy")],
        ]
    )


# -- aiogram's methods parse the answers ------------------------------------------------------
async def test_get_me_is_the_bot_of_the_token(stand_in: StandIn) -> None:
    """getMe answers a User with is_bot set and the id before the token's colon."""
    me = await stand_in.bot().get_me()
    assert (me.id, me.is_bot, me.username) == (7000000001, True, "outreach_sandbox_bot")


async def test_send_message_with_inline_keyboard(stand_in: StandIn) -> None:
    """sendMessage answers a Message from the bot that carries the inline keyboard back."""
    sent = await stand_in.bot().send_message(chat_id=55, text="请选择：", reply_markup=keyboard())
    assert isinstance(sent, Message)
    assert (sent.chat.id, sent.chat.type, sent.text) == (55, "private", "请选择：")
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == keyboard().model_dump()
    [stored] = (await stand_in.sent(55))["messages"]
    assert stored["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "estimate"


async def test_edit_message_text(stand_in: StandIn) -> None:
    """editMessageText changes the stored message; an identical edit is refused as on Telegram."""
    bot = stand_in.bot()
    sent = await bot.send_message(chat_id=55, text="第一版", reply_markup=keyboard())
    edited = await bot.edit_message_text(text="第二版", chat_id=55, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert (edited.message_id, edited.text, edited.edit_date is not None) == (
        sent.message_id,
        "第二版",
        True,
    )
    assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="第二版", chat_id=55, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=55, message_id=999)
    [stored] = (await stand_in.sent(55))["messages"]
    assert (stored["text"], stored["edited"]) == ("第二版", True)


async def test_callback_query_and_its_answer(stand_in: StandIn) -> None:
    """A pressed button arrives as a callback_query on the bot's message and is answered once."""
    bot = stand_in.bot()
    sent = await bot.send_message(chat_id=56, text="请选择：", reply_markup=keyboard())
    await stand_in.press(56, "estimate", sent.message_id)
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert isinstance(query, CallbackQuery)
    assert (query.data, query.from_user.id) == ("estimate", 56)
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="正在估算…") is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    answers = (await stand_in.sent(56))["callback_answers"]
    assert [(a["callback_query_id"], a["text"]) for a in answers] == [(query.id, "正在估算…")]


async def test_commands_round_trip(stand_in: StandIn) -> None:
    """setMyCommands stores per scope and language; a malformed command is refused."""
    bot = stand_in.bot()
    commands = [
        BotCommand(command="start", description="开始"),
        BotCommand(command="td", description="退订"),
    ]
    assert await bot.set_my_commands(commands, language_code="zh") is True
    stored = await bot.get_my_commands(language_code="zh")
    assert [(c.command, c.description) for c in stored] == [("start", "开始"), ("td", "退订")]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_webhook_settings_and_conflict_with_polling(stand_in: StandIn) -> None:
    """With a webhook set, getWebhookInfo shows it and getUpdates is a 409, as on Telegram."""
    bot = stand_in.bot()
    receiver = "http://127.0.0.1:9/telegram"  # nothing listens: delivery fails and is recorded
    assert await bot.set_webhook(receiver, secret_token="s3cret_token-1") is True
    await stand_in.inbound(60, "你好")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (receiver, 1)
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook(receiver, secret_token="有空格 的")
    assert await bot.delete_webhook() is True
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("", 1)
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.text == "你好"


# -- updates ----------------------------------------------------------------------------------
async def test_inbound_message_update_with_command_entities(stand_in: StandIn) -> None:
    """A user's message carries their name, language and bot_command entities (UTF-16 offsets)."""
    bot = stand_in.bot()
    await stand_in.inbound(70, "/start abc123", first_name="王芳", language_code="zh-hans")
    await stand_in.inbound(70, "你好 /help")
    first, second = await bot.get_updates()
    assert first.message is not None
    assert first.message.from_user is not None
    assert (first.message.from_user.first_name, first.message.from_user.language_code) == (
        "王芳",
        "zh-hans",
    )
    assert [(e.type, e.offset, e.length) for e in first.message.entities or []] == [
        ("bot_command", 0, 6)
    ]
    assert second.message is not None
    assert second.message.from_user is not None
    assert second.message.from_user.first_name == "王芳"  # remembered from the first message
    assert [(e.offset, e.length) for e in second.message.entities or []] == [(3, 5)]


async def test_offset_confirms_updates(stand_in: StandIn) -> None:
    """An update stays until a call's offset passes it; a negative offset keeps only the last."""
    bot = stand_in.bot()
    for text in ("一", "二", "三"):
        await stand_in.inbound(71, text)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["一", "二", "三"]
    assert len(await bot.get_updates()) == 3  # nothing confirmed yet
    rest = await bot.get_updates(offset=updates[0].update_id + 1, limit=1)
    assert [u.message.text for u in rest if u.message] == ["二"]
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["三"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == []


async def test_long_poll_wakes_on_a_new_update(stand_in: StandIn) -> None:
    """getUpdates with a timeout waits, and answers as soon as a user writes."""
    bot = stand_in.bot()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await stand_in.inbound(72, "在吗")
    [update] = await asyncio.wait_for(poll, 10)
    assert update.message is not None
    assert update.message.text == "在吗"


async def test_second_poller_terminates_the_first(stand_in: StandIn) -> None:
    """Two bots polling one token: the earlier call ends with 409, as on Telegram."""
    first = asyncio.create_task(stand_in.bot().get_updates(timeout=30))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(stand_in.bot().get_updates(timeout=30))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 10)
    await stand_in.inbound(73, "hi")
    assert len(await asyncio.wait_for(second, 10)) == 1


async def test_blocking_sends_my_chat_member_updates(stand_in: StandIn) -> None:
    """Blocking sends "kicked"; writing again unblocks ("member") before the message."""
    bot = stand_in.bot()
    await stand_in.block(74)
    await stand_in.inbound(74, "/start")
    updates = await bot.get_updates(allowed_updates=["message", "my_chat_member"])
    kinds = [u.event_type for u in updates]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    statuses = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert statuses == ["kicked", "member"]
    sent = await bot.send_message(chat_id=74, text="欢迎回来")
    assert sent.text == "欢迎回来"


async def test_allowed_updates_filters_types(stand_in: StandIn) -> None:
    """Updates of types the bot did not ask for are not delivered."""
    bot = stand_in.bot()
    await stand_in.block(75)
    await stand_in.inbound(75, "hello")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.event_type for u in updates] == ["message"]


# -- formatting and limits --------------------------------------------------------------------
async def test_html_parse_mode_becomes_entities(stand_in: StandIn) -> None:
    """Tags become entities and leave the text; an unknown tag is refused."""
    bot = stand_in.bot()
    sent = await bot.send_message(
        chat_id=80,
        text='<b>养老金</b>估算：<a href="https://example.org/x">详情</a> &lt;3',
        parse_mode="HTML",
    )
    assert sent.text == "养老金估算：详情 <3"
    assert [(e.type, e.offset, e.length, e.url) for e in sent.entities or []] == [
        ("bold", 0, 3, None),
        ("text_link", 6, 2, "https://example.org/x"),
    ]
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(chat_id=80, text="<blink>x</blink>", parse_mode="HTML")


async def test_empty_and_too_long_texts_are_refused(stand_in: StandIn) -> None:
    """Telegram's own limits: 1 to 4096 characters."""
    bot = stand_in.bot()
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat_id=81, text="  ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat_id=81, text="字" * 4097)
    assert (await bot.send_message(chat_id=81, text="字" * 4096)).message_id == 1


async def test_flood_answer_is_telegrams_retry_after(tmp_path: Path) -> None:
    """The 429 carries parameters.retry_after, which aiogram turns into TelegramRetryAfter."""
    clock = ManualClock()
    settings = config(tmp_path / "log.jsonl", flood=FloodLimits(30, 1), clock=clock)
    async with running(settings) as stand_in:
        bot = stand_in.bot()
        await bot.send_message(chat_id=82, text="一")
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(chat_id=82, text="二")
        assert caught.value.retry_after == 1
        status, body = await stand_in.call("sendMessage", data={"chat_id": "82", "text": "三"})
        assert (status, body["error_code"], body["parameters"]) == (429, 429, {"retry_after": 1})
        assert [line["text"] for line in log_lines(tmp_path / "log.jsonl")] == ["一"]


# -- the wire ---------------------------------------------------------------------------------
async def test_unknown_method_and_token(stand_in: StandIn) -> None:
    """Unknown methods are 404 "Not Found"; an unknown token is 401 "Unauthorized"."""
    assert await stand_in.call("sendFax") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert await stand_in.call("getMe", token="1:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


async def test_json_get_and_case_insensitive_calls(stand_in: StandIn) -> None:
    """JSON bodies, query strings and any letter case are understood, as by Telegram."""
    status, body = await stand_in.call(
        "SENDMESSAGE",
        json_body={
            "chat_id": 90,
            "text": "JSON",
            "reply_markup": {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]},
        },
    )
    assert status == 200
    message = Message.model_validate(body["result"])
    assert message.reply_markup is not None
    status, body = await stand_in.call(
        "sendMessage", data={"chat_id": "90", "text": "GET"}, http_method="GET"
    )
    assert (status, body["result"]["text"], body["result"]["message_id"]) == (200, "GET", 2)
    status, body = await stand_in.call("getUpdates", data={"timeout": "0"})
    assert (status, body) == (200, {"ok": True, "result": []})


async def test_bad_button_data_is_refused(stand_in: StandIn) -> None:
    """callback_data over 64 bytes is Telegram's BUTTON_DATA_INVALID."""
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "长" * 22}]]}
    status, body = await stand_in.call(
        "sendMessage", json_body={"chat_id": 91, "text": "x", "reply_markup": markup}
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_updates_validate_as_aiogram_types(stand_in: StandIn) -> None:
    """Raw getUpdates JSON is what aiogram's Update model accepts, field for field."""
    await stand_in.inbound(92, "/start")
    status, body = await stand_in.call("getUpdates", data={})
    assert status == 200
    [raw] = body["result"]
    update = Update.model_validate(raw)
    assert update.message is not None
    assert (
        update.model_dump(mode="json", by_alias=True, exclude_none=True)["message"]
        == raw["message"]
    )


async def test_control_routes_refuse_malformed_bodies(stand_in: StandIn) -> None:
    """A control request without a numeric chat is a 400 with the expected shape."""
    async with stand_in.http.post(
        f"{stand_in.url}/_sandbox/inbound", json={"from": "王芳", "text": "x"}
    ) as response:
        assert response.status == 400
        assert "from" in (await response.json())["error"]
    async with stand_in.http.get(f"{stand_in.url}/_sandbox/stats") as response:
        assert response.status == 200


async def test_default_config_serves_aiogram() -> None:
    """The stand-in's default token passes aiogram's token check, so a demo needs no setup."""
    default = TelegramSandboxConfig()
    async with running(default) as stand_in:
        me = await stand_in.bot(default.token).get_me()
    assert me.id == int(default.token.partition(":")[0])


async def test_outage_stops_every_method(stand_in: StandIn) -> None:
    """With the gateway down, even getMe answers 503 in the Bot API's error shape."""
    await stand_in.faults(down=True)
    assert await stand_in.call("getMe") == (
        503,
        {"ok": False, "error_code": 503, "description": "Service Unavailable"},
    )
    await stand_in.faults(reset=True)
    status, _ = await stand_in.call("getMe")
    assert status == 200
