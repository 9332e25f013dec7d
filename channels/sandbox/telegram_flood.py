"""Telegram's flood control: about 30 messages a second in all, and 1 a second per chat.

Telegram does not publish exact rules; its FAQ gives these figures and answers anything beyond
them with 429 and a `retry_after` in whole seconds. The stand-in counts accepted messages in a
sliding one-second window, so a sender that paces itself right is never refused and one that
bursts is refused as on the real service.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class FloodLimits:
    """Messages allowed per second overall and per chat (0 turns a limit off)."""

    overall_per_second: int = 30
    per_chat_per_second: int = 1


class FloodControl:
    """Sliding one-second windows of accepted sends, overall and per chat."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._overall: deque[float] = deque()
        self._chats: dict[int, deque[float]] = {}

    def check(self, chat_id: int) -> int | None:
        """Seconds to wait before one more message to `chat_id`, or None (then it is counted)."""
        now = self._clock()
        overall = _trim(self._overall, now)
        chat = _trim(self._chats.setdefault(chat_id, deque()), now)
        waits = [
            _wait(window, limit, now)
            for window, limit in (
                (overall, self.limits.overall_per_second),
                (chat, self.limits.per_chat_per_second),
            )
            if limit and len(window) >= limit
        ]
        if waits:
            return max(waits)
        overall.append(now)
        chat.append(now)
        return None


def _trim(window: deque[float], now: float) -> deque[float]:
    while window and now - window[0] >= 1.0:
        window.popleft()
    return window


def _wait(window: deque[float], limit: int, now: float) -> int:
    """Whole seconds until the window has room again (Telegram never says 0)."""
    return max(1, math.ceil(window[-limit] + 1.0 - now))
