"""`outreach serve`: the web app (callbacks, health, /api/v1), the bot and a worker in one process.

On the embedded defaults this is the whole service on one machine. The bot runs when
TELEGRAM_BOT_TOKEN is set and BOT_MODE is not off: polling (the default) or webhook, where
Telegram posts to PUBLIC_BASE_URL + BOT_WEBHOOK_PATH on this app.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import BotRunner, BotSettings, add_webhook_route
from campaigns import CampaignCallbacks
from channels import GatewaySettings
from channels.sandbox import serve as serve_app
from chat import build_chat
from cli.context import console, database, run
from core import create_redis, get_logger, load_settings
from web import add_api, create_app
from web.providers import all_providers
from worker import build_worker

log = get_logger("serve")


def serve(
    host: Annotated[str, typer.Option(help="监听地址 / Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / Port.")] = 8080,
) -> None:
    """运行网页回调、聊天机器人与后台发送（单进程）/ Run callbacks, the bot and the worker."""

    async def body() -> None:
        gateways = GatewaySettings()
        bot_settings = BotSettings()
        redis = create_redis(load_settings().redis_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with database() as engine:
            providers = all_providers(
                twilio_auth_token=gateways.twilio_auth_token,
                public_base_url=gateways.public_base_url,
            )
            app = create_app(CampaignCallbacks(engine), providers=providers)
            add_api(app, engine)  # /api/v1: staff and ledger-system REST API
            bot = _bot(app, engine, redis, gateways, bot_settings)
            runner = await serve_app(app, host, port)
            try:
                if bot is not None:
                    await _start_bot(bot, gateways, bot_settings)
                async with build_worker(engine, redis, gateways) as worker:
                    names = ", ".join(sorted(worker.channels)) or "（未配置 none）"
                    console.print(
                        f"服务已启动 / serving on http://{host}:{port}  网关 gateways: {names}  "
                        f"机器人 bot: {bot_settings.mode if bot else 'off'}"
                    )
                    await worker.run(stop)
            finally:
                if bot is not None:
                    await bot.stop()
                await runner.cleanup()
                await redis.aclose()
        console.print("已停止 / stopped")

    run(body())


def _bot(
    app: web.Application,
    engine: AsyncEngine,
    redis: Redis,
    gateways: GatewaySettings,
    settings: BotSettings,
) -> BotRunner | None:
    """The bot, when it has a token and is not switched off; a webhook route on `app`."""
    if not gateways.telegram_bot_token or settings.mode == "off":
        return None
    chat = build_chat(engine, redis, gateways, settings)
    if settings.mode == "webhook":
        assert settings.webhook_secret is not None  # BotSettings refuses webhook without one
        add_webhook_route(
            app,
            chat.dispatcher,
            chat.bot,
            path=settings.webhook_path,
            secret=settings.webhook_secret,
        )
    return BotRunner(chat.bot, chat.dispatcher)


async def _start_bot(bot: BotRunner, gateways: GatewaySettings, settings: BotSettings) -> None:
    if settings.mode == "webhook":
        url = gateways.public_base_url.rstrip("/") + settings.webhook_path
        await bot.start_webhook(url, settings.webhook_secret or "")
    else:
        await bot.start_polling()
