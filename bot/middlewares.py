"""Middlewares: who is writing (ChatContext), how fast (Throttle), and whether they consented.

Throttle, the FSM context (PrefetchedFSM) and then ChatContext are outer middlewares on every
update: they run before routing, so a flood costs one Redis round trip per update and no
database read or handler work. That one round trip also fetches what the other two would each
have fetched on their own: the chat's cached state and its dialogue (FSM) state.
RequireConsent guards the feature routers only; /start, /help, /stop and the consent buttons
work for anyone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from redis.asyncio import Redis

from bot.chat_cache import ChatCache
from bot.services import ChatRecords, ChatUser, StoredChat
from bot.texts import COMMON, language_of
from core import LuaScript, resident_ref, run_bound

#: Handler data key: the chat's cached state as Throttle fetched it (None: not cached).
CACHED = "_cached_chat"
#: Handler data key: the dialogue (FSM) context and its state as Throttle fetched it.
PREFETCHED_STATE = "_prefetched_state"

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

#: Throttle's round trip, as one script: count the update (the window starts with the first),
#: then read each further key. A value is returned wrapped ({value}, or {} when the key is
#: missing): a Lua table ends at its first nil, so a missing key cannot be returned as one.
_COUNT_AND_READ = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX')
local out = {count}
for i = 2, #KEYS do
    local value = redis.call('GET', KEYS[i])
    if value then out[i] = {value} else out[i] = {} end
end
return out
"""
# One command, not a pipeline of four: redis-py's pipeline was most of an update's Redis cost in
# the client.
_count_and_read = LuaScript(_COUNT_AND_READ)


def _sender(update: Update) -> tuple[User | None, int | None]:
    """The person behind an update and their private chat (None for updates we do not serve)."""
    if update.message is not None:
        return update.message.from_user, update.message.chat.id
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        return query.from_user, chat
    return None, None


class ChatContext(BaseMiddleware):
    """Load the chat once per update and hand it to handlers as `chat_user` and `language`.

    From the cache entry Throttle fetched (`CACHED`) when there is one; otherwise from the
    records, and the entry is filled for the next update.
    """

    def __init__(self, cache: ChatCache) -> None:
        self._cache = cache

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user, chat_id = _sender(event)
        # The update's lines carry its id and the linked resident (masked), never the phone.
        context: dict[str, object] = {"update_id": event.update_id}
        if chat_id is not None:
            raw = data.pop(CACHED, None)
            stored: StoredChat | None
            if raw is not None:
                stored = ChatCache.decode(raw)
            else:
                records: ChatRecords = data["records"]
                stored = await records.chat_user(chat_id)
                await self._cache.store(chat_id, stored)
            if stored is None:
                chat_user = ChatUser(
                    chat_id, language=language_of(user.language_code if user else None)
                )
            else:
                chat_user = ChatUser(
                    chat_id,
                    language=stored.language,
                    consented=stored.consented,
                    stopped=stored.stopped,
                    resident_id=stored.resident_id,
                )
            data["chat_user"] = chat_user
            data["language"] = chat_user.language
            if chat_user.resident_id is not None:
                context["resident"] = resident_ref(chat_user.resident_id)
        return await run_bound(handler(event, data), **context)


class Throttle(BaseMiddleware):
    """At most `limit` updates per `window` seconds from one person; the first excess is told.

    Counted in Redis, so every bot process (webhook replicas, a polling process) shares the
    count. Updates beyond the limit are dropped: answering each would be the flood itself. The
    same round trip fetches the chat's cached state for ChatContext (`CACHED`) and, given the
    FSM middleware, the dialogue state for it (`PREFETCHED_STATE`).
    """

    def __init__(
        self,
        redis: Redis,
        *,
        limit: int = 8,
        window: int = 10,
        fsm: PrefetchedFSM | None = None,
    ) -> None:
        self._redis = redis
        self._limit = limit
        self._window = window
        self._fsm = fsm

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user, chat_id = _sender(event)
        if user is None:
            return await handler(event, data)
        key = f"bot:throttle:{user.id}"
        fsm = self._fsm
        context = None if fsm is None else fsm.context(data)
        keys = [key]
        if chat_id is not None:
            keys.append(ChatCache.key(chat_id))
        if fsm is not None and context is not None:
            keys.append(fsm.state_key(context))
        count, *values = await _count_and_read(self._redis, keys, [self._window])
        if int(count) <= self._limit:
            if chat_id is not None:
                data[CACHED] = _unwrapped(values[0])
            if context is not None:
                data[PREFETCHED_STATE] = Prefetched(context, _unwrapped(values[-1]))
            return await handler(event, data)
        if int(count) == self._limit + 1:  # told once, in the webhook's answer (bot.webhook)
            language = language_of(user.language_code)  # before ChatContext: no database read
            if event.message is not None:
                return event.message.answer(COMMON(language, "throttled"))
            if event.callback_query is not None:
                return event.callback_query.answer(COMMON(language, "throttled"))
        return None


@dataclass(frozen=True, slots=True)
class Prefetched:
    """The update's dialogue context and its state, raw as Redis returned it (None: none)."""

    context: FSMContext
    raw: Any


def _unwrapped(value: list[Any]) -> Any:
    """A value as _COUNT_AND_READ returns it: [value], or [] for a missing key (None)."""
    return value[0] if value else None


class RequireConsent(BaseMiddleware):
    """Features answer only chats that accepted the privacy notice and have not stopped."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat_user: ChatUser | None = data.get("chat_user")
        if chat_user is not None and chat_user.consented and not chat_user.stopped:
            return await handler(event, data)
        language = data.get("language", "zh")
        key = "stopped_already" if chat_user is not None and chat_user.stopped else "need_consent"
        if isinstance(event, Message):
            return event.answer(COMMON(language, key))
        if isinstance(event, CallbackQuery):
            return event.answer(COMMON(language, key), show_alert=True)
        return None


class PrefetchedFSM(FSMContextMiddleware):
    """aiogram's FSM context middleware, taking the state Throttle fetched (PREFETCHED_STATE)
    instead of reading it again; an update Throttle did not prefetch for is read as usual.

    Without event isolation only: with it, aiogram reads the state after taking the chat's
    lock (so that two updates of one chat do not both act on the same state), which a read
    made before the lock would undo. Webhook replicas share no lock anyway.
    """

    def __init__(self, storage: RedisStorage) -> None:
        super().__init__(storage=storage, events_isolation=DisabledEventIsolation())
        self._redis_storage = storage

    def context(self, data: dict[str, Any]) -> FSMContext | None:
        """The update's dialogue context, as aiogram's middleware resolves it (None: the update
        has no chat or user). Throttle hands it on with the state (`Prefetched`), so that it is
        resolved once an update."""
        bot: Bot = data["bot"]
        return self.resolve_event_context(bot, data)

    def state_key(self, context: FSMContext) -> str:
        """The Redis key of `context`'s state."""
        return self._redis_storage.key_builder.build(context.key, "state")

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        prefetched: Prefetched | None = data.pop(PREFETCHED_STATE, None)
        if prefetched is None:
            return await super().__call__(handler, event, data)
        data["fsm_storage"] = self.storage
        raw = prefetched.raw
        # As RedisStorage.get_state reads it.
        state = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data.update({"state": prefetched.context, "raw_state": state})
        return await handler(event, data)
