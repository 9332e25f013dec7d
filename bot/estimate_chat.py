"""What every step of the estimate dialogue works with: the chat, its answers, its messages."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.estimate_model import DATA_KEY, Answers
from bot.estimate_texts import ESTIMATE
from bot.services import ChatRecords, ChatUser
from core import today as china_today
from pension import YearMonth

DEFAULT_PROVINCE = "national"
Event = Message | CallbackQuery


@dataclass(frozen=True, slots=True)
class Chat:
    """What every step needs, taken from the handler's injected data."""

    bot: Bot
    user: ChatUser
    language: str
    records: ChatRecords
    state: FSMContext
    today: Callable[[], date]
    province: str

    @classmethod
    def of(cls, state: FSMContext, data: Mapping[str, Any]) -> Chat:
        return cls(
            bot=data["bot"],
            user=data["chat_user"],
            language=data["language"],
            records=data["records"],
            state=state,
            today=data.get("today", china_today),
            province=data.get("estimate_province") or DEFAULT_PROVINCE,
        )

    @property
    def month(self) -> YearMonth:
        return YearMonth.of(self.today())

    def text(self, key: str, **values: object) -> str:
        return ESTIMATE(self.language, key, **values)

    async def answers(self) -> Answers | None:
        raw = (await self.state.get_data()).get(DATA_KEY)
        return Answers.load(raw) if raw else None

    async def save(self, answers: Answers | None) -> None:
        await self.state.update_data({DATA_KEY: None if answers is None else answers.dump()})

    async def leave(self) -> None:
        """Out of the dialogue, its answers forgotten: typed text is a question again."""
        await self.state.set_state(None)
        await self.save(None)

    async def show(self, event: Event, text: str, markup: InlineKeyboardMarkup | None) -> None:
        """Edit the message whose button was pressed; send a new one for typed input."""
        if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
            with contextlib.suppress(TelegramBadRequest):  # too old or unchanged: say it anew
                await event.message.edit_text(text, reply_markup=markup)
                return
        await self.bot.send_message(self.user.chat_id, text, reply_markup=markup)
