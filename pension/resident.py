"""Urban-rural resident basic pension: basic pension + account ÷ 139 (国发〔2014〕8号)."""

from __future__ import annotations

from decimal import Decimal

from pension.benefit import Benefit
from pension.money import ZERO, yuan
from pension.payout import RESIDENT_PAYOUT_MONTHS
from pension.yearmonth import Age, YearMonth

# Residents draw at 60 whatever their sex: the 2024 decision changed the employee ages only.
PENSION_AGE = Age(60)

_ONE = Decimal(1)


def resident_pension(basic: Decimal, balance: Decimal) -> Benefit:
    """Monthly resident pension: `basic` (central minimum + local top-up) + balance ÷ 139."""
    return Benefit(
        basic=yuan(basic),
        account=yuan(balance / RESIDENT_PAYOUT_MONTHS),
        transitional=ZERO,
        payout_months=RESIDENT_PAYOUT_MONTHS,
    )


def payment_years(now: YearMonth, first_year: int, start: YearMonth) -> int:
    """Yearly payments from `first_year` (not before this year) to the year before `start`."""
    return max(0, start.year - max(first_year, now.year))


def project_account(
    balance: Decimal,
    yearly: Decimal,
    rate: Decimal,
    now: YearMonth,
    first_year: int,
    start: YearMonth,
) -> Decimal:
    """Account balance when the pension starts: today's `balance` with interest, plus `yearly`
    (tier + government subsidy) paid in every year from `first_year` to the year before `start`.

    A year's payment is credited at the end of that year, then earns `rate` a year; the year the
    pension starts earns interest pro rata up to its first month.
    """
    if start <= now:
        return balance
    partial_last = _ONE + rate * (start.month - 1) / 12
    if start.year == now.year:
        grown = balance * (_ONE + rate * (start.month - now.month) / 12)
    else:
        to_year_end = balance * (_ONE + rate * (13 - now.month) / 12)
        grown = to_year_end * (_ONE + rate) ** (start.year - now.year - 1) * partial_last
    payments = payment_years(now, first_year, start)
    if payments == 0:
        return grown
    # Payments made at the ends of `payments` consecutive years, the last one the year before
    # the start: a geometric series.
    factor = _ONE + rate
    series = (factor**payments - _ONE) / rate if rate else Decimal(payments)
    return grown + yearly * series * partial_last
