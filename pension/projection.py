"""Average wage and bookkeeping rate year by year, precomputed for fast account projection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from pension.errors import PensionError
from pension.money import yuan
from pension.yearmonth import YearMonth

FIRST_YEAR = 1990
LAST_YEAR = 2100

_ONE = Decimal(1)
_ZERO = Decimal(0)
# A full year of monthly contributions, each credited (13 - month) / 12 of the year's rate:
# 1 + 2 + … + 12 = 78 months of interest, i.e. 6.5 years' worth (the official 1.083 × 1/2 rule
# gives almost the same).
_FULL_YEAR_INTEREST_MONTHS = Decimal(78)


@dataclass(frozen=True, slots=True)
class Projection:
    """The wage C and bookkeeping rate of every year from 1990 to 2100, plus cumulative factors.

    Interest is credited yearly: a balance held from the start of month s earns (13 - s) / 12 of
    the year's rate, a contribution paid in month j earns (13 - j) / 12, and at retirement the
    current year's interest is credited pro rata up to the retirement month.
    """

    wages: tuple[Decimal, ...]
    wage_sources: tuple[str, ...]
    rates: tuple[Decimal, ...]
    # rate / 12, so that partial years need no division.
    monthly: tuple[Decimal, ...]
    # growth[i]: value at the start of year FIRST_YEAR + i of 1 yuan held since FIRST_YEAR.
    growth: tuple[Decimal, ...]
    # prefix[i]: sum over earlier years k of C_k × (full-year contributions with interest) ÷
    # growth[k + 1]; a run of full years then costs one subtraction (see `contributions`).
    prefix: tuple[Decimal, ...]

    @classmethod
    def build(
        cls,
        wages: Mapping[int, Decimal],
        wage_sources: Mapping[int, str],
        growth: Decimal,
        rates: Mapping[int, Decimal],
        future_rate: Decimal,
    ) -> Projection:
        """Fill every year: known wages as given, others projected from the nearest known year."""
        if not wages:
            raise PensionError("缺少社平工资数据", "no average wage given")
        factor = _ONE + growth
        year_wages: list[Decimal] = []
        sources: list[str] = []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if year in wages:
                year_wages.append(wages[year])
                sources.append(wage_sources.get(year, ""))
                continue
            # On a tie project forward from the earlier year, the usual direction.
            anchor = min(wages, key=lambda known: (abs(known - year), known))
            year_wages.append(yuan(wages[anchor] * factor ** (year - anchor)))
            sources.append(
                f"assumption: projected at {growth} a year from {anchor}"
                f" ({wages[anchor]}; {wage_sources.get(anchor, '')})"
            )
        year_rates = [rates.get(year, future_rate) for year in range(FIRST_YEAR, LAST_YEAR + 1)]
        cumulative = [_ONE]
        prefix = [_ZERO]
        for wage, rate in zip(year_wages, year_rates, strict=True):
            cumulative.append(cumulative[-1] * (_ONE + rate))
            full_year = 12 + rate / 12 * _FULL_YEAR_INTEREST_MONTHS
            prefix.append(prefix[-1] + wage * full_year / cumulative[-1])
        return cls(
            wages=tuple(year_wages),
            wage_sources=tuple(sources),
            rates=tuple(year_rates),
            monthly=tuple(rate / 12 for rate in year_rates),
            growth=tuple(cumulative),
            prefix=tuple(prefix),
        )

    def wage(self, year: int) -> Decimal:
        """The average wage C of `year` (known or projected)."""
        return self.wages[_offset(year)]

    def wage_source(self, year: int) -> str:
        """Where C of `year` comes from."""
        return self.wage_sources[_offset(year)]

    def rate(self, year: int) -> Decimal:
        """The bookkeeping rate credited for `year` (published or assumed)."""
        return self.rates[_offset(year)]

    def grow(self, amount: Decimal, start: YearMonth, end: YearMonth) -> Decimal:
        """The value at the start of month `end` of `amount` held from the start of `start`."""
        if end <= start:
            return amount
        first, last = _offset(start.year), _offset(end.year)
        monthly = self.monthly
        if first == last:
            return amount * (_ONE + monthly[first] * (end.month - start.month))
        at_year_end = amount * (_ONE + monthly[first] * (13 - start.month))
        at_last_start = at_year_end * self.growth[last] / self.growth[first + 1]
        return at_last_start * (_ONE + monthly[last] * (end.month - 1))

    def contributions(self, share: Decimal, start: YearMonth, end: YearMonth) -> Decimal:
        """Value at the start of `end` of paying `share` × C a month from `start` to `end` - 1."""
        if end <= start:
            return _ZERO
        first, last = _offset(start.year), _offset(end.year)
        wages, monthly = self.wages, self.monthly
        if first == last:
            return share * wages[first] * _paid(end.month - start.month, monthly[first])
        first_year = wages[first] * _paid(13 - start.month, monthly[first])
        growth = self.growth
        at_last_start = (
            first_year * growth[last] / growth[first + 1]
            + (self.prefix[last] - self.prefix[first + 1]) * growth[last]
        )
        before = end.month - 1
        last_year = wages[last] * _paid(before, monthly[last])
        return share * (at_last_start * (_ONE + monthly[last] * before) + last_year)


def _paid(months: int, monthly_rate: Decimal) -> Decimal:
    """`months` contributions of 1 in a run, the k-th from the end credited k months' interest."""
    return months + monthly_rate * (months * (months + 1) // 2)


def _offset(year: int) -> int:
    """Index of `year` in the precomputed tables."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PensionError(
            f"测算年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间：{year}",
            f"years must be {FIRST_YEAR}–{LAST_YEAR}: {year}",
        )
    return year - FIRST_YEAR
