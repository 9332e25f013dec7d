"""Group commit: many callers' rows written by one statement, each caller back once it is stored;
and its sibling for reads, many callers' keys looked up by one query.

A busy bot writes one small row per update, and reads the state of each chat it has not cached.
Done one by one, each costs a statement round trip (and, through the pool, a checkout); here,
while one statement is in flight the callers that arrive wait, and the next statement takes
them all. A caller's `add` returns only when its row is committed (or raises what the write
raised), so nothing is acknowledged before it is stored; `get` returns the value read for its
key. An idle process runs each at once, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Row = TypeVar("Row")
Key = TypeVar("Key")
Value = TypeVar("Value")


class _Grouped(Generic[Item, Result]):
    """Items handed to `run` in batches of at most `limit`, in the order they came; one batch
    at a time. `run` answers each item of its batch, in order."""

    def __init__(
        self, run: Callable[[Sequence[Item]], Awaitable[Sequence[Result]]], *, limit: int
    ) -> None:
        self._run = run
        self._limit = limit
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def _submit(self, item: Item) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._runner is None:
            self._runner = asyncio.create_task(self._drain())
        # Shielded: a caller that gives up (its update cancelled) does not cancel a statement
        # carrying other callers' items; its own is done all the same.
        return await asyncio.shield(done)

    async def close(self) -> None:
        """Wait for the items already handed in to be done."""
        if self._runner is not None:
            await asyncio.shield(self._runner)

    async def _drain(self) -> None:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                try:
                    results = await self._run([item for item, _ in batch])
                except Exception as error:  # each caller gets the statement's error
                    _fail(batch, error)
                else:
                    for (_, done), result in zip(batch, results, strict=True):
                        if not done.done():
                            done.set_result(result)
                batch = []
        except BaseException as error:  # cancelled: no caller may wait for ever
            stopped = RuntimeError(f"the batch was stopped: {error!r}")
            _fail(batch + self._waiting, stopped)
            self._waiting = []
            raise
        finally:
            self._runner = None


class GroupCommit(_Grouped[Row, None]):
    """Rows handed to `write` in batches of at most `limit`, in the order they came."""

    def __init__(
        self, write: Callable[[Sequence[Row]], Awaitable[None]], *, limit: int = 500
    ) -> None:
        async def run(rows: Sequence[Row]) -> Sequence[None]:
            await write(rows)
            return [None] * len(rows)

        super().__init__(run, limit=limit)

    async def add(self, row: Row) -> None:
        """Store `row`; back when it is committed."""
        await self._submit(row)


class GroupRead(_Grouped[Key, Value]):
    """Keys handed to `read` in batches of at most `limit` distinct keys; `read` returns a value
    for every key it is given."""

    def __init__(
        self, read: Callable[[Sequence[Key]], Awaitable[Mapping[Key, Value]]], *, limit: int = 500
    ) -> None:
        async def run(keys: Sequence[Key]) -> Sequence[Value]:
            values = await read(list(dict.fromkeys(keys)))  # a key asked for twice, read once
            return [values[key] for key in keys]

        super().__init__(run, limit=limit)

    async def get(self, key: Key) -> Value:
        """The value read for `key`."""
        return await self._submit(key)


def _fail(batch: Sequence[tuple[object, asyncio.Future[Result]]], error: BaseException) -> None:
    for _, done in batch:
        if done.done():
            continue
        done.set_exception(error)
        # A caller that gave up never reads it; asyncio would log it as never retrieved.
        done.add_done_callback(_retrieved)


def _retrieved(done: asyncio.Future[Any]) -> None:
    done.exception()
