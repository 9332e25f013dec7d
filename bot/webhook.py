"""Webhook mode: Telegram posts updates to the web app, which checks the secret token.

Each post is one update, handled before the answer (not in the background): Telegram posts
again an update whose handling died with the process, and a slow handler slows Telegram's posts
to this bot rather than piling up tasks.

A handler that ends with one message returns it (`return message.answer(...)`) instead of
sending it, and the webhook answers the post with that call as JSON: Telegram then sends the
message itself, which saves the bot a request of its own per update (a sixth of a bot process's
CPU). The bot learns nothing of that call's outcome, so only a final message is returned this
way; a handler that needs the sent message (its id, or to know it arrived) sends it. A returned
call that uploads a file cannot travel as JSON and is made by the bot before the answer.
In polling mode aiogram makes a returned call itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import InputFile, Update
from aiohttp import web
from pydantic import ValidationError

#: The header Telegram sends the secret token set with setWebhook in.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


class WebhookEndpoint:
    """The aiohttp handler of the webhook route (see `add_webhook_route`)."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, *, secret: str) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._secret = secret.encode()

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secrets.compare_digest(given, self._secret):
            return web.Response(status=401, text="Unauthorized")
        # Parsed and validated in one pass by pydantic-core, without a dict of the JSON between.
        try:
            update = Update.model_validate_json(await request.read(), context={"bot": self._bot})
        except ValidationError as error:
            if any(problem["type"] == "json_invalid" for problem in error.errors()):
                return web.Response(status=400, text="The body is not a JSON update")
            return web.Response(status=400, text="The body is not a Telegram update")
        result: TelegramMethod[Any] | None = await self._dispatcher.feed_webhook_update(
            self._bot, update
        )
        if not isinstance(result, TelegramMethod):
            return web.json_response({})
        call = json_call(self._bot, result)
        if call is None:
            await self._dispatcher.silent_call_request(self._bot, result)
            return web.json_response({})
        return web.json_response(call, dumps=self._bot.session.json_dumps)


def json_call(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
    """`method` as a webhook answer: {"method": name, parameter: value, …}, nested objects as
    JSON objects; None when it uploads a file (a JSON body cannot carry one).

    The parameters are prepared as aiogram prepares a request's (the bot's defaults filled in,
    unset ones left out), without turning nested objects into JSON text: in a JSON body Telegram
    reads them as objects.
    """
    call: dict[str, Any] = {"method": method.__api_method__}
    files: dict[str, InputFile] = {}
    for key, value in _parameters(method):
        if value is None:  # unset: left out, as prepare_value would
            continue
        prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None:
            call[key] = prepared
    return None if files else call


def _parameters(method: TelegramMethod[Any]) -> Iterable[tuple[str, Any]]:
    """`method`'s parameters in order, each as `model_dump` gives it or as something that
    `prepare_value` prepares the same way.

    Most answers are a sendMessage, whose model_dump serialises each of its twenty-odd
    parameters, most of them unset and four an aiogram `Default` (that was half of this
    function's cost). Its own parameters are plain values, `Default`s, Telegram objects and
    lists of them, none with a serializer of its own: `prepare_value` dumps a Telegram object
    itself, so they are read as they are. tests/bot/test_webhook.py checks on each kind of
    parameter that the two ways agree; any other method keeps model_dump, which is aiogram's
    own way.
    """
    if type(method) is SendMessage:
        fields = [(name, getattr(method, name)) for name in SendMessage.model_fields]
        extra = method.model_extra  # what a caller passed beyond the fields; model_dump has it
        return [*fields, *extra.items()] if extra else fields
    return method.model_dump(warnings=False).items()


def add_webhook_route(
    app: web.Application, dispatcher: Dispatcher, bot: Bot, *, path: str, secret: str
) -> None:
    """Serve `path` on `app`: each post is one update, answered once it is handled.

    The bot's session is closed by the composition root that made the bot, not here.
    """
    app.router.add_post(path, WebhookEndpoint(dispatcher, bot, secret=secret).handle)


async def set_webhook(bot: Bot, dispatcher: Dispatcher, *, url: str, secret: str) -> None:
    """Point Telegram at `url`, for the update types the routers handle."""
    await bot.set_webhook(
        url, secret_token=secret, allowed_updates=dispatcher.resolve_used_update_types()
    )
