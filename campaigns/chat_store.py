"""The bot's records in the outreach tables: consent, stop, hand-offs, links and chat events.

`ChatStore` is what bot/ calls `ChatRecords` (the bot may not import campaigns/; the composition
root passes this in). A stop is a suppression of "telegram:<chat id>", the same list the sender
checks before every message, so /stop in the chat and 退订 by SMS stop outreach alike. Every
change writes its event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import BindParameter

from campaigns.events import EventKind, event_row, write_events
from campaigns.model import CHAT_USERS, EVENTS, INBOUND, SUPPRESSIONS
from campaigns.personal_estimate import estimate_inputs
from campaigns.sending import suppress_many
from campaigns.timing import utc_now
from core import GroupCommit, GroupRead, HeldConnection, is_sqlite
from ledger.model import Resident
from ops.instruments import count_estimate, count_faq_abstained, count_faq_answered
from pension import Category, Scheme, YearMonth

_R = cast(Table, Resident.__table__)
_C = CHAT_USERS
_S = SUPPRESSIONS

#: Suppressions of a chat that only its owner's consent lifts (not a staff decision).
_LIFTED_BY_CONSENT = ("telegram_stop", "telegram_block", "telegram_reply")
CHANNEL = "telegram"
#: The chat gave up its link (/unlink); beside EventKind.ACCOUNT_LINKED, which events.py holds.
ACCOUNT_UNLINKED = "account_unlinked"


@dataclass(frozen=True, slots=True)
class StoredChat:
    """A chat as the store knows it; structurally the bot's `ChatUser`."""

    chat_id: int
    language: str
    consented: bool
    stopped: bool
    resident_id: str | None


@dataclass(frozen=True, slots=True)
class StoredEstimateInputs:
    """A linked resident's estimate inputs from the ledger: the bot's `LedgerInputs`."""

    birth: YearMonth
    category: Category
    scheme: Scheme
    months_paid: int | None  # None: the ledger does not know how many months were paid
    region: str | None


# Built once: SQLAlchemy then reuses their compiled form (and cache key) on every update.
_CHAT: BindParameter[int] = bindparam("chat")
_CHAT_QUERY = select(
    select(_C.c.language).where(_C.c.chat_id == _CHAT).scalar_subquery(),
    select(_C.c.consented_at).where(_C.c.chat_id == _CHAT).scalar_subquery(),
    exists().where(_S.c.address == bindparam("address")),
    select(_R.c.id_number).where(_R.c.telegram_chat_id == _CHAT).limit(1).scalar_subquery(),
)
_EVENT_INSERT = insert(EVENTS).values(
    kind=bindparam("kind"),
    at=bindparam("at"),
    campaign_id=bindparam("campaign_id"),
    message_id=bindparam("message_id"),
    resident_id=select(_R.c.id_number)
    .where(_R.c.telegram_chat_id == _CHAT)
    .limit(1)
    .scalar_subquery(),
    data=bindparam("data"),
)


def address(chat_id: int) -> str:
    return f"{CHANNEL}:{chat_id}"


class ChatStore:
    """Chat records on one engine (SQLite or PostgreSQL)."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Callable[[], datetime] = utc_now,
        *,
        hold_connections: bool = False,
    ) -> None:
        """`hold_connections`: the event writer keeps its connection between writes that follow
        each other closely (core.HeldConnection), and on PostgreSQL so does the reader of chats
        not cached, whose reads are grouped (core.GroupRead): for a long-running process that
        closes the store (`aclose`) before disposing of the engine."""
        self._engine = engine
        # Single statements (the read of every update, chat events) need no transaction: no
        # BEGIN, COMMIT or rollback-on-release round trips.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._clock = clock
        self._events: GroupCommit[dict[str, Any]] = GroupCommit(self._write_events)
        self._writer = HeldConnection(self._autocommit) if hold_connections else None
        self._dialect: Any = sqlite if is_sqlite(str(engine.url)) else postgresql
        # Chats read while another read is in flight go together in the next one, on a
        # connection of its own (PostgreSQL: one query over an array of chat ids).
        self._reader = (
            HeldConnection(self._autocommit)
            if hold_connections and self._dialect is postgresql
            else None
        )
        self._reads: GroupRead[int, StoredChat | None] = GroupRead(self._read_chats)

    async def chat_user(self, chat_id: int) -> StoredChat | None:
        if self._reader is not None:
            return await self._reads.get(chat_id)
        params = {"chat": chat_id, "address": address(chat_id)}
        async with self._autocommit.connect() as connection:
            result = await connection.execute(_CHAT_QUERY, params)
            return _stored(chat_id, *result.one())

    async def _read_chats(self, chat_ids: Sequence[int]) -> dict[int, StoredChat | None]:
        assert self._reader is not None  # only a store that holds its reads groups them
        found: dict[int, StoredChat | None] = {}
        await self._reader.run(partial(_read_through_driver, chat_ids, found))
        return found

    async def consent(self, chat_id: int, language: str) -> None:
        now = self._clock()
        async with self._engine.begin() as connection:
            await self._upsert(connection, chat_id, language=language, consented_at=now)
            lifted = await connection.execute(
                delete(_S).where(
                    _S.c.address == address(chat_id), _S.c.source.in_(_LIFTED_BY_CONSENT)
                )
            )
            resident_id = await _resident(connection, chat_id)
            await write_events(
                connection,
                [
                    event_row(
                        EventKind.CHAT_CONSENTED,
                        now,
                        resident_id=resident_id,
                        data={
                            "channel": CHANNEL,
                            "language": language,
                            "resumed": bool(lifted.rowcount),
                        },
                    )
                ],
            )

    async def set_language(self, chat_id: int, language: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(_C)
                .where(_C.c.chat_id == chat_id)
                .values(language=language, updated_at=self._clock())
            )

    async def stop(self, chat_id: int, *, source: str) -> None:
        now = self._clock()
        async with self._engine.begin() as connection:
            resident_id = await _resident(connection, chat_id)
            await connection.execute(
                update(_C).where(_C.c.chat_id == chat_id).values(consented_at=None, updated_at=now)
            )
            already = await connection.scalar(
                select(exists().where(_S.c.address == address(chat_id)))
            )
            if already:  # a second /stop, or a block after one: one opt-out is one event
                return
            await suppress_many(
                connection,
                [(address(chat_id), resident_id)],
                source=source,
                detail="/stop" if source == "telegram_stop" else source,
                now=now,
            )
            await write_events(
                connection,
                [
                    event_row(
                        EventKind.OPTED_OUT,
                        now,
                        resident_id=resident_id,
                        data={"source": source, "channel": CHANNEL},
                    )
                ],
            )

    async def question_answered(self, chat_id: int, entry: str, confidence: float) -> None:
        data = {"channel": CHANNEL, "entry": entry, "confidence": round(confidence, 3)}
        await self._event(chat_id, EventKind.QUESTION_ANSWERED, data)
        count_faq_answered(CHANNEL)

    async def question_abstained(self, chat_id: int, reason: str, nearest: str | None) -> None:
        data = {"channel": CHANNEL, "reason": reason, "nearest": nearest}
        await self._event(chat_id, EventKind.QUESTION_ABSTAINED, data)
        count_faq_abstained(CHANNEL, reason)

    async def estimate_given(self, chat_id: int, *, prefilled: bool) -> None:
        await self._event(
            chat_id, EventKind.ESTIMATE_GIVEN, {"channel": CHANNEL, "prefilled": prefilled}
        )
        count_estimate(CHANNEL, prefilled=prefilled)

    async def estimate_inputs(self, chat_id: int) -> StoredEstimateInputs | None:
        """The inputs an outreach message would use for the chat's resident (personal_estimate)."""
        query = (
            select(
                _R.c.sex,
                _R.c.birth_date,
                _R.c.employment_status,
                _R.c.identity_group,
                _R.c.pension_scheme,
                _R.c.pension_status,
                _R.c.pension_region,
            )
            .where(_R.c.telegram_chat_id == chat_id)
            .limit(2)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        if len(rows) != 1:
            return None
        row = rows[0]
        inputs = estimate_inputs(
            sex=row.sex,
            birth_date=row.birth_date,
            employment_status=row.employment_status,
            identity_group=row.identity_group,
            pension_scheme=row.pension_scheme,
            pension_status=row.pension_status,
        )
        return StoredEstimateInputs(
            birth=inputs.birth,
            category=inputs.category,
            scheme=inputs.scheme,
            months_paid=inputs.months_paid if inputs.history_known else None,
            region=row.pension_region,
        )

    async def hand_off(self, chat_id: int, question: str) -> int:
        now = self._clock()
        async with self._engine.begin() as connection:
            resident_id = await _resident(connection, chat_id)
            inserted = await connection.execute(
                insert(INBOUND)
                .values(
                    provider=CHANNEL,
                    sender=str(chat_id),
                    resident_id=resident_id,
                    text=question[:2000],
                    kind="question",
                    received_at=now,
                )
                .returning(INBOUND.c.id)
            )
            question_id = int(inserted.scalar_one())
            await write_events(
                connection,
                [
                    event_row(
                        EventKind.QUESTION_HANDED_OFF,
                        now,
                        resident_id=resident_id,
                        data={"channel": CHANNEL, "question": question_id},
                    )
                ],
            )
        return question_id

    async def link(self, chat_id: int, resident_id: str) -> None:
        now = self._clock()
        async with self._engine.begin() as connection:
            # One chat speaks for one resident: a chat linked before moves to the new row.
            await connection.execute(
                update(_R)
                .where(_R.c.telegram_chat_id == chat_id, _R.c.id_number != resident_id)
                .values(telegram_chat_id=None)
            )
            await connection.execute(
                update(_R).where(_R.c.id_number == resident_id).values(telegram_chat_id=chat_id)
            )
            await write_events(
                connection,
                [
                    event_row(
                        EventKind.ACCOUNT_LINKED,
                        now,
                        resident_id=resident_id,
                        data={"channel": CHANNEL},
                    )
                ],
            )

    async def unlink(self, chat_id: int) -> None:
        now = self._clock()
        async with self._engine.begin() as connection:
            resident_id = await _resident(connection, chat_id)
            await connection.execute(
                update(_R).where(_R.c.telegram_chat_id == chat_id).values(telegram_chat_id=None)
            )
            await write_events(
                connection,
                [
                    event_row(
                        ACCOUNT_UNLINKED, now, resident_id=resident_id, data={"channel": CHANNEL}
                    )
                ],
            )

    async def _event(self, chat_id: int, kind: str, data: dict[str, Any]) -> None:
        """The chat's busiest write (every question), committed before this returns; the
        events of updates handled at the same time go in one statement (core.GroupCommit)."""
        row = event_row(kind, self._clock(), data=data)
        del row["resident_id"]
        row["chat"] = chat_id
        await self._events.add(row)

    async def _write_events(self, rows: Sequence[dict[str, Any]]) -> None:
        if self._writer is not None and self._dialect is postgresql:
            await self._writer.run(partial(_insert_through_driver, rows))
            return
        parameters = rows[0] if len(rows) == 1 else list(rows)
        if self._writer is not None:
            await self._writer.execute(_EVENT_INSERT, parameters)
            return
        async with self._autocommit.connect() as connection:
            await connection.execute(_EVENT_INSERT, parameters)

    async def aclose(self) -> None:
        """Wait for the events being written, and hand the held connections back."""
        await self._events.close()
        await self._reads.close()
        for held in (self._writer, self._reader):
            if held is not None:
                await held.aclose()

    async def _upsert(
        self, connection: AsyncConnection, chat_id: int, *, language: str, consented_at: datetime
    ) -> None:
        now = self._clock()
        values = {"language": language, "consented_at": consented_at, "updated_at": now}
        statement = self._dialect.insert(_C).values(chat_id=chat_id, **values)
        await connection.execute(
            statement.on_conflict_do_update(index_elements=[_C.c.chat_id], set_=values)
        )


#: `_EVENT_INSERT` as PostgreSQL text, for asyncpg's own executemany (atomic: all rows or none).
_PG_EVENT_INSERT = (
    "INSERT INTO events (kind, at, campaign_id, message_id, resident_id, data) VALUES "
    "($1, $2, $3, $4, (SELECT id_number FROM residents WHERE telegram_chat_id = $5 LIMIT 1), $6)"
)


async def _insert_through_driver(
    rows: Sequence[dict[str, Any]], connection: AsyncConnection
) -> None:
    """The chat events through asyncpg itself. SQLAlchemy's execution cost twice the driver's
    CPU for a lone event (about 180 against 90 µs), and a busy bot writes one per update; the
    statement is `_EVENT_INSERT`'s, which the tests hold it to."""
    args = [
        (r["kind"], r["at"], r["campaign_id"], r["message_id"], r["chat"], r["data"]) for r in rows
    ]
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # a live connection has one
    await driver.executemany(_PG_EVENT_INSERT, args)


#: `_CHAT_QUERY` for many chats at once, as PostgreSQL text for asyncpg: one row per chat id.
_PG_CHATS_READ = (
    "SELECT ids.chat_id,"
    " (SELECT language FROM chat_users WHERE chat_id = ids.chat_id),"
    " (SELECT consented_at FROM chat_users WHERE chat_id = ids.chat_id),"
    " EXISTS (SELECT 1 FROM suppressions WHERE address = 'telegram:' || ids.chat_id),"
    " (SELECT id_number FROM residents WHERE telegram_chat_id = ids.chat_id LIMIT 1)"
    " FROM unnest($1::bigint[]) AS ids(chat_id)"
)


async def _read_through_driver(
    chat_ids: Sequence[int], found: dict[int, StoredChat | None], connection: AsyncConnection
) -> None:
    """Many chats' state through asyncpg in one query; the tests hold it to `_CHAT_QUERY`."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # a live connection has one
    for chat_id, *state in await driver.fetch(_PG_CHATS_READ, list(chat_ids)):
        found[chat_id] = _stored(chat_id, *state)


def _stored(
    chat_id: int, language: Any, consented_at: Any, stopped: Any, resident_id: Any
) -> StoredChat | None:
    """A chat as the records hold it; None for one they do not know."""
    if language is None and not stopped and resident_id is None:
        return None
    return StoredChat(
        chat_id,
        str(language or "zh"),
        consented=consented_at is not None,
        stopped=bool(stopped),
        resident_id=None if resident_id is None else str(resident_id),
    )


async def _resident(connection: AsyncConnection, chat_id: int) -> str | None:
    """The resident a chat is linked to (None when it is not, or ambiguously)."""
    rows = (
        await connection.execute(
            select(_R.c.id_number).where(_R.c.telegram_chat_id == chat_id).limit(2)
        )
    ).all()
    return rows[0][0] if len(rows) == 1 else None
