"""Operations: health and readiness, metrics, the ops endpoint and deployment checks."""

from ops.checks import (
    CheckResult,
    check_database,
    check_gateways,
    check_migrations,
    check_redis,
    readiness,
)
from ops.metrics import add_metrics_route
from ops.settings import OpsSettings

__all__ = [
    "CheckResult",
    "OpsSettings",
    "add_metrics_route",
    "check_database",
    "check_gateways",
    "check_migrations",
    "check_redis",
    "readiness",
]
