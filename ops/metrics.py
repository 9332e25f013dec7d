"""Prometheus metrics (CONTRACT; the metrics helper fills in the instruments).

`add_metrics_route(app)` serves GET /metrics on an aiohttp application from the process's
default registry.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest


async def metrics_view(_request: web.Request) -> web.Response:
    body = generate_latest(REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_metrics_route(app: web.Application) -> None:
    app.router.add_get("/metrics", metrics_view)
