"""Async SQLAlchemy engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every table of the service."""


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def one_of(
    connection: AsyncConnection, column: ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column IN values`, for a list as long as a send batch.

    On PostgreSQL one array parameter (`column = ANY($1)`, which PostgreSQL plans as it plans
    IN): IN (…) is rendered afresh at every execution with one bound parameter per value, and
    prepared again whenever the count changes; the array is compiled and prepared once.
    """
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (segment counts, reports) run while an import writes; NORMAL is durable
    # across application crashes in WAL mode and far faster than FULL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


#: Connections a process keeps open to PostgreSQL. A connection above the pool size is closed
#: when returned, so a process whose concurrency stays above it (a bot answering dozens of
#: webhook posts at once) opened and closed a connection per update: the pool must cover it.
POOL_SIZE = 20
MAX_OVERFLOW = 10
#: Seconds a pooled connection may sit unused before it is pinged on checkout.
PING_AFTER_IDLE = 5.0
_LAST_USED = "outreach_last_used"


def create_engine(
    url: str, *, ping_after_idle: float = PING_AFTER_IDLE, **kwargs: Any
) -> AsyncEngine:
    """Build the engine for a URL; creates the parent folder of a SQLite file.

    A PostgreSQL connection idle for `ping_after_idle` seconds is checked before use (see
    `_ping_when_idle`)."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle: float) -> None:
    """Check a pooled connection before use when it has been idle for `idle` seconds.

    SQLAlchemy's pool_pre_ping checks before every use: a round trip per checkout, which for a
    bot writing a row per update was a sixth of its database time. A connection in steady use
    is checked by that use; one that sat idle (across a database restart, a firewall's idle
    timeout) is pinged and, when dead, replaced before anyone sees it. The price: a connection
    broken within `idle` seconds of its last use fails its next statement once, and SQLAlchemy
    then replaces every connection of the pool.
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def stamp(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get(_LAST_USED)
        if last is not None and time.monotonic() - last < idle:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool drops it and checks out another (3 tries)
            raise DisconnectionError(f"an idle connection failed its ping: {error!r}") from error

    event.listen(pool, "connect", stamp)
    event.listen(pool, "checkin", stamp)
    event.listen(pool, "checkout", check)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
