"""Results of outreach: conversions from the ledger system's status changes, and reports.

Conversions come two ways: `apply_status_changes` (the API's batch, idempotent by key) and
`reconcile_statuses` (call it after every ledger import). Each is attributed to the last contact
within the attribution window and written with its `conversion` event in one transaction.

Reports (each aggregated in SQL): `funnel_report` (campaign funnel by campaign, group or
township), `progress_report` (monthly progress per township and village against `Targets`),
`write_progress_workbook` (Excel with a chart, PNG beside it) and `export_for_ledger` (the
ledger system's columns, ID numbers masked unless asked).
"""

from results.attribution import DEFAULT_WINDOW, Contact, last_contact
from results.changes import ChangeKind, Statuses, classify
from results.export import COLUMNS as EXPORT_COLUMNS
from results.export import export_for_ledger, export_rows
from results.funnel import SPLITS, STAGE_LABELS, STAGES, FunnelRow, funnel_report
from results.marks import reconcile_statuses
from results.progress import ProgressReport, UnitProgress, progress_report
from results.scope import Month
from results.settings import ResultsSettings, attribution_window
from results.status_changes import StatusChangeError, StatusChangeResult, apply_status_changes
from results.targets import Target, Targets, TargetsError, load_targets, parse_targets
from results.workbook import ordered_units, write_progress_workbook

__all__ = [
    "DEFAULT_WINDOW",
    "EXPORT_COLUMNS",
    "SPLITS",
    "STAGES",
    "STAGE_LABELS",
    "ChangeKind",
    "Contact",
    "FunnelRow",
    "Month",
    "ProgressReport",
    "ResultsSettings",
    "StatusChangeError",
    "StatusChangeResult",
    "Statuses",
    "Target",
    "Targets",
    "TargetsError",
    "UnitProgress",
    "apply_status_changes",
    "attribution_window",
    "classify",
    "export_for_ledger",
    "export_rows",
    "funnel_report",
    "last_contact",
    "load_targets",
    "ordered_units",
    "parse_targets",
    "progress_report",
    "reconcile_statuses",
    "write_progress_workbook",
]
