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
from ops.refreshers import (
    Refresher,
    conversions_refresher,
    outbox_refresher,
    queue_refresher,
)
from ops.settings import OpsSettings

__all__ = [
    "CheckResult",
    "OpsSettings",
    "Refresher",
    "add_metrics_route",
    "check_database",
    "check_gateways",
    "check_migrations",
    "check_redis",
    "conversions_refresher",
    "outbox_refresher",
    "queue_refresher",
    "readiness",
]
