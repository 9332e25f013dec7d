"""`outreach serve --no-worker --no-bot`: the compose web/API service, as a real process."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import aiohttp
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import REDIS_TEST_URL
from tests.e2e.test_bot_processes import free_port
from tests.e2e.test_sigterm import exit_code, named, reap, start, tail, until

CLOSED_PORT = 1  # nothing listens on tcpmux


async def test_web_only_serves_health_readiness_metrics_and_stops_on_sigterm(
    pg_engine: AsyncEngine, postgres_url: str, redis: Redis, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "REDIS_URL": REDIS_TEST_URL,
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        # A bot token whose API nobody answers: with --no-bot the process never calls it.
        "TELEGRAM_BOT_TOKEN": "7000000009:unused",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{CLOSED_PORT}",
    }
    outreach = str(Path(sys.executable).parent / "outreach")
    args = [outreach, "serve", "--port", str(port), "--no-worker", "--no-bot"]
    process = await start(args, env, log)
    try:
        async with aiohttp.ClientSession() as http:

            async def up() -> bool:
                assert process.returncode is None, tail(log)
                try:
                    async with http.get(f"{base}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            await until(up, "the web app", 90)
            async with http.get(f"{base}/readyz") as response:
                body = await response.json()
                assert response.status == 200, body
            # Neither the worker nor the bot runs here: the gateways are not its concern.
            assert [c["name"] for c in body["checks"]] == ["database", "migrations", "redis"]
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                assert "outreach_" in await response.text()
        process.send_signal(signal.SIGTERM)
        code = await exit_code(process, log)
    finally:
        await reap(process)
    assert code == 0, tail(log)
    assert named(log, "shutdown_complete")
    assert not named(log, "worker_started")
    assert not named(log, "bot_polling")
