"""The attribution window, read from the environment (and .env)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ResultsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    #: Days before a conversion in which an outreach contact earns it.
    conversion_window_days: int = Field(default=30, ge=1, le=366)


def attribution_window(window: timedelta | None = None) -> timedelta:
    """`window` when given, else CONVERSION_WINDOW_DAYS (default 30 days)."""
    if window is not None:
        return window
    return timedelta(days=ResultsSettings().conversion_window_days)
