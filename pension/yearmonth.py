"""Calendar months and ages in years and months, the units every pension rule speaks in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pension.errors import PensionError

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_AGE = re.compile(r"(\d{1,3})y(\d{1,2})m")


@dataclass(frozen=True, slots=True, order=True)
class YearMonth:
    """A calendar month, e.g. 2025-02."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PensionError(
                f"月份应在 1–12 之间：{self.month}", f"month must be 1–12: {self.month}"
            )

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        """Read a month written as YYYY-MM."""
        match = _YEAR_MONTH.fullmatch(text.strip())
        if match is None or not 1 <= int(match[2]) <= 12:
            raise PensionError(
                f"月份格式应为 YYYY-MM（如 1971-04）：{text!r}",
                f"a month must be written YYYY-MM (e.g. 1971-04): {text!r}",
            )
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> YearMonth:
        """The month of a date (or datetime: pass one already in Asia/Shanghai)."""
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> YearMonth:
        """The month `index` months after January of year 0."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    @property
    def index(self) -> int:
        """Months since January of year 0, so that month arithmetic is integer arithmetic."""
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> YearMonth:
        """The month `months` later (earlier if negative)."""
        return YearMonth.from_index(self.index + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True, order=True)
class Age:
    """An age in whole years and months, e.g. 60 years 1 month."""

    years: int
    months: int = 0

    def __post_init__(self) -> None:
        if self.years < 0 or not 0 <= self.months <= 11:
            raise PensionError(
                f"年龄应为 N岁M个月（M 为 0–11）：{self.years}y{self.months}m",
                f"an age is N years M months with M 0–11: {self.years}y{self.months}m",
            )

    @classmethod
    def parse(cls, text: str) -> Age:
        """Read an age written as 60y1m (or a bare number of years, 60)."""
        text = text.strip()
        if text.isdigit():
            return cls(int(text))
        match = _AGE.fullmatch(text)
        if match is None or int(match[2]) > 11:
            raise PensionError(
                f"年龄格式应为 60y1m（岁和月）：{text!r}",
                f"an age must be written like 60y1m (years and months): {text!r}",
            )
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of_months(cls, months: int) -> Age:
        """The age of `months` months in total."""
        return cls(*divmod(months, 12))

    @property
    def total_months(self) -> int:
        """The age in months."""
        return self.years * 12 + self.months

    def __str__(self) -> str:
        return f"{self.years}y{self.months}m"

    @property
    def zh(self) -> str:
        """The age in Chinese, e.g. 60岁1个月."""
        return f"{self.years}岁{self.months}个月" if self.months else f"{self.years}岁"
