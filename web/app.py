"""The aiohttp application: gateway callbacks and health (the API and metrics come later)."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from web.callbacks import SINK, CallbackSink, ProviderCallbacks, add_callback_routes
from web.providers import all_providers


async def healthz(_request: web.Request) -> web.Response:
    """The process is alive and serving."""
    return web.json_response({"status": "ok"})


def create_app(
    sink: CallbackSink, *, providers: Sequence[ProviderCallbacks] | None = None
) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SINK] = sink
    app.router.add_get("/healthz", healthz)
    add_callback_routes(app, all_providers() if providers is None else providers)
    return app
