"""Finding a resident from what only they should know: their phone and their ID number's end.

Used to link a chat to its ledger row (the bot sends a one-time code to the phone on record).
The answer is the one resident whose phone is exactly `phone` and whose ID number ends with the
six characters `id_suffix`, or None: none matches, or more than one does (a shared family phone
with two matching suffixes cannot say who is asking). Queries are parameterized; the suffix is
bound as a parameter of a LIKE pattern (checked to be six digits or X, and escaped anyway).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger.model import Resident

_R = cast(Table, Resident.__table__)
#: Six characters: digits, the last of them possibly the check character X (upper case).
ID_SUFFIX = re.compile(r"\d{5}[\dX]")
_PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True, slots=True)
class LedgerContact:
    """A resident's key and the phone on record."""

    id_number: str
    phone: str


async def resident_by_phone_and_id_suffix(
    engine: AsyncEngine, phone: str, id_suffix: str
) -> LedgerContact | None:
    """The one resident with `phone` (11 digits) and an ID number ending in `id_suffix`.

    `id_suffix` is matched case-insensitively (a lower-case x is the check character X); a value
    that cannot be a phone or a suffix matches nobody.
    """
    suffix = id_suffix.upper()
    if not ID_SUFFIX.fullmatch(suffix) or not _PHONE.fullmatch(phone):
        return None
    query = (
        select(_R.c.id_number)
        .where(_R.c.phone == phone)
        # A bound LIKE pattern; the ledger stores the X upper-case, upper() covers any other row.
        .where(func.upper(_R.c.id_number).endswith(suffix, autoescape=True))
        .limit(2)
    )
    async with engine.connect() as connection:
        found = [str(row[0]) for row in (await connection.execute(query)).all()]
    if len(found) != 1:
        return None
    return LedgerContact(found[0], phone)


async def resident_contact(engine: AsyncEngine, id_number: str) -> LedgerContact | None:
    """The phone on record of the resident `id_number` (None: no such row, or no phone)."""
    query = select(_R.c.id_number, _R.c.phone).where(_R.c.id_number == id_number)
    async with engine.connect() as connection:
        row = (await connection.execute(query)).first()
    if row is None or row[1] is None:
        return None
    return LedgerContact(str(row[0]), str(row[1]))
