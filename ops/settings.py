"""Settings of the operations endpoint every long-running process serves."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    """OPS_HOST / OPS_PORT: where /healthz, /readyz and /metrics of a worker, bot or relay live."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    ops_host: str = Field(default="127.0.0.1", description="Address of the ops endpoint.")
    ops_port: int = Field(
        default=0, ge=0, le=65535, description="Port of the ops endpoint; 0 turns it off."
    )
    shutdown_grace_seconds: float = Field(
        default=25.0,
        gt=0,
        description="After SIGTERM, how long in-flight work may finish before the process exits.",
    )
