"""Account projection: the closed form against a month-by-month simulation."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pension import Projection, YearMonth

RATES = {2024: Decimal("0.0262"), 2025: Decimal("0.05"), 2030: Decimal("0.01")}
WAGES = {2024: Decimal("7000"), 2026: Decimal("7400")}
PROJECTION = Projection.build(
    wages=WAGES,
    wage_sources={},
    growth=Decimal("0.03"),
    rates=RATES,
    future_rate=Decimal("0.03"),
)

months = st.builds(YearMonth, st.integers(2024, 2045), st.integers(1, 12))


def close(a: Decimal, b: Decimal) -> bool:
    """Equal but for the last digits of 28-digit Decimal arithmetic."""
    return abs(a - b) < Decimal("1e-12")


def simulate(
    balance: Decimal, share: Decimal, now: YearMonth, resume: YearMonth, end: YearMonth
) -> Decimal:
    """Reference: month by month, simple interest within a year, credited each December."""
    accrued = Decimal(0)
    month = now
    while month < end:
        if month >= resume:
            balance += share * PROJECTION.wage(month.year)
        accrued += balance * PROJECTION.rate(month.year) / 12
        if month.month == 12:
            balance, accrued = balance + accrued, Decimal(0)
        month = month.plus(1)
    return balance + accrued


def test_full_year_of_contributions() -> None:
    """Twelve contributions in one year earn 78 months of interest (12 + 6.5 × rate)."""
    value = PROJECTION.contributions(Decimal(1), YearMonth(2025, 1), YearMonth(2026, 1))
    assert close(value, Decimal(7000) * Decimal("1.03") * (12 + Decimal("6.5") * Decimal("0.05")))


def test_balance_grows_by_yearly_rates() -> None:
    """A balance held over whole years grows by each year's rate in turn."""
    grown = PROJECTION.grow(Decimal(100), YearMonth(2024, 1), YearMonth(2026, 1))
    assert close(grown, Decimal(100) * Decimal("1.0262") * Decimal("1.05"))


def test_wage_projection() -> None:
    """Years between and beyond published wages are projected from the nearest published year."""
    assert PROJECTION.wage(2026) == Decimal("7400")
    assert PROJECTION.wage(2027) == Decimal("7622.00")
    assert PROJECTION.wage(2025) == Decimal("7210.00")
    assert PROJECTION.rate(2031) == Decimal("0.03")


@given(months, months, months)
def test_matches_simulation(now: YearMonth, resume: YearMonth, end: YearMonth) -> None:
    """The precomputed closed form equals a month-by-month simulation of the same rules."""
    now, resume, end = sorted((now, resume, end))
    share = Decimal("0.048")
    fast = PROJECTION.grow(Decimal(5000), now, end) + PROJECTION.contributions(share, resume, end)
    slow = simulate(Decimal(5000), share, now, resume, end)
    assert close(fast, slow)
