"""The ops endpoint of a worker, bot or relay process: /healthz, /readyz and /metrics.

Served on OPS_HOST:OPS_PORT; off when OPS_PORT is 0. The web app (`outreach serve`) serves the
same routes on its own port instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from aiohttp import web

from core import get_logger
from ops.health import READY_WITHIN, Probe, add_health_routes
from ops.metrics import add_metrics_route
from ops.refreshers import Refresher
from ops.settings import OpsSettings

#: How long the ops endpoint lets a request in progress finish when the process stops.
_CLOSE_WITHIN = 2.0

log = get_logger("ops.server")


def ops_app(
    probe: Probe,
    *,
    refreshers: Sequence[Refresher] = (),
    stopping: asyncio.Event | None = None,
    within: float = READY_WITHIN,
) -> web.Application:
    """An application with /healthz, /readyz and /metrics (store gauges read by `refreshers`)."""
    app = web.Application()
    add_health_routes(app, probe, within=within, stopping=stopping)
    add_metrics_route(app, refreshers=refreshers)
    return app


@asynccontextmanager
async def serve_ops(
    settings: OpsSettings,
    probe: Probe,
    *,
    process: str,
    refreshers: Sequence[Refresher] = (),
    stopping: asyncio.Event | None = None,
) -> AsyncIterator[str | None]:
    """Serve the ops endpoint for the body of the `async with`; its URL, or None when off."""
    if settings.ops_port == 0:
        yield None
        return
    runner = web.AppRunner(
        ops_app(probe, refreshers=refreshers, stopping=stopping),
        access_log=None,
        shutdown_timeout=_CLOSE_WITHIN,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.ops_host, settings.ops_port).start()
        url = f"http://{settings.ops_host}:{settings.ops_port}"
        log.info("ops_endpoint_started", process=process, url=url)
        yield url
    finally:
        await runner.cleanup()
