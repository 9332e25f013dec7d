"""`python -m bot`: the bot alone, polling Telegram for updates (a composition root).

Run one polling process per bot token (Telegram answers a second poller with 409); for more
than one process, use webhook mode inside `outreach serve` behind a load balancer instead.
"""

from __future__ import annotations

import sys

from channels import GatewaySettings
from chat import BotNotConfiguredError, build_chat
from core import (
    configure_logging,
    create_engine,
    create_redis,
    get_logger,
    load_settings,
    run_loop,
    upgrade_to_head,
)

log = get_logger("bot")


async def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    engine = create_engine(settings.database_url)
    redis = create_redis(settings.redis_url)
    try:
        await upgrade_to_head(engine)
        chat = build_chat(engine, redis, GatewaySettings())
    except BotNotConfiguredError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        # Polling and a webhook exclude each other: a webhook left by webhook mode would
        # make every getUpdates fail with 409.
        await chat.bot.delete_webhook()
        log.info("bot_polling")
        await chat.dispatcher.start_polling(chat.bot, handle_signals=True)
    finally:
        await chat.close()
        await redis.aclose()
        await engine.dispose()
    log.info("bot_stopped")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(run_loop(main()))
    except KeyboardInterrupt:
        sys.exit(130)
