"""The last question the knowledge base could not answer, per chat, until it is handed off.

One Redis value per chat, apart from the dialogue (FSM) state: keeping it is one SET, where
merging it into the FSM data cost a read and a write on every abstention; handing it off takes
it with SET … GET, so that two presses of the button pass the question on once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from redis.asyncio import Redis

#: Seconds a pending question waits for the button (as long as an unfinished dialogue).
TTL = 24 * 3600
_HANDED_OFF = json.dumps({"handed_off": True})


@dataclass(frozen=True, slots=True)
class Taken:
    question: str | None  # None: nothing was waiting
    handed_off_before: bool  # the waiting question had already gone to staff


class PendingQuestions:
    def __init__(self, redis: Redis, *, ttl: int = TTL) -> None:
        self._redis = redis
        self._ttl = ttl

    @staticmethod
    def key(chat_id: int) -> str:
        return f"bot:pending:{chat_id}"

    async def keep(self, chat_id: int, question: str) -> None:
        """`question` waits for the hand-off button (replacing any earlier one)."""
        value = json.dumps({"question": question}, ensure_ascii=False)
        await self._redis.set(self.key(chat_id), value, ex=self._ttl)

    async def take(self, chat_id: int) -> Taken:
        """The waiting question, marked as handed off in the same step."""
        key = self.key(chat_id)
        old = await self._redis.set(key, _HANDED_OFF, ex=self._ttl, get=True)
        if not isinstance(old, str | bytes):  # None: nothing was waiting; leave no mark either
            await self._redis.delete(key)
            return Taken(None, handed_off_before=False)
        data = json.loads(old)
        return Taken(data.get("question"), handed_off_before=bool(data.get("handed_off")))

    async def forget(self, chat_id: int) -> None:
        """/start and /stop begin afresh: nothing waits any more."""
        await self._redis.delete(self.key(chat_id))
