"""Minimum contribution months for a monthly employee pension, rising from 2030 (2024 reform)."""

from __future__ import annotations

BASE_MONTHS = 180  # 15 years until 2029
FINAL_MONTHS = 240  # 20 years from 2039
STEP_MONTHS = 6  # added each year from 2030-01-01
LAST_BASE_YEAR = 2029

# The resident scheme keeps 15 years: the 2024 decision raised only the employee minimum.
RESIDENT_MONTHS = 180


def minimum_months(year: int) -> int:
    """Minimum contribution months for someone reaching retirement age in `year`."""
    if year <= LAST_BASE_YEAR:
        return BASE_MONTHS
    return min(BASE_MONTHS + STEP_MONTHS * (year - LAST_BASE_YEAR), FINAL_MONTHS)


def months_missing(months_at_retirement: int, minimum: int) -> int:
    """Months still to pay (or buy in a lump sum) to reach the minimum; 0 if it is met."""
    return max(0, minimum - months_at_retirement)
