"""What a linked resident's ledger row says for an estimate, and which province's rules apply.

The records (campaigns/ implements them; the bot may not import it) map a ledger row to these
inputs with the same choices an outreach message makes, so the chat and the message agree.
"""

from __future__ import annotations

from typing import Protocol

from pension import Category, PensionError, Scheme, YearMonth, province_code


class LedgerInputs(Protocol):
    """A linked resident's estimate inputs as the ledger gives them."""

    @property
    def birth(self) -> YearMonth: ...
    @property
    def category(self) -> Category: ...
    @property
    def scheme(self) -> Scheme: ...
    @property
    def months_paid(self) -> int | None:
        """Months paid so far; None when the ledger does not know (it keeps the last month)."""

    @property
    def region(self) -> str | None:
        """Where the resident is insured (养老保险参保地) as staff wrote it, if they did."""


def province_of(region: str | None, default: str) -> str:
    """The province code a ledger region names (云南省昆明市 → yunnan), else `default`'s."""
    text = (region or "").strip()
    # Full names (云南省), short ones (云南, 内蒙古) and a province with a city or county after it.
    for candidate in (text, text[:3], text[:2]):
        if not candidate:
            continue
        try:
            return province_code(candidate)
        except PensionError:
            continue
    return province_code(default)
