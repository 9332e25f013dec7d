"""Prometheus metrics: GET /metrics on an aiohttp application.

`add_metrics_route(app)` serves the process's default registry (the instruments are in
ops.instruments). Gauges that live in a store (queue depth, outbox backlog) are read at scrape
time by the `refreshers` given (ops.refreshers): all run at once, each within
`refresh_within` seconds; one that fails or takes too long is logged (its error's type only)
and counted in outreach_metrics_refresh_failures_total, and the scrape still answers, with that
refresher's gauges as they were.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from core import get_logger
from ops.instruments import REFRESH_FAILURES, REFRESHERS, bounded
from ops.refreshers import Refresher

log = get_logger("ops.metrics")

#: Seconds a scrape waits for each refresher (Prometheus' default scrape timeout is 10 s).
REFRESH_WITHIN = 3.0


async def _refresh(refresher: Refresher, within: float) -> None:
    name = getattr(refresher, "__name__", "refresher")
    try:
        await asyncio.wait_for(refresher(), timeout=within)
    except Exception as err:  # a store down must not take /metrics down with it
        REFRESH_FAILURES.labels(bounded(name, REFRESHERS)).inc()
        log.warning("metrics_refresh_failed", refresher=name, error=type(err).__name__)


def metrics_handler(
    refreshers: Sequence[Refresher] = (),
    *,
    refresh_within: float = REFRESH_WITHIN,
    registry: CollectorRegistry = REGISTRY,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A /metrics view that refreshes the store gauges, then exposes `registry`."""
    chosen = tuple(refreshers)

    async def metrics_view(_request: web.Request) -> web.Response:
        if chosen:
            await asyncio.gather(*(_refresh(r, refresh_within) for r in chosen))
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics_view


def add_metrics_route(
    app: web.Application,
    *,
    refreshers: Sequence[Refresher] = (),
    refresh_within: float = REFRESH_WITHIN,
    registry: CollectorRegistry = REGISTRY,
) -> None:
    """Serve GET /metrics on `app`, awaiting `refreshers` (bounded) before each scrape."""
    app.router.add_get(
        "/metrics",
        metrics_handler(refreshers, refresh_within=refresh_within, registry=registry),
    )
