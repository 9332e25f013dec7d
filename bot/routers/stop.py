"""/stop and 退订: the chat joins the suppression list that SMS shares; /start comes back.

Blocking the bot is a stop too: Telegram tells the bot at once (a my_chat_member update), so
the chat is suppressed before the next campaign tries it, not when a send comes back 403.
Unblocking is not consent: the person must press /start (Telegram's "Restart" sends it).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import KICKED, ChatMemberUpdatedFilter, Command
from aiogram.fsm.context import FSMContext
from aiogram.types import ChatMemberUpdated, Message

from bot.filters import CommandOrState, TextMatches
from bot.pending import PendingQuestions
from bot.services import ChatRecords, ChatUser
from bot.texts import COMMON
from faq import is_stop


async def stop(
    message: Message,
    chat_user: ChatUser,
    language: str,
    records: ChatRecords,
    state: FSMContext,
    pending: PendingQuestions,
) -> None:
    await state.clear()
    await pending.forget(chat_user.chat_id)
    if chat_user.stopped:
        await message.answer(COMMON(language, "stopped_already"))
        return
    await records.stop(chat_user.chat_id, source="telegram_stop")
    await message.answer(COMMON(language, "stopped"))


async def blocked(update: ChatMemberUpdated, records: ChatRecords) -> None:
    if update.chat.type == "private":
        await records.stop(update.chat.id, source="telegram_block")


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    router = Router(name="stop")
    router.message.filter(CommandOrState(text=is_stop))  # /stop, or 退订 and its kin
    router.message.register(stop, Command("stop"))
    router.message.register(stop, TextMatches(is_stop))
    router.my_chat_member.register(blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED))
    return router
