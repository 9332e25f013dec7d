"""The resident table: one row per person in the ledger, keyed by ID number."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from sqlalchemy import BigInteger, Date, DateTime, Index, String, Table, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base

#: Residents linked to a Telegram chat: the only rows of the chat index.
LINKED = "telegram_chat_id IS NOT NULL"


class Resident(Base):
    """A resident who should be insured, with their insurance and verification state.

    The two schemes every ledger tracks (basic pension, basic medical) are columns here rather
    than rows of a child table: every segment filters on them, and a join per count would cost
    more than the flexibility is worth while the ledger tracks no other scheme.
    """

    __tablename__ = "residents"

    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Derived from the ID number on every write; stored so that segments can filter on them.
    sex: Mapped[str] = mapped_column(String(8))
    birth_date: Mapped[date] = mapped_column(Date)

    household_address: Mapped[str | None] = mapped_column(Text)
    current_address: Mapped[str | None] = mapped_column(Text)
    township: Mapped[str | None] = mapped_column(String(64))
    village: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(11))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)

    employment_status: Mapped[str | None] = mapped_column(String(16))
    employer: Mapped[str | None] = mapped_column(String(128))
    identity_group: Mapped[str | None] = mapped_column(String(32))
    special_category: Mapped[str | None] = mapped_column(String(32))

    pension_scheme: Mapped[str | None] = mapped_column(String(16))
    pension_status: Mapped[str | None] = mapped_column(String(16))
    pension_last_paid: Mapped[date | None] = mapped_column(Date)  # first day of the month
    pension_region: Mapped[str | None] = mapped_column(String(64))
    medical_scheme: Mapped[str | None] = mapped_column(String(16))
    medical_status: Mapped[str | None] = mapped_column(String(16))
    medical_last_paid: Mapped[date | None] = mapped_column(Date)
    uninsured_reason: Mapped[str | None] = mapped_column(String(32))

    verification: Mapped[str | None] = mapped_column(Text)
    verified_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("ix_residents_township_village", "township", "village"),
        Index("ix_residents_phone", "phone"),  # an SMS reply finds its resident by number
        # Every bot update finds its chat's resident (the event row); only linked ones listed.
        Index(
            "ix_residents_telegram_chat",
            "telegram_chat_id",
            sqlite_where=text(LINKED),
            postgresql_where=text(LINKED),
        ),
    )


#: The table itself, for Core queries (joins, `select_from`) in other packages.
RESIDENTS = cast(Table, Resident.__table__)

#: Columns an import writes (everything but the key and the bookkeeping timestamps).
IMPORTED_COLUMNS: tuple[str, ...] = tuple(
    c.name
    for c in Resident.__table__.columns
    if c.name not in {"created_at", "updated_at", "telegram_chat_id"}
)
