"""/start, consent, language, /stop and 退订 through the dispatcher and the stand-in."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import utc_now
from campaigns.model import CHAT_USERS, EVENTS, SUPPRESSIONS
from tests.bot.harness import BotHarness

CHAT = 424242


async def _events(engine: AsyncEngine) -> list[tuple[str, dict[str, object]]]:
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(EVENTS.c.kind, EVENTS.c.data).order_by(EVENTS.c.id))
        ).all()
    return [(str(kind), json.loads(str(data or "{}"))) for kind, data in rows]


async def test_start_shows_the_privacy_notice_and_consent_is_stored(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    [welcome] = await chat.say(CHAT, "/start")
    assert "隐私说明" in welcome
    assert await chat.store.chat_user(CHAT) is None  # nothing kept before consent

    [thanks] = await chat.press(CHAT, "consent:yes:zh")
    assert "谢谢" in thanks
    stored = await chat.store.chat_user(CHAT)
    assert stored is not None
    assert stored.consented
    assert stored.language == "zh"
    assert [kind for kind, _ in await _events(engine)] == ["chat_consented"]

    [back] = await chat.say(CHAT, "/start")
    assert "欢迎回来" in back


async def test_english_speakers_get_english_and_may_switch(chat: BotHarness) -> None:
    [welcome] = await chat.say(CHAT, "/start", language_code="en-GB")
    assert "Privacy" in welcome
    [switched] = await chat.press(CHAT, "lang:zh")
    assert "隐私说明" in switched  # the notice is edited in place, in Chinese
    [thanks] = await chat.press(CHAT, "consent:yes:zh")
    assert "谢谢" in thanks
    [answer] = await chat.say(CHAT, "/language")
    assert answer == "Language set to English."
    stored = await chat.store.chat_user(CHAT)
    assert stored is not None
    assert stored.language == "en"


async def test_declining_keeps_nothing_and_features_ask_for_consent(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.say(CHAT, "/start")
    [declined] = await chat.press(CHAT, "consent:no")
    assert "不会保存" in declined
    [asked] = await chat.say(CHAT, "灵活就业怎么交养老保险")
    assert "/start" in asked
    assert "同意" in asked
    assert await chat.store.chat_user(CHAT) is None
    assert await _events(engine) == []


async def test_stop_suppresses_the_chat_and_start_again_lifts_it(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    [stopped] = await chat.say(CHAT, "退订")
    assert "已为您退订" in stopped
    async with engine.connect() as connection:
        suppressed = (
            await connection.execute(select(SUPPRESSIONS.c.address, SUPPRESSIONS.c.source))
        ).all()
        consent: object = (await connection.execute(select(CHAT_USERS.c.consented_at))).scalar_one()
    assert suppressed == [(f"telegram:{CHAT}", "telegram_stop")]
    assert consent is None

    [refused] = await chat.say(CHAT, "断缴了还能补吗")
    assert "已退订" in refused  # a stopped chat gets no answers until it comes back
    [again] = await chat.say(CHAT, "/stop")
    assert "已退订" in again

    await chat.say(CHAT, "/start")
    await chat.press(CHAT, "consent:yes:zh")
    async with engine.connect() as connection:
        assert (await connection.execute(select(SUPPRESSIONS.c.address))).all() == []
    kinds = [(kind, data.get("resumed")) for kind, data in await _events(engine)]
    assert kinds == [("chat_consented", False), ("opted_out", None), ("chat_consented", True)]


async def test_a_staff_suppression_is_not_lifted_by_the_chat(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            SUPPRESSIONS.insert().values(
                address=f"telegram:{CHAT}", source="staff", detail="complaint", created_at=utc_now()
            )
        )
    await chat.consented(CHAT)
    stored = await chat.store.chat_user(CHAT)
    assert stored is not None
    assert stored.stopped


async def test_sms_only_stop_words_do_not_unsubscribe_a_chat(chat: BotHarness) -> None:
    await chat.consented(CHAT)
    for word in ("取消", "T", "N"):
        await chat.say(CHAT, word)
    stored = await chat.store.chat_user(CHAT)
    assert stored is not None
    assert not stored.stopped
    [stopped] = await chat.say(CHAT, "TD")
    assert "已为您退订" in stopped


async def test_blocking_the_bot_suppresses_the_chat_at_once(
    chat: BotHarness, engine: AsyncEngine
) -> None:
    await chat.consented(CHAT)
    await chat.stand_in.block(CHAT)
    await chat.deliver()  # Telegram's my_chat_member update
    async with engine.connect() as connection:
        suppressed = (
            await connection.execute(select(SUPPRESSIONS.c.address, SUPPRESSIONS.c.source))
        ).all()
    assert suppressed == [(f"telegram:{CHAT}", "telegram_block")]
    # Unblocking is not consent: the chat comes back only through /start and 同意.
    await chat.stand_in.block(CHAT, unblock=True)
    await chat.deliver()
    stored = await chat.store.chat_user(CHAT)
    assert stored is not None
    assert stored.stopped
    [again] = await chat.say(CHAT, "/stop")
    assert "已退订" in again
    kinds = [kind for kind, _ in await _events(engine)]
    assert kinds.count("opted_out") == 1  # one opt-out, one event
