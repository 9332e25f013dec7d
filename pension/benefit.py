"""A monthly pension split into its parts, each in yuan rounded to 0.01."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Benefit:
    """Monthly pension: basic + personal account + transitional (employee scheme only)."""

    basic: Decimal
    account: Decimal
    transitional: Decimal
    payout_months: Decimal

    @property
    def total(self) -> Decimal:
        """The sum of the rounded parts, so that the parts shown always add up to the total."""
        return self.basic + self.account + self.transitional

    def as_dict(self) -> dict[str, str]:
        """The figures as strings, ready for JSON."""
        return {
            "basic": str(self.basic),
            "account": str(self.account),
            "transitional": str(self.transitional),
            "total": str(self.total),
            "payout_months": str(self.payout_months),
        }
