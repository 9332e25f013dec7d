"""Telegram objects of the Bot API stand-in, as the JSON the real API sends.

Only the fields Telegram always sends for a private chat are filled in, so that aiogram's pydantic
models accept every answer and update exactly as they accept the real ones. Entity offsets and
lengths are in UTF-16 code units, as in the real API (a Chinese character counts 1, an emoji 2).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

#: A bot command as Telegram marks it: "/start", "/help@outreach_bot", anywhere after a space.
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")


def utf16_length(text: str) -> int:
    """Length of `text` as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JSON]:
    """The bot_command entities Telegram attaches to a message a user typed."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_length(text[: match.start()]),
            "length": utf16_length(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


@dataclass(frozen=True, slots=True)
class Person:
    """A Telegram user who talks to the bot in a private chat (chat id = user id)."""

    id: int
    first_name: str = "居民"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def user(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def chat(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        return data


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is: the id is the digits before the colon of its token, as on Telegram."""

    token: str
    first_name: str
    username: str

    @property
    def id(self) -> int:
        return int(self.token.partition(":")[0])

    def user(self) -> JSON:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def me(self) -> JSON:
        """The answer of getMe (a User with the bot-only capability flags)."""
        return {
            **self.user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


@dataclass(slots=True)
class StoredMessage:
    """A message in a chat, kept so that edits and callback queries can refer to it."""

    message_id: int
    chat: JSON
    sender: JSON
    date: int
    text: str
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    edit_date: int | None = None
    ref: str | None = None

    def to_json(self) -> JSON:
        data: JSON = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
            "text": self.text,
        }
        if self.entities:
            data["entities"] = self.entities
        if self.reply_markup is not None:
            data["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        return data


def member_update(person: Person, bot: BotIdentity, *, blocked: bool) -> JSON:
    """The my_chat_member update Telegram sends when a user blocks (or unblocks) the bot."""
    now = int(time.time())
    member: JSON = {"status": "member", "user": bot.user()}
    kicked: JSON = {"status": "kicked", "user": bot.user(), "until_date": 0}
    old, new = (member, kicked) if blocked else (kicked, member)
    return {
        "chat": person.chat(),
        "from": person.user(),
        "date": now,
        "old_chat_member": old,
        "new_chat_member": new,
    }


def callback_query(query_id: str, person: Person, message: JSON, data: str) -> JSON:
    """A callback_query: a user pressed an inline button under one of the bot's messages."""
    return {
        "id": query_id,
        "from": person.user(),
        "message": message,
        "chat_instance": str(-abs(person.id) - 1_000_000),
        "data": data,
    }


def inaccessible(person: Person, message_id: int) -> JSON:
    """What Telegram sends in place of a message the bot can no longer see (date 0)."""
    return {"chat": person.chat(), "message_id": message_id, "date": 0}
