"""Linking a Telegram chat to its ledger resident (being written: see issue 5)."""

from __future__ import annotations

from aiogram import Router


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    return Router(name="linking")
