"""Statutory retirement age after the 2024 reform, and the flexible-retirement window."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from pension.errors import PensionError
from pension.yearmonth import Age, YearMonth

FIRST_BIRTH_YEAR = 1940
LAST_BIRTH_YEAR = 2010

# The reform took effect on 2025-01-01: every cohort retiring earlier had no delay and no
# flexible window (and, as it happens, exactly the cohorts with no delay retire before it).
REFORM_START = YearMonth(2025, 1)

# How far flexible retirement may move the statutory date, either way (2024 NPCSC decision).
FLEXIBLE_MONTHS = 36


class Category(StrEnum):
    """Which original retirement age the person had: men 60, women 55 (cadres), women 50."""

    MALE = "male"
    FEMALE55 = "female55"
    FEMALE50 = "female50"

    @classmethod
    def parse(cls, text: str) -> Category:
        """Read a category name, with a bilingual error naming the valid ones."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(member.value for member in cls)
            raise PensionError(
                f"未知的人员类别 {text!r}，可选：{names}",
                f"unknown category {text!r}; choose one of: {names}",
            ) from None

    @property
    def zh(self) -> str:
        """The category in Chinese."""
        return _ZH[self]


_ZH = {
    Category.MALE: "男职工（原退休年龄60岁）",
    Category.FEMALE55: "女职工（原退休年龄55岁）",
    Category.FEMALE50: "女职工（原退休年龄50岁）",
}


@dataclass(frozen=True, slots=True)
class _Rule:
    """One category's reform: the original age and how the delay grows with birth month."""

    original_years: int
    first_cohort: YearMonth
    months_per_step: int
    max_delay: int


_RULES = {
    Category.MALE: _Rule(60, YearMonth(1965, 1), 4, 36),
    Category.FEMALE55: _Rule(55, YearMonth(1970, 1), 4, 36),
    Category.FEMALE50: _Rule(50, YearMonth(1975, 1), 2, 60),
}


@dataclass(frozen=True, slots=True)
class Retirement:
    """When a person reaches statutory retirement age, and how far flexible retirement reaches."""

    birth: YearMonth
    category: Category
    original_age: Age
    age: Age
    delay_months: int
    date: YearMonth
    earliest_age: Age
    earliest: YearMonth
    latest_age: Age
    latest: YearMonth


def delay_months(birth: YearMonth, category: Category) -> int:
    """Months the 2024 reform adds to the original retirement age for this birth month."""
    rule = _RULES[category]
    after_first = birth.index - rule.first_cohort.index
    if after_first < 0:
        return 0
    # The first cohort already gets one month: born 1965-01..04 → +1, 1965-05..08 → +2, …
    return min(after_first // rule.months_per_step + 1, rule.max_delay)


@cache
def retirement(birth: YearMonth, category: Category) -> Retirement:
    """Statutory retirement age and month for a birth month, with the flexible window."""
    if not FIRST_BIRTH_YEAR <= birth.year <= LAST_BIRTH_YEAR:
        raise PensionError(
            f"出生年份应在 {FIRST_BIRTH_YEAR}–{LAST_BIRTH_YEAR} 之间：{birth}",
            f"birth year must be {FIRST_BIRTH_YEAR}–{LAST_BIRTH_YEAR}: {birth}",
        )
    original = _RULES[category].original_years * 12
    delay = delay_months(birth, category)
    age = original + delay
    date = birth.plus(age)
    if date < REFORM_START:
        earliest = latest = age
    else:
        # Earlier by up to three years but never below the original age; later by up to three.
        earliest = max(original, age - FLEXIBLE_MONTHS)
        latest = age + FLEXIBLE_MONTHS
    return Retirement(
        birth=birth,
        category=category,
        original_age=Age.of_months(original),
        age=Age.of_months(age),
        delay_months=delay,
        date=date,
        earliest_age=Age.of_months(earliest),
        earliest=birth.plus(earliest),
        latest_age=Age.of_months(latest),
        latest=birth.plus(latest),
    )
