"""`outreach serve`: the web app (callbacks, /api/v1, /healthz, /readyz, /metrics), the bot and
a worker in one process.

On the embedded defaults this is the whole service on one machine. The bot runs when
TELEGRAM_BOT_TOKEN is set and BOT_MODE is not off (and not --no-bot): polling (the default) or
webhook, where Telegram posts to PUBLIC_BASE_URL + BOT_WEBHOOK_PATH on this app. A deployment
with separate worker and bot processes runs the web/API service alone:
`outreach serve --host 0.0.0.0 --port 8080 --no-worker --no-bot`.

SIGTERM/SIGINT: /readyz answers 503, the worker finishes or hands back what it holds and
flushes its relay, the bot stops taking updates, callbacks in progress finish, connections
close; a second signal or SHUTDOWN_GRACE_SECONDS forces the exit (code 1).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import typer
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import (
    BotRunner,
    BotSettings,
    BotTokenRefusedError,
    add_webhook_route,
    start_when_reachable,
)
from campaigns import CampaignCallbacks
from channels import GatewaySettings
from chat import Chat, build_chat
from cli.context import console, database, run
from core import create_redis, freeze_startup_heap, get_logger, load_settings
from ops import (
    OpsSettings,
    add_health_routes,
    add_metrics_route,
    conversions_refresher,
    outbox_refresher,
    queue_refresher,
    readiness_probe,
    run_until_stopped,
)
from web import add_api, create_app
from web.providers import all_providers
from worker import build_worker

log = get_logger("serve")


def serve(
    host: Annotated[str, typer.Option(help="监听地址 / Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / Port.")] = 8080,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="同时后台发送 / Run a send worker too.")
    ] = True,
    bot: Annotated[
        bool, typer.Option("--bot/--no-bot", help="同时运行机器人 / Run the Telegram bot too.")
    ] = True,
) -> None:
    """运行网页回调、聊天机器人与后台发送（单进程）/ Run callbacks, the bot and the worker."""
    ops = OpsSettings()

    async def body(stop: asyncio.Event) -> None:
        gateways = GatewaySettings()
        bot_settings = BotSettings()
        redis = create_redis(load_settings().redis_url)
        async with database() as engine:
            providers = all_providers(
                twilio_auth_token=gateways.twilio_auth_token,
                public_base_url=gateways.public_base_url,
            )
            app = create_app(CampaignCallbacks(engine), providers=providers)
            add_api(app, engine)  # /api/v1: staff and ledger-system REST API
            sends = worker or bot  # the gateways matter to readiness only where it sends
            probe = readiness_probe(engine, redis, gateways if sends else None)
            add_health_routes(app, probe, liveness=False, stopping=stop)  # web has /healthz
            add_metrics_route(
                app,
                refreshers=[
                    queue_refresher(redis),
                    outbox_refresher(engine),
                    conversions_refresher(engine),
                ],
            )
            chat = _chat(app, engine, redis, gateways, bot_settings) if bot else None
            chat_bot = BotRunner(chat.bot, chat.dispatcher) if chat is not None else None
            freeze_startup_heap()
            # Callbacks in progress may finish within half the grace after the worker drained.
            runner = web.AppRunner(
                app, access_log=None, shutdown_timeout=max(ops.shutdown_grace_seconds / 2, 1.0)
            )
            await runner.setup()
            starting: asyncio.Task[None] | None = None
            try:
                await web.TCPSite(runner, host, port).start()
                # In the background: web and sending must not wait for (or fall with) Telegram.
                if chat_bot is not None:
                    starting = asyncio.create_task(
                        _start_bot(chat_bot, gateways, bot_settings, stop)
                    )
                console.print(
                    f"服务已启动 / serving on http://{host}:{port}  "
                    f"后台发送 worker: {'on' if worker else 'off'}  "
                    f"机器人 bot: {bot_settings.mode if chat_bot else 'off'}"
                )
                if worker:
                    async with build_worker(engine, redis, gateways) as running:
                        log.info("worker_started", gateways=sorted(running.channels))
                        await running.run(stop)
                else:
                    await stop.wait()
            finally:
                if starting is not None:
                    starting.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await starting
                if chat_bot is not None:
                    await chat_bot.stop()  # polling: no more updates, those in hand finish
                await runner.cleanup()  # webhook posts and callbacks in progress finish
                if chat is not None:
                    # Codes being sent to link a chat go out; then the bot's session closes.
                    await chat.close()
                await redis.aclose()
        console.print("已停止 / stopped")

    code = run(run_until_stopped(body, grace=ops.shutdown_grace_seconds, process="serve"))
    if code:
        raise typer.Exit(code)


def _chat(
    app: web.Application,
    engine: AsyncEngine,
    redis: Redis,
    gateways: GatewaySettings,
    settings: BotSettings,
) -> Chat | None:
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
    return chat


async def _start_bot(
    bot: BotRunner, gateways: GatewaySettings, settings: BotSettings, stop: asyncio.Event
) -> None:
    """Start the bot once Telegram can be reached; a refused token leaves the bot off."""

    async def start() -> None:
        if settings.mode == "webhook":
            url = gateways.public_base_url.rstrip("/") + settings.webhook_path
            await bot.start_webhook(url, settings.webhook_secret or "")
        else:
            await bot.start_polling()

    try:
        await start_when_reachable(start, stop)
    except BotTokenRefusedError as error:
        log.error("bot_token_refused")  # noqa: TRY400 (a setting to fix, not a bug to trace)
        console.print(f"[red]{error}[/red]")
