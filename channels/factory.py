"""Channels built from `GatewaySettings`: one per gateway with credentials.

The Telegram channel (and with it aiogram, over 100 MB of memory) is imported only when a bot
token is set.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from channels import aliyun, tencent, twilio
from channels.base import Channel, SendResult
from channels.settings import GatewaySettings

_UNUSABLE: dict[str, Callable[[SendResult], bool]] = {
    "aliyun": aliyun.gateway_unusable,
    "tencent": tencent.gateway_unusable,
    "twilio": twilio.gateway_unusable,
}


def unusable_check(provider: str) -> Callable[[SendResult], bool]:
    """Whether a result says the whole gateway is unusable (credentials, balance...)."""
    return _UNUSABLE.get(provider, lambda _result: False)


def build_channels(settings: GatewaySettings, session: aiohttp.ClientSession) -> dict[str, Channel]:
    """Every configured gateway's channel, sharing one HTTP session (Telegram has its own)."""
    channels: dict[str, Channel] = {}
    base = settings.public_base_url.rstrip("/")
    if settings.aliyun_access_key_id and settings.aliyun_access_key_secret:
        channels["aliyun"] = aliyun.AliyunChannel(
            aliyun.AliyunConfig(
                access_key_id=settings.aliyun_access_key_id,
                access_key_secret=settings.aliyun_access_key_secret,
                base_url=settings.aliyun_endpoint,
                timeout=settings.gateway_timeout,
                batch_size=settings.aliyun_batch,
            ),
            session,
        )
    if settings.tencent_secret_id and settings.tencent_secret_key and settings.tencent_sdk_app_id:
        channels["tencent"] = tencent.TencentChannel(
            tencent.TencentConfig(
                secret_id=settings.tencent_secret_id,
                secret_key=settings.tencent_secret_key,
                sdk_app_id=settings.tencent_sdk_app_id,
                base_url=settings.tencent_endpoint,
                region=settings.tencent_region,
                timeout=settings.gateway_timeout,
            ),
            session,
        )
    if settings.twilio_account_sid and settings.twilio_auth_token:
        channels["twilio"] = twilio.TwilioChannel(
            twilio.TwilioConfig(
                account_sid=settings.twilio_account_sid,
                auth_token=settings.twilio_auth_token,
                from_number=settings.twilio_from,
                messaging_service_sid=settings.twilio_messaging_service_sid,
                status_callback_url=f"{base}/callbacks/twilio/receipts",
                base_url=settings.twilio_base_url,
                timeout=settings.gateway_timeout,
            ),
            session,
        )
    if settings.telegram_bot_token:
        from channels.telegram import TelegramChannel, telegram_bot

        channels["telegram"] = TelegramChannel(
            telegram_bot(settings.telegram_bot_token, settings.telegram_api_url)
        )
    return channels
