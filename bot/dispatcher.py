"""The dispatcher: routers in order, middlewares, FSM state in Redis, dependencies by name.

Order matters. Free-text questions (faq) take any text, so every other router must see a
message before faq does. Those routers (/start and its buttons, /stop, then the features behind
RequireConsent) handle only commands, their own dialogue's text and (stop) 退订: they sit under
one router whose first check admits exactly those messages. faq comes first behind the opposite
check, so a plain question (most updates) reaches it past one check and no other router; a
second faq router after the commands takes what they admitted and left (an unknown command).
The errors router is last: aiogram sends an error to every router's error handlers wherever it
was raised, so its place only costs messages a router to pass.
"""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher, Router
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.chat_cache import ChatCache, cached_records
from bot.estimate_dialogue import EstimateForm
from bot.filters import CommandOrState, NeitherCommandNorState
from bot.middlewares import ChatContext, PrefetchedFSM, RequireConsent, Throttle
from bot.pending import PendingQuestions
from bot.routers import errors, estimate, faq, linking, start, stop
from bot.routers.linking import Linking
from bot.services import ChatRecords
from faq import Answerer, is_stop

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

    consent = RequireConsent()
    dialogues = _behind(consent, "dialogues", linking.router(), estimate.router())
    # Admits what any of start's, stop's, linking's and estimate's own first checks admits.
    commands = Router(name="commands_and_dialogues")
    commands.message.filter(CommandOrState(Linking, EstimateForm, text=is_stop))
    commands.include_routers(start.router(), stop.router(), dialogues)

    # Most updates are plain questions: they go to faq first, past nothing else. What the
    # commands router admits and leaves (an unknown command, a sticker mid-dialogue) reaches
    # faq after it, as if faq were simply last.
    questions = _guarded(consent, faq.router())
    questions.message.filter(NeitherCommandNorState(Linking, EstimateForm, text=is_stop))
    left_over = _guarded(consent, faq.router())
    dispatcher.include_routers(questions, commands, left_over, errors.router())
    return dispatcher


def _behind(consent: RequireConsent, name: str, *routers: Router) -> Router:
    """`routers` under one parent whose messages and button presses need consent."""
    parent = _guarded(consent, Router(name=name))
    parent.include_routers(*routers)
    return parent


def _guarded(consent: RequireConsent, router: Router) -> Router:
    """`router` itself, its messages and button presses needing consent.

    A router alone behind consent (and its first check) carries them itself rather than under
    a parent: each level of routers costs every update that passes it a round of aiogram's
    propagation (its middlewares wrapped, its filters checked, its data copied), and the faq
    router takes most updates.
    """
    router.message.middleware(consent)
    router.callback_query.middleware(consent)
    return router
