"""Health and readiness over HTTP: GET /healthz and GET /readyz.

/healthz says the process is alive and its loop answers (200 {"status": "ok"}): compose and
orchestrators restart a process whose /healthz stops answering. /readyz runs the readiness
checks (database, migrations, Redis, the configured gateways): 200 when every one passed, 503
otherwise, with each check's name, result and what was found. A dependency that hangs gives a
503 after `within` seconds, never a hung request; a process that is shutting down answers 503,
so nothing new is routed to it while it drains.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from channels import GatewaySettings
from core import get_logger, mask_text
from ops.checks import CheckResult, check_database, check_migrations, readiness

#: The longest /readyz takes: a check still running then counts as failed.
READY_WITHIN: Final = 5.0

#: What /readyz runs: the checks of the process's dependencies.
Probe = Callable[[], Awaitable[Sequence[CheckResult]]]

_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")

log = get_logger("ops.health")


def readiness_probe(
    engine: AsyncEngine, redis: Redis, gateways: GatewaySettings | None = None
) -> Probe:
    """Database, migrations, Redis and (when given) the gateways: a worker, bot or web app."""

    async def probe() -> Sequence[CheckResult]:
        return await readiness(engine, redis, gateways)

    return probe


def database_probe(engine: AsyncEngine) -> Probe:
    """Database and migrations only: the outbox relay, which uses no Redis and no gateway."""

    async def probe() -> Sequence[CheckResult]:
        return list(await asyncio.gather(check_database(engine), check_migrations(engine)))

    return probe


async def healthz(_request: web.Request) -> web.Response:
    """The process is alive and serving."""
    return web.json_response({"status": "ok"})


def readyz_handler(
    probe: Probe, *, within: float = READY_WITHIN, stopping: asyncio.Event | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /readyz: 200 when every check passed, 503 otherwise (or when `stopping` is set)."""

    async def readyz(_request: web.Request) -> web.Response:
        if stopping is not None and stopping.is_set():
            return _answer(
                [CheckResult("shutdown", False, "进程正在停止 / the process is shutting down")]
            )
        try:
            results = list(await asyncio.wait_for(probe(), timeout=within))
        except TimeoutError:
            results = [
                CheckResult(
                    "readiness",
                    False,
                    f"检查在 {within:g} 秒内未完成 / the checks did not finish within {within:g} s",
                )
            ]
        except Exception as err:  # a check that broke its contract: still an answer, not a 500
            log.exception("readiness_check_failed")
            results = [
                CheckResult("readiness", False, f"检查出错 / a check failed: {type(err).__name__}")
            ]
        response = _answer(results)
        if response.status != 200:
            log.warning("not_ready", failed=[r.name for r in results if not r.ok])
        return response

    return readyz


def add_health_routes(
    app: web.Application,
    probe: Probe,
    *,
    liveness: bool = True,
    within: float = READY_WITHIN,
    stopping: asyncio.Event | None = None,
) -> None:
    """Serve GET /readyz on `app`, and GET /healthz too unless `liveness` is off (an app that
    already has its own)."""
    if liveness:
        app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz_handler(probe, within=within, stopping=stopping))


def _answer(results: Sequence[CheckResult]) -> web.Response:
    ready = bool(results) and all(r.ok for r in results)
    body: dict[str, Any] = {
        "status": "ok" if ready else "unavailable",
        "checks": [{"name": r.name, "ok": r.ok, "detail": _safe(r.detail)} for r in results],
    }
    return web.json_response(body, status=200 if ready else 503)


def _safe(text: str) -> str:
    """The checks promise masked text without secrets; masked again and with any user:password
    in a URL removed, since this answer goes to whoever can reach the port."""
    return _CREDENTIALS.sub("", mask_text(text))
