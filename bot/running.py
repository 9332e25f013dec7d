"""Run the bot inside a bigger process (`outreach serve`, the demo): polling or webhook.

`BotRunner.start` returns once the bot is taking updates; `stop` hands back cleanly. In polling
mode the dispatcher long-polls in a task of this process; in webhook mode the web app already
has the route (`add_webhook_route`) and Telegram is told where it is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.webhook import set_webhook
from core import get_logger

log = get_logger("bot")


#: What Telegram (or the way to it) answers while it is unreachable or busy: worth waiting out.
_PASSING = (
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
    aiohttp.ClientError,
    TimeoutError,
)


class BotTokenRefusedError(RuntimeError):
    """Telegram refused the token: no retry will help."""

    def __init__(self) -> None:
        super().__init__(
            "Telegram 拒绝了 TELEGRAM_BOT_TOKEN，请向 @BotFather 核对令牌 / "
            "Telegram refused TELEGRAM_BOT_TOKEN: check the token with @BotFather"
        )


async def start_when_reachable(
    start: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    *,
    first_wait: float = 1.0,
    longest_wait: float = 60.0,
) -> bool:
    """Run `start` (which talks to Telegram) until it succeeds; False when `stop` came first.

    A bot process started while Telegram is out of reach (a network outage, a proxy not up
    yet) waits for it, its health endpoint up, instead of exiting into a restart loop; the
    wait doubles up to `longest_wait`. A refused token raises BotTokenRefusedError at once.
    """
    wait = first_wait
    while not stop.is_set():
        try:
            await start()
        except TelegramUnauthorizedError as error:
            raise BotTokenRefusedError() from error
        except _PASSING as error:
            log.warning("bot_telegram_unreachable", error=type(error).__name__, retry_in=wait)
        else:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        wait = min(wait * 2, longest_wait)
    return False


class BotRunner:
    def __init__(self, bot: Bot, dispatcher: Dispatcher) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self._polling: asyncio.Task[None] | None = None

    async def start_polling(self) -> None:
        """Drop any webhook (it would make getUpdates fail with 409) and poll in a task."""
        await self.bot.delete_webhook()
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot, handle_signals=False, close_bot_session=False, polling_timeout=10
            ),
            name="bot-polling",
        )
        log.info("bot_polling")

    async def start_webhook(self, url: str, secret: str) -> None:
        await set_webhook(self.bot, self.dispatcher, url=url, secret=secret)
        log.info("bot_webhook", url=url)

    async def stop(self) -> None:
        """Take no more updates and let those polling handed out finish.

        The bot's session stays open: a webhook post still being handled may send with it. The
        composition root that made the bot closes it (`chat.Chat.close`) once the web app has
        finished its posts."""
        if self._polling is not None:
            try:
                # Ends the long poll (its update handlers run on as tasks).
                await self.dispatcher.stop_polling()
            except RuntimeError:  # not polling yet (or any more): nothing in hand
                self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
            await _handlers_finished(self.dispatcher)


async def _handlers_finished(dispatcher: Dispatcher) -> None:
    """Wait for the updates polling handed to handler tasks: their offsets are confirmed to
    Telegram already, so an update cut short here would never come again. (aiogram keeps
    these tasks in `_handle_update_tasks`; a version without it has nothing to wait for.)"""
    handling: set[asyncio.Task[object]] = set(getattr(dispatcher, "_handle_update_tasks", ()))
    if handling:
        log.info("bot_finishing_updates", updates=len(handling))
        await asyncio.wait(handling)
