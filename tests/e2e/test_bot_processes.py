"""The bot as it runs in production: `python -m bot` polling, `outreach serve` on a webhook.

Each test starts the real process against the Telegram stand-in (in this test's event loop) and
the real Redis, writes to the bot as a person would, and reads what the bot sent back from the
stand-in. SIGTERM must end the process cleanly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from channels.sandbox import create_telegram_app
from channels.sandbox.common import serve
from channels.sandbox.telegram import BOT_API_KEY
from faq import Answered
from tests.bot.harness import answerer
from tests.channels.test_telegram_harness import TOKEN, StandIn, config, eventually, running
from tests.conftest import REDIS_TEST_URL

ROOT = Path(__file__).resolve().parents[2]
CHAT = 8080
SECRET = "webhook-secret_1"
QUESTION = "灵活就业人员怎么交养老保险"


@pytest.fixture
async def stand_in(redis: Redis) -> AsyncIterator[StandIn]:
    # `redis` flushes the database the processes use: the chat state one test's bot cached
    # (consented, throttle counts) must not answer for the next test's fresh database.
    async with running(config()) as running_stand_in:
        yield running_stand_in


def env(stand_in: StandIn | str, database_url: str, **extra: str) -> dict[str, str]:
    """The process's environment, with Telegram at `stand_in` (or at a URL, up or not)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_TEST_URL,
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": stand_in if isinstance(stand_in, str) else stand_in.url,
        **extra,
    }


async def start(
    args: list[str], environment: dict[str, str], log: Path
) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            *args, env=environment, cwd=ROOT, stdout=out, stderr=out
        )


def output(log: Path) -> str:
    """What the process printed: the reason a failed test gives."""
    return log.read_text(errors="replace")


async def stop(process: asyncio.subprocess.Process, log: Path) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        code = await process.wait()
    assert code == 0, output(log)


async def conversation(stand_in: StandIn, log: Path) -> None:
    """/start, consent, a question: what a resident does first."""
    await stand_in.inbound(CHAT, "/start")

    async def welcomed() -> bool:
        return any("隐私说明" in t for t in await stand_in.texts(CHAT))

    try:
        await eventually(welcomed, limit=60)
    except TimeoutError:
        raise AssertionError(output(log)) from None
    [welcome] = (await stand_in.sent(CHAT))["messages"]
    await stand_in.press(CHAT, "consent:yes:zh", welcome["message_id"])

    async def consented() -> bool:
        return any("谢谢" in t for t in await stand_in.texts(CHAT))

    await eventually(consented, limit=30)
    expected = answerer().ask(QUESTION)
    assert isinstance(expected, Answered)
    await stand_in.inbound(CHAT, QUESTION)

    async def answered() -> bool:
        return len(await stand_in.texts(CHAT)) >= 2

    await eventually(answered, limit=30)
    assert (await stand_in.texts(CHAT))[-1] == expected.entry.answer


async def test_python_m_bot_polls_answers_and_stops_on_sigterm(
    stand_in: StandIn, database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "bot.log"
    process = await start([sys.executable, "-m", "bot"], env(stand_in, database_url), log)
    try:
        await conversation(stand_in, log)
    finally:
        await stop(process, log)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_outreach_serve_takes_updates_on_its_webhook(
    stand_in: StandIn, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    outreach = str(Path(sys.executable).parent / "outreach")
    environment = env(
        stand_in,
        database_url,
        BOT_MODE="webhook",
        BOT_WEBHOOK_SECRET=SECRET,
        PUBLIC_BASE_URL=base,
    )
    process = await start([outreach, "serve", "--port", str(port)], environment, log)
    try:

        async def webhook_set() -> bool:
            status, info = await stand_in.call("getWebhookInfo")
            return status == 200 and info["result"]["url"] == f"{base}/telegram/webhook"

        try:
            await eventually(webhook_set, limit=60)
        except TimeoutError:
            raise AssertionError(output(log)) from None
        await conversation(stand_in, log)

        # Anyone else posting to the webhook is turned away.
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "/start",
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                async with http.post(
                    f"{base}/telegram/webhook", json=update, headers=headers
                ) as response:
                    assert response.status == 401
        assert await stand_in.texts(1) == []
    finally:
        await stop(process, log)


async def test_python_m_bot_takes_updates_on_its_own_webhook_port(
    stand_in: StandIn, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "bot.log"
    environment = env(
        stand_in,
        database_url,
        BOT_MODE="webhook",
        BOT_WEBHOOK_SECRET=SECRET,
        BOT_HOST="127.0.0.1",
        BOT_PORT=str(port),
        PUBLIC_BASE_URL=base,
    )
    process = await start([sys.executable, "-m", "bot"], environment, log)
    try:

        async def webhook_set() -> bool:
            status, info = await stand_in.call("getWebhookInfo")
            return status == 200 and info["result"]["url"] == f"{base}/telegram/webhook"

        try:
            await eventually(webhook_set, limit=60)
        except TimeoutError:
            raise AssertionError(output(log)) from None
        async with aiohttp.ClientSession() as http:
            for path in ("/healthz", "/readyz", "/metrics"):
                async with http.get(f"{base}{path}") as response:
                    assert response.status == 200, (path, await response.text())
        await conversation(stand_in, log)
    finally:
        await stop(process, log)


async def test_python_m_bot_switched_off_says_so_and_exits(
    stand_in: StandIn, database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "bot.log"
    process = await start(
        [sys.executable, "-m", "bot"], env(stand_in, database_url, BOT_MODE="off"), log
    )
    async with asyncio.timeout(60):
        code = await process.wait()
    assert code == 0
    assert "BOT_MODE=off" in output(log)
    assert await stand_in.texts(CHAT) == []


@asynccontextmanager
async def stand_in_on(port: int) -> AsyncIterator[StandIn]:
    """The Telegram stand-in on a given port (Telegram coming up where the bot looks for it)."""
    app = create_telegram_app(config())
    runner = await serve(app, "127.0.0.1", port)
    late = StandIn(f"http://127.0.0.1:{port}", app[BOT_API_KEY], aiohttp.ClientSession())
    try:
        yield late
    finally:
        await late.http.close()
        await runner.cleanup()


async def test_python_m_bot_waits_for_an_unreachable_telegram(
    redis: Redis, database_url: str, tmp_path: Path
) -> None:
    """Started while Telegram cannot be reached, the bot keeps trying instead of exiting, and
    answers once Telegram is there."""
    port = free_port()
    log = tmp_path / "bot.log"
    environment = env(f"http://127.0.0.1:{port}", database_url)
    process = await start([sys.executable, "-m", "bot"], environment, log)
    try:

        async def tried() -> bool:
            return "bot_telegram_unreachable" in output(log)

        await eventually(tried, limit=60)
        assert process.returncode is None, output(log)
        async with stand_in_on(port) as late:
            await conversation(late, log)
    finally:
        await stop(process, log)


async def test_python_m_bot_with_a_refused_token_says_so_and_exits(
    stand_in: StandIn, database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "bot.log"
    environment = env(stand_in, database_url, TELEGRAM_BOT_TOKEN="7000000099:not-this-bot")
    process = await start([sys.executable, "-m", "bot"], environment, log)
    async with asyncio.timeout(60):
        code = await process.wait()
    assert code == 2, output(log)
    assert "Telegram 拒绝了 TELEGRAM_BOT_TOKEN" in output(log)
    assert "not-this-bot" not in output(log)  # the token is a secret: never printed


async def test_outreach_serve_serves_while_telegram_is_unreachable(
    redis: Redis, database_url: str, tmp_path: Path
) -> None:
    """Web and sending do not wait for (or fall with) Telegram: /healthz answers at once."""
    port, telegram = free_port(), free_port()
    log = tmp_path / "serve.log"
    outreach = str(Path(sys.executable).parent / "outreach")
    environment = env(f"http://127.0.0.1:{telegram}", database_url)
    process = await start([outreach, "serve", "--port", str(port)], environment, log)
    try:

        async def healthy() -> bool:
            try:
                async with (
                    aiohttp.ClientSession() as http,
                    http.get(f"http://127.0.0.1:{port}/healthz") as response,
                ):
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(healthy, limit=60)
        async with stand_in_on(telegram) as late:
            await conversation(late, log)
    finally:
        await stop(process, log)
