"""Operations: health and readiness, metrics, the ops endpoint, graceful shutdown and checks."""

from ops.checks import (
    CheckResult,
    check_database,
    check_gateways,
    check_migrations,
    check_redis,
    readiness,
)
from ops.health import (
    READY_WITHIN,
    Probe,
    add_health_routes,
    database_probe,
    healthz,
    readiness_probe,
    readyz_handler,
)
from ops.metrics import add_metrics_route
from ops.refreshers import (
    Refresher,
    conversions_refresher,
    outbox_refresher,
    queue_refresher,
)
from ops.server import ops_app, serve_ops
from ops.settings import OpsSettings
from ops.shutdown import EXIT_FORCED, run_until_stopped

__all__ = [
    "EXIT_FORCED",
    "READY_WITHIN",
    "CheckResult",
    "OpsSettings",
    "Probe",
    "Refresher",
    "add_health_routes",
    "add_metrics_route",
    "check_database",
    "check_gateways",
    "check_migrations",
    "check_redis",
    "conversions_refresher",
    "database_probe",
    "healthz",
    "ops_app",
    "outbox_refresher",
    "queue_refresher",
    "readiness",
    "readiness_probe",
    "readyz_handler",
    "run_until_stopped",
    "serve_ops",
]
