"""Anything unexpected: logged for us (personal data masked), a friendly line for the resident."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.texts import COMMON, language_of
from core import get_logger

log = get_logger("bot")


async def on_error(event: ErrorEvent) -> bool:
    update = event.update
    log.error(
        "bot.handler_failed",
        update_id=update.update_id,
        update_type=update.event_type,
        error=type(event.exception).__name__,
        exc_info=event.exception,
    )
    try:
        if update.message is not None:
            user = update.message.from_user
            language = language_of(user.language_code if user else None)
            await update.message.answer(COMMON(language, "unexpected"))
        elif update.callback_query is not None:
            language = language_of(update.callback_query.from_user.language_code)
            await update.callback_query.answer(COMMON(language, "unexpected"), show_alert=True)
    except Exception as exc:  # telling the resident is best effort
        log.warning("bot.error_reply_failed", error=type(exc).__name__)
    return True


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
