"""The estimate dialogue: /estimate, or a question about the resident's own money (faq routes it).

A chat linked to a ledger resident gets its estimate at once from the ledger row, with what was
assumed and a way to change it; any other chat answers five questions (birth month typed;
category, scheme, years paid and base or tier on buttons), each with back and cancel. The answer
is pension.estimate's, with buttons for the comparisons. Services come in by name: `records`,
and optionally `today` (a date function; China's date by default) and `estimate_province` (the
province whose parameters apply when the ledger names none; national defaults otherwise).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import estimate_dialogue as kb
from bot import estimate_input as read
from bot.estimate_chat import Chat, Event
from bot.estimate_dialogue import STATES, EstimateForm
from bot.estimate_ledger import province_of
from bot.estimate_model import FIELDS, Answers, compare, compute, levels
from bot.estimate_text import comparison_text, estimate_text
from bot.faq_answer import MAX_QUESTION, entry_answer
from bot.filters import CommandOrState, Data, HasText
from faq import Answered, Answerer
from pension import Category, PensionError, Scheme, YearMonth

# -- starting -------------------------------------------------------------------------------


async def begin_estimate(message: Message, state: FSMContext, data: dict[str, Any]) -> None:
    """Start the estimate dialogue for the chat of `message` (`data`: the handler's data)."""
    chat = Chat.of(state, data)
    answers = await _prefilled(chat) or Answers(province=province_of(None, chat.province))
    if answers.prefilled:
        await _finish(chat, message, answers)
        return
    await _ask_next(chat, message, answers, lead=chat.text("intro"))


async def _prefilled(chat: Chat) -> Answers | None:
    """Answers from the linked resident's ledger row, or None for a chat not linked."""
    if chat.user.resident_id is None:
        return None
    found = await chat.records.estimate_inputs(chat.user.chat_id)
    if found is None:
        return None
    province = province_of(found.region, chat.province)
    answers = Answers(
        province=province,
        prefilled=True,
        birth=found.birth,
        category=found.category,
        scheme=found.scheme,
        months=found.months_paid or 0,
        months_known=found.months_paid is not None,
    )
    # The lowest level, as outreach messages assume: never promise more than is sure.
    return dataclasses.replace(answers, level=levels(answers, chat.month)[0])


async def start_command(message: Message, state: FSMContext, **data: Any) -> None:
    await begin_estimate(message, state, data)


# -- asking ---------------------------------------------------------------------------------


async def _ask_next(chat: Chat, event: Event, answers: Answers, *, lead: str = "") -> None:
    """Ask the first question still open (after `lead`), or give the estimate when none is."""
    field = answers.missing()
    if field is None:
        await _finish(chat, event, answers)
        return
    await chat.state.set_state(STATES[field])
    await chat.save(answers)
    text, markup = _question(chat, field, answers)
    await chat.show(event, f"{lead}\n\n{text}" if lead else text, markup)


def _question(chat: Chat, field: str, answers: Answers) -> tuple[str, InlineKeyboardMarkup]:
    language = chat.language
    if field == "birth":
        return chat.text("ask_birth"), kb.navigation(language)
    if field == "category":
        return chat.text("ask_category"), kb.categories(language)
    if field == "scheme":
        return chat.text("ask_scheme"), kb.schemes(language)
    if field == "months":
        return chat.text("ask_years"), kb.year_ranges(language)
    assert answers.scheme is not None
    key = "ask_base" if answers.scheme is Scheme.EMPLOYEE else "ask_tier"
    choices = levels(answers, chat.month)
    return chat.text(key), kb.levels(language, answers.scheme, choices)


async def _accept(chat: Chat, event: Event, field: str, value: object) -> None:
    answers = await chat.answers()
    if answers is None:
        await _stale(chat, event)
        return
    await _ask_next(chat, event, answers.answered(field, value))


async def _reprompt(chat: Chat, message: Message, error: read.BadInputError) -> SendMessage | None:
    """Say what was wrong and ask the same question again, with its buttons: the handler's
    last message, returned to travel in the webhook's answer (bot.webhook), as nothing needs
    its outcome (a later answer or press is read from the dialogue's state, not from it)."""
    answers = await chat.answers()
    field = None if answers is None else answers.missing()
    if answers is None or field is None:
        await _stale(chat, message)
        return None
    question, markup = _question(chat, field, answers)
    key = _TYPED_KEYS.get(field, error.key) if error.key == "press_button" else error.key
    text = chat.text(key, **error.values)
    if key == "press_button":
        text = f"{text}\n{question}"
    return message.answer(text, reply_markup=markup)


#: What a re-prompt says to something other than text where the answer is typed.
_TYPED_KEYS = {"birth": "bad_birth", "months": "bad_years"}


async def typed(message: Message, state: FSMContext, **data: Any) -> SendMessage | None:
    """Typed text in the dialogue: an answer, back / cancel in words, or another question.

    Text that is not an answer to the question asked but one the knowledge base answers with
    confidence ("送外卖的怎么交？") is that question: it is answered and the dialogue left,
    instead of a re-prompt that would keep the resident in it until they find the word to
    cancel. A question about their own money is what the dialogue is for: re-prompted.
    """
    chat = Chat.of(state, data)
    text = message.text or ""
    word = read.normal(text)
    if word in read.CANCEL_WORDS:
        await _cancel(chat, message)
        return None
    if word in read.BACK_WORDS:
        await _back(chat, message)
        return None
    answers = await chat.answers()
    if answers is None:
        await _stale(chat, message)
        return None
    field = answers.missing()
    try:
        value = _read(field, text, answers, chat.month)
    except read.BadInputError as error:
        answerer: Answerer | None = data.get("answerer")
        reply = None if answerer is None else answerer.ask(text[:MAX_QUESTION])
        if isinstance(reply, Answered) and reply.entry.route != "estimate":
            return await _leave_for_answer(chat, message, reply)
        return await _reprompt(chat, message, error)
    assert field is not None
    await _ask_next(chat, message, answers.answered(field, value))
    return None


async def _leave_for_answer(chat: Chat, message: Message, reply: Answered) -> SendMessage:
    await chat.leave()
    await chat.records.question_answered(chat.user.chat_id, reply.entry.id, reply.confidence)
    answer = entry_answer(reply.entry, chat.language)
    return message.answer(f"{answer}\n\n{chat.text('left_for_question')}")


def _read(field: str | None, text: str, answers: Answers, month: YearMonth) -> object:
    if field == "birth":
        return read.birth_month(text, month)
    if field == "months":
        assert answers.birth is not None
        return read.months_paid(text, answers.birth, month)
    if field == "category":
        return read.category(text)
    if field == "scheme":
        return read.scheme(text)
    if field == "level":
        percent = answers.scheme is Scheme.EMPLOYEE
        return read.level(text, levels(answers, month), percent=percent)
    raise read.BadInputError("press_button")


async def not_text(message: Message, state: FSMContext, **data: Any) -> SendMessage | None:
    return await _reprompt(Chat.of(state, data), message, read.BadInputError("press_button"))


async def pressed(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    """A button of a question: category, scheme, years, range of years or level."""
    chat = Chat.of(state, data)
    kind, _, value = (query.data or "").removeprefix(kb.PREFIX).partition(":")
    answers = await chat.answers()
    if answers is None:
        await _stale(chat, query)
        return
    try:
        if kind == "c":
            chosen: object = Category(value)
        elif kind == "s":
            chosen = Scheme(value)
        elif kind == "l":
            chosen = read.level(value, levels(answers, chat.month), percent=False)
        elif kind == "r":
            await query.answer()
            await _show_range(chat, query, value)
            return
        else:
            assert answers.birth is not None
            chosen = read.check_months(int(value) * 12, answers.birth, chat.month)
    except read.BadInputError as error:
        await query.answer(chat.text(error.key, **error.values), show_alert=True)
        return
    except ValueError:
        await _stale(chat, query)
        return
    await query.answer()
    await _accept(chat, query, _FIELD_OF[kind], chosen)


_FIELD_OF = {"c": "category", "s": "scheme", "y": "months", "l": "level"}


async def _show_range(chat: Chat, query: CallbackQuery, value: str) -> None:
    """The exact years of one range of years paid (or the ranges again)."""
    pair = kb.range_of(int(value)) if value.isdigit() else None
    if pair is None:
        await chat.show(query, chat.text("ask_years"), kb.year_ranges(chat.language))
        return
    low, high = pair
    text = chat.text("ask_exact_years")
    if pair == kb.RANGES[-1]:
        text = f"{text}\n{chat.text('more_years', low=high + 1)}"
    await chat.show(query, text, kb.exact_years(chat.language, low, high))


# -- back, cancel, stale --------------------------------------------------------------------


async def _back(chat: Chat, event: Event) -> None:
    answers = await chat.answers()
    field = None if answers is None else answers.missing()
    if answers is None or field is None:
        await _stale(chat, event)
        return
    previous = answers.before(field)
    await _ask_next(chat, event, answers if previous is None else answers.without(previous))


async def _cancel(chat: Chat, event: Event) -> None:
    await chat.leave()
    await chat.show(event, chat.text("cancelled"), None)


async def _stale(chat: Chat, event: Event) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(chat.text("stale_button"), show_alert=True)
    else:
        await event.answer(chat.text("stale_button"))


async def pressed_back(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    await query.answer()
    await _back(Chat.of(state, data), query)


async def pressed_cancel(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    await query.answer()
    await _cancel(Chat.of(state, data), query)


async def pressed_stale(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    """A button of another question (or of a dialogue that has ended)."""
    chat = Chat.of(state, data)
    if await state.get_state() is None:
        await _stale(chat, query)
        return
    await query.answer(chat.text("old_button"), show_alert=True)


# -- the estimate and after -----------------------------------------------------------------


async def _finish(chat: Chat, event: Event, answers: Answers) -> None:
    """Give the estimate, record it, and keep the answers for the comparisons and changes."""
    await chat.state.set_state(None)
    await chat.save(answers)
    month = chat.month
    try:
        result = compute(answers, month)
    except PensionError as error:
        reason = error.en if chat.language == "en" else error.zh
        await chat.show(event, chat.text("failed", reason=reason), kb.edit_fields(chat.language))
        return
    await chat.records.estimate_given(chat.user.chat_id, prefilled=answers.prefilled)
    text = estimate_text(chat.language, result, answers, month)
    markup = kb.after_estimate(chat.language, answers, comparable=result.start > month)
    await chat.show(event, text, markup)


async def pressed_compare(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    chat = Chat.of(state, data)
    topic = (query.data or "").rpartition(":")[2]
    answers = await chat.answers()
    if (
        answers is None
        or answers.missing() is not None
        or topic not in ("base", "resume", "scheme")
    ):
        await _stale(chat, query)
        return
    await query.answer()
    try:
        comparison = compare(topic, answers, chat.month)
    except PensionError as error:
        reason = error.en if chat.language == "en" else error.zh
        await chat.bot.send_message(chat.user.chat_id, chat.text("failed", reason=reason))
        return
    await chat.bot.send_message(
        chat.user.chat_id, comparison_text(chat.language, comparison, answers)
    )


async def pressed_edit(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    """The list of details to change, as a new message under the estimate."""
    chat = Chat.of(state, data)
    if await chat.answers() is None:
        await _stale(chat, query)
        return
    await query.answer()
    await chat.bot.send_message(
        chat.user.chat_id, chat.text("edit_which"), reply_markup=kb.edit_fields(chat.language)
    )


async def pressed_edit_field(query: CallbackQuery, state: FSMContext, **data: Any) -> None:
    chat = Chat.of(state, data)
    field = (query.data or "").rpartition(":")[2]
    answers = await chat.answers()
    if answers is None or (field not in FIELDS and field != "all"):
        await _stale(chat, query)
        return
    await query.answer()
    fresh = Answers(province=answers.province)
    await _ask_next(chat, query, fresh if field == "all" else answers.without(field))


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    router = Router(name="estimate")
    in_dialogue = StateFilter(EstimateForm)
    router.message.filter(CommandOrState(EstimateForm))  # a command, or text in the dialogue
    router.message.register(start_command, Command("estimate"))
    router.message.register(typed, in_dialogue, HasText())
    router.message.register(not_text, in_dialogue)
    router.callback_query.register(pressed_back, Data(kb.BACK))
    router.callback_query.register(pressed_cancel, Data(kb.CANCEL))
    router.callback_query.register(pressed_compare, Data(prefix="est:cmp:"))
    router.callback_query.register(pressed_edit, Data(kb.EDIT))
    router.callback_query.register(pressed_edit_field, Data(prefix="est:edit:"))
    for kind, field in (*_FIELD_OF.items(), ("r", "months")):
        router.callback_query.register(
            pressed, StateFilter(STATES[field]), Data(prefix=f"est:{kind}:")
        )
    router.callback_query.register(pressed_stale, Data(prefix=kb.PREFIX))
    return router
