"""Pension parameters: national and provincial values by year, each with its source."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from pension.projection import Projection

V = TypeVar("V")

# Source text of a value the user supplied; every other source names a document or says "check".
OVERRIDE_SOURCE = "override: set by the user / 用户指定"


@dataclass(frozen=True, slots=True)
class Sourced(Generic[V]):
    """A value and where it comes from ("seen: …", "check: …", "assumption: …", "override: …")."""

    value: V
    source: str

    @property
    def confirmed(self) -> bool:
        """False for values flagged to be checked against the province's own notice."""
        return "check:" not in self.source


@dataclass(frozen=True, slots=True)
class ByYear(Generic[V]):
    """Values by year; a year outside the table takes the nearest year's value."""

    entries: Mapping[int, Sourced[V]] = field(default_factory=dict)
    # Lookups already answered: estimates ask for the same few years again and again.
    _memo: dict[int, Sourced[V]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def at(self, year: int) -> Sourced[V] | None:
        """The value for `year` (or the nearest year's); None if the table is empty."""
        found = self._memo.get(year)
        if found is not None or not self.entries:
            return found
        # On a tie the earlier year wins: values are carried forward, as agencies do.
        nearest = min(self.entries, key=lambda known: (abs(known - year), known))
        found = self._memo[year] = self.entries[nearest]
        return found

    @classmethod
    def override(cls, value: V) -> ByYear[V]:
        """A table holding `value`, set by the user, for every year."""
        return cls({0: Sourced(value, OVERRIDE_SOURCE)})

    def merged(self, values: Mapping[int, V]) -> ByYear[V]:
        """This table with the given years replaced by user overrides."""
        entries = dict(self.entries)
        entries.update({year: Sourced(value, OVERRIDE_SOURCE) for year, value in values.items()})
        return ByYear(entries)


@dataclass(frozen=True, slots=True)
class National:
    """National values: resident central minimum, bookkeeping rates, default assumptions."""

    central_minimum: ByYear[Decimal]
    bookkeeping_rate: ByYear[Decimal]
    future_bookkeeping_rate: Sourced[Decimal]
    wage_growth: Sourced[Decimal]
    resident_account_rate: Sourced[Decimal]


@dataclass(frozen=True, slots=True)
class Province:
    """One province's values by year; `national_defaults` marks the labelled fallback."""

    code: str
    name_zh: str
    name_en: str
    national_defaults: bool
    avg_wage: ByYear[Decimal]
    resident_top_up: ByYear[Decimal]
    resident_subsidy: ByYear[Mapping[Decimal, Decimal]]
    transitional_coefficient: ByYear[Decimal]


@dataclass(frozen=True, slots=True)
class Overrides:
    """Values a user supplies in place of the shipped ones; None or empty keeps the shipped one."""

    avg_wage: Mapping[int, Decimal] = field(default_factory=dict)
    wage_growth: Decimal | None = None
    bookkeeping_rate: Decimal | None = None
    central_minimum: Decimal | None = None
    resident_top_up: Decimal | None = None
    resident_subsidy: Decimal | None = None
    resident_account_rate: Decimal | None = None
    transitional_coefficient: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Parameters:
    """Everything an estimate needs for one province, overrides applied, projection precomputed."""

    national: National
    province: Province
    projection: Projection
    # A flat subsidy the user set for whatever tier is chosen (None: the province's schedule).
    subsidy_override: Decimal | None = None


def resolve(
    national: National, province: Province, overrides: Overrides | None = None
) -> Parameters:
    """Apply `overrides` to the shipped values and precompute the wage and interest path."""
    over = overrides or Overrides()
    if over.central_minimum is not None:
        national = dataclasses.replace(
            national, central_minimum=ByYear.override(over.central_minimum)
        )
    if over.bookkeeping_rate is not None:
        # A user's rate stands for every year, published ones included.
        national = dataclasses.replace(
            national,
            bookkeeping_rate=ByYear(),
            future_bookkeeping_rate=Sourced(over.bookkeeping_rate, OVERRIDE_SOURCE),
        )
    if over.wage_growth is not None:
        national = dataclasses.replace(
            national, wage_growth=Sourced(over.wage_growth, OVERRIDE_SOURCE)
        )
    if over.resident_account_rate is not None:
        national = dataclasses.replace(
            national, resident_account_rate=Sourced(over.resident_account_rate, OVERRIDE_SOURCE)
        )
    if over.avg_wage:
        province = dataclasses.replace(province, avg_wage=province.avg_wage.merged(over.avg_wage))
    if over.resident_top_up is not None:
        province = dataclasses.replace(
            province, resident_top_up=ByYear.override(over.resident_top_up)
        )
    if over.transitional_coefficient is not None:
        province = dataclasses.replace(
            province,
            transitional_coefficient=ByYear.override(over.transitional_coefficient),
        )
    projection = Projection.build(
        wages={year: item.value for year, item in province.avg_wage.entries.items()},
        wage_sources={year: item.source for year, item in province.avg_wage.entries.items()},
        growth=national.wage_growth.value,
        rates={year: item.value for year, item in national.bookkeeping_rate.entries.items()},
        future_rate=national.future_bookkeeping_rate.value,
    )
    return Parameters(national, province, projection, over.resident_subsidy)
