"""The event loop every process runs on: uvloop where it is installed (Linux, macOS).

uvloop runs the same asyncio code with its loop and sockets in C (libuv). Measured on the bot
process (benchmarks/bot.py), the loop's own bookkeeping and socket writes were a fifth of the
CPU time on the standard loop. Tests run on pytest's standard loop; the processes the
end-to-end tests start run on this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None (the standard loop) where uvloop is not installed."""
    try:
        import uvloop
    except ImportError:  # Windows: uvloop is not built there
        return None
    return uvloop.new_event_loop


def run_loop(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(work)` on the best loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(work)
