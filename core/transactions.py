"""Transactions that are run again when the database aborts them for reasons of its own.

PostgreSQL aborts one of two transactions that wait for each other's row locks (deadlock,
SQLSTATE 40P01) and may abort a serializable one (40001); SQLite answers "database is locked"
when its busy timeout runs out; a pooled connection may turn out to be dead. None of these says
anything about the work itself: it was rolled back whole, and running it again is correct as
long as it only touches the database. Callers keep other side effects idempotent.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.logging import get_logger

T = TypeVar("T")
log = get_logger("core.transactions")

_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def is_transient(error: BaseException) -> bool:
    """Whether a database error aborted the transaction without judging its content."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


async def in_transaction(
    engine: AsyncEngine,
    work: Callable[[AsyncConnection], Awaitable[T]],
    *,
    attempts: int = 5,
    what: str = "transaction",
) -> T:
    """Run `work` in one transaction; run it again (up to `attempts` in all) if aborted."""
    for attempt in range(1, attempts + 1):
        try:
            async with engine.begin() as connection:
                return await work(connection)
        except DBAPIError as error:
            if attempt >= attempts or not is_transient(error):
                raise
            state = getattr(error.orig, "sqlstate", None) or type(error.orig).__name__
            log.info("transaction_retried", what=what, attempt=attempt, reason=state)
            # Spread the retries so two aborted rivals do not meet again at once.
            await asyncio.sleep(0.02 * 2**attempt * (0.5 + random.random()))  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover
