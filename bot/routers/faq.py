"""Free text: the knowledge base answers, or says it is not sure and offers a staff member.

A handler's one and final message is returned, not sent: in webhook mode it travels in the
webhook's answer (see bot.webhook).

A question about the resident's own money (an entry routed to the estimator) starts the
estimate dialogue instead of giving a canned number. The last question the knowledge base could
not answer waits (bot.pending), so the hand-off button (or typing 转人工) can pass it on.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.faq_answer import MAX_QUESTION, entry_answer
from bot.filters import Data, TextMatches
from bot.pending import PendingQuestions as Pending
from bot.routers.estimate import begin_estimate
from bot.services import ChatRecords, ChatUser
from bot.texts import COMMON, LANGUAGES
from faq import Abstained, Answerer

HAND_OFF = "handoff"
#: Typed requests for a person (besides the button).
HAND_OFF_WORDS = frozenset({"转人工", "人工", "人工服务", "找人工", "工作人员"})


def hand_off_keyboard(language: str) -> InlineKeyboardMarkup:
    """The hand-off button under an abstention, in `language`.

    Built once per language: every abstention offers it, and validating two pydantic models
    for each one cost the bot 1.6% of its instructions per update (benchmarks/bot_instructions).
    The one keyboard goes into every such reply, so nothing may change it (aiogram's keyboard
    types are mutable; neither aiogram nor we change a markup once it is in a call).
    """
    keyboard = _HAND_OFF_KEYBOARDS.get(language)
    return keyboard if keyboard is not None else _build_hand_off_keyboard(language)


def _build_hand_off_keyboard(language: str) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text=COMMON(language, "hand_off_button"), callback_data=HAND_OFF)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


_HAND_OFF_KEYBOARDS: dict[str, InlineKeyboardMarkup] = {
    language: _build_hand_off_keyboard(language) for language in LANGUAGES
}


async def typed_hand_off(
    message: Message, chat_user: ChatUser, language: str, records: ChatRecords, pending: Pending
) -> SendMessage:
    return message.answer(await _hand_off(chat_user, language, records, pending))


async def pressed_hand_off(
    query: CallbackQuery,
    chat_user: ChatUser,
    language: str,
    records: ChatRecords,
    pending: Pending,
) -> None:
    reply = await _hand_off(chat_user, language, records, pending)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(reply)


async def _hand_off(
    chat_user: ChatUser, language: str, records: ChatRecords, pending: Pending
) -> str:
    taken = await pending.take(chat_user.chat_id)
    if not taken.question:
        return COMMON(language, "hand_off_busy" if taken.handed_off_before else "hand_off_nothing")
    await records.hand_off(chat_user.chat_id, taken.question)
    # Staff's answer comes back through the bot only to a chat linked to a resident.
    return COMMON(language, "handed_off" if chat_user.linked else "handed_off_unlinked")


async def question(
    message: Message,
    chat_user: ChatUser,
    language: str,
    records: ChatRecords,
    answerer: Answerer,
    state: FSMContext,
    pending: Pending,
    **data: Any,
) -> SendMessage | None:
    text = (message.text or "")[:MAX_QUESTION]
    reply = answerer.ask(text)
    if isinstance(reply, Abstained):
        await records.question_abstained(chat_user.chat_id, reply.reason, reply.nearest)
        if reply.reason == "vague":  # "你好", "医保": ask for more, nothing to pass on yet
            return message.answer(COMMON(language, "vague"))
        await pending.keep(chat_user.chat_id, text)
        return message.answer(
            _abstention(reply, language), reply_markup=hand_off_keyboard(language)
        )
    await records.question_answered(chat_user.chat_id, reply.entry.id, reply.confidence)
    if reply.entry.route == "estimate":
        handler_data = {**data, "chat_user": chat_user, "language": language, "records": records}
        await begin_estimate(message, state, handler_data)
        return None
    return message.answer(entry_answer(reply.entry, language))


def _abstention(reply: Abstained, language: str) -> str:
    """Why we do not answer, and where else to ask: a subject we do not cover says which and
    where; another province's rules go to 12333; anything else is an honest "not sure"."""
    if reply.topic is not None:
        subject = reply.topic.subject_en if language == "en" else reply.topic.subject
        return COMMON(language, "not_covered", subject=subject, where=reply.topic.where(language))
    return COMMON(language, "other_province" if reply.reason == "other_province" else "not_sure")


async def not_text(message: Message, language: str) -> SendMessage:
    return message.answer(COMMON(language, "not_text"))


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    router = Router(name="faq")
    # A question is nearly every update: it passes one check, and a typed request for a person
    # (refused by that check) reaches the next handler, as it would if that came first.
    router.message.register(question, TextMatches(_is_a_question))
    router.message.register(typed_hand_off, TextMatches(_asks_for_a_person))
    router.callback_query.register(pressed_hand_off, Data(HAND_OFF))
    router.message.register(not_text)
    return router


def _asks_for_a_person(text: str) -> bool:
    return text.strip() in HAND_OFF_WORDS


def _is_a_question(text: str) -> bool:
    return not _asks_for_a_person(text)
