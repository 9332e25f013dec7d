"""`python -m outbox`: a relay on its own (the worker runs one too); stops on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import signal
import sys

from core import (
    configure_logging,
    create_engine,
    get_logger,
    load_settings,
    run_loop,
    upgrade_to_head,
)
from outbox.relay import Relay
from outbox.settings import RelaySettings

log = get_logger("outbox")


async def main() -> int:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    relay_settings = RelaySettings()
    if not relay_settings.enabled:
        log.error("outbox_relay_off", reason="LEDGER_WEBHOOK_URL is not set")
        return 2
    engine = create_engine(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await upgrade_to_head(engine)
        await Relay(engine, relay_settings).run(stop)
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(run_loop(main()))
