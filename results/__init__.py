"""Results of outreach: conversions from the ledger system's status changes, and reports.

Conversions come two ways: `apply_status_changes` (the API's batch, idempotent by key) and
`reconcile_statuses` (call it after every ledger import). Each is attributed to the last contact
within the attribution window and written with its `conversion` event in one transaction.
"""

from results.attribution import DEFAULT_WINDOW, Contact, last_contact
from results.changes import ChangeKind, Statuses, classify
from results.marks import reconcile_statuses
from results.status_changes import StatusChangeError, StatusChangeResult, apply_status_changes

__all__ = [
    "DEFAULT_WINDOW",
    "ChangeKind",
    "Contact",
    "StatusChangeError",
    "StatusChangeResult",
    "Statuses",
    "apply_status_changes",
    "classify",
    "last_contact",
    "reconcile_statuses",
]
