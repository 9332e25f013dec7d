"""The Telegram stand-in run on a real port, with helpers for its control routes (no tests here).

Every Telegram test module builds its fixture from `running()`: the stand-in listens on
127.0.0.1, aiogram Bots point at it through `channels.telegram.telegram_bot`, and everything the
test opened is closed when it ends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot

from channels.sandbox.common import SandboxConfig, serve
from channels.sandbox.telegram import BOT_API_KEY, create_app
from channels.sandbox.telegram_config import TelegramSandboxConfig
from channels.sandbox.telegram_flood import FloodLimits
from channels.sandbox.telegram_methods import BotApi
from channels.telegram import telegram_bot

TOKEN = "7000000001:sandbox-token"


class ManualClock:
    """A clock for flood control that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def config(log_path: Path | None = None, **changes: Any) -> TelegramSandboxConfig:
    """A stand-in config with flood control off unless the test asks for it."""
    settings = TelegramSandboxConfig(
        token=TOKEN,
        sandbox=SandboxConfig(provider="telegram", log_path=log_path, seed=7),
        flood=FloodLimits(overall_per_second=0, per_chat_per_second=0),
    )
    for name, value in changes.items():
        setattr(settings, name, value)
    return settings


@dataclass
class StandIn:
    """A running stand-in: its URL, its state, and a client for its control routes."""

    url: str
    api: BotApi
    http: aiohttp.ClientSession
    bots: list[Bot] = field(default_factory=list)

    def bot(self, token: str = TOKEN) -> Bot:
        """An aiogram Bot on this stand-in (closed with the stand-in)."""
        bot = telegram_bot(token, self.url)
        self.bots.append(bot)
        return bot

    async def control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.url}/_sandbox/{path}", json=body) as response:
            assert response.status == 200, await response.text()
            answer: dict[str, Any] = await response.json()
            return answer

    async def inbound(self, chat_id: int, text: str, **extra: Any) -> dict[str, Any]:
        return await self.control("inbound", {"from": chat_id, "text": text, **extra})

    async def press(self, chat_id: int, data: str, message_id: int) -> dict[str, Any]:
        return await self.control(
            "callback", {"from": chat_id, "data": data, "message_id": message_id}
        )

    async def block(self, chat_id: int, *, unblock: bool = False) -> None:
        await self.control("block", {"chat_id": chat_id, "unblock": unblock})

    async def faults(self, **changes: Any) -> None:
        await self.control("faults", changes)

    async def sent(self, chat_id: int | None = None) -> dict[str, Any]:
        query = {} if chat_id is None else {"chat_id": str(chat_id)}
        async with self.http.get(f"{self.url}/_sandbox/sent", params=query) as response:
            assert response.status == 200
            answer: dict[str, Any] = await response.json()
            return answer

    async def texts(self, chat_id: int | None = None) -> list[str]:
        return [m["text"] for m in (await self.sent(chat_id))["messages"]]

    async def call(
        self,
        method: str,
        *,
        token: str = TOKEN,
        data: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        http_method: str = "POST",
    ) -> tuple[int, dict[str, Any]]:
        """A raw Bot API request, as any HTTP client would make it."""
        async with self.http.request(
            http_method,
            f"{self.url}/bot{token}/{method}",
            data=data,
            json=json_body,
            params=data if http_method == "GET" else None,
        ) as response:
            return response.status, json.loads(await response.text())


@asynccontextmanager
async def running(settings: TelegramSandboxConfig) -> AsyncIterator[StandIn]:
    """Serve the stand-in on a free port for the duration of the block."""
    app = create_app(settings)
    runner = await serve(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    stand_in = StandIn(f"http://{host}:{port}", app[BOT_API_KEY], aiohttp.ClientSession())
    try:
        yield stand_in
    finally:
        for bot in stand_in.bots:
            await bot.session.close()
        await stand_in.http.close()
        await runner.cleanup()


async def eventually(check: Callable[[], Awaitable[bool]], limit: float = 10.0) -> None:
    """Wait until `check()` holds; the limit only keeps a broken run from hanging."""
    async with asyncio.timeout(limit):
        while not await check():  # noqa: ASYNC110 - the state is another server's, over HTTP
            await asyncio.sleep(0.02)


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The JSONL log of accepted messages."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
