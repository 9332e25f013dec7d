"""/healthz and /readyz on real stores: 200 when all is well, 503 with the reason otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from core import create_engine, create_redis
from ops import (
    CheckResult,
    OpsSettings,
    Probe,
    add_health_routes,
    database_probe,
    readiness_probe,
    serve_ops,
)
from tests.e2e.test_bot_processes import free_port
from tests.ops.support import one_revision_behind

Client = TestClient[Any, Any]
ClientMaker = Callable[[web.Application], Awaitable[Client]]
CLOSED_PORT = 1  # nothing listens on tcpmux


async def ready(aiohttp_client: ClientMaker, probe: Probe, **options: Any) -> tuple[int, Any]:
    app = web.Application()
    add_health_routes(app, probe, **options)
    client = await aiohttp_client(app)
    response = await client.get("/readyz")
    return response.status, await response.json()


def checks(body: Any) -> dict[str, bool]:
    return {c["name"]: c["ok"] for c in body["checks"]}


async def test_healthz_says_the_process_is_alive(aiohttp_client: ClientMaker) -> None:
    app = web.Application()
    add_health_routes(app, never_called)
    client = await aiohttp_client(app)
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def never_called() -> Sequence[CheckResult]:
    raise AssertionError("/healthz must not run the readiness checks")


async def test_ready_when_database_migrations_and_redis_answer(
    aiohttp_client: ClientMaker, engine: AsyncEngine, redis: Redis
) -> None:
    status, body = await ready(aiohttp_client, readiness_probe(engine, redis))
    assert (status, body["status"]) == (200, "ok"), body
    assert checks(body) == {"database": True, "migrations": True, "redis": True}
    assert all(c["detail"] for c in body["checks"])


async def test_not_ready_when_redis_is_unreachable(
    aiohttp_client: ClientMaker, engine: AsyncEngine
) -> None:
    unreachable = create_redis(f"redis://:s3cret-pw@127.0.0.1:{CLOSED_PORT}/0")
    try:
        status, body = await ready(aiohttp_client, readiness_probe(engine, unreachable))
    finally:
        await unreachable.aclose()
    assert (status, body["status"]) == (503, "unavailable")
    assert checks(body) == {"database": True, "migrations": True, "redis": False}
    assert "s3cret-pw" not in str(body)


async def test_not_ready_when_a_migration_is_missing(
    aiohttp_client: ClientMaker, postgres_url: str, redis: Redis
) -> None:
    engine = create_engine(postgres_url)
    try:
        async with one_revision_behind(engine):
            status, body = await ready(aiohttp_client, readiness_probe(engine, redis))
        # Brought up to date again: ready.
        again, _ = await ready(aiohttp_client, readiness_probe(engine, redis))
    finally:
        await engine.dispose()
    assert status == 503
    assert checks(body) == {"database": True, "migrations": False, "redis": True}
    assert again == 200


async def test_a_hung_dependency_gives_503_not_a_hung_request(
    aiohttp_client: ClientMaker,
) -> None:
    async def hangs() -> Sequence[CheckResult]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with asyncio.timeout(30):  # a hang guard only
        status, body = await ready(aiohttp_client, hangs, within=0.2)
    assert status == 503
    assert checks(body) == {"readiness": False}


async def test_a_stopping_process_is_not_ready(
    aiohttp_client: ClientMaker, engine: AsyncEngine, redis: Redis
) -> None:
    stopping = asyncio.Event()
    app = web.Application()
    add_health_routes(app, readiness_probe(engine, redis), stopping=stopping)
    client = await aiohttp_client(app)
    assert (await client.get("/readyz")).status == 200
    stopping.set()
    response = await client.get("/readyz")
    assert response.status == 503
    assert checks(await response.json()) == {"shutdown": False}
    assert (await client.get("/healthz")).status == 200  # alive while it drains


async def test_the_answer_carries_no_personal_data_or_credentials(
    aiohttp_client: ClientMaker,
) -> None:
    async def leaky() -> Sequence[CheckResult]:
        return [
            CheckResult("redis", False, "cannot reach redis://admin:hunter2@10.0.0.5:6379/0"),
            CheckResult("gateway:aliyun", False, "refused 13812345678 / 110101199003071234"),
        ]

    status, body = await ready(aiohttp_client, leaky)
    text = str(body)
    assert status == 503
    assert "hunter2" not in text
    assert "admin" not in text
    assert "13812345678" not in text
    assert "110101199003071234" not in text
    assert "10.0.0.5:6379" in text  # where it looked stays


async def test_the_ops_endpoint_serves_health_readiness_and_metrics(engine: AsyncEngine) -> None:
    port = free_port()
    settings = OpsSettings(ops_host="127.0.0.1", ops_port=port)
    async with (
        serve_ops(settings, database_probe(engine), process="test") as url,
        aiohttp.ClientSession() as http,
    ):
        assert url == f"http://127.0.0.1:{port}"
        async with http.get(f"{url}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{url}/readyz") as response:
            assert response.status == 200
            assert checks(await response.json()) == {"database": True, "migrations": True}
        async with http.get(f"{url}/metrics") as response:
            assert response.status == 200
            assert "text/plain" in response.headers["Content-Type"]
            assert "# TYPE" in await response.text()
    # Closed with the block: nothing listens any more.
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz"):
                raise AssertionError("the ops endpoint still answers after its block")
        except aiohttp.ClientConnectionError:
            pass


async def test_ops_port_zero_serves_nothing(engine: AsyncEngine) -> None:
    async with serve_ops(OpsSettings(ops_port=0), database_probe(engine), process="test") as url:
        assert url is None
