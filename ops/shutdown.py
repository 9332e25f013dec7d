"""Graceful shutdown of a long-running process (worker, bot, relay, `outreach serve`).

The first SIGTERM (or SIGINT) sets the `stop` event the process's work watches: it takes no new
work, finishes or hands back what it holds and closes its connections, then returns, and the
process exits 0. A second signal, or SHUTDOWN_GRACE_SECONDS after the first, forces the exit:
the work is cancelled (rows a sender held lapse into `unknown` and are looked up, stream entries
are taken over by another worker; nothing is sent twice) and the process exits with
`EXIT_FORCED`. Each phase is logged.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, Final

from core import get_logger

#: The exit code of a process whose shutdown was forced (second signal or deadline).
EXIT_FORCED: Final = 1
#: After a forced stop, how long the cancelled work may take to close its connections before
#: the process leaves without them.
CLEANUP_SECONDS: Final = 5.0
SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)

Body = Callable[[asyncio.Event], Awaitable[None]]

log = get_logger("ops.shutdown")


async def run_until_stopped(body: Body, *, grace: float, process: str) -> int:
    """Run `body(stop)` with SIGTERM/SIGINT handled; the process's exit code.

    0 when the body returned (after a signal, or by itself); `EXIT_FORCED` when a second signal
    or the `grace` deadline cut it short. An exception of the body propagates.
    """
    if grace <= 0:
        raise ValueError("grace must be positive")
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    forced: asyncio.Future[str] = loop.create_future()
    deadline: list[asyncio.TimerHandle] = []

    def force(reason: str) -> None:
        if not forced.done():
            forced.set_result(reason)

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if forced.done():
            # A third signal while the cancelled work closes: leave now.
            log.error("shutdown_abandoned", process=process, signal=name)
            _leave(EXIT_FORCED)
        if stop.is_set():
            log.warning("shutdown_second_signal", process=process, signal=name)
            force("second_signal")
            return
        log.info("shutdown_started", process=process, signal=name, grace_seconds=grace)
        stop.set()
        deadline.append(loop.call_later(grace, force, "deadline"))

    for signum in SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    work = asyncio.ensure_future(body(stop))
    either: set[asyncio.Future[Any]] = {work, forced}
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            work.result()  # the body's exception, if any
            log.info("shutdown_complete" if stop.is_set() else "process_finished", process=process)
            return 0
        log.error("shutdown_forced", process=process, reason=forced.result(), grace_seconds=grace)
        work.cancel()
        done, _ = await asyncio.wait({work}, timeout=CLEANUP_SECONDS)
        if not done:
            log.error("shutdown_cleanup_unfinished", process=process, seconds=CLEANUP_SECONDS)
            _leave(EXIT_FORCED)
        return EXIT_FORCED
    finally:
        for handle in deadline:
            handle.cancel()
        if not forced.done():
            forced.cancel()
        for signum in SIGNALS:
            loop.remove_signal_handler(signum)


def _leave(code: int) -> None:
    """Exit at once, without waiting for tasks that do not end (logs flushed first)."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)
