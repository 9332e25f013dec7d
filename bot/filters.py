"""Filters that run in the event loop.

aiogram runs a filter that is a plain function, a magic filter (F.text, F.data == …) or a bare
State in a worker thread (asyncio.to_thread), one thread hop per filter per update: at a few
hundred updates a second that was most of a bot process's time. These are `Filter` subclasses,
which aiogram awaits directly; use them, and `StateFilter(...)` for states, in every router.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters import Filter
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, Message


class HasText(Filter):
    """A message with text (not a sticker, photo or voice note)."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None


class TextMatches(Filter):
    """A message whose text satisfies `predicate`."""

    def __init__(self, predicate: Callable[[str], bool]) -> None:
        self._predicate = predicate

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and self._predicate(message.text)


class CommandOrState(Filter):
    """A router's first check on a message, before any of its handlers: a command (text or
    caption starting with "/", as aiogram's Command filter reads it), a chat in one of the
    `groups`' states, or text that satisfies `text`.

    For a router whose message handlers all want one of these, a plain question passes the
    router with this one check instead of one per handler; each Command filter parses the text
    and raises and catches an exception to say "not a command". A parent router whose children
    all have such a check can have one check that admits what any of theirs admits, so that a
    plain question skips them all at once (see bot.dispatcher).
    """

    def __init__(
        self,
        *groups: type[StatesGroup],
        text: Callable[[str], bool] | None = None,
    ) -> None:
        self._states = frozenset(name for g in groups for name in g.__all_states_names__)
        self._text = text

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        content = message.text or message.caption
        if content is not None and content.startswith("/"):
            return True
        if raw_state in self._states:
            return True
        return self._text is not None and message.text is not None and self._text(message.text)


class NeitherCommandNorState(CommandOrState):
    """What `CommandOrState` with the same arguments refuses: a router of plain questions can
    come first and take them in one check, before the routers of commands and dialogues."""

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        return not await super().__call__(message, raw_state)


class Data(Filter):
    """A button press whose callback data is `exact`, or starts with `prefix`."""

    def __init__(self, exact: str | None = None, *, prefix: str | None = None) -> None:
        if (exact is None) == (prefix is None):
            raise ValueError("Data takes exactly one of exact= or prefix=")
        self._exact = exact
        self._prefix = prefix

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data
        if data is None:
            return False
        if self._exact is not None:
            return data == self._exact
        return data.startswith(self._prefix or "")
