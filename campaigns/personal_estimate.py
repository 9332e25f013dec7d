"""The pension estimate a message quotes: which scheme, which base, and a memo for a million rows.

Choices, and why:

- Scheme: the one the resident is in, when the ledger says; otherwise the employee scheme for
  people who work (riders, streamers, drivers, flexible and self-employed workers, migrant
  workers, anyone employed), since that is the scheme the seed documents steer them to, and
  the resident scheme for everyone else (farmers, land-expropriated farmers, the rest).
- Level: the lowest. Employee scheme at a base of 60% of the average wage (the floor flexible
  workers may choose, and what most of them choose); resident scheme at the province's lowest
  tier. A message should never promise more than the resident can count on.
- Contributions so far: the ledger records the last month paid, not how many months were paid.
  People never enrolled have paid nothing, which is exact; for everyone else the estimate
  counts only what they pay from now on (so it understates), and the months still missing to
  the minimum are not stated, since they are not known.
- Women's original retirement age: 50 for women employed by a unit (workers: the ledger cannot
  tell cadres, who retire at 55), 55 for women paying as individuals (flexible workers), as
  agencies generally apply it (check the province's rule). The resident scheme pays at 60
  either way.

Estimates are pure functions of (birth month, category, scheme, months paid) for one set of
parameters and one month, and residents share birth months by the thousand, so a memo answers
almost every row of a large campaign without recomputing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.codes import Employment, Group, PensionScheme, Status
from pension import Category, Estimate, Parameters, PensionError, Person, Scheme, YearMonth
from pension import estimate as pension_estimate

#: Groups whose natural scheme is the employee one (as flexible workers, or through an employer).
WORKING_GROUPS = frozenset(
    {
        Group.RIDER.value,
        Group.STREAMER.value,
        Group.DRIVER.value,
        Group.FLEXIBLE.value,
        Group.SELF_EMPLOYED.value,
        Group.MIGRANT_WORKER.value,
    }
)
WORKING_EMPLOYMENT = frozenset({Employment.EMPLOYED.value, Employment.FLEXIBLE.value})

#: A memo this large still holds every (birth month, category, scheme) of a county many times.
MEMO_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class EstimateInputs:
    """What the estimate depends on, taken from a ledger row."""

    birth: YearMonth
    category: Category
    scheme: Scheme
    months_paid: int
    history_known: bool


def estimate_inputs(
    *,
    sex: str,
    birth_date: date,
    employment_status: str | None,
    identity_group: str | None,
    pension_scheme: str | None,
    pension_status: str | None,
    months_paid: int | None = None,
) -> EstimateInputs:
    """The estimate's inputs from the ledger columns (see the module notes for the choices)."""
    if pension_scheme == PensionScheme.EMPLOYEE.value:
        scheme = Scheme.EMPLOYEE
    elif pension_scheme == PensionScheme.RESIDENT.value:
        scheme = Scheme.RESIDENT
    elif identity_group in WORKING_GROUPS or employment_status in WORKING_EMPLOYMENT:
        scheme = Scheme.EMPLOYEE
    else:
        scheme = Scheme.RESIDENT
    if sex == "male":
        category = Category.MALE
    elif employment_status == Employment.EMPLOYED.value:
        category = Category.FEMALE50
    else:
        category = Category.FEMALE55
    never = pension_status == Status.NEVER.value
    known = months_paid is not None or never
    return EstimateInputs(
        birth=YearMonth(birth_date.year, birth_date.month),
        category=category,
        scheme=scheme,
        months_paid=months_paid if months_paid is not None else 0,
        history_known=known,
    )


class EstimateMemo:
    """Estimates for one set of parameters as of one month, each computed once."""

    def __init__(self, parameters: Parameters, as_of: YearMonth) -> None:
        self.parameters = parameters
        self.as_of = as_of
        self._memo: dict[tuple[YearMonth, Category, Scheme, int], Estimate | None] = {}

    def get(self, inputs: EstimateInputs) -> Estimate | None:
        """The estimate for paying from now at the lowest level; None when none can be made."""
        key = (inputs.birth, inputs.category, inputs.scheme, inputs.months_paid)
        if key in self._memo:
            return self._memo[key]
        try:
            person = Person(
                birth=inputs.birth,
                category=inputs.category,
                scheme=inputs.scheme,
                months_paid=inputs.months_paid,
            )
            found: Estimate | None = pension_estimate(person, self.parameters, self.as_of)
        except PensionError:
            # Birth outside the rule tables, a parameter table missing: the templates fall back.
            found = None
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = found
        return found
