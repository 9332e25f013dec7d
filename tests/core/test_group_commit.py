"""GroupCommit: batches form while a write is in flight, and nobody is answered before it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from core import GroupCommit, GroupRead


class Store:
    """A write that waits for the test to let it finish (a slow database, on demand)."""

    def __init__(self) -> None:
        self.writes: list[list[int]] = []
        self.committed: list[int] = []
        self.gate = asyncio.Event()
        self.fail_next: Exception | None = None

    async def write(self, rows: Sequence[int]) -> None:
        self.writes.append(list(rows))
        await self.gate.wait()
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.committed.extend(rows)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_rows_arriving_during_a_write_go_together_in_the_next_one() -> None:
    store = Store()
    commit: GroupCommit[int] = GroupCommit(store.write)
    first = asyncio.create_task(commit.add(1))
    await _settle()
    rest = [asyncio.create_task(commit.add(n)) for n in (2, 3, 4)]
    await _settle()
    assert store.writes == [[1]]
    assert not any(task.done() for task in (first, *rest))  # nothing answered before commit
    store.gate.set()
    await asyncio.gather(first, *rest)
    assert store.writes == [[1], [2, 3, 4]]
    assert store.committed == [1, 2, 3, 4]


async def test_an_idle_writer_writes_a_single_row_at_once() -> None:
    store = Store()
    store.gate.set()
    commit: GroupCommit[int] = GroupCommit(store.write)
    await commit.add(1)
    await commit.add(2)
    assert store.writes == [[1], [2]]


async def test_a_batch_holds_at_most_the_limit() -> None:
    store = Store()
    commit: GroupCommit[int] = GroupCommit(store.write, limit=2)
    tasks = [asyncio.create_task(commit.add(n)) for n in range(5)]
    await _settle()
    store.gate.set()
    await asyncio.gather(*tasks)
    assert store.writes == [[0, 1], [2, 3], [4]]


async def test_a_failed_write_fails_its_callers_only() -> None:
    store = Store()
    store.fail_next = ConnectionError("database went away")
    commit: GroupCommit[int] = GroupCommit(store.write)
    first = asyncio.create_task(commit.add(1))
    await _settle()
    second = asyncio.create_task(commit.add(2))
    await _settle()
    store.gate.set()
    with pytest.raises(ConnectionError, match="went away"):
        await first
    await second
    assert store.committed == [2]


async def test_a_caller_that_gives_up_still_has_its_row_written() -> None:
    store = Store()
    commit: GroupCommit[int] = GroupCommit(store.write)
    other = asyncio.create_task(commit.add(1))
    await _settle()
    quitter = asyncio.create_task(commit.add(2))
    await _settle()
    quitter.cancel()
    await _settle()
    store.gate.set()
    await other
    await commit.close()
    assert store.committed == [1, 2]
    assert quitter.cancelled()


async def test_a_stopped_writer_answers_every_waiting_caller() -> None:
    store = Store()
    commit: GroupCommit[int] = GroupCommit(store.write)
    callers = [asyncio.create_task(commit.add(n)) for n in (1, 2)]
    await _settle()
    writer = commit._runner
    assert writer is not None
    writer.cancel()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) and "stopped" in str(r) for r in results)
    assert store.committed == []


class Lookup:
    """A read that waits for the test to let it finish; a key's value is its square."""

    def __init__(self) -> None:
        self.reads: list[list[int]] = []
        self.gate = asyncio.Event()
        self.fail_next: Exception | None = None

    async def read(self, keys: Sequence[int]) -> dict[int, int]:
        self.reads.append(list(keys))
        await self.gate.wait()
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        return {key: key * key for key in keys}


async def test_keys_asked_for_during_a_read_are_read_together_and_once() -> None:
    lookup = Lookup()
    reads: GroupRead[int, int] = GroupRead(lookup.read)
    first = asyncio.create_task(reads.get(2))
    await _settle()
    rest = [asyncio.create_task(reads.get(k)) for k in (3, 4, 3)]
    await _settle()
    assert lookup.reads == [[2]]
    lookup.gate.set()
    assert await asyncio.gather(first, *rest) == [4, 9, 16, 9]
    assert lookup.reads == [[2], [3, 4]]  # 3, asked for twice, read once


async def test_a_failed_read_fails_its_callers_only() -> None:
    lookup = Lookup()
    reads: GroupRead[int, int] = GroupRead(lookup.read)
    lookup.fail_next = OSError("connection lost")
    lookup.gate.set()
    failed = await asyncio.gather(reads.get(5), reads.get(6), return_exceptions=True)
    assert all(isinstance(r, OSError) for r in failed)
    assert await reads.get(7) == 49  # the next read starts afresh
