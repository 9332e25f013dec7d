"""The pushes of the aliyun stand-in: SmsReport receipts, SmsUp replies, and their acknowledgement.

Both are JSON arrays posted unsigned to the receiver; it must answer HTTP 200 with a JSON body
whose `code` is a number, or the gateway pushes again.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from datetime import datetime

from channels.sandbox.aliyun_store import SentStore
from channels.sandbox.common import Push, ReceiptEvent, SandboxConfig
from core import RESIDENT_TZ

#: Most items the stand-in puts in one push.
PUSH_SIZE = 100
_HEADERS = {"Content-Type": "application/json;charset=utf-8"}


def _time(at: datetime) -> str:
    return at.astimezone(RESIDENT_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _push(url: str, items: list[dict[str, object]]) -> Push:
    return Push(url, json.dumps(items, ensure_ascii=False).encode(), _HEADERS)


class AliyunPushes:
    """Formatters handed to SandboxCore; receipts also settle the stored status."""

    def __init__(self, config: SandboxConfig, store: SentStore) -> None:
        self._config = config
        self._store = store
        self._sequence = itertools.count(1)
        #: the sign name last used towards each number, which a reply is addressed to
        self.last_sign: dict[str, str] = {}

    def receipts(self, events: Sequence[ReceiptEvent]) -> list[Push]:
        url = self._config.callback_url
        if url is None:
            return []
        items: list[dict[str, object]] = []
        for event in events:
            self._store.report(
                event.provider_id, event.phone, event.delivered, event.error_code, event.reported_at
            )
            items.append(
                {
                    "phone_number": event.phone,
                    "send_time": _time(event.submitted_at),
                    "report_time": _time(event.reported_at),
                    "success": event.delivered,
                    "err_code": event.error_code,
                    "err_msg": "用户接收成功" if event.delivered else "用户接收失败",
                    "sms_size": event.extra.get("sms_size", "1"),
                    "biz_id": event.provider_id,
                    "out_id": event.ref or "",
                }
            )
        return [_push(url, items[i : i + PUSH_SIZE]) for i in range(0, len(items), PUSH_SIZE)]

    def reply(self, sender: str, text: str, at: datetime) -> list[Push]:
        url = self._config.reply_url
        if url is None:
            return []
        item: dict[str, object] = {
            "phone_number": sender,
            "send_time": _time(at),
            "content": text,
            "sign_name": self.last_sign.get(sender, ""),
            "dest_code": "0001",
            "sequence_id": next(self._sequence),
        }
        return [_push(url, [item])]


def acknowledged(status: int, body: bytes) -> bool:
    """HTTP 200 and a JSON object whose `code` is a number: all the gateway checks."""
    if status != 200:
        return False
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    code = data.get("code") if isinstance(data, dict) else None
    return isinstance(code, int | float) and not isinstance(code, bool)
