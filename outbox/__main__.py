"""`python -m outbox`: a relay on its own (the worker runs one too).

SIGTERM/SIGINT stop it gracefully: it claims nothing new, delivers what is due (within
SHUTDOWN_GRACE_SECONDS) and closes its connections; a second signal forces the exit. With
OPS_PORT set it serves /healthz, /readyz (database and migrations) and /metrics.
"""

from __future__ import annotations

import asyncio
import sys

from core import (
    configure_logging,
    create_engine,
    get_logger,
    load_settings,
    run_loop,
    upgrade_to_head,
)
from ops import OpsSettings, database_probe, outbox_refresher, run_until_stopped, serve_ops
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
    ops = OpsSettings()

    async def work(stop: asyncio.Event) -> None:
        engine = create_engine(settings.database_url)
        try:
            async with serve_ops(
                ops,
                database_probe(engine),
                process="outbox",
                refreshers=[outbox_refresher(engine)],
                stopping=stop,
            ):
                await upgrade_to_head(engine)
                await Relay(engine, relay_settings).run(stop)
        finally:
            await engine.dispose()

    return await run_until_stopped(work, grace=ops.shutdown_grace_seconds, process="outbox")


if __name__ == "__main__":
    try:
        sys.exit(run_loop(main()))
    except KeyboardInterrupt:  # before the signal handlers are in place
        sys.exit(130)
