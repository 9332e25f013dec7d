"""A knowledge-base entry as the bot says it, wherever in a chat the question was asked."""

from __future__ import annotations

from bot.texts import COMMON
from faq import Entry

#: Longest question asked or kept for staff; Telegram allows 4096 characters in a message.
MAX_QUESTION = 1000


def entry_answer(entry: Entry, language: str) -> str:
    """The entry's answer; in an English chat with a note that our answers are in Chinese."""
    if language == "en":
        return f"{entry.answer}\n\n{COMMON(language, 'faq_in_chinese')}"
    return entry.answer
