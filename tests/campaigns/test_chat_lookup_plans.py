"""The bot's look-ups of a chat's resident use the chat index (migration 0011).

Every update writes an event whose resident comes from `residents.telegram_chat_id`, and a chat
the bot has not cached is read with the same look-up: without the index each scanned the whole
ledger (with 100,000 residents a bot took 101 updates a second instead of 500).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement

from campaigns.chat_store import _CHAT_QUERY, _EVENT_INSERT, _PG_EVENT_INSERT
from tests.query_plans import query_plan

INDEX = "ix_residents_telegram_chat"


def _literal(statement: ClauseElement, engine: AsyncEngine) -> str:
    return str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


async def test_reading_a_chat_finds_its_resident_by_the_index(engine: AsyncEngine) -> None:
    query = _literal(_CHAT_QUERY.params(chat=4242, address="telegram:4242"), engine)
    assert INDEX in await query_plan(engine, query)


async def test_a_chat_event_finds_its_resident_by_the_index(engine: AsyncEngine) -> None:
    values = {
        "kind": "question_answered",
        "at": datetime(2026, 12, 6, tzinfo=UTC),
        "campaign_id": None,
        "message_id": None,
        "chat": 4242,
        "data": "{}",
    }
    compiled = _EVENT_INSERT.compile(dialect=engine.dialect)
    assert compiled.positiontup is not None  # both drivers take positional parameters
    bound = compiled.construct_params(values)  # with the LIMIT's own parameter
    arguments = tuple(bound[name] for name in compiled.positiontup)
    assert INDEX in await query_plan(engine, str(compiled), arguments)
    if engine.dialect.name == "postgresql":  # the bot's own insert, through the driver
        assert INDEX in await query_plan(engine, _PG_EVENT_INSERT, tuple(values.values()))
