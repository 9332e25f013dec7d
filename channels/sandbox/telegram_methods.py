"""The Bot API methods the stand-in serves, each answering what Telegram answers.

getMe, getUpdates, sendMessage, editMessageText, answerCallbackQuery, setWebhook,
deleteWebhook, getWebhookInfo, setMyCommands, getMyCommands, deleteMyCommands. Method names are
case-insensitive, as on Telegram; any other name is 404 "Not Found".

Only sendMessage meets the drawn faults (5xx, throttling, dropped connections, answers that
stall after the message was accepted): it is the call whose outcome the channel must classify.
An outage (`Faults.down`) stops every method; the application checks that before dispatching.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from channels.sandbox.common import Fault, SandboxCore
from channels.sandbox.telegram_chats import ChatBook
from channels.sandbox.telegram_config import TelegramSandboxConfig
from channels.sandbox.telegram_flood import FloodControl
from channels.sandbox.telegram_markup import parse_html
from channels.sandbox.telegram_objects import BotIdentity, StoredMessage
from channels.sandbox.telegram_params import ApiError, Params, bad_request, too_many_requests
from channels.sandbox.telegram_updates import UpdateQueue, Webhook
from core import get_logger

log = get_logger("channels.sandbox.telegram")

Method = Callable[[Params], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64  # bytes
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


class DropConnection(Exception):  # noqa: N818 - an instruction to the route, not an error
    """The DROP fault: close the connection without answering."""


class BotApi:
    """One bot's Bot API: its chats, pending updates, webhook and commands."""

    def __init__(self, config: TelegramSandboxConfig, core: SandboxCore) -> None:
        self.config = config
        self.core = core
        self.bot = BotIdentity(config.token, config.bot_first_name, config.bot_username)
        self.chats = ChatBook(self.bot)
        self.flood = FloodControl(config.flood, config.clock)
        self.updates = UpdateQueue(config.webhook_retry, self.execute_reply)
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.closing = asyncio.Event()
        self._methods: dict[str, Method] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "answercallbackquery": self.answer_callback_query,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
        }

    async def call(self, method: str, params: Params) -> Any:
        """Run one method; ApiError for Telegram's error answers."""
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        return await handler(params)

    async def execute_reply(self, method: str, params: Params) -> None:
        """A call a webhook receiver answered with; Telegram reports its errors to no one."""
        try:
            await self.call(method, params)
        except (ApiError, DropConnection) as err:
            log.info("sandbox_webhook_reply_failed", method=method, error=str(err))

    # -- identity and updates --------------------------------------------------------------
    async def get_me(self, _params: Params) -> Any:
        return self.bot.me()

    async def get_updates(self, params: Params) -> Any:
        allowed = params.structure("allowed_updates")
        return await self.updates.poll(
            offset=params.integer("offset"),
            limit=params.integer("limit") or 100,
            wait=params.integer("timeout") or 0,
            allowed=frozenset(allowed) if isinstance(allowed, list) else None,
        )

    # -- messages --------------------------------------------------------------------------
    async def send_message(self, params: Params) -> Any:
        fault = self.core.pick_fault()
        if fault is Fault.ERROR_5XX:
            raise ApiError(502, "Bad Gateway")
        if fault is Fault.THROTTLE:
            raise too_many_requests(self.config.throttle_retry_after)
        if fault is Fault.DROP:
            raise DropConnection
        chat_id = params.chat_id()
        if self.config.known_chats_only and not self.chats.knows(chat_id):
            raise bad_request("chat not found")
        text, entities = _formatted(params)
        markup = _reply_markup(params)
        if chat_id in self.chats.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        wait = self.flood.check(chat_id)
        if wait is not None:
            self.core.stats["flood_refused"] += 1
            raise too_many_requests(wait)
        message = self.chats.add(
            chat_id, from_bot=True, text=text, entities=entities, reply_markup=markup
        )
        self.core.accept({"to": str(chat_id), "text": text, "provider_id": str(message.message_id)})
        if fault is Fault.TIMEOUT_AFTER_ACCEPT:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.closing.wait(), self.core.faults.stall)
        return message.to_json()

    async def edit_message_text(self, params: Params) -> Any:
        if "inline_message_id" in params:
            raise bad_request("message to edit not found")  # no inline mode here
        chat_id = params.chat_id()
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self.chats.get(chat_id, message_id)
        if message is None or not message.sender.get("is_bot"):
            raise bad_request("message to edit not found")
        if chat_id in self.chats.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        text, entities = _formatted(params)
        markup = _reply_markup(params)
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        _edit(message, text, entities, markup)
        return message.to_json()

    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.text("callback_query_id") or ""
        chat_id = self.chats.open_queries.pop(query_id, None)
        if chat_id is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.chats.callback_answers.append(
            {
                "callback_query_id": query_id,
                "chat_id": chat_id,
                "text": params.text("text"),
                "show_alert": params.flag("show_alert"),
                "url": params.text("url"),
            }
        )
        return True

    # -- webhook ---------------------------------------------------------------------------
    async def set_webhook(self, params: Params) -> Any:
        url = params.text("url") or ""
        drop = params.flag("drop_pending_updates")
        if not url:
            await self.updates.set_webhook(None, drop_pending=drop)
            return True
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # Telegram insists on HTTPS; the stand-in also takes http for local receivers.
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.text("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.structure("allowed_updates")
        webhook = Webhook(
            url=url,
            secret_token=secret,
            max_connections=params.integer("max_connections") or 40,
            allowed_updates=frozenset(allowed) if isinstance(allowed, list) else None,
        )
        await self.updates.set_webhook(webhook, drop_pending=drop)
        return True

    async def delete_webhook(self, params: Params) -> Any:
        await self.updates.set_webhook(None, drop_pending=params.flag("drop_pending_updates"))
        return True

    async def get_webhook_info(self, _params: Params) -> Any:
        return self.updates.webhook_info()

    # -- commands --------------------------------------------------------------------------
    async def set_my_commands(self, params: Params) -> Any:
        commands = params.structure("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not (
                isinstance(command, dict)
                and isinstance(command.get("command"), str)
                and _COMMAND_NAME.fullmatch(command["command"])
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("command description is empty or too long")
        self.commands[_scope_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return self.commands.get(_scope_key(params), [])

    async def delete_my_commands(self, params: Params) -> Any:
        self.commands.pop(_scope_key(params), None)
        return True


def _formatted(params: Params) -> tuple[str, list[dict[str, Any]]]:
    """The message text as the user sees it, with its entities (parse_mode HTML understood)."""
    source = params.text("text") or ""
    mode = (params.text("parse_mode") or "").lower()
    if mode == "html":
        text, entities = parse_html(source)
    else:
        text = source
        given = params.structure("entities")
        entities = given if isinstance(given, list) else []
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def _reply_markup(params: Params) -> dict[str, Any] | None:
    """An inline keyboard as Telegram echoes it in the message; other keyboards are not echoed."""
    markup = params.structure("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text is not specified")
            if not _BUTTON_ACTIONS & button.keys():
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return {"inline_keyboard": rows}


def _edit(
    message: StoredMessage, text: str, entities: list[dict[str, Any]], markup: dict[str, Any] | None
) -> None:
    message.text = text
    message.entities = entities
    message.reply_markup = markup
    message.edit_date = int(time.time())


def _scope_key(params: Params) -> str:
    scope = params.structure("scope") or {"type": "default"}
    return json.dumps([scope, params.text("language_code") or ""], sort_keys=True)
