"""Shared pieces of the tencent tests: the stand-in and a callback receiver on real localhost HTTP.

Holds no tests itself (pytest collects it only because of its name, which the tencent tests own).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from channels.base import CallbackError, Inbound, Outbound, Receipt
from channels.sandbox.common import SandboxConfig, serve
from channels.sandbox.tencent import create_app
from channels.tencent import (
    ACKNOWLEDGE,
    MALFORMED,
    TRY_AGAIN,
    CallbackAnswer,
    TencentChannel,
    TencentConfig,
    parse_replies,
    parse_reports,
)

KEY, SECRET = "AKIDtest", "test-secret"
APP_ID = "1400000001"
TEMPLATE = "2001001"
TEMPLATES = {
    TEMPLATE: "{1}您好，您的养老保险已断缴{2}个月。",
    "2001002": "您好，请回电。",
}
SIGN = "社保服务"


def message(
    ref: str, to: str = "13800138000", template: str = TEMPLATE, params: tuple[str, ...] = ()
) -> Outbound:
    """A message filling TEMPLATE (张先生, 3 months by default)."""
    values = params or (("张先生", "3") if template == TEMPLATE else ())
    text = TEMPLATES.get(template, "")
    for number, value in enumerate(values, start=1):
        text = text.replace("{" + str(number) + "}", value)
    return Outbound(
        ref=ref,
        to=to,
        text=text,
        template_code=template,
        sign_name=SIGN,
        params=tuple((str(i), v) for i, v in enumerate(values, start=1)),
    )


def url_of(runner: web.AppRunner) -> str:
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"


@dataclass
class Receiver:
    """The service's callback endpoints: collects what it parsed, refuses pushes on request."""

    receipts: list[Receipt] = field(default_factory=list)
    replies: list[Inbound] = field(default_factory=list)
    refuse_next: int = 0
    refused: int = 0
    url: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @staticmethod
    def _answer(answer: CallbackAnswer) -> web.Response:
        return web.Response(
            status=answer.status, body=answer.body, content_type=answer.content_type
        )

    async def status(self, request: web.Request) -> web.Response:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            self.refused += 1
            return self._answer(TRY_AGAIN)
        try:
            self.receipts.extend(parse_reports(await request.read()))
        except CallbackError:
            return self._answer(MALFORMED)
        self.changed.set()
        return self._answer(ACKNOWLEDGE)

    async def reply(self, request: web.Request) -> web.Response:
        try:
            self.replies.extend(parse_replies(await request.read()))
        except CallbackError:
            return self._answer(MALFORMED)
        self.changed.set()
        return self._answer(ACKNOWLEDGE)

    async def wait_for(self, predicate: Callable[[], bool], ceiling: float = 15.0) -> None:
        """Wait until predicate() holds (the ceiling only stops a broken test from hanging)."""
        async with asyncio.timeout(ceiling):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    got = Receiver()
    app = web.Application()
    app.router.add_post("/status", got.status)
    app.router.add_post("/reply", got.reply)
    runner = await serve(app, "127.0.0.1", 0)
    got.url = url_of(runner)
    try:
        yield got
    finally:
        await runner.cleanup()


@dataclass
class StandIn:
    url: str
    log_path: Path
    config: SandboxConfig
    session: aiohttp.ClientSession

    def logged(self) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text("utf-8").splitlines()]

    async def faults(self, **changes: Any) -> None:
        """Change the live faults; a stalled answer stalls 1 s (a reset would make it 30 s)."""
        changes = {"stall": 1.0, **changes}
        async with self.session.post(f"{self.url}/_sandbox/faults", json=changes) as response:
            assert response.status == 200

    async def stats(self) -> dict[str, int]:
        async with self.session.get(f"{self.url}/_sandbox/stats") as response:
            data: dict[str, int] = await response.json()
            return data

    async def inbound(self, sender: str, text: str) -> None:
        body = {"from": sender, "text": text}
        async with self.session.post(f"{self.url}/_sandbox/inbound", json=body) as response:
            assert response.status == 200

    def channel(
        self, secret: str = SECRET, key: str = KEY, url: str | None = None, **options: Any
    ) -> TencentChannel:
        config = TencentConfig(
            secret_id=key,
            secret_key=secret,
            sdk_app_id=APP_ID,
            base_url=url or self.url,
            **options,
        )
        return TencentChannel(config, self.session)


@asynccontextmanager
async def stand_in(tmp_path: Path, **options: Any) -> AsyncIterator[StandIn]:
    """The tencent stand-in on a free port, logging to tmp_path/tencent.jsonl."""
    config = SandboxConfig(
        provider="tencent",
        key=KEY,
        secret=SECRET,
        log_path=tmp_path / "tencent.jsonl",
        seed=11,
        **options,
    )
    config.faults.stall = 1.0
    runner = await serve(create_app(config), "127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session:
            yield StandIn(url_of(runner), tmp_path / "tencent.jsonl", config, session)
    finally:
        await runner.cleanup()
