"""Ways of reaching a person (Telegram, SMS providers) and their local stand-ins.

Provider packages (`channels.aliyun`, `channels.tencent`, `channels.twilio`) also expose their
callback parsers and answers, which the web layer mounts.

`TelegramChannel` and `telegram_bot` are imported on first use: importing aiogram adds over
100 MB to a process's memory, which a process without Telegram (most workers) should not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels import aliyun, tencent, twilio
from channels.base import (
    Accepted,
    CallbackError,
    Channel,
    ChannelKind,
    DeliveryState,
    Failed,
    Found,
    Inbound,
    LookupResult,
    LookupUnavailable,
    NotFound,
    Outbound,
    Receipt,
    RetryLater,
    SendResult,
    Unknown,
)
from channels.factory import build_channels, unusable_check
from channels.probe import GatewayProbe, probe_gateway
from channels.settings import GatewaySettings

if TYPE_CHECKING:
    from channels.telegram import TelegramChannel, telegram_bot

__all__ = [
    "Accepted",
    "CallbackError",
    "Channel",
    "ChannelKind",
    "DeliveryState",
    "Failed",
    "Found",
    "GatewayProbe",
    "GatewaySettings",
    "Inbound",
    "LookupResult",
    "LookupUnavailable",
    "NotFound",
    "Outbound",
    "Receipt",
    "RetryLater",
    "SendResult",
    "TelegramChannel",
    "Unknown",
    "aliyun",
    "build_channels",
    "probe_gateway",
    "telegram_bot",
    "tencent",
    "twilio",
    "unusable_check",
]

_LAZY = frozenset({"TelegramChannel", "telegram_bot"})


def __getattr__(name: str) -> object:
    """`channels.TelegramChannel` and `channels.telegram_bot`, importing aiogram then only."""
    if name in _LAZY:
        from channels import telegram

        value: object = getattr(telegram, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
