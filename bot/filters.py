"""Filters that run in the event loop.

aiogram runs a filter that is a plain function, a magic filter (F.text, F.data == …) or a bare
State in a worker thread (asyncio.to_thread), one thread hop per filter per update: at a few
hundred updates a second that was most of a bot process's time. These are `Filter` subclasses,
which aiogram awaits directly; use them, and `StateFilter(...)` for states, in every router.
"""

from __future__ import annotations

from collections.abc import Callable

from aiogram.filters import Filter
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
