"""What the Tencent stand-in remembers of accepted messages, for its status query and pushes.

Each accepted number gets a record: SerialNo, the SessionContext as received, when it was
taken, and the carrier's report once the receipt for it has been pushed. The status query
(PullSmsSendStatusByPhoneNumber) lists records by number and time; the reply push uses the sign
last sent to a number.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class Report:
    """The carrier's verdict on one message, as pushed."""

    delivered: bool
    errmsg: str
    description: str
    received_at: int  # Unix seconds


@dataclass(slots=True)
class SentRecord:
    serial: str
    phone: str  # 11 digits
    app_id: str
    session_context: str
    sign: str
    submitted_at: float  # Unix seconds
    report: Report | None = None


class SentStore:
    """Accepted messages by number and by SerialNo, plus accepted-at times for limit codes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._by_phone: dict[str, list[SentRecord]] = defaultdict(list)
        self._by_serial: dict[str, SentRecord] = {}
        self._accepted: dict[str, list[float]] = defaultdict(list)
        self._clock = clock

    def add(self, record: SentRecord) -> None:
        self._by_phone[record.phone].append(record)
        self._by_serial[record.serial] = record
        self._accepted[record.phone].append(self._clock())

    def report(self, serial: str, report: Report) -> None:
        """Remember the first report pushed for `serial` (a duplicate push repeats it)."""
        record = self._by_serial.get(serial)
        if record is not None and record.report is None:
            record.report = report

    def between(self, phone: str, app_id: str, begin: int, end: int) -> list[SentRecord]:
        """Records of `phone` under `app_id` taken within [begin, end] (Unix seconds), in order."""
        return [
            r
            for r in self._by_phone.get(phone, [])
            if r.app_id == app_id and begin <= int(r.submitted_at) <= end
        ]

    def last_sign(self, phone: str) -> str | None:
        records = self._by_phone.get(phone)
        return records[-1].sign if records else None

    def accepted_within(self, phone: str, seconds: float) -> int:
        """How many messages to `phone` were accepted in the last `seconds`."""
        now = self._clock()
        return sum(1 for t in self._accepted.get(phone, []) if now - t < seconds)
