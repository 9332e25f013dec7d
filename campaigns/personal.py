"""The per-resident variables every template may use, computed once per message at launch.

Every value is a short string (at most `VARIABLE_MAX` characters: SMS providers cap a variable,
Alibaba Cloud at 35), and a value that does not apply or is not known is "" — never a
placeholder the resident would read. SMS rendering refuses an empty value its template needs
(the planner then counts the resident as not renderable), and bot templates test for it
(`{% if monthly_estimate %}`).

Variables (see `VARIABLES`):

- address: polite form, surname + 先生/女士 (personal_address.py); never the full name.
- township, village; group: the Chinese label of the identity group ("" if none).
- months_lapsed: whole calendar months from the last month paid to the current month; "" when
  nothing was ever paid, the month is not recorded, or the resident is paying.
- monthly_estimate: yuan a month, rounded to whole yuan, of pension.estimate when paying from
  now to the pension start at the lowest level (personal_estimate.py says which scheme and
  why); "" when no estimate can be made or the pension start has passed. estimate_basic and
  estimate_account are its two parts; estimate_scheme, estimate_basis and estimate_province say
  what it assumed. history_known is "1" when the months already paid are known (never enrolled:
  none), "" when the estimate counts only future months.
- months_missing: months still short of the minimum at the pension start (15 years for
  residents; 15 rising to 20 for employees) if the resident pays from now on; "" when the past
  months are not known. months_to_retirement: months from now to the pension start.
- retirement: the month the pension can start (年月), retirement_age its age.
- deadline: end of the contribution year (31 December): lapsed people must pay within the
  current year, since back-payment of a past year is restricted (seed 002).
- medical_window, medical_deadline, medical_year: the resident medical-insurance payment window
  (September to February, seed 000), its last month, and the year it buys cover for.
- hotline: 12333.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from campaigns.personal_address import polite_address
from campaigns.personal_estimate import EstimateMemo, estimate_inputs
from ledger.codes import Group, Status
from ledger.segments import months_since
from pension import Estimate, Parameters, Scheme, YearMonth

VARIABLE_MAX = 35
HOTLINE = "12333"

VARIABLES: tuple[str, ...] = (
    "address",
    "township",
    "village",
    "group",
    "months_lapsed",
    "monthly_estimate",
    "estimate_basic",
    "estimate_account",
    "estimate_scheme",
    "estimate_basis",
    "estimate_province",
    "history_known",
    "months_missing",
    "months_to_retirement",
    "retirement",
    "retirement_age",
    "deadline",
    "medical_window",
    "medical_deadline",
    "medical_year",
    "hotline",
)

#: Values of every variable for checking templates without a resident (a plausible resident).
SAMPLE_VARIABLES: dict[str, str] = {
    "address": "欧阳先生",
    "township": "勐海镇",
    "village": "曼短村",
    "group": "外卖骑手",
    "months_lapsed": "17",
    "monthly_estimate": "1862",
    "estimate_basic": "1105",
    "estimate_account": "757",
    "estimate_scheme": "职工养老保险",
    "estimate_basis": "缴费基数为社平工资的60%",
    "estimate_province": "云南省",
    "history_known": "1",
    "months_missing": "0",
    "months_to_retirement": "158",
    "retirement": "2039年12月",
    "retirement_age": "63岁",
    "deadline": "2026年12月31日",
    "medical_window": "2026年9月至2027年2月",
    "medical_deadline": "2027年2月底",
    "medical_year": "2027",
    "hotline": HOTLINE,
}

_SCHEME_ZH = {Scheme.EMPLOYEE: "职工养老保险", Scheme.RESIDENT: "城乡居民养老保险"}
_GROUP_LABELS = {g.value: g.label for g in Group}
_ONE = Decimal(1)


class ResidentLike(Protocol):
    """The ledger columns the variables read: a `Resident` or a row of the residents table.

    The planner streams table rows (no ORM objects), and a row serves as well as a Resident.
    """

    @property
    def name(self) -> str: ...
    @property
    def sex(self) -> str: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def township(self) -> str | None: ...
    @property
    def village(self) -> str | None: ...
    @property
    def employment_status(self) -> str | None: ...
    @property
    def identity_group(self) -> str | None: ...
    @property
    def pension_scheme(self) -> str | None: ...
    @property
    def pension_status(self) -> str | None: ...
    @property
    def pension_last_paid(self) -> date | None: ...


class Personaliser:
    """Variables for many residents as of one day under one province's parameters.

    Holds what does not depend on the resident (dates, the estimate memo), so a campaign of a
    million residents pays for it once.
    """

    def __init__(self, parameters: Parameters, as_of: date) -> None:
        self.parameters = parameters
        self.as_of = as_of
        self._month = YearMonth(as_of.year, as_of.month)
        self._memo = EstimateMemo(parameters, self._month)
        province = parameters.province
        self._province = "全国默认参数" if province.national_defaults else province.name_zh
        self._fixed = {**_calendar(as_of), "hotline": HOTLINE}

    def variables(
        self, resident: ResidentLike, *, months_paid: int | None = None
    ) -> dict[str, str]:
        """Every variable of `VARIABLES` for one resident (`months_paid` when known)."""
        status = resident.pension_status
        inputs = estimate_inputs(
            sex=resident.sex,
            birth_date=resident.birth_date,
            employment_status=resident.employment_status,
            identity_group=resident.identity_group,
            pension_scheme=resident.pension_scheme,
            pension_status=status,
            months_paid=months_paid,
        )
        last_paid = resident.pension_last_paid
        lapsed = ""
        if last_paid is not None and status != Status.PAYING.value:
            lapsed = str(max(0, months_since(last_paid, self.as_of)))
        return {
            "address": polite_address(resident.name, resident.sex),
            "township": _cap(resident.township),
            "village": _cap(resident.village),
            "group": _GROUP_LABELS.get(resident.identity_group or "", ""),
            "months_lapsed": lapsed,
            **self._estimate(self._memo.get(inputs), history_known=inputs.history_known),
            "history_known": "1" if inputs.history_known else "",
            **self._fixed,
        }

    def _estimate(self, found: Estimate | None, *, history_known: bool) -> dict[str, str]:
        if found is None:
            return dict.fromkeys(_ESTIMATE_KEYS, "")
        ahead = found.start.index - self._month.index
        if ahead <= 0:
            # The pension could already start: "pay from now" does not apply (60+ back-payment).
            return dict.fromkeys(_ESTIMATE_KEYS, "")
        if found.scheme is Scheme.EMPLOYEE:
            basis = f"缴费基数为社平工资的{_percent(found.assumptions.base)}%"
        else:
            basis = f"每年{_whole(found.assumptions.tier)}元档次"
        return {
            "monthly_estimate": _whole(found.total),
            "estimate_basic": _whole(found.benefit.basic),
            "estimate_account": _whole(found.benefit.account + found.benefit.transitional),
            "estimate_scheme": _SCHEME_ZH[found.scheme],
            "estimate_basis": basis,
            "estimate_province": _cap(self._province),
            "months_missing": str(found.months_missing) if history_known else "",
            "months_to_retirement": str(ahead),
            "retirement": f"{found.start.year}年{found.start.month}月",
            "retirement_age": found.start_age.zh,
        }


_ESTIMATE_KEYS = (
    "monthly_estimate",
    "estimate_basic",
    "estimate_account",
    "estimate_scheme",
    "estimate_basis",
    "estimate_province",
    "months_missing",
    "months_to_retirement",
    "retirement",
    "retirement_age",
)

# Personalisers by (parameters, day): the planner calls `personal_variables` per row with the
# same two, and the memo inside must survive between calls. The parameters object is kept in
# the value, so its id cannot be reused while the entry lives.
_PERSONALISERS: dict[tuple[int, date], tuple[Parameters, Personaliser]] = {}
_PERSONALISERS_MAX = 16


def personaliser(parameters: Parameters, as_of: date) -> Personaliser:
    """The shared Personaliser for these parameters and day."""
    key = (id(parameters), as_of)
    found = _PERSONALISERS.get(key)
    if found is not None and found[0] is parameters:
        return found[1]
    if len(_PERSONALISERS) >= _PERSONALISERS_MAX:
        _PERSONALISERS.clear()
    made = Personaliser(parameters, as_of)
    _PERSONALISERS[key] = (parameters, made)
    return made


def personal_variables(
    resident: ResidentLike,
    *,
    as_of: date,
    parameters: Parameters,
    months_paid: int | None = None,
) -> dict[str, str]:
    """Every template variable for one resident (a Resident or a residents-table row)."""
    return personaliser(parameters, as_of).variables(resident, months_paid=months_paid)


def _calendar(as_of: date) -> dict[str, str]:
    """The date-only variables: contribution-year end and the medical payment window."""
    # The window runs September to February; from March to August the next one is announced.
    first = as_of.year if as_of.month >= 3 else as_of.year - 1
    return {
        "deadline": f"{as_of.year}年12月31日",
        "medical_window": f"{first}年9月至{first + 1}年2月",
        "medical_deadline": f"{first + 1}年2月底",
        "medical_year": str(first + 1),
    }


def _whole(amount: Decimal | None) -> str:
    return "" if amount is None else str(amount.quantize(_ONE, rounding=ROUND_HALF_UP))


def _percent(share: Decimal | None) -> str:
    return "" if share is None else _whole(share * 100)


def _cap(value: str | None) -> str:
    return (value or "").strip()[:VARIABLE_MAX]
