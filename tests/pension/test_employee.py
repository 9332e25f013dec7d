"""Enterprise-employee formula: basic, account and transitional pensions."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pension import (
    Age,
    account_pension,
    basic_pension,
    employee_pension,
    transitional_pension,
)

indexes = st.decimals(min_value=Decimal("0.6"), max_value=Decimal("3.0"), places=2)


def test_bare_formula_example() -> None:
    """C 4000, I 0.6, 15 years, no balance, at 60: 4000 × 1.6 / 2 × 15% = 480.00."""
    result = employee_pension(Decimal(4000), Decimal("0.6"), Decimal(15), Decimal(0), Age(60))
    assert (result.basic, result.account, result.total) == (
        Decimal("480.00"),
        Decimal("0.00"),
        Decimal("480.00"),
    )


def test_account_divides_by_payout_months() -> None:
    """The account pension divides the balance by the payout months of the retirement age."""
    assert account_pension(Decimal(100000), Decimal("138.4")) == Decimal("722.54")


def test_rounding_is_half_up() -> None:
    """Money rounds half-up to the cent, not half-even."""
    assert basic_pension(Decimal(1), Decimal(1), Decimal("0.125")) == Decimal("0.00")
    assert basic_pension(Decimal(1000), Decimal(1), Decimal("0.0125")) == Decimal("0.13")


def test_transitional() -> None:
    """Transitional pension = C × I × deemed years × coefficient, off when there are none."""
    assert transitional_pension(Decimal(12049), Decimal(1), Decimal(5), Decimal("0.01")) == Decimal(
        "602.45"
    )
    result = employee_pension(Decimal(4000), Decimal(1), Decimal(20), Decimal(0), Age(60))
    assert result.transitional == Decimal("0.00")


@given(indexes, indexes)
def test_higher_index_never_lowers_basic(low: Decimal, high: Decimal) -> None:
    """A higher contribution index never lowers the basic pension."""
    low, high = sorted((low, high))
    assert basic_pension(Decimal(7000), low, Decimal(20)) <= basic_pension(
        Decimal(7000), high, Decimal(20)
    )
