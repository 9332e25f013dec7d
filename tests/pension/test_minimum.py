"""Minimum contribution months by retirement year."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pension import minimum_months, months_missing


@pytest.mark.parametrize(
    ("year", "months"),
    [(2025, 180), (2029, 180), (2030, 186), (2031, 192), (2038, 234), (2039, 240), (2060, 240)],
)
def test_schedule(year: int, months: int) -> None:
    """15 years until 2029, six months more each year from 2030, 20 years from 2039."""
    assert minimum_months(year) == months


def test_months_missing() -> None:
    """Months missing is the gap to the minimum, and zero once it is met."""
    assert months_missing(150, 186) == 36
    assert months_missing(240, 186) == 0


@given(st.integers(1990, 2100))
def test_schedule_monotone(year: int) -> None:
    """The minimum never falls from one year to the next."""
    assert minimum_months(year) <= minimum_months(year + 1)
