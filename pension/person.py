"""Who an estimate is for: birth, category, scheme, contributions so far and choices ahead."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from pension.employee import check_index
from pension.errors import PensionError
from pension.retirement import Category
from pension.yearmonth import Age, YearMonth

_DEFAULT_BASE = Decimal("0.6")


class Scheme(StrEnum):
    """Which basic pension scheme: enterprise employees (and flexible workers) or residents."""

    EMPLOYEE = "employee"
    RESIDENT = "resident"

    @classmethod
    def parse(cls, text: str) -> Scheme:
        """Read a scheme name, with a bilingual error naming the valid ones."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise PensionError(
                f"未知的险种 {text!r}，可选：employee（职工）, resident（城乡居民）",
                f"unknown scheme {text!r}; choose employee or resident",
            ) from None


@dataclass(frozen=True, slots=True)
class Person:
    """What an estimate needs to know about a person; only birth and category are required.

    `base` is the future contribution base as a share of the average wage (employee scheme);
    `past_base` the average share of the months already paid (default: `base`); `tier` the
    yearly resident contribution (default: the province's lowest tier); `balance` None means
    unknown; `resume` None means paying (again) from the estimate's month; `retire_age` None
    means the statutory age (else a flexible age within the window).
    """

    birth: YearMonth
    category: Category
    scheme: Scheme = Scheme.EMPLOYEE
    months_paid: int = 0
    balance: Decimal | None = None
    base: Decimal = _DEFAULT_BASE
    past_base: Decimal | None = None
    tier: Decimal | None = None
    deemed_months: int = 0
    resume: YearMonth | None = None
    retire_age: Age | None = None

    def __post_init__(self) -> None:
        check_index(self.base)
        if self.past_base is not None:
            check_index(self.past_base, "past base")
        if self.months_paid < 0 or self.deemed_months < 0:
            raise PensionError("缴费月数不能为负数", "months paid cannot be negative")
        if self.balance is not None and self.balance < 0:
            raise PensionError("账户余额不能为负数", "the account balance cannot be negative")
        if self.tier is not None and self.tier <= 0:
            raise PensionError("缴费档次应为正数", "the resident tier must be positive")
