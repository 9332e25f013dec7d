"""Shared pieces of the Twilio tests (no tests here): the stand-in on a port, a webhook receiver.

The receiver is what the web layer will be: it checks X-Twilio-Signature against the URL it was
called at, parses with the channel's own parsers and answers with the channel's answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from channels.base import CallbackError, Inbound, Receipt
from channels.sandbox.common import SandboxConfig, SandboxCore, serve
from channels.sandbox.twilio import CORE_KEY, create_app
from channels.twilio import (
    FORBIDDEN_ANSWER,
    INBOUND_ANSWER,
    MALFORMED_ANSWER,
    RECEIPT_ANSWER,
    SIGNATURE_HEADER,
    CallbackAnswer,
    TwilioChannel,
    TwilioConfig,
    parse_inbound,
    parse_status_callback,
    verify_callback,
)

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "sandbox-auth-token"
FROM = "+15005550006"
WAIT = 10.0  # a deadline for pushes to arrive, never an assertion about speed


@dataclass
class Sandbox:
    """A running Twilio stand-in."""

    url: str
    config: SandboxConfig
    core: SandboxCore
    log_path: Path

    def records(self) -> list[dict[str, Any]]:
        """The JSONL lines of accepted messages."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line]


@asynccontextmanager
async def running_sandbox(config: SandboxConfig) -> AsyncIterator[Sandbox]:
    """The stand-in for `config`, served on a free localhost port."""
    app = create_app(config)
    runner = await serve(app, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    assert config.log_path is not None
    try:
        yield Sandbox(f"http://127.0.0.1:{port}", config, app[CORE_KEY], config.log_path)
    finally:
        await runner.cleanup()


def sandbox_config(tmp_path: Path, **changes: Any) -> SandboxConfig:
    """A stand-in configuration with our test credentials and a log under `tmp_path`."""
    config = SandboxConfig(
        provider="twilio", key=ACCOUNT, secret=TOKEN, log_path=tmp_path / "twilio.jsonl", seed=7
    )
    for name, value in changes.items():
        setattr(config, name, value)
    return config


def channel(sandbox: Sandbox, callback_url: str | None = None, **changes: Any) -> TwilioChannel:
    """A client of the stand-in, sending from our test number."""
    config = TwilioConfig(
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        from_number=FROM,
        status_callback_url=callback_url,
        base_url=sandbox.url,
        **changes,
    )
    return TwilioChannel(config)


@dataclass
class Receiver:
    """Our side of the webhooks: what arrived, and how many pushes to refuse first."""

    url: str = ""
    receipts: list[Receipt] = field(default_factory=list)
    inbound: list[Inbound] = field(default_factory=list)
    refuse_next: int = 0
    refused: int = 0
    rejected: list[str] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_receipts(self, count: int) -> list[Receipt]:
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.receipts) >= count), WAIT
            )
        return list(self.receipts)

    async def wait_inbound(self, count: int) -> list[Inbound]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.inbound) >= count), WAIT)
        return list(self.inbound)

    async def _handle(self, request: web.Request, *, status: bool) -> web.Response:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            self.refused += 1
            return web.Response(status=503, text="busy")
        form = await request.post()
        pairs = [(k, v) for k, v in form.items() if isinstance(v, str)]
        fields = dict(pairs)
        answer: CallbackAnswer
        try:
            verify_callback(TOKEN, str(request.url), pairs, request.headers.get(SIGNATURE_HEADER))
        except CallbackError as exc:
            self.rejected.append(str(exc))
            answer = FORBIDDEN_ANSWER
        else:
            try:
                async with self._arrived:
                    if status:
                        self.receipts.append(parse_status_callback(fields, str(request.url)))
                    else:
                        self.inbound.append(parse_inbound(fields))
                    self._arrived.notify_all()
                answer = RECEIPT_ANSWER if status else INBOUND_ANSWER
            except CallbackError as exc:
                self.rejected.append(str(exc))
                answer = MALFORMED_ANSWER
        return web.Response(
            status=answer.status, body=answer.body, content_type=answer.content_type.split(";")[0]
        )

    async def status(self, request: web.Request) -> web.Response:
        return await self._handle(request, status=True)

    async def sms(self, request: web.Request) -> web.Response:
        return await self._handle(request, status=False)


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on a free localhost port: /twilio/status and /twilio/sms."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/twilio/status", receiver.status)
    app.router.add_post("/twilio/sms", receiver.sms)
    runner = await serve(app, "127.0.0.1", 0)
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield receiver
    finally:
        await runner.cleanup()
