"""The estimate dialogue (being written: see issue 5)."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message


async def begin_estimate(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """Start the estimate dialogue for the chat of `message` (`data`: the handler's data)."""
    await message.answer("/estimate")


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    return Router(name="estimate")
