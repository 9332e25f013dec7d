"""Statutory retirement age after the 2024 reform and the flexible window."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pension import Age, Category, PensionError, YearMonth, delay_months, retirement

MAX_DELAY = {Category.MALE: 36, Category.FEMALE55: 36, Category.FEMALE50: 60}

births = st.builds(YearMonth, st.integers(1940, 2010), st.integers(1, 12))
categories = st.sampled_from(list(Category))


@pytest.mark.parametrize(
    ("birth", "category", "age", "retire"),
    [
        ("1965-01", Category.MALE, Age(60, 1), "2025-02"),
        ("1971-04", Category.FEMALE55, Age(55, 4), "2026-08"),
        ("1976-06", Category.FEMALE50, Age(50, 9), "2027-03"),
    ],
)
def test_worked_figures(birth: str, category: Category, age: Age, retire: str) -> None:
    """The three checks in PENSION.md §3 give the published age and retirement month."""
    result = retirement(YearMonth.parse(birth), category)
    assert result.age == age
    assert str(result.date) == retire


@pytest.mark.parametrize(
    ("before", "first", "category", "original"),
    [
        ("1964-12", "1965-01", Category.MALE, 60),
        ("1969-12", "1970-01", Category.FEMALE55, 55),
        ("1974-12", "1975-01", Category.FEMALE50, 50),
    ],
)
def test_first_delayed_cohort(before: str, first: str, category: Category, original: int) -> None:
    """The month before the first cohort keeps the original age; the first cohort gets 1 month."""
    last_old = retirement(YearMonth.parse(before), category)
    first_new = retirement(YearMonth.parse(first), category)
    assert (last_old.age, last_old.delay_months) == (Age(original), 0)
    assert (first_new.age, first_new.delay_months) == (Age(original, 1), 1)
    assert first_new.date == YearMonth.parse(first).plus(original * 12 + 1)


@pytest.mark.parametrize(
    ("before", "full", "category", "final"),
    [
        ("1976-08", "1976-09", Category.MALE, Age(63)),
        ("1981-08", "1981-09", Category.FEMALE55, Age(58)),
        ("1984-10", "1984-11", Category.FEMALE50, Age(55)),
    ],
)
def test_first_full_delay_cohort(before: str, full: str, category: Category, final: Age) -> None:
    """The first cohort at the full new age, and the month before it one month short."""
    short = retirement(YearMonth.parse(before), category)
    complete = retirement(YearMonth.parse(full), category)
    assert complete.age == final
    assert complete.delay_months == MAX_DELAY[category]
    assert short.age.total_months == final.total_months - 1


@pytest.mark.parametrize(
    ("birth", "category", "delay"),
    [
        ("1965-04", Category.MALE, 1),
        ("1965-05", Category.MALE, 2),
        ("1975-02", Category.FEMALE50, 1),
        ("1975-03", Category.FEMALE50, 2),
        ("2010-12", Category.FEMALE50, 60),
        ("1940-01", Category.MALE, 0),
    ],
)
def test_delay_steps(birth: str, category: Category, delay: int) -> None:
    """Delay grows one month per four birth months (per two for female50) and then stops."""
    assert delay_months(YearMonth.parse(birth), category) == delay


def test_retirement_month_is_birth_month_plus_age() -> None:
    """The retirement month counts the age from the birth month: 1965-01 + 60y1m = 2025-02."""
    result = retirement(YearMonth(1965, 1), Category.MALE)
    assert result.date == YearMonth(1965, 1).plus(result.age.total_months) == YearMonth(2025, 2)


def test_flexible_window() -> None:
    """Flexible retirement reaches three years later, and earlier only down to the original age."""
    result = retirement(YearMonth(1976, 9), Category.MALE)
    assert (result.earliest_age, result.earliest) == (Age(60), YearMonth(2036, 9))
    assert (result.latest_age, result.latest) == (Age(66), YearMonth(2042, 9))
    small_delay = retirement(YearMonth(1971, 4), Category.FEMALE55)
    assert small_delay.earliest_age == Age(55)
    assert small_delay.latest_age == Age(58, 4)


def test_no_window_before_the_reform() -> None:
    """Cohorts who reached retirement age before 2025 had no flexible window."""
    result = retirement(YearMonth(1964, 12), Category.MALE)
    assert result.earliest == result.date == result.latest == YearMonth(2024, 12)


@pytest.mark.parametrize("birth", ["1939-12", "2011-01"])
def test_birth_outside_range(birth: str) -> None:
    """Births outside 1940–2010 are refused with a bilingual error."""
    with pytest.raises(PensionError) as caught:
        retirement(YearMonth.parse(birth), Category.MALE)
    assert "出生" in caught.value.zh
    assert "birth" in caught.value.en


def test_category_parse_rejects_unknown() -> None:
    """An unknown category names the valid ones in both languages."""
    with pytest.raises(PensionError, match="female55"):
        Category.parse("woman")


@given(births, categories)
def test_delay_never_decreases(birth: YearMonth, category: Category) -> None:
    """A later birth month never retires with a shorter delay."""
    later = birth.plus(1)
    if later.year <= 2010:
        assert delay_months(later, category) >= delay_months(birth, category)


@given(births, categories)
def test_delay_bounded(birth: YearMonth, category: Category) -> None:
    """The delay is never negative and never exceeds 36 months (60 for female50)."""
    assert 0 <= retirement(birth, category).delay_months <= MAX_DELAY[category]


@given(births, categories)
def test_window_contains_statutory_date(birth: YearMonth, category: Category) -> None:
    """The flexible window always contains the statutory date and never starts below 50/55/60."""
    result = retirement(birth, category)
    assert result.earliest <= result.date <= result.latest
    assert result.earliest_age >= result.original_age
    assert result.latest.index - result.date.index <= 36
