"""What the bot's handlers need from the rest of the service, as protocols.

The bot depends on faq/, pension/, ledger/ and core/ only. Storage of consent, opt-outs, events
and hand-offs lives with the outreach records (campaigns/), so the composition root (chat.py)
passes an implementation in; handlers receive it by name (`records`), as aiogram injects every
dispatcher keyword into the handlers that ask for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.estimate_ledger import LedgerInputs
from bot.texts import DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class ChatUser:
    """What the service knows of a Telegram chat when an update arrives."""

    chat_id: int
    language: str = DEFAULT_LANGUAGE
    consented: bool = False
    stopped: bool = False  # the chat's address is on the suppression list
    resident_id: str | None = None  # the ledger resident this chat is linked to

    @property
    def linked(self) -> bool:
        return self.resident_id is not None


class StoredChat(Protocol):
    """A chat as the records hold it."""

    @property
    def language(self) -> str: ...
    @property
    def consented(self) -> bool: ...
    @property
    def stopped(self) -> bool: ...
    @property
    def resident_id(self) -> str | None: ...


class ChatRecords(Protocol):
    """The chat's rows in the system of record; every change writes its event in one transaction."""

    async def chat_user(self, chat_id: int) -> StoredChat | None:
        """The chat as stored (None for a chat never seen)."""

    async def consent(self, chat_id: int, language: str) -> None:
        """The chat accepted the privacy notice: store it, lift a stop, write chat_consented."""

    async def set_language(self, chat_id: int, language: str) -> None:
        """Remember the chat's language (a chat that never consented keeps no row)."""

    async def stop(self, chat_id: int, *, source: str) -> None:
        """The resident said stop: suppress the chat, withdraw consent, write opted_out."""

    async def question_answered(self, chat_id: int, entry: str, confidence: float) -> None:
        """Write question_answered (the entry's id, never the question's text)."""

    async def question_abstained(self, chat_id: int, reason: str, nearest: str | None) -> None:
        """Write question_abstained: the knowledge base did not know."""

    async def estimate_given(self, chat_id: int, *, prefilled: bool) -> None:
        """Write estimate_given (prefilled: from the linked resident's ledger row)."""

    async def estimate_inputs(self, chat_id: int) -> LedgerInputs | None:
        """The linked resident's estimate inputs from the ledger (None: no single resident)."""

    async def hand_off(self, chat_id: int, question: str) -> int:
        """Queue `question` for staff (the list of `outreach faq questions`); its id."""

    async def link(self, chat_id: int, resident_id: str) -> None:
        """Link the chat to the ledger resident and write account_linked."""

    async def unlink(self, chat_id: int) -> None:
        """Undo the chat's link to its ledger resident and write account_unlinked."""
