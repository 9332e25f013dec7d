"""Linking a chat to its ledger resident: through the dispatcher, the Telegram stand-in, the real
Linker on Redis, both stores, and an SMS stand-in that receives the code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.linking import normalise_code, normalise_phone, normalise_suffix
from campaigns import utc_now
from campaigns.model import EVENTS, SUPPRESSIONS
from core import mask_id_number, mask_phone
from ledger import Resident
from tests.bot.test_linking_harness import Linking, linking
from tests.campaigns.residents import add_residents, resident

ALICE, BOB, MALLORY = 610001, 610002, 610003
PHONE, OTHER_PHONE = "13900000001", "13900000002"
SENT_IF_MATCHED = "如果您填写的信息和我们的记录一致"


@pytest.fixture
async def ids(engine: AsyncEngine) -> list[str]:
    """Two residents: 张1 (PHONE) and 张2 (OTHER_PHONE)."""
    return await add_residents(engine, [resident(1), resident(2)])


@pytest.fixture
async def link(engine: AsyncEngine, redis: Redis, tmp_path: Path) -> AsyncIterator[Linking]:
    async with linking(engine, redis, tmp_path, max_attempts=3, chat_daily=4, phone_daily=3) as ln:
        for chat_id in (ALICE, BOB, MALLORY):
            await ln.chat.consented(chat_id)
        yield ln


async def _linked_chat(engine: AsyncEngine, id_number: str) -> int | None:
    async with engine.connect() as connection:
        query = select(Resident.telegram_chat_id).where(Resident.id_number == id_number)
        found: int | None = (await connection.execute(query)).scalar_one()
    return found


async def _event_kinds(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = (await connection.execute(select(EVENTS.c.kind).order_by(EVENTS.c.id))).all()
    return [str(row[0]) for row in rows if row[0] != "chat_consented"]


async def _alice_asks(link: Linking, ids: list[str]) -> tuple[str, str]:
    """Alice asks for a code with the first resident's details: their ID number and the code."""
    mine = ids[0]
    await link.ask_code(ALICE, mine[-6:], PHONE)
    return mine, await link.code_for(PHONE)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_a_resident_links_with_the_code_sent_to_their_phone(
    link: Linking, engine: AsyncEngine, ids: list[str]
) -> None:
    mine, other = ids
    # Typed as people type: a lower-case x or full-width digits, +86 and spaces.
    suffix = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in mine[-6:])
    [ask_suffix, ask_phone, sent] = await link.ask_code(ALICE, suffix, "+86 139 0000 0001")
    assert "最后6位" in ask_suffix
    assert "手机号" in ask_phone
    assert SENT_IF_MATCHED in sent

    [sms] = await link.sms()
    assert sms["to"] == PHONE
    assert sms["template"] == "SMS_480100201"
    assert sms["text"].startswith(f"您的验证码是{sms['params']['code']}，10分钟内有效")
    [linked] = await link.chat.say(ALICE, f" {sms['params']['code']} ")
    assert "关联成功" in linked
    assert mask_id_number(mine) in linked
    assert await _linked_chat(engine, mine) == ALICE
    assert await _event_kinds(engine) == ["account_linked"]

    [status] = await link.chat.say(ALICE, "/link")
    assert mask_id_number(mine) in status
    assert mask_phone(PHONE) in status
    [unlinked] = await link.chat.say(ALICE, "/unlink")
    assert "已解除关联" in unlinked
    assert await _linked_chat(engine, mine) is None
    assert await _event_kinds(engine) == ["account_linked", "account_unlinked"]
    [not_linked] = await link.chat.say(ALICE, "/unlink")
    assert "还没有关联" in not_linked

    # Nothing the bot said carries a full ID number, a full phone or anyone's name.
    said = "\n".join(m["text"] for m in await link.chat.messages(ALICE))
    for secret in (mine, other, PHONE, OTHER_PHONE, "张1", "张2", sms["params"]["code"]):
        assert secret not in said


async def test_no_match_gets_the_same_reply_and_no_sms(
    link: Linking, engine: AsyncEngine, ids: list[str]
) -> None:
    mine, other = ids
    [*_, matched] = await link.ask_code(ALICE, mine[-6:], PHONE)
    # Another resident's suffix with my phone, my suffix with an unknown phone, a phone that
    # said stop: each gets word for word what a match got.
    async with engine.begin() as connection:
        await connection.execute(
            SUPPRESSIONS.insert().values(
                address=f"sms:{OTHER_PHONE}", source="sms_reply", detail="TD", created_at=utc_now()
            )
        )
    attempts = [
        (BOB, other[-6:], PHONE),
        (MALLORY, mine[-6:], "13900000099"),
        (BOB, other[-6:], OTHER_PHONE),
    ]
    for chat_id, suffix, phone in attempts:
        [*_, reply] = await link.ask_code(chat_id, suffix, phone)
        assert reply == matched
    assert [line["to"] for line in await link.sms()] == [PHONE]  # the match's only

    # A code typed against a decoy is "wrong" exactly as a real state's wrong code is.
    code = await link.code_for(PHONE)
    [real_wrong] = await link.chat.say(ALICE, _wrong(code))
    [decoy_wrong] = await link.chat.say(BOB, code)
    assert real_wrong == decoy_wrong
    assert "还可以再试 2 次" in decoy_wrong
    assert await _linked_chat(engine, other) is None
    assert await _event_kinds(engine) == []


async def test_wrong_codes_use_the_code_up(
    link: Linking, engine: AsyncEngine, ids: list[str]
) -> None:
    mine, code = await _alice_asks(link, ids)
    [malformed] = await link.chat.say(ALICE, "12345")
    assert "6位数字验证码" in malformed  # not counted as an entry
    replies = [(await link.chat.say(ALICE, _wrong(code)))[0] for _ in range(3)]
    assert "还可以再试 2 次" in replies[0]
    assert "还可以再试 1 次" in replies[1]
    assert "已经作废" in replies[2]
    # The dialogue is over, and the right code no longer works either.
    [after] = await link.chat.say(ALICE, code)
    assert "关联成功" not in after
    assert await link.linker.enter(ALICE, code) == await link.linker.enter(MALLORY, code)
    assert await _linked_chat(engine, mine) is None


async def test_an_expired_code_does_not_link(
    link: Linking, engine: AsyncEngine, ids: list[str]
) -> None:
    mine, code = await _alice_asks(link, ids)
    link.clock.advance(seconds=link.linker.ttl - 1)
    [wrong] = await link.chat.say(ALICE, _wrong(code))
    assert "还可以再试" in wrong  # still alive a second before its end
    link.clock.advance(seconds=1)
    [expired] = await link.chat.say(ALICE, code)
    assert "已过期" in expired
    assert await _linked_chat(engine, mine) is None


async def test_requests_are_limited_per_chat_and_per_phone_a_day(
    link: Linking, ids: list[str]
) -> None:
    mine, _other = ids
    # A chat: four requests a day, for any details (the fifth is refused without a lookup).
    for i in range(3):
        [*_, reply] = await link.ask_code(MALLORY, "000000", f"1380000{i:04d}")
        assert SENT_IF_MATCHED in reply
    [*_, fourth] = await link.ask_code(MALLORY, mine[-6:], PHONE)
    assert SENT_IF_MATCHED in fourth
    [*_, fifth] = await link.ask_code(MALLORY, mine[-6:], PHONE)
    assert "次数已经用完" in fifth
    # A phone: three requests a day whoever asks, matched or not; the count is the same for a
    # phone the ledger does not know.
    for chat_id in (ALICE, BOB):
        await link.ask_code(chat_id, mine[-6:], PHONE)
    [*_, limited] = await link.ask_code(ALICE, mine[-6:], PHONE)
    assert "次数已经用完" in limited
    for chat_id in (ALICE, BOB, BOB):
        await link.ask_code(chat_id, "000000", "13900000077")
    [*_, unknown_limited] = await link.ask_code(ALICE, "000000", "13900000077")
    assert unknown_limited == limited
    assert [line["to"] for line in await link.sms()] == [PHONE] * 3

    link.clock.advance(days=1)  # a new day in Asia/Shanghai
    [*_, next_day] = await link.ask_code(ALICE, mine[-6:], PHONE)
    assert SENT_IF_MATCHED in next_day
    assert len(await link.sms()) == 4


async def test_a_second_chat_linking_the_same_resident_takes_the_link(
    link: Linking, engine: AsyncEngine, ids: list[str]
) -> None:
    mine, _other = ids
    for chat_id in (ALICE, BOB):
        await link.ask_code(chat_id, mine[-6:], PHONE)
        [linked] = await link.chat.say(chat_id, await link.code_for(PHONE))
        assert "关联成功" in linked
    assert await _linked_chat(engine, mine) == BOB
    [alice_now] = await link.chat.say(ALICE, "/link")
    assert "最后6位" in alice_now  # no longer linked: asked to start over
    assert await _event_kinds(engine) == ["account_linked", "account_linked"]


async def test_a_code_is_for_the_chat_that_asked(
    link: Linking, engine: AsyncEngine, ids: list[str]
) -> None:
    mine, code = await _alice_asks(link, ids)
    await link.ask_code(MALLORY, "000000", OTHER_PHONE)
    [reply] = await link.chat.say(MALLORY, code)
    assert "关联成功" not in reply
    assert await _linked_chat(engine, mine) is None


async def test_cancel_leaves_the_dialogue_and_voids_the_code(
    link: Linking, engine: AsyncEngine, ids: list[str]
) -> None:
    mine, _other = ids
    await link.ask_code(ALICE, mine[-6:], PHONE)
    [cancelled] = await link.chat.say(ALICE, "/cancel")
    assert "已退出关联" in cancelled
    code = await link.code_for(PHONE)
    assert (await link.linker.enter(ALICE, code)).outcome.value == "no_code"
    assert await _linked_chat(engine, mine) is None


async def test_redis_keeps_neither_the_code_nor_the_phone(
    link: Linking, redis: Redis, ids: list[str]
) -> None:
    mine, code = await _alice_asks(link, ids)
    stored: dict[str, str] = {}
    async for key in redis.scan_iter("bot:*"):
        kind = str(await redis.type(key))
        value = await redis.hgetall(key) if kind == "hash" else await redis.get(key)
        stored[str(key)] = str(value) if kind in ("hash", "string") else kind
    state = stored.pop(f"bot:link:code:{ALICE}")
    assert code not in state  # only its salted digest
    assert mine in state  # the resident link() will need, for the code's ten minutes
    everything = "\n".join(f"{key} {value}" for key, value in stored.items())
    assert PHONE not in everything + state
    assert mine[-6:] not in everything  # the dialogue's FSM data no longer holds the suffix
    assert code not in everything


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12345x", "12345X"), ("１２３４５Ｘ", "12345X"), (" 123 456 ", "123456"), ("1234", None)],
)
def test_suffixes_are_read_as_typed(typed: str, expected: str | None) -> None:
    assert normalise_suffix(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+86 139-0000-0001", PHONE),
        ("１３９００００００01", PHONE),
        ("008613900000001", PHONE),
        ("12900000001", None),
    ],
)
def test_phones_are_read_as_typed(typed: str, expected: str | None) -> None:
    assert normalise_phone(typed) == expected


def test_codes_are_six_ascii_digits() -> None:
    assert normalise_code(" １２3 456") == "123456"
    assert normalise_code("12345") is None
    assert normalise_code("١٢٣٤٥٦") is None  # Arabic-Indic digits are digits, not ours
