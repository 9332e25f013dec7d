"""A local Telegram Bot API server: what aiogram talks to in the demo and the tests.

    POST|GET /bot{token}/{method}   the Bot API (see telegram_methods for the methods)

Control routes, for tests and the demo:

    POST /_sandbox/inbound   {"from": chat_id, "text": "/start", "first_name"?, "last_name"?,
                              "username"?, "language_code"?}  a user writes to the bot
    POST /_sandbox/callback  {"from": chat_id, "data": "...", "message_id": n}  a user presses an
                              inline button under the bot's message n
    POST /_sandbox/block     {"chat_id": n} the user blocks the bot; {"chat_id": n, "unblock": true}
    GET  /_sandbox/sent?chat_id=n   what the bot sent (and its callback answers)
    POST /_sandbox/faults, GET /_sandbox/stats   as on every stand-in (SandboxCore)

Blocking and unblocking send the bot a my_chat_member update, as Telegram does; a blocked user
who writes again has unblocked the bot first (Telegram's "Restart" button does both).

Telegram sends no delivery receipts, so the stand-in schedules none: every accepted sendMessage is
one line of the JSONL log ({"to": chat id, "text", "provider_id": message id}) and nothing more.
The Bot API has no field for a caller's reference, so the log has no "ref".
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from channels.sandbox.common import SandboxCore
from channels.sandbox.telegram_config import TelegramSandboxConfig
from channels.sandbox.telegram_methods import BotApi, DropConnection
from channels.sandbox.telegram_objects import (
    Person,
    callback_query,
    command_entities,
    inaccessible,
    member_update,
)
from channels.sandbox.telegram_params import ApiError, ok, read_params

BOT_API_KEY = web.AppKey("telegram_bot_api", BotApi)


def create_app(config: TelegramSandboxConfig) -> web.Application:
    """The stand-in as an aiohttp application (serve it with channels.sandbox.common.serve)."""
    core = SandboxCore(config.sandbox)
    api = BotApi(config, core)
    app = web.Application()
    app[BOT_API_KEY] = api
    routes = _Routes(api, core)
    app.router.add_route("*", "/bot{token}/{method}", routes.bot_api)
    # Registered before SandboxCore.install adds its own /_sandbox/inbound (which pushes SMS
    # replies): aiohttp tries resources in registration order, so this one answers.
    app.router.add_post("/_sandbox/inbound", routes.inbound)
    app.router.add_post("/_sandbox/callback", routes.callback)
    app.router.add_post("/_sandbox/block", routes.block)
    app.router.add_get("/_sandbox/sent", routes.sent)
    core.install(app)
    app.on_startup.append(routes.start)
    app.on_shutdown.append(routes.shutdown)
    return app


class _ControlError(Exception):
    """A malformed control request (answered 400 with the reason)."""


class _Routes:
    def __init__(self, api: BotApi, core: SandboxCore) -> None:
        self.api = api
        self.core = core

    async def start(self, _app: web.Application) -> None:
        await self.api.updates.start()

    async def shutdown(self, _app: web.Application) -> None:
        """Release long polls and stalled answers, so the server stops at once."""
        self.api.closing.set()
        await self.api.updates.close()

    # -- the Bot API -----------------------------------------------------------------------
    async def bot_api(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "POST"):
            return ApiError(404, "Not Found").response()
        if self.core.faults.down:
            return ApiError(503, "Service Unavailable").response()
        await self.core.delay()
        if request.match_info["token"] != self.api.config.token:
            return ApiError(401, "Unauthorized").response()
        method = request.match_info["method"]
        self.core.stats[f"calls_{method}"] += 1
        try:
            result = await self.api.call(method, await read_params(request))
        except ApiError as err:
            self.core.stats[f"errors_{err.code}"] += 1
            return err.response()
        except DropConnection:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)  # never reaches the client: the socket is closed
        return ok(result)

    # -- control ---------------------------------------------------------------------------
    async def inbound(self, request: web.Request) -> web.Response:
        try:
            data = await _body(request)
            chat_id, text = _chat(data, "from"), str(data["text"])
        except (_ControlError, KeyError) as err:
            return _refuse(f'body must be {{"from": chat_id, "text": ...}} ({err})')
        known = self.api.chats.person(chat_id)
        person = Person(
            id=chat_id,
            first_name=str(data.get("first_name") or known.first_name),
            last_name=data.get("last_name", known.last_name),
            username=data.get("username", known.username),
            language_code=data.get("language_code", known.language_code),
        )
        self.api.chats.meet(person)
        if chat_id in self.api.chats.blocked:
            await self._set_blocked(chat_id, blocked=False)
        message = self.api.chats.add(
            chat_id, from_bot=False, text=text, entities=command_entities(text)
        )
        update_id = await self.api.updates.add("message", message.to_json())
        self.core.stats["inbound"] += 1
        return web.json_response({"update_id": update_id, "message_id": message.message_id})

    async def callback(self, request: web.Request) -> web.Response:
        try:
            data = await _body(request)
            chat_id, payload = _chat(data, "from"), str(data["data"])
            message_id = int(data["message_id"])
        except (_ControlError, KeyError, TypeError, ValueError) as err:
            return _refuse(
                f'body must be {{"from": chat_id, "data": ..., "message_id": n}} ({err})'
            )
        person = self.api.chats.person(chat_id)
        stored = self.api.chats.get(chat_id, message_id)
        message = stored.to_json() if stored is not None else inaccessible(person, message_id)
        query_id = self.api.chats.new_query_id(chat_id)
        update_id = await self.api.updates.add(
            "callback_query", callback_query(query_id, person, message, payload)
        )
        self.core.stats["callbacks"] += 1
        return web.json_response({"update_id": update_id, "callback_query_id": query_id})

    async def block(self, request: web.Request) -> web.Response:
        try:
            data = await _body(request)
            chat_id = _chat(data, "chat_id")
        except _ControlError as err:
            return _refuse(f'body must be {{"chat_id": n, "unblock"?: true}} ({err})')
        blocked = not data.get("unblock", False)
        await self._set_blocked(chat_id, blocked=blocked)
        return web.json_response({"chat_id": chat_id, "blocked": blocked})

    async def _set_blocked(self, chat_id: int, *, blocked: bool) -> None:
        chats = self.api.chats
        if (chat_id in chats.blocked) == blocked:
            return
        if blocked:
            chats.blocked.add(chat_id)
        else:
            chats.blocked.discard(chat_id)
        person = chats.person(chat_id)
        await self.api.updates.add(
            "my_chat_member", member_update(person, chats.bot, blocked=blocked)
        )

    async def sent(self, request: web.Request) -> web.Response:
        raw = request.query.get("chat_id")
        try:
            chat_id = int(raw) if raw else None
        except ValueError:
            return _refuse("chat_id must be an integer")
        answers = [
            a for a in self.api.chats.callback_answers if chat_id is None or a["chat_id"] == chat_id
        ]
        return web.json_response(
            {"messages": self.api.chats.sent(chat_id), "callback_answers": answers}
        )


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError as err:
        raise _ControlError("not JSON") from err
    if not isinstance(data, dict):
        raise _ControlError("not a JSON object")
    return data


def _chat(data: dict[str, Any], key: str) -> int:
    value: Any = data.get(key)
    if isinstance(value, bool):
        raise _ControlError(f"{key} must be an integer chat id")
    try:
        return int(value)
    except (TypeError, ValueError) as err:
        raise _ControlError(f"{key} must be an integer chat id") from err


def _refuse(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)
