"""`python -m bot`: the bot alone (a composition root), as BOT_MODE says.

- polling: asks Telegram for updates. Run one polling process per bot token (Telegram answers a
  second poller with 409).
- webhook: serves BOT_HOST:BOT_PORT, where Telegram posts updates to BOT_WEBHOOK_PATH (it is told
  PUBLIC_BASE_URL + BOT_WEBHOOK_PATH), with /healthz, /readyz and /metrics beside it; any number
  of these processes may stand behind a load balancer.
- off: exits at once, saying so.

SIGTERM/SIGINT stop it gracefully: no new updates are taken, those being handled finish, then
the connections close; a second signal or SHUTDOWN_GRACE_SECONDS forces the exit. With OPS_PORT
set it also serves the ops endpoint (/healthz, /readyz, /metrics).
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import web
from pydantic import ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import (
    BotRunner,
    BotSettings,
    BotTokenRefusedError,
    add_webhook_route,
    start_when_reachable,
)
from channels import GatewaySettings
from chat import BotNotConfiguredError, Chat, build_chat
from core import (
    configure_logging,
    create_engine,
    create_redis,
    freeze_startup_heap,
    get_logger,
    load_settings,
    run_loop,
    upgrade_to_head,
)
from ops import (
    OpsSettings,
    Probe,
    add_health_routes,
    add_metrics_route,
    readiness_probe,
    run_until_stopped,
    serve_ops,
)

log = get_logger("bot")

OFF = (
    "BOT_MODE=off：机器人已关闭，本进程不启动 / "
    "the bot is switched off (BOT_MODE=off): nothing to run"
)


async def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        bot_settings = BotSettings()
    except ValidationError as error:
        print(error, file=sys.stderr)
        return 2
    gateways = GatewaySettings()
    if bot_settings.mode == "off":
        print(OFF, file=sys.stderr)
        return 0
    if not gateways.telegram_bot_token:
        print(BotNotConfiguredError(), file=sys.stderr)
        return 2
    ops = OpsSettings()

    async def work(stop: asyncio.Event) -> None:
        engine = create_engine(settings.database_url)
        redis = create_redis(settings.redis_url)
        probe = readiness_probe(engine, redis, gateways)
        try:
            async with serve_ops(ops, probe, process="bot", stopping=stop):
                await upgrade_to_head(engine)
                # An event per update, a read per chat not cached: each keeps a connection.
                chat = build_chat(engine, redis, gateways, bot_settings, hold_connections=True)
                freeze_startup_heap()
                try:
                    if bot_settings.mode == "webhook":
                        await _webhook(chat, gateways, bot_settings, probe, stop, ops)
                    else:
                        await _polling(chat, stop)
                finally:
                    await chat.close()
        finally:
            await _close(redis, engine)
        log.info("bot_stopped")

    try:
        return await run_until_stopped(work, grace=ops.shutdown_grace_seconds, process="bot")
    except BotTokenRefusedError as error:
        print(error, file=sys.stderr)
        return 2


async def _polling(chat: Chat, stop: asyncio.Event) -> None:
    runner = BotRunner(chat.bot, chat.dispatcher)
    if not await start_when_reachable(runner.start_polling, stop):
        return
    await stop.wait()
    log.info("bot_polling_stopping")
    await runner.stop()


async def _webhook(
    chat: Chat,
    gateways: GatewaySettings,
    settings: BotSettings,
    probe: Probe,
    stop: asyncio.Event,
    ops: OpsSettings,
) -> None:
    secret = settings.webhook_secret
    assert secret is not None  # BotSettings refuses webhook mode without one
    app = web.Application()
    add_webhook_route(app, chat.dispatcher, chat.bot, path=settings.webhook_path, secret=secret)
    add_health_routes(app, probe, stopping=stop)
    add_metrics_route(app)
    # Posts being handled may finish within half the grace; Telegram posts again what was cut.
    site_runner = web.AppRunner(
        app, access_log=None, shutdown_timeout=max(ops.shutdown_grace_seconds / 2, 1.0)
    )
    await site_runner.setup()
    try:
        await web.TCPSite(site_runner, settings.host, settings.port).start()
        url = gateways.public_base_url.rstrip("/") + settings.webhook_path
        runner = BotRunner(chat.bot, chat.dispatcher)
        if not await start_when_reachable(lambda: runner.start_webhook(url, secret), stop):
            return
        log.info("bot_webhook_serving", host=settings.host, port=settings.port)
        await stop.wait()
        # The webhook stays set: Telegram holds updates for the next process, or another one.
        log.info("bot_webhook_stopping")
    finally:
        await site_runner.cleanup()


async def _close(redis: Redis, engine: AsyncEngine) -> None:
    await redis.aclose()
    await engine.dispose()


if __name__ == "__main__":
    try:
        sys.exit(run_loop(main()))
    except KeyboardInterrupt:  # before the signal handlers are in place
        sys.exit(130)
