"""The Tencent stand-in's pushes: status reports (短信下发状态通知) and replies (短信回复).

A status push is a JSON array (up to 100 reports a push) to the callback URL; a reply push one
JSON object to the reply URL (the callback URL when none is set). Neither is signed. The receiver
must answer HTTP 200 with `{"result": 0, ...}`, otherwise the push is retried.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from channels.sandbox.common import Push, ReceiptEvent, SandboxConfig
from channels.sandbox.tencent_store import Report, SentStore
from channels.tencent.phones import normalise_phone
from core import RESIDENT_TZ

REPORTS_PER_PUSH = 100
_HEADERS = {"Content-Type": "application/json"}
DELIVERED_ERRMSG = "DELIVRD"


def acknowledged(status: int, body: bytes) -> bool:
    """The gateway's test of a receiver's answer: 200 and `result` 0."""
    if status != 200:
        return False
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(answer, dict) and answer.get("result") == 0


class TencentPushes:
    """Formats due receipts and replies, and notes each report in the store for status queries."""

    def __init__(self, config: SandboxConfig, store: SentStore) -> None:
        self._config = config
        self._store = store

    def receipts(self, events: Sequence[ReceiptEvent]) -> list[Push]:
        items = []
        for event in events:
            report = Report(
                delivered=event.delivered,
                errmsg=DELIVERED_ERRMSG if event.delivered else event.error_code,
                description="用户短信送达成功" if event.delivered else "用户短信未送达",
                received_at=int(event.reported_at.timestamp()),
            )
            self._store.report(event.provider_id, report)
            items.append(
                {
                    "user_receive_time": event.reported_at.astimezone(RESIDENT_TZ).strftime(
                        "%Y-%m-%d %H:%M:%S"
                    ),
                    "nationcode": "86",
                    "mobile": event.phone,
                    "report_status": "SUCCESS" if event.delivered else "FAIL",
                    "errmsg": report.errmsg,
                    "description": report.description,
                    "sid": event.provider_id,
                }
            )
        url = self._config.callback_url
        if url is None:
            return []
        return [
            Push(url, _json(items[start : start + REPORTS_PER_PUSH]), _HEADERS)
            for start in range(0, len(items), REPORTS_PER_PUSH)
        ]

    def reply(self, sender: str, text: str, at: datetime) -> list[Push]:
        url = self._config.reply_url or self._config.callback_url
        if url is None:
            return []
        phone = normalise_phone(sender)
        sign = self._store.last_sign(phone) or min(self._config.signs or {""})
        body = {
            "extend": "",
            "mobile": phone,
            "nationcode": "86",
            "sign": sign,
            "text": text,
            "time": int(at.timestamp()),
        }
        return [Push(url, _json(body), _HEADERS)]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
