"""/stop and 退订: the chat joins the suppression list that SMS shares; /start comes back."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.filters import TextMatches
from bot.services import ChatRecords, ChatUser
from bot.texts import COMMON
from faq import is_stop


async def stop(
    message: Message, chat_user: ChatUser, language: str, records: ChatRecords, state: FSMContext
) -> None:
    await state.clear()
    if chat_user.stopped:
        await message.answer(COMMON(language, "stopped_already"))
        return
    await records.stop(chat_user.chat_id, source="telegram_stop")
    await message.answer(COMMON(language, "stopped"))


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    router = Router(name="stop")
    router.message.register(stop, Command("stop"))
    router.message.register(stop, TextMatches(is_stop))
    return router
