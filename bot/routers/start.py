"""/start, the privacy notice and consent, /help and /language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.filters import CommandOrState, Data
from bot.pending import PendingQuestions
from bot.services import ChatRecords, ChatUser
from bot.texts import COMMON, LANGUAGES


def consent_keyboard(language: str) -> InlineKeyboardMarkup:
    other = "en" if language != "en" else "zh"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=COMMON(language, "agree"), callback_data=f"consent:yes:{language}"
                ),
                InlineKeyboardButton(text=COMMON(language, "decline"), callback_data="consent:no"),
            ],
            [
                InlineKeyboardButton(
                    text=COMMON(language, "switch_language"), callback_data=f"lang:{other}"
                )
            ],
        ]
    )


async def start(
    message: Message,
    chat_user: ChatUser,
    language: str,
    state: FSMContext,
    pending: PendingQuestions,
) -> None:
    await state.clear()
    await pending.forget(chat_user.chat_id)
    if chat_user.consented and not chat_user.stopped:
        await message.answer(COMMON(language, "welcome_back"))
        return
    await message.answer(COMMON(language, "welcome"), reply_markup=consent_keyboard(language))


async def agree(query: CallbackQuery, chat_user: ChatUser, records: ChatRecords) -> None:
    chosen = (query.data or "").rpartition(":")[2]
    language = chosen if chosen in LANGUAGES else chat_user.language
    await records.consent(chat_user.chat_id, language)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(COMMON(language, "consented"))


async def decline(query: CallbackQuery, language: str) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(COMMON(language, "declined"))


async def switch_language(query: CallbackQuery, chat_user: ChatUser, records: ChatRecords) -> None:
    language = (query.data or "").partition(":")[2]
    if language not in LANGUAGES:
        await query.answer()
        return
    if chat_user.consented:
        await records.set_language(chat_user.chat_id, language)
    await query.answer(COMMON(language, "language_set"))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            COMMON(language, "welcome"), reply_markup=consent_keyboard(language)
        )


async def help_(message: Message, language: str) -> None:
    await message.answer(COMMON(language, "help"))


async def language_command(message: Message, chat_user: ChatUser, records: ChatRecords) -> None:
    language = "en" if chat_user.language != "en" else "zh"
    if chat_user.consented:
        await records.set_language(chat_user.chat_id, language)
        await message.answer(COMMON(language, "language_set"))
    else:
        await message.answer(COMMON(language, "welcome"), reply_markup=consent_keyboard(language))


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    router = Router(name="start")
    router.message.filter(CommandOrState())  # every message handler here wants a command
    router.message.register(start, CommandStart())
    router.callback_query.register(agree, Data(prefix="consent:yes"))
    router.callback_query.register(decline, Data("consent:no"))
    router.callback_query.register(switch_language, Data(prefix="lang:"))
    router.message.register(help_, Command("help"))
    router.message.register(language_command, Command("language"))
    return router
