"""Money rounding: yuan with two decimals, half-up, always in Decimal."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def yuan(amount: Decimal) -> Decimal:
    """`amount` rounded half-up to 0.01 yuan."""
    # An explicit rounding argument leaves the thread's Decimal context alone.
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
