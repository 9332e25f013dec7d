"""Gateway credentials, endpoints and send rates, read from the environment (and .env).

Endpoints default to the real services; the demo and the tests point them at the stand-ins.
A gateway without credentials is simply not configured: campaigns that need it are refused at
planning time.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from channels.aliyun.config import MAX_BATCH as ALIYUN_MAX_BATCH


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    #: Base URL where gateways reach our callbacks (receipts, replies), e.g. https://host:8080.
    public_base_url: str = "http://127.0.0.1:8080"

    aliyun_access_key_id: str | None = None
    aliyun_access_key_secret: str | None = None
    aliyun_endpoint: str = "https://dysmsapi.aliyuncs.com"
    aliyun_rate: float = Field(default=100.0, description="messages per second, all workers")
    aliyun_batch: int = Field(
        default=ALIYUN_MAX_BATCH,
        ge=1,
        le=ALIYUN_MAX_BATCH,
        description="numbers per SendBatchSms request; 1: every message alone through SendSms",
    )

    tencent_secret_id: str | None = None
    tencent_secret_key: str | None = None
    tencent_endpoint: str = "https://sms.tencentcloudapi.com"
    tencent_sdk_app_id: str | None = None
    tencent_region: str = "ap-guangzhou"
    tencent_rate: float = 100.0

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_rate: float = 10.0

    telegram_bot_token: str | None = None
    telegram_api_url: str | None = None  # None: the real Bot API
    telegram_rate: float = 25.0  # Telegram allows about 30 a second for bulk sends

    gateway_timeout: float = 10.0

    def rate(self, provider: str) -> float:
        return float(getattr(self, f"{provider}_rate", 10.0))

    def configured(self) -> list[str]:
        """Providers with credentials set."""
        found = []
        if self.aliyun_access_key_id and self.aliyun_access_key_secret:
            found.append("aliyun")
        if self.tencent_secret_id and self.tencent_secret_key and self.tencent_sdk_app_id:
            found.append("tencent")
        if self.twilio_account_sid and self.twilio_auth_token:
            found.append("twilio")
        if self.telegram_bot_token:
            found.append("telegram")
        return found
