"""How the relay reaches the ledger system (environment variables LEDGER_*)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class RelaySettings(BaseSettings):
    """No `LEDGER_WEBHOOK_URL`: the relay is off and events wait, undelivered, in the table."""

    model_config = SettingsConfigDict(
        env_prefix="LEDGER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    webhook_url: str | None = None
    webhook_secret: str = ""
    #: names this deployment in every idempotency key, so two services feeding one ledger
    #: system (or a database restored elsewhere) never share keys
    deployment_id: str = "outreach"
    batch_size: int = Field(default=500, ge=1, le=5000)
    concurrency: int = Field(default=2, ge=1, le=16)  # batches in flight per relay
    timeout_seconds: float = Field(default=20.0, gt=0)
    #: a claim lasts this long; must outlast a post (timeout) so no other relay takes it then
    lease_seconds: float = Field(default=60.0, gt=0)
    idle_seconds: float = Field(default=1.0, gt=0)  # poll interval when nothing is due
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    horizon_hours: float = Field(default=24.0, gt=0)  # then the event is a dead letter

    @model_validator(mode="after")
    def _lease_outlasts_post(self) -> RelaySettings:
        if self.lease_seconds <= self.timeout_seconds:
            raise ValueError("LEDGER_LEASE_SECONDS must be longer than LEDGER_TIMEOUT_SECONDS")
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("LEDGER_WEBHOOK_SECRET is required with LEDGER_WEBHOOK_URL")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_url)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def horizon(self) -> timedelta:
        return timedelta(hours=self.horizon_hours)
