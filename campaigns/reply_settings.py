"""How residents' SMS questions are answered, from the environment (REPLY_*).

The worker answers with these rules; staff replies (the CLI, the API) create the standing reply
campaign with the same rules when the worker has not yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time, timedelta
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from campaigns.definition import Window
from campaigns.reply_campaigns import ReplyRules
from channels.settings import GatewaySettings
from pension import province_setting


class ReplySettings(BaseSettings):
    """How residents' SMS questions are answered (environment variables REPLY_*)."""

    model_config = SettingsConfigDict(
        env_prefix="REPLY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    sms_provider: Literal["aliyun", "tencent", "twilio"] = "tencent"
    sms_fallback: Literal["aliyun", "tencent", "twilio"] | None = "aliyun"
    max_sms_parts: int = Field(default=3, ge=1, le=10)
    window_start: time = time(8, 0)  # Asia/Shanghai
    window_end: time = time(20, 0)
    notice_quiet_hours: float = 24.0  # one "staff will follow up" per resident in this time
    # The service's own province (a pinyin code or Chinese name, e.g. yunnan / 云南): a question
    # naming it gets the province-dependent answers; one naming another is referred to 12333.
    province: str | None = None

    @field_validator("province")
    @classmethod
    def _known_province(cls, value: str | None) -> str | None:
        return None if value is None else province_setting(value, "REPLY_PROVINCE")

    def rules(self, available: Iterable[str] | None = None) -> ReplyRules:
        """The rules, knowing which SMS gateways the deployment has when `available` is given
        (replies then go only through those)."""
        return ReplyRules(
            sms_provider=self.sms_provider,
            sms_fallback=self.sms_fallback,
            max_sms_parts=self.max_sms_parts,
            window=Window(start=self.window_start, end=self.window_end),
            notice_quiet=timedelta(hours=self.notice_quiet_hours),
            available=None if available is None else frozenset(available),
        )

    def rules_here(self) -> ReplyRules:
        """The rules with the SMS gateways configured in this process's environment, for
        staff replies (the CLI, the API); read per call, as staff replies are rare. No gateway
        configured here (a web app without the workers' credentials): not known, as `rules()`."""
        return self.rules(available=GatewaySettings().configured() or None)
