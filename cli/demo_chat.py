"""The demo's chat scene: a resident talks to the bot through the Telegram stand-in.

The bot polls the stand-in as it polls Telegram; the resident's messages and button presses go
in through the stand-in's control routes, and the scene prints what the bot answered.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import aiohttp
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import BotRunner, BotSettings
from chat import build_chat
from cli.context import console
from cli.local_stack import LocalStack
from ledger import Resident

#: Lines of each answer shown (an estimate runs to a dozen).
SHOWN_LINES = 6


class _Resident:
    """One person writing to the bot through the stand-in."""

    def __init__(self, http: aiohttp.ClientSession, url: str, chat_id: int) -> None:
        self.http = http
        self.url = url
        self.chat_id = chat_id

    async def sent(self) -> list[dict[str, Any]]:
        async with self.http.get(
            f"{self.url}/_sandbox/sent", params={"chat_id": str(self.chat_id)}
        ) as response:
            messages: list[dict[str, Any]] = (await response.json())["messages"]
            return messages

    async def say(self, text: str) -> None:
        console.print(f"   [cyan]居民 resident[/]：{text}")
        await self._wait_for_reply(
            "inbound", {"from": self.chat_id, "text": text, "language_code": "zh"}
        )

    async def press(self, data: str, label: str) -> None:
        console.print(f"   [cyan]居民 resident[/]：［点按 press］{label}")
        message_id = next(
            (
                m["message_id"]
                for m in reversed(await self.sent())
                for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                if any(b.get("callback_data") == data for b in row)
            ),
            None,
        )
        if message_id is None:
            console.print("   [red]没有这个按钮 / no such button[/]")
            return
        body = {"from": self.chat_id, "data": data, "message_id": message_id}
        await self._wait_for_reply("callback", body)

    async def _wait_for_reply(self, route: str, body: dict[str, Any]) -> None:
        before = {m["message_id"]: m["text"] for m in await self.sent()}
        async with self.http.post(f"{self.url}/_sandbox/{route}", json=body) as response:
            response.raise_for_status()
        for _ in range(300):  # the bot polls; 30 s at most
            fresh = [m for m in await self.sent() if before.get(m["message_id"]) != m["text"]]
            if fresh:
                for message in fresh:
                    lines = message["text"].splitlines()
                    shown = "\n      ".join(lines[:SHOWN_LINES])
                    more = " …" if len(lines) > SHOWN_LINES else ""
                    console.print(f"   [green]机器人 bot[/]：{shown}{more}")
                return
            await asyncio.sleep(0.1)
        console.print("   [red]机器人没有回复 / the bot did not answer[/]")


async def run_chat(engine: AsyncEngine, redis: Redis, stack: LocalStack) -> None:
    """A linked resident of working age: consent, a question, an unknown question passed to
    staff, a question about their own pension answered with the estimate from their ledger row,
    and stop."""
    console.print("[bold]6. Telegram 机器人对话 / A chat with the bot[/]")
    async with engine.connect() as connection:
        chat_id = (
            await connection.execute(
                select(Resident.telegram_chat_id)
                .where(
                    Resident.telegram_chat_id.is_not(None),
                    Resident.birth_date.between(date(1975, 1, 1), date(1990, 12, 31)),
                )
                .order_by(Resident.telegram_chat_id)
                .limit(1)
            )
        ).scalar_one()
    # A scripted resident types faster than the throttle allows a person (8 in 10 s), and two
    # demo runs in one process share the embedded Redis and its counts.
    settings = BotSettings(mode="polling", throttle_limit=1000)
    chat = build_chat(engine, redis, stack.gateways, settings)
    runner = BotRunner(chat.bot, chat.dispatcher)
    await runner.start_polling()
    try:
        async with aiohttp.ClientSession() as http:
            resident = _Resident(http, stack.urls["telegram"], int(chat_id or 0))
            await resident.say("/start")
            await resident.press("consent:yes:zh", "同意")
            await resident.say("俺是跑外卖的，养老保险咋交")
            await resident.say("明天会下雨吗")
            await resident.press("handoff", "请工作人员联系我")
            await resident.say("我退休了能拿多少钱")  # own money: the estimator, never a number
            await resident.say("退订")
    finally:
        await runner.stop()
        await chat.close()
