"""Settings of the Telegram Bot API stand-in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from channels.sandbox.common import SandboxConfig
from channels.sandbox.telegram_flood import FloodLimits
from channels.sandbox.telegram_updates import WebhookRetry


def _sandbox() -> SandboxConfig:
    return SandboxConfig(provider="telegram")


@dataclass(slots=True)
class TelegramSandboxConfig:
    """One bot served by the stand-in.

    `token` has the real shape (bot id, colon, secret), since aiogram refuses any other; requests
    with another token are answered 401. `sandbox` carries what every stand-in shares: the JSONL
    log path, the seed and the faults (`SandboxConfig.limits`, receipts, templates and signs are
    SMS matters and unused here). `known_chats_only` makes sendMessage to a chat that never wrote
    to the bot fail with "chat not found", as on Telegram; off by default, so that demos and
    benchmarks can send to made-up chat ids. `clock` drives flood control (tests pin it).
    """

    token: str = "7000000001:sandbox-token"  # noqa: S105 - a local stand-in's bot token
    bot_first_name: str = "社保服务助手"
    bot_username: str = "outreach_sandbox_bot"
    sandbox: SandboxConfig = field(default_factory=_sandbox)
    flood: FloodLimits = field(default_factory=FloodLimits)
    known_chats_only: bool = False
    throttle_retry_after: int = 1  # retry_after of a THROTTLE fault's 429
    webhook_retry: WebhookRetry = field(default_factory=WebhookRetry)
    clock: Callable[[], float] = time.monotonic
