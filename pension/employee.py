"""Enterprise-employee basic pension (also flexible workers): the formula of 国发〔2005〕38号."""

from __future__ import annotations

from decimal import Decimal

from pension.benefit import Benefit
from pension.errors import PensionError
from pension.money import ZERO, yuan
from pension.payout import payout_months
from pension.projection import Projection
from pension.yearmonth import Age, YearMonth

MIN_INDEX = Decimal("0.6")
MAX_INDEX = Decimal("3.0")

# Share of the contribution base that goes into the personal account, for employees and for
# flexible workers alike (flexible workers pay 20%, of which 8% is credited to the account).
ACCOUNT_SHARE = Decimal("0.08")

_TWO = Decimal(2)
_HUNDRED = Decimal(100)


def check_index(index: Decimal, what: str = "base") -> Decimal:
    """`index` if it lies within 60%–300% of the average wage, else a bilingual error."""
    if not MIN_INDEX <= index <= MAX_INDEX:
        raise PensionError(
            f"缴费基数应为社平工资的 60%–300%（0.6–3.0）：{index}",
            f"the contribution {what} must be 0.6–3.0 times the average wage: {index}",
        )
    return index


def basic_pension(avg_wage: Decimal, index: Decimal, years: Decimal) -> Decimal:
    """Basic pension = C × (1 + I) / 2 × N × 1%, in yuan."""
    return yuan(avg_wage * (1 + index) / _TWO * years / _HUNDRED)


def account_pension(balance: Decimal, payout: Decimal) -> Decimal:
    """Personal-account pension = balance ÷ payout months, in yuan."""
    return yuan(balance / payout)


def transitional_pension(
    avg_wage: Decimal, index: Decimal, deemed_years: Decimal, coefficient: Decimal
) -> Decimal:
    """Transitional pension for pre-reform deemed years: C × I × deemed years × coefficient."""
    return yuan(avg_wage * index * deemed_years * coefficient)


def employee_pension(
    avg_wage: Decimal,
    index: Decimal,
    years: Decimal,
    balance: Decimal,
    age: Age,
    deemed_years: Decimal = ZERO,
    coefficient: Decimal = ZERO,
) -> Benefit:
    """The bare formula, every input explicit: the monthly pension at retirement `age`."""
    payout = payout_months(age)
    transitional = (
        transitional_pension(avg_wage, index, deemed_years, coefficient) if deemed_years else ZERO
    )
    return Benefit(
        basic=basic_pension(avg_wage, index, years),
        account=account_pension(balance, payout),
        transitional=transitional,
        payout_months=payout,
    )


def project_account(
    balance: Decimal,
    base: Decimal,
    now: YearMonth,
    resume: YearMonth,
    retire: YearMonth,
    projection: Projection,
) -> Decimal:
    """Account balance at `retire`: today's `balance` with interest, plus 8% of `base` × C a
    month from `resume` up to the month before `retire`, credited yearly."""
    return projection.grow(balance, now, retire) + projection.contributions(
        ACCOUNT_SHARE * base, resume, retire
    )
