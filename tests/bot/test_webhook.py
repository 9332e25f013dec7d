"""The webhook route: the secret, bad bodies, and final messages carried in the answer.

The stand-in delivers updates to the real route on a real port, as Telegram does, and runs the
call the route answers with; its statistics count the requests the bot made itself.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
    ReplyParameters,
    SuggestedPostParameters,
)
from aiohttp import web

from bot import add_webhook_route
from bot.estimate_texts import ESTIMATE
from bot.webhook import SECRET_HEADER, json_call
from channels.sandbox.common import serve
from faq import Answered
from tests.bot.harness import BotHarness, answerer
from tests.channels.test_telegram_harness import eventually

SECRET = "hook-secret_1"
CHAT = 626262
KNOWN = "送外卖的怎么交养老保险"
WEATHER = "明天天气怎么样，会下雨吗"


@pytest.fixture
async def hook(chat: BotHarness) -> AsyncIterator[str]:
    """The webhook route of `chat`'s dispatcher on a free port, set as the bot's webhook."""
    app = web.Application()
    add_webhook_route(app, chat.dispatcher, chat.bot, path="/telegram/webhook", secret=SECRET)
    runner = await serve(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/telegram/webhook"
    try:
        yield url
    finally:
        await runner.cleanup()


async def _sent_by_bot(chat: BotHarness) -> int:
    async with chat.stand_in.http.get(f"{chat.stand_in.url}/_sandbox/stats") as response:
        stats: dict[str, int] = await response.json()
    return int(stats.get("calls_sendMessage", 0))


async def _post(url: str, body: bytes, secret: str = SECRET) -> tuple[int, str, str]:
    headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status, r.content_type, await r.text()


async def test_an_answer_travels_in_the_webhook_answer_and_reaches_the_chat(
    chat: BotHarness, hook: str
) -> None:
    await chat.consented(CHAT)  # through polling, before the webhook is set
    before = await _sent_by_bot(chat)
    await chat.bot.set_webhook(hook, secret_token=SECRET)
    expected = answerer().ask(KNOWN)
    assert isinstance(expected, Answered)

    await chat.stand_in.inbound(CHAT, KNOWN)

    async def answered() -> bool:
        return expected.entry.answer in await chat.stand_in.texts(CHAT)

    await eventually(answered)
    assert await _sent_by_bot(chat) == before  # Telegram sent it, from the webhook's answer


async def test_the_hand_off_button_survives_the_json_answer(chat: BotHarness, hook: str) -> None:
    """A keyboard in the answer is a JSON object, as Telegram reads it in a JSON body."""
    await chat.consented(CHAT)
    await chat.bot.set_webhook(hook, secret_token=SECRET)
    await chat.stand_in.inbound(CHAT, WEATHER)

    async def offered() -> bool:
        messages = (await chat.stand_in.sent(CHAT))["messages"]
        return any("12333" in m["text"] for m in messages)

    await eventually(offered)
    last = (await chat.stand_in.sent(CHAT))["messages"][-1]
    [[button]] = last["reply_markup"]["inline_keyboard"]
    assert button["callback_data"] == "handoff"


async def test_a_wrong_secret_is_refused_and_nothing_is_handled(
    chat: BotHarness, hook: str
) -> None:
    update = {"update_id": 1, "message": _message(KNOWN)}
    status, _, text = await _post(hook, _json(update), secret="not-it")
    assert (status, text) == (401, "Unauthorized")
    assert await chat.stand_in.texts(CHAT) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not a JSON update"),
        (b"[1, 2]", "not a Telegram update"),
        (b'{"message": {"text": "no update id"}}', "not a Telegram update"),
    ],
)
async def test_a_body_that_is_no_update_gets_a_400_that_says_so(
    chat: BotHarness, hook: str, body: bytes, reason: str
) -> None:
    status, _, text = await _post(hook, body)
    assert status == 400
    assert reason in text


async def test_an_update_nobody_answers_gets_an_empty_json_answer(
    chat: BotHarness, hook: str
) -> None:
    """A chat that never consented is told so: that is a returned call too; an edited message
    (no handler) gets `{}`."""
    status, kind, text = await _post(hook, _json({"update_id": 7, "message": _message(KNOWN)}))
    assert (status, kind) == (200, "application/json")
    assert json.loads(text)["method"] == "sendMessage"
    assert json.loads(text)["chat_id"] == CHAT
    edited = {"update_id": 8, "edited_message": _message(KNOWN)}
    assert await _post(hook, _json(edited)) == (200, "application/json", "{}")


def test_json_call_fills_defaults_and_keeps_nested_objects_as_objects(chat: BotHarness) -> None:
    button = InlineKeyboardButton(text="转人工", callback_data="handoff")
    method = SendMessage(
        chat_id=CHAT,
        text="您好",
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )
    call = json_call(chat.bot, method)
    assert call is not None
    assert call["method"] == "sendMessage"
    assert (call["chat_id"], call["text"]) == (CHAT, "您好")
    assert call["reply_markup"] == {
        "inline_keyboard": [[{"text": "转人工", "callback_data": "handoff"}]]
    }
    assert None not in call.values()


def _dumped(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
    """The webhook answer as aiogram would prepare it: every parameter from model_dump."""
    call: dict[str, Any] = {"method": method.__api_method__}
    for key, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files={}, _dumps_json=False)
        if prepared is not None:
            call[key] = prepared
    return call


_KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="转人工", callback_data="handoff")]]
)
_SENT_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "method",
    [
        SendMessage(chat_id=CHAT, text="您好"),
        SendMessage(chat_id="@channel", text="您好", reply_markup=_KEYBOARD),
        SendMessage(
            chat_id=CHAT,
            text="bold and a link",
            parse_mode=None,
            entities=[MessageEntity(type="bold", offset=0, length=4)],
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_parameters=ReplyParameters(message_id=3),
            suggested_post_parameters=SuggestedPostParameters(send_date=_SENT_AT),
            protect_content=False,
            disable_notification=True,
        ),
        SendMessage(chat_id=CHAT, text="a parameter aiogram does not know", future_flag=1),
        BanChatMember(chat_id=CHAT, user_id=5, until_date=_SENT_AT),
        AnswerCallbackQuery(callback_query_id="q", text="稍后再试", show_alert=True),
    ],
    ids=["plain", "keyboard", "every-kind", "extra", "other-method", "callback-answer"],
)
@pytest.mark.parametrize(
    "defaults",
    [
        DefaultBotProperties(),
        DefaultBotProperties(
            parse_mode="HTML", protect_content=True, link_preview_is_disabled=True
        ),
    ],
    ids=["no-defaults", "defaults"],
)
def test_json_call_is_what_model_dump_gives(
    method: TelegramMethod[Any], defaults: DefaultBotProperties
) -> None:
    """sendMessage's parameters are read without model_dump (bot.webhook._parameters): the
    answer must be the one model_dump gives, defaults and nested objects included."""
    bot = Bot("123456:test", default=defaults)
    assert json_call(bot, method) == _dumped(bot, method)


def test_json_call_declines_an_upload(chat: BotHarness) -> None:
    upload = SendDocument(chat_id=CHAT, document=BufferedInputFile(b"x", filename="a.txt"))
    assert json_call(chat.bot, upload) is None


def _message(text: str) -> dict[str, Any]:
    person = {"id": CHAT, "is_bot": False, "first_name": "居民"}
    return {
        "message_id": 1,
        "date": 1_764_800_000,
        "chat": {"id": CHAT, "type": "private", "first_name": "居民"},
        "from": person,
        "text": text,
    }


def _json(update: dict[str, Any]) -> bytes:
    return json.dumps(update, ensure_ascii=False).encode()


async def test_a_reprompt_in_the_estimate_dialogue_travels_in_the_webhook_answer(
    chat: BotHarness, hook: str
) -> None:
    """Typed text the dialogue cannot read is answered with the question again, with its
    buttons, in the webhook's answer: the bot makes no request of its own for it."""
    await chat.consented(CHAT)
    await chat.bot.set_webhook(hook, secret_token=SECRET)
    await chat.stand_in.inbound(CHAT, "/estimate")  # the dialogue asks for the birth month
    asked = ESTIMATE("zh", "ask_birth")

    async def has(text: str) -> bool:
        return any(text in sent for sent in await chat.stand_in.texts(CHAT))

    await eventually(lambda: has(asked))
    before = await _sent_by_bot(chat)

    await chat.stand_in.inbound(CHAT, "啊啊啊")

    await eventually(lambda: has(ESTIMATE("zh", "bad_birth")))
    assert await _sent_by_bot(chat) == before
    last = (await chat.stand_in.sent(CHAT))["messages"][-1]
    assert last["text"] == ESTIMATE("zh", "bad_birth")
