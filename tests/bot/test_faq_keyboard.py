"""The hand-off keyboard, built once per language and shared by every abstention."""

from __future__ import annotations

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.routers.faq import HAND_OFF, hand_off_keyboard
from bot.texts import COMMON, LANGUAGES


@pytest.mark.parametrize("language", [*LANGUAGES, "de"])
def test_the_keyboard_is_the_button_in_the_chats_language(language: str) -> None:
    button = InlineKeyboardButton(text=COMMON(language, "hand_off_button"), callback_data=HAND_OFF)
    assert hand_off_keyboard(language) == InlineKeyboardMarkup(inline_keyboard=[[button]])


def test_a_language_shares_one_keyboard() -> None:
    assert hand_off_keyboard("en") is hand_off_keyboard("en")
    assert hand_off_keyboard("zh") is not hand_off_keyboard("en")
