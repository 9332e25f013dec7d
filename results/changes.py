"""Which status changes are conversions: enrolled, resumed paying, switched pension scheme."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ledger.codes import Status

_PAYING = Status.PAYING.value
_LAPSED = Status.LAPSED.value


class ChangeKind(StrEnum):
    """A kind of conversion, with the Chinese label staff read in reports."""

    PENSION_ENROLLED = "pension_enrolled"
    PENSION_RESUMED = "pension_resumed"
    PENSION_SWITCHED = "pension_switched"
    MEDICAL_ENROLLED = "medical_enrolled"
    MEDICAL_RESUMED = "medical_resumed"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ChangeKind.PENSION_ENROLLED: "养老保险新参保",
    ChangeKind.PENSION_RESUMED: "养老保险续缴",
    ChangeKind.PENSION_SWITCHED: "养老保险转换险种",
    ChangeKind.MEDICAL_ENROLLED: "医疗保险新参保",
    ChangeKind.MEDICAL_RESUMED: "医疗保险续缴",
}


@dataclass(frozen=True, slots=True)
class Statuses:
    """The statuses a conversion is judged on (codes of ledger.codes)."""

    pension_status: str | None
    pension_scheme: str | None
    medical_status: str | None


def _started_paying(before: str | None, after: str | None) -> str | None:
    if after != _PAYING or before == _PAYING:
        return None
    return "resumed" if before == _LAPSED else "enrolled"


def classify(before: Statuses, after: Statuses) -> list[ChangeKind]:
    """The conversions a change from `before` to `after` makes (none for a lapse or a stop).

    Starting to pay after a lapse is a resumption; from never enrolled, terminated or unknown it
    is an enrollment. A resident already paying whose pension scheme changes (resident →
    employee pension, the move the plans push riders towards) has switched scheme.
    """
    kinds: list[ChangeKind] = []
    pension = _started_paying(before.pension_status, after.pension_status)
    if pension is not None:
        kinds.append(ChangeKind(f"pension_{pension}"))
    elif (
        before.pension_status == _PAYING
        and after.pension_status == _PAYING
        and before.pension_scheme is not None
        and after.pension_scheme is not None
        and before.pension_scheme != after.pension_scheme
    ):
        kinds.append(ChangeKind.PENSION_SWITCHED)
    medical = _started_paying(before.medical_status, after.medical_status)
    if medical is not None:
        kinds.append(ChangeKind(f"medical_{medical}"))
    return kinds
