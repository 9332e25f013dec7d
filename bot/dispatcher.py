"""The dispatcher: routers in order, middlewares, FSM state in Redis, dependencies by name.

Order matters: errors first (it catches what every other router raises), then the routers that
work without consent (/start and its buttons, /stop), then the features behind RequireConsent,
with free-text questions (faq) last because it takes any text the others left.
"""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher, Router
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.chat_cache import ChatCache, cached_records
from bot.middlewares import ChatContext, PrefetchedFSM, RequireConsent, Throttle
from bot.pending import PendingQuestions
from bot.routers import errors, estimate, faq, linking, start, stop
from bot.services import ChatRecords
from faq import Answerer

#: FSM state (an unfinished dialogue) is forgotten after a day without a word.
STATE_TTL = 24 * 3600


def build_dispatcher(
    redis: Redis,
    *,
    records: ChatRecords,
    answerer: Answerer,
    throttle_limit: int = 8,
    throttle_window: int = 10,
    **services: Any,
) -> Dispatcher:
    """A dispatcher with every feature; `services` are injected into handlers by name."""
    storage = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(prefix="bot:fsm"),
        state_ttl=STATE_TTL,
        data_ttl=STATE_TTL,
    )
    cache = ChatCache(redis)
    # aiogram's FSM middleware would run before Throttle and read the state on its own; ours
    # runs after it and takes the state Throttle fetched in its round trip.
    dispatcher = Dispatcher(
        storage=storage,
        disable_fsm=True,
        records=cached_records(records, redis),
        answerer=answerer,
        pending=PendingQuestions(redis),
        **services,
    )
    fsm = PrefetchedFSM(storage)
    throttle = Throttle(redis, limit=throttle_limit, window=throttle_window, fsm=fsm)
    dispatcher.update.outer_middleware(throttle)
    dispatcher.update.outer_middleware(fsm)
    dispatcher.update.outer_middleware(ChatContext(cache))

    features = Router(name="features")
    consent = RequireConsent()
    features.message.middleware(consent)
    features.callback_query.middleware(consent)
    features.include_routers(linking.router(), estimate.router(), faq.router())

    dispatcher.include_routers(errors.router(), start.router(), stop.router(), features)
    return dispatcher
