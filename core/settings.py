"""Process settings, read from the environment (and an optional .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: REDIS_URL value that selects the in-process Redis stand-in (single process only).
EMBEDDED_REDIS = "embedded"

_VAR = Path("var")


class Settings(BaseSettings):
    """Everything a process needs to find its stores and shape its logs."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{_VAR / 'outreach.db'}",
        description="SQLAlchemy async URL; a SQLite file under ./var/ by default.",
    )
    redis_url: str = Field(
        default=EMBEDDED_REDIS,
        description="redis:// URL of a real server, or 'embedded' for the in-process stand-in.",
    )
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    timezone: str = "Asia/Shanghai"


def load_settings() -> Settings:
    """Read the settings once; composition roots call this and pass the result down."""
    return Settings()
