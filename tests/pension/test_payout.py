"""Payout months (计发月数) by retirement age."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pension import Age, PensionError, payout_months


@pytest.mark.parametrize(
    ("age", "months"),
    [
        (Age(40), "233"),
        (Age(47), "208"),
        (Age(50), "195"),
        (Age(55), "170"),
        (Age(60), "139"),
        (Age(63), "117"),
        (Age(70), "56"),
    ],
)
def test_whole_ages(age: Age, months: str) -> None:
    """Whole ages read the annex table as published."""
    assert payout_months(age) == Decimal(months)


@pytest.mark.parametrize(
    ("age", "months"),
    [(Age(60, 1), "138.4"), (Age(50, 1), "194.6"), (Age(55, 4), "168.0"), (Age(62, 11), "117.7")],
)
def test_interpolated(age: Age, months: str) -> None:
    """Ages with months interpolate linearly, rounded half-up to 0.1 (PENSION.md's 138.4, 194.6)."""
    assert payout_months(age) == Decimal(months)


@pytest.mark.parametrize("age", [Age(39, 11), Age(70, 1)])
def test_outside_table(age: Age) -> None:
    """Ages outside 40–70 are refused."""
    with pytest.raises(PensionError):
        payout_months(age)


@given(st.integers(40 * 12, 70 * 12 - 1))
def test_monotone(months: int) -> None:
    """A later retirement never has more payout months."""
    assert payout_months(Age.of_months(months + 1)) <= payout_months(Age.of_months(months))
