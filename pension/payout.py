"""Payout months (计发月数) of the personal account by retirement age, 国发〔2005〕38号 annex."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pension.errors import PensionError
from pension.yearmonth import Age

FIRST_AGE = 40
LAST_AGE = 70

# The annex table, ages 40..70 (age 47 = 208 per the Fujian gazette text; check the original).
TABLE: tuple[int, ...] = (
    233, 230, 226, 223, 220, 216, 212, 208, 204, 199, 195, 190, 185, 180, 175, 170,
    164, 158, 152, 145, 139, 132, 125, 117, 109, 101, 93, 84, 75, 65, 56,
)  # fmt: skip

# The resident scheme divides by 139 whatever the age (国发〔2014〕8号).
RESIDENT_PAYOUT_MONTHS = Decimal("139.0")

_TENTH = Decimal("0.1")


def _interpolated(months_after_first: int) -> Decimal:
    """Linear interpolation between whole ages, rounded half-up to 0.1 as agencies do."""
    years, months = divmod(months_after_first, 12)
    low = TABLE[years]
    if months == 0:
        return Decimal(low).quantize(_TENTH)
    step = Decimal(TABLE[years + 1] - low) * months / 12
    return (low + step).quantize(_TENTH, rounding=ROUND_HALF_UP)


# Every age from 40y0m to 70y0m, computed once: a lookup is then a tuple index.
_BY_MONTH: tuple[Decimal, ...] = tuple(
    _interpolated(month) for month in range((LAST_AGE - FIRST_AGE) * 12 + 1)
)


def payout_months(age: Age) -> Decimal:
    """Payout months for a retirement at `age` (40y0m–70y0m), interpolated for odd months."""
    offset = age.total_months - FIRST_AGE * 12
    if not 0 <= offset < len(_BY_MONTH):
        raise PensionError(
            f"计发月数表只覆盖 {FIRST_AGE}–{LAST_AGE} 岁：{age.zh}",
            f"the payout table covers ages {FIRST_AGE}–{LAST_AGE} only: {age}",
        )
    return _BY_MONTH[offset]
