"""Webhook mode: Telegram posts updates to the web app, which checks the secret token."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web


def add_webhook_route(
    app: web.Application, dispatcher: Dispatcher, bot: Bot, *, path: str, secret: str
) -> None:
    """Serve `path` on `app`: each post is one update, answered 200 once it is handled.

    Updates are handled before the answer (not in the background), so Telegram redelivers an
    update whose handling failed with the process, and a slow handler slows Telegram's posts
    to this bot rather than piling up tasks.
    """
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=secret).register(
        app, path=path
    )


async def set_webhook(bot: Bot, dispatcher: Dispatcher, *, url: str, secret: str) -> None:
    """Point Telegram at `url`, for the update types the routers handle."""
    await bot.set_webhook(
        url, secret_token=secret, allowed_updates=dispatcher.resolve_used_update_types()
    )
