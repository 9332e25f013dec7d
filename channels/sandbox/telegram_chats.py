"""The stand-in's private chats: who wrote to the bot, every message either way, who blocked it.

Message ids count per chat, shared by both sides, as in a real private chat: the same id exists
in many chats, so a message is known by (chat id, message id).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from typing import Any

from channels.sandbox.telegram_objects import BotIdentity, Person, StoredMessage


class ChatBook:
    """Everything said in the bot's chats, for edits, callback queries and /_sandbox/sent."""

    def __init__(self, bot: BotIdentity) -> None:
        self.bot = bot
        self.people: dict[int, Person] = {}
        self.blocked: set[int] = set()
        self._messages: dict[int, dict[int, StoredMessage]] = defaultdict(dict)
        self._counters: dict[int, itertools.count[int]] = {}
        self._from_bot: list[StoredMessage] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.open_queries: dict[str, int] = {}  # callback query id -> chat id
        self._query_ids = itertools.count(4_000_000_000_000_001)

    def person(self, chat_id: int) -> Person:
        """The user of a private chat; made up (a resident with no name) if never seen."""
        return self.people.get(chat_id) or Person(id=chat_id)

    def knows(self, chat_id: int) -> bool:
        return chat_id in self.people

    def meet(self, person: Person) -> None:
        """Remember a user who wrote to the bot (their latest name and language win)."""
        self.people[person.id] = person

    def _next_id(self, chat_id: int) -> int:
        counter = self._counters.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def add(
        self,
        chat_id: int,
        *,
        from_bot: bool,
        text: str,
        entities: list[dict[str, Any]] | None = None,
        reply_markup: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Store one new message in the chat and return it."""
        person = self.person(chat_id)
        message = StoredMessage(
            message_id=self._next_id(chat_id),
            chat=person.chat(),
            sender=self.bot.user() if from_bot else person.user(),
            date=int(time.time()),
            text=text,
            entities=entities or [],
            reply_markup=reply_markup,
        )
        self._messages[chat_id][message.message_id] = message
        if from_bot:
            self._from_bot.append(message)
        return message

    def get(self, chat_id: int, message_id: int) -> StoredMessage | None:
        return self._messages.get(chat_id, {}).get(message_id)

    def new_query_id(self, chat_id: int) -> str:
        query_id = str(next(self._query_ids))
        self.open_queries[query_id] = chat_id
        return query_id

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """What the bot sent (to one chat, or to all), oldest first, as its current state."""
        return [
            {
                "chat_id": m.chat["id"],
                "message_id": m.message_id,
                "date": m.date,
                "text": m.text,
                "entities": m.entities,
                "reply_markup": m.reply_markup,
                "edited": m.edit_date is not None,
            }
            for m in self._from_bot
            if chat_id is None or m.chat["id"] == chat_id
        ]
