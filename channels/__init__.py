"""Ways of reaching a person (Telegram, SMS providers) and their local stand-ins.

Provider packages (`channels.aliyun`, `channels.tencent`, `channels.twilio`) also expose their
callback parsers and answers, which the web layer mounts.
"""

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
from channels.settings import GatewaySettings
from channels.telegram import TelegramChannel, telegram_bot

__all__ = [
    "Accepted",
    "CallbackError",
    "Channel",
    "ChannelKind",
    "DeliveryState",
    "Failed",
    "Found",
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
    "telegram_bot",
    "tencent",
    "twilio",
    "unusable_check",
]
