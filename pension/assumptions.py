"""The inputs and parameters an estimate rests on, each parameter with its source."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pension.parameters import Sourced
from pension.yearmonth import YearMonth


@dataclass(frozen=True, slots=True)
class Assumptions:
    """The inputs and parameters an estimate rests on, each parameter with its source."""

    as_of: YearMonth
    province: str
    province_zh: str
    province_en: str
    national_defaults: bool
    resume: YearMonth
    balance_now: Decimal
    balance_estimated: bool
    # Employee scheme.
    wage_growth: Sourced[Decimal] | None = None
    base: Decimal | None = None
    past_base: Decimal | None = None
    index: Decimal | None = None
    avg_wage: Sourced[Decimal] | None = None
    bookkeeping_rate: Sourced[Decimal] | None = None
    transitional_coefficient: Sourced[Decimal] | None = None
    # Resident scheme.
    tier: Decimal | None = None
    subsidy: Sourced[Decimal] | None = None
    central_minimum: Sourced[Decimal] | None = None
    resident_top_up: Sourced[Decimal] | None = None
    resident_account_rate: Sourced[Decimal] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The assumptions ready for JSON: plain values as strings, parameters with sources."""
        out: dict[str, Any] = {
            "as_of": str(self.as_of),
            "province": self.province,
            "province_zh": self.province_zh,
            "province_en": self.province_en,
            "national_defaults": self.national_defaults,
            "resume": str(self.resume),
            "balance_now": str(self.balance_now),
            "balance_estimated": self.balance_estimated,
        }
        for name in ("base", "past_base", "index", "tier"):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        for name in (
            "avg_wage",
            "wage_growth",
            "bookkeeping_rate",
            "transitional_coefficient",
            "subsidy",
            "central_minimum",
            "resident_top_up",
            "resident_account_rate",
        ):
            item = getattr(self, name)
            if item is not None:
                out[name] = {"value": str(item.value), "source": item.source}
        return out
