"""Residents written straight into the table, for campaign tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger import Resident
from tests.ledger.builders import id_number


def resident(
    seq: int,
    *,
    birth: str = "19700315",
    male: bool = True,
    phone: str | None = "auto",
    chat: int | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One residents row; the phone defaults to a distinct valid mobile number."""
    row: dict[str, Any] = {
        "id_number": id_number(birth, seq, male=male),
        "name": f"张{seq}",
        "sex": "male" if male else "female",
        "birth_date": date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
        "phone": f"139{seq:08d}" if phone == "auto" else phone,
        "telegram_chat_id": chat,
        "township": "勐海镇",
        "village": "曼短村",
        "identity_group": "rider",
        "pension_scheme": "resident",
        "pension_status": "lapsed",
        "pension_last_paid": date(2023, 6, 1),
    }
    row.update(fields)
    return row


async def add_residents(engine: AsyncEngine, rows: list[dict[str, Any]]) -> list[str]:
    # An executemany takes its columns from the first row: give every row every key.
    keys = {k for r in rows for k in r}
    rows = [{k: r.get(k) for k in keys} for r in rows]
    async with engine.begin() as connection:
        await connection.execute(insert(Resident), rows)
    return [r["id_number"] for r in rows]
