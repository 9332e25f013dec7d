"""Checks of a running deployment: one function per thing that can be wrong.

CONTRACT (being implemented by the doctor helper; readiness and `outreach doctor` share it).
Each check returns one `CheckResult`: whether it passed, what was found in plain words
(Chinese first, English second) and, when it failed, how to fix it. Checks never raise for the
condition they test (an unreachable Redis is a failed result, not an exception) and never put
personal data or secrets into their text.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from channels import GatewaySettings


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str  # short stable id: "database", "migrations", "redis", "gateway:aliyun", ...
    ok: bool
    detail: str  # what was found, "中文 / English"
    fix: str = ""  # how to fix it when not ok, "中文 / English"


async def check_database(engine: AsyncEngine) -> CheckResult:
    raise NotImplementedError


async def check_migrations(engine: AsyncEngine) -> CheckResult:
    raise NotImplementedError


async def check_redis(redis: Redis) -> CheckResult:
    raise NotImplementedError


async def check_gateways(settings: GatewaySettings, *, within: float = 3.0) -> list[CheckResult]:
    """Each configured gateway's endpoint answers (reachability only, no credentials sent)."""
    raise NotImplementedError


async def readiness(
    engine: AsyncEngine, redis: Redis, gateways: GatewaySettings | None
) -> list[CheckResult]:
    """What /readyz reports: database, migrations, Redis and (when given) the gateways."""
    raise NotImplementedError
