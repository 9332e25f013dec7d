"""Telegram's flood control for replies: wait as long as Telegram says, then send again.

Telegram answers 429 with `retry_after` when a bot sends more than about one message a second
to one chat or thirty a second overall. A reply to a resident is worth a short wait: this
request middleware sleeps the given seconds and tries again, a few times, as long as each wait
is short. A longer wait is raised to the handler's error path (logged; the resident is not
told anything false). Campaign sends do not use it: their dispatcher reschedules on 429.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response

from bot.response_types import KeepResponseTypes
from core import get_logger

log = get_logger("bot")


class RetryAfter(BaseRequestMiddleware):
    def __init__(self, *, attempts: int = 3, longest_wait: float = 5.0) -> None:
        self._attempts = attempts
        self._longest_wait = longest_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self._attempts or exc.retry_after > self._longest_wait:
                    raise
                log.info("bot.flood_wait", method=type(method).__name__, seconds=exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")  # the loop returns or raises


def prepare_bot(bot: Bot) -> Bot:
    """`bot` as the chat uses it: its requests wait out Telegram's flood control
    (`RetryAfter`) and reuse aiogram's response models (`KeepResponseTypes`)."""
    bot.session.middleware(KeepResponseTypes())
    bot.session.middleware(RetryAfter())
    return bot
