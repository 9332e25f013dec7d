"""Resident scheme: basic pension plus account ÷ 139, and the account projection."""

from __future__ import annotations

from decimal import Decimal

from pension import YearMonth, resident_pension
from pension.resident import payment_years, project_account


def test_formula_example() -> None:
    """Basic 143 and a 50,000 balance: 143.00 + 359.71 = 502.71."""
    result = resident_pension(Decimal(143), Decimal(50000))
    assert (result.basic, result.account, result.total) == (
        Decimal("143.00"),
        Decimal("359.71"),
        Decimal("502.71"),
    )


def test_payments_are_yearly_until_the_year_before_60() -> None:
    """Yearly payments run from this year (or a later start) to the year before the pension."""
    now, start = YearMonth(2026, 11), YearMonth(2030, 5)
    assert payment_years(now, 2026, start) == 4
    assert payment_years(now, 2028, start) == 2
    assert payment_years(now, 2031, start) == 0


def test_projection_without_interest() -> None:
    """At a zero rate the account is the balance plus the yearly payments."""
    value = project_account(
        Decimal(1000), Decimal(130), Decimal(0), YearMonth(2026, 11), 2026, YearMonth(2030, 5)
    )
    assert value == Decimal(1000 + 4 * 130)


def test_projection_with_interest() -> None:
    """Each yearly payment earns interest from the end of its year; the last year pro rata."""
    rate = Decimal("0.1")
    value = project_account(
        Decimal(0), Decimal(100), rate, YearMonth(2026, 1), 2026, YearMonth(2028, 7)
    )
    expected = (Decimal(100) * Decimal("1.1") + 100) * (1 + rate * 6 / 12)
    assert value == expected
