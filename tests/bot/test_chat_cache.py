"""The chat's state comes from Redis after the first update, and the bot's changes refresh it."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import build_dispatcher
from bot.chat_cache import ChatCache
from campaigns import utc_now
from campaigns.chat_store import ChatStore, StoredChat
from campaigns.model import SUPPRESSIONS
from tests.bot.harness import BotHarness, answerer
from tests.channels.test_telegram_harness import TOKEN, config, running

CHAT = 707070


class CountingStore(ChatStore):
    reads = 0

    async def chat_user(self, chat_id: int) -> StoredChat | None:
        self.reads += 1
        return await super().chat_user(chat_id)


async def test_one_database_read_per_chat_until_the_bot_changes_it(
    engine: AsyncEngine, redis: Redis
) -> None:
    store = CountingStore(engine)
    async with running(config()) as stand_in:
        dispatcher = build_dispatcher(redis, records=store, answerer=answerer())
        chat = BotHarness(stand_in, stand_in.bot(TOKEN), dispatcher, store)
        await chat.say(CHAT, "/start")
        await chat.say(CHAT, "/help")
        assert store.reads == 1  # the first update; the unknown chat is cached too
        await chat.press(CHAT, "consent:yes:zh")  # a change: the entry is forgotten
        [answer] = await chat.say(CHAT, "灵活就业怎么交养老保险")
        assert "/start" not in answer  # consent seen at once, not after the entry expired
        assert store.reads == 2
        await chat.say(CHAT, "/help")
        assert store.reads == 2
        [stopped] = await chat.say(CHAT, "退订")
        assert "已为您退订" in stopped
        [refused] = await chat.say(CHAT, "断缴了还能补吗")
        assert "已退订" in refused


async def test_a_change_made_elsewhere_is_seen_once_the_entry_expires(
    engine: AsyncEngine, redis: Redis, chat: BotHarness
) -> None:
    await chat.consented(CHAT)
    await chat.say(CHAT, "/help")
    assert await redis.ttl(ChatCache.key(CHAT)) > 0  # cached, with an expiry
    async with engine.begin() as connection:  # staff suppress the chat
        await connection.execute(
            SUPPRESSIONS.insert().values(
                address=f"telegram:{CHAT}", source="staff", detail="", created_at=utc_now()
            )
        )
    await redis.delete(ChatCache.key(CHAT))  # what the expiry does
    [refused] = await chat.say(CHAT, "断缴了还能补吗")
    assert "已退订" in refused


async def test_the_dialogue_state_rides_in_the_throttles_round_trip(chat: BotHarness) -> None:
    """The estimate dialogue moves from question to question on the state Throttle fetched:
    the FSM storage is never asked for it on its own."""
    storage = chat.dispatcher.fsm.storage
    reads: list[object] = []
    read_state = storage.get_state

    async def counted(key: StorageKey) -> str | None:
        reads.append(key)
        return await read_state(key)

    storage.get_state = counted  # type: ignore[method-assign]
    await chat.consented(CHAT)
    await chat.say(CHAT, "/estimate")
    [category] = await chat.say(CHAT, "1968/7")  # answered only in the dialogue's state
    assert "男性还是女性" in category
    await chat.press(CHAT, "est:c:male")
    assert reads == []


async def test_chats_stored_at_once_are_each_cached_with_an_expiry(redis: Redis) -> None:
    cache = ChatCache(redis, ttl=60)
    chats: list[StoredChat | None] = [
        StoredChat(CHAT + n, "en" if n % 2 else "zh", True, n == 3, "530000" if n == 4 else None)
        for n in range(6)
    ]
    chats.append(None)  # a chat the records do not know is cached too
    await asyncio.gather(*(cache.store(CHAT + n, chat) for n, chat in enumerate(chats)))
    for n, chat in enumerate(chats):
        raw = await redis.get(ChatCache.key(CHAT + n))
        assert raw is not None
        cached = ChatCache.decode(raw)
        if chat is None:
            assert cached is None
        else:
            assert cached is not None
            assert (cached.language, cached.consented, cached.stopped, cached.resident_id) == (
                chat.language,
                chat.consented,
                chat.stopped,
                chat.resident_id,
            )
        assert 0 < await redis.ttl(ChatCache.key(CHAT + n)) <= 60


async def test_chats_cached_together_do_not_expire_together(redis: Redis) -> None:
    """A campaign's replies fill the cache in the same second; their entries' lifetimes are
    spread over the last quarter of the TTL, so their next database reads are spread too."""
    cache = ChatCache(redis, ttl=60)
    await asyncio.gather(
        *(cache.store(CHAT + n, StoredChat(CHAT + n, "zh", True, False, None)) for n in range(200))
    )
    lifetimes = [await redis.ttl(ChatCache.key(CHAT + n)) for n in range(200)]
    assert all(44 <= seconds <= 60 for seconds in lifetimes)
    assert max(lifetimes) - min(lifetimes) >= 10
