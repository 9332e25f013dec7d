"""A chat with linking wired as chat.py wires it: the real Linker over Redis, the ledger and an
Alibaba Cloud SMS stand-in (approving our registry's templates) that logs every SMS it takes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import cached_records
from bot.linking import Linker
from campaigns import ChatStore
from channels import GatewaySettings
from channels.sandbox import SandboxConfig, create_sms_app, serve
from chat import build_linker
from cli.local_stack import KEY, SECRET, approved_templates
from tests.bot.harness import BotHarness, bot_harness
from tests.channels.test_telegram_harness import log_lines


class Clock:
    """A clock the test moves (code expiry, the day of the request limits)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Linking:
    chat: BotHarness
    linker: Linker
    clock: Clock
    sms_log: Path

    async def sms(self) -> list[dict[str, Any]]:
        """Every SMS the stand-in took, once the codes being sent have gone."""
        await self.linker.settle()
        return log_lines(self.sms_log)

    async def code_for(self, phone: str) -> str:
        """The code in the newest SMS to `phone`."""
        sent = [line for line in await self.sms() if line["to"] == phone]
        assert sent, "no SMS reached the phone"
        return str(sent[-1]["params"]["code"])

    async def ask_code(self, chat_id: int, suffix: str, phone: str) -> list[str]:
        """/link, the suffix, the phone: the bot's replies to all three."""
        replies = await self.chat.say(chat_id, "/link")
        replies += await self.chat.say(chat_id, suffix)
        replies += await self.chat.say(chat_id, phone)
        return replies


@asynccontextmanager
async def linking(
    engine: AsyncEngine, redis: Redis, workdir: Path, **limits: Any
) -> AsyncIterator[Linking]:
    templates, signs = approved_templates("aliyun")
    sms_log = workdir / "aliyun.jsonl"
    config = SandboxConfig(
        provider="aliyun",
        log_path=sms_log,
        key=KEY,
        secret=SECRET,
        templates=templates,
        signs=signs,
    )
    runner = await serve(create_sms_app("aliyun", config), "127.0.0.1", 0)
    try:
        host, port = runner.addresses[0][:2]
        gateways = GatewaySettings(
            aliyun_access_key_id=KEY,
            aliyun_access_key_secret=SECRET,
            aliyun_endpoint=f"http://{host}:{port}",
            tencent_secret_id=None,
            twilio_account_sid=None,
            telegram_bot_token=None,
            gateway_timeout=5.0,
        )
        clock = Clock()
        records = cached_records(ChatStore(engine), redis)
        linker = build_linker(engine, redis, gateways, records, clock=clock, **limits)
        # Many messages a test: the flood limit is not what these tests are about.
        async with bot_harness(engine, redis, linker=linker, throttle_limit=1000) as chat:
            yield Linking(chat, linker, clock, sms_log)
        await linker.settle()
    finally:
        await runner.cleanup()
