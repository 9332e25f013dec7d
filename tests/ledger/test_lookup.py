"""Finding a resident by phone and ID-number suffix, on both stores."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from ledger import LedgerContact, resident_by_phone_and_id_suffix, resident_contact
from tests.campaigns.residents import add_residents, resident
from tests.ledger.builders import id_number

PHONE = "13900000001"


async def test_phone_and_suffix_find_the_one_resident(engine: AsyncEngine) -> None:
    [first, _second] = await add_residents(engine, [resident(1), resident(2)])
    found = await resident_by_phone_and_id_suffix(engine, PHONE, first[-6:])
    assert found == LedgerContact(first, PHONE)


async def test_a_wrong_suffix_or_phone_finds_nobody(engine: AsyncEngine) -> None:
    [first, second] = await add_residents(engine, [resident(1), resident(2)])
    assert await resident_by_phone_and_id_suffix(engine, PHONE, second[-6:]) is None
    assert await resident_by_phone_and_id_suffix(engine, "13900000009", first[-6:]) is None
    # More than six characters, wildcards and a phone that is not one match nobody.
    assert await resident_by_phone_and_id_suffix(engine, PHONE, first[-7:]) is None
    assert await resident_by_phone_and_id_suffix(engine, PHONE, "%") is None
    assert await resident_by_phone_and_id_suffix(engine, PHONE, "_____" + first[-1]) is None
    assert await resident_by_phone_and_id_suffix(engine, "%", first[-6:]) is None


async def test_the_check_character_x_matches_in_either_case(engine: AsyncEngine) -> None:
    # Find a sequence whose check character is X.
    rows = [resident(seq) for seq in range(1, 40)]
    with_x = next(row for row in rows if row["id_number"].endswith("X"))
    with_x["phone"] = PHONE
    await add_residents(engine, [with_x])
    suffix = with_x["id_number"][-6:]
    found_upper = await resident_by_phone_and_id_suffix(engine, PHONE, suffix)
    found_lower = await resident_by_phone_and_id_suffix(engine, PHONE, suffix.lower())
    assert found_upper == found_lower == LedgerContact(with_x["id_number"], PHONE)


async def test_two_residents_with_one_phone_and_suffix_are_ambiguous(engine: AsyncEngine) -> None:
    one = resident(5, phone=PHONE)
    suffix = one["id_number"][-6:]
    # Another division whose number ends in the same six characters (check character included).
    other_id = next(
        candidate
        for division in range(110101, 110200)
        if (candidate := id_number("19700315", 5, division=str(division)))[-6:] == suffix
    )
    other = resident(6, phone=PHONE, id_number=other_id)
    await add_residents(engine, [one, other])
    assert await resident_by_phone_and_id_suffix(engine, PHONE, suffix) is None


async def test_the_phone_on_record_of_a_resident(engine: AsyncEngine) -> None:
    [first, no_phone] = await add_residents(engine, [resident(1), resident(2, phone=None)])
    assert await resident_contact(engine, first) == LedgerContact(first, PHONE)
    assert await resident_contact(engine, no_phone) is None
    assert await resident_contact(engine, "110101197003150000") is None
