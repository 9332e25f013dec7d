"""Group commit: many callers' rows written by one statement, each caller back once it is stored.

A busy bot writes one small row per update. Written one by one, each costs a pool checkout, a
liveness ping and a statement round trip; here, while one write is in flight the rows that
arrive wait, and the next write takes them all. A caller's `add` returns only when its row is
committed (or raises what the write raised), so nothing is acknowledged before it is stored;
an idle process writes each row at once, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Row = TypeVar("Row")


class GroupCommit(Generic[Row]):
    """Rows handed to `write` in batches of at most `limit`, in the order they came."""

    def __init__(
        self, write: Callable[[Sequence[Row]], Awaitable[None]], *, limit: int = 500
    ) -> None:
        self._write = write
        self._limit = limit
        self._waiting: list[tuple[Row, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, row: Row) -> None:
        """Store `row`; back when it is committed."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain())
        # Shielded: a caller that gives up (its update cancelled) does not cancel a write
        # carrying other callers' rows; its own row is written all the same.
        await asyncio.shield(done)

    async def close(self) -> None:
        """Wait for the rows already added to be written."""
        if self._writer is not None:
            await asyncio.shield(self._writer)

    async def _drain(self) -> None:
        batch: list[tuple[Row, asyncio.Future[None]]] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                try:
                    await self._write([row for row, _ in batch])
                except Exception as error:  # each caller gets the write's error
                    _settle(batch, error)
                else:
                    _settle(batch, None)
                batch = []
        except BaseException as error:  # cancelled: no caller may wait for ever
            stopped = RuntimeError(f"the write was stopped: {error!r}")
            _settle(batch + self._waiting, stopped)
            self._waiting = []
            raise
        finally:
            self._writer = None


def _settle(batch: list[tuple[Row, asyncio.Future[None]]], error: BaseException | None) -> None:
    for _, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
            # A caller that gave up never reads it; asyncio would log it as never retrieved.
            done.add_done_callback(_retrieved)


def _retrieved(done: asyncio.Future[None]) -> None:
    done.exception()
