"""Local stand-ins of the real SMS gateways and Telegram, speaking their wire formats.

`create_sms_app(provider, config)` builds the stand-in of one SMS provider; each is a real
HTTP server that signs, verifies, limits, logs and calls back as that provider does.
`create_ledger_app(config)` is the ledger system's webhook that the outbox relay posts to.
"""

from collections.abc import Callable

from aiohttp import web

from channels.sandbox import aliyun, tencent, twilio
from channels.sandbox.common import (
    Fault,
    Faults,
    NumberLimits,
    ReceiptOptions,
    SandboxConfig,
    run_forever,
    serve,
)
from channels.sandbox.ledger import LEDGER_SANDBOX, LedgerSandbox, LedgerSandboxConfig
from channels.sandbox.ledger import create_app as create_ledger_app
from channels.sandbox.telegram import BOT_API_KEY
from channels.sandbox.telegram import create_app as create_telegram_app
from channels.sandbox.telegram_config import TelegramSandboxConfig
from channels.sandbox.telegram_flood import FloodLimits
from channels.sandbox.telegram_updates import WebhookRetry

SMS_PROVIDERS: dict[str, Callable[[SandboxConfig], web.Application]] = {
    "aliyun": aliyun.create_app,
    "tencent": tencent.create_app,
    "twilio": twilio.create_app,
}


def create_sms_app(provider: str, config: SandboxConfig) -> web.Application:
    """The stand-in of one SMS provider (aliyun, tencent or twilio)."""
    return SMS_PROVIDERS[provider](config)


__all__ = [
    "BOT_API_KEY",
    "LEDGER_SANDBOX",
    "SMS_PROVIDERS",
    "Fault",
    "Faults",
    "FloodLimits",
    "LedgerSandbox",
    "LedgerSandboxConfig",
    "NumberLimits",
    "ReceiptOptions",
    "SandboxConfig",
    "TelegramSandboxConfig",
    "WebhookRetry",
    "create_ledger_app",
    "create_sms_app",
    "create_telegram_app",
    "run_forever",
    "serve",
]
