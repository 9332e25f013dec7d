"""How the bot runs (environment variables BOT_*); its token is TELEGRAM_BOT_TOKEN."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pension import province_setting

#: Where `outreach serve` takes Telegram's webhook posts.
WEBHOOK_PATH = "/telegram/webhook"


class BotSettings(BaseSettings):
    """polling: the bot asks Telegram for updates (`python -m bot`, or inside `outreach serve`).
    webhook: Telegram posts updates to PUBLIC_BASE_URL + BOT_WEBHOOK_PATH, each carrying
    BOT_WEBHOOK_SECRET, which the handler checks; `outreach serve` takes them on its own port,
    `python -m bot` on BOT_HOST:BOT_PORT (with /healthz and /readyz). off: no bot.
    """

    model_config = SettingsConfigDict(
        env_prefix="BOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Literal["polling", "webhook", "off"] = "polling"
    webhook_path: str = WEBHOOK_PATH
    webhook_secret: str | None = None
    host: str = "127.0.0.1"  # where `python -m bot` takes webhook posts (0.0.0.0 in a container)
    port: int = Field(default=8081, ge=1, le=65535)
    throttle_limit: int = 8  # updates one person may send per window
    throttle_window: int = 10  # seconds
    # Pension parameters of the estimate dialogue when a linked resident's ledger row names no
    # province (and for chats not linked): a pinyin code or Chinese name, e.g. yunnan / 云南.
    province: str = "national"

    @field_validator("province")
    @classmethod
    def _known_province(cls, value: str) -> str:
        return province_setting(value, "BOT_PROVINCE")

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> BotSettings:
        if self.mode == "webhook" and not self.webhook_secret:
            raise ValueError(
                "BOT_MODE=webhook 需要设置 BOT_WEBHOOK_SECRET（1-256 位字母、数字、_ 或 -）/ "
                "BOT_MODE=webhook needs BOT_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)"
            )
        return self
