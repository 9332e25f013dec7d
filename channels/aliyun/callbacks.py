"""Delivery reports (SmsReport) and residents' replies (SmsUp) pushed by Alibaba Cloud SMS.

Both arrive as an HTTP POST of a JSON array (one push may hold many items) and are acknowledged
with HTTP 200 and `{"code": 0, "msg": "成功"}`; anything else makes the gateway push again
(after 1, 5 and 10 minutes). Pushes are not signed. Times are Beijing time without a zone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from channels.aliyun.lookup import BATCH_OUT_ID_PREFIX
from channels.aliyun.phones import normalise_phone
from channels.base import CallbackError, DeliveryState, Inbound, Receipt
from core import RESIDENT_TZ

PROVIDER = "aliyun"


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the receiver answers a push: status, Content-Type and body."""

    status: int
    content_type: str
    body: bytes


def _answer(status: int, code: int, msg: str) -> CallbackAnswer:
    body = json.dumps({"code": code, "msg": msg}, ensure_ascii=False).encode()
    return CallbackAnswer(status, "application/json", body)


#: Taken: the gateway stops pushing this batch.
ACKNOWLEDGE = _answer(200, 0, "成功")
#: A push we cannot read (CallbackError). Not 200, so the gateway retries a few times and gives up.
MALFORMED = _answer(400, 1, "无法解析 / malformed push")
#: We could read it but could not store it now: ask the gateway to push again later.
TRY_AGAIN = _answer(503, 1, "暂时无法处理 / try again later")


def _items(body: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise CallbackError("push body is not JSON") from err
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CallbackError("push body must be a JSON array of objects")
    return data


def _text(item: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise CallbackError(f"push item without {key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CallbackError(f"push item field {key} is not text")
    return str(value)


def _time(value: str) -> datetime | None:
    """`2017-01-01 00:00:00` (or the older `20170101000000`) in Beijing time; None if absent."""
    if not value:
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=RESIDENT_TZ)
        except ValueError:
            continue
    raise CallbackError("push item time is not yyyy-MM-dd HH:mm:ss")


def _phone(item: dict[str, Any]) -> str:
    phone = normalise_phone(_text(item, "phone_number"))
    if not phone.isdigit():
        raise CallbackError("push item phone_number is not a number")
    return phone


def parse_reports(body: bytes) -> list[Receipt]:
    """The receipts of one SmsReport push.

    `provider_id` is the BizId and `to` the number: together they name one message even when one
    SendBatchSms request (one BizId) carried many. `ref` is our reference when the message went
    alone (OutId); a batch's OutId is a request token, not a message's, so it is left out.
    """
    receipts = []
    for item in _items(body):
        success = item.get("success")
        if not isinstance(success, bool):
            raise CallbackError("report item success must be true or false")
        out_id = _text(item, "out_id", required=False)
        error = _text(item, "err_code", required=False)
        receipts.append(
            Receipt(
                provider=PROVIDER,
                state=DeliveryState.DELIVERED if success else DeliveryState.FAILED,
                ref=out_id if out_id and not out_id.startswith(BATCH_OUT_ID_PREFIX) else None,
                provider_id=_text(item, "biz_id"),
                to=_phone(item),
                error_code=None if success else (error or None),
                at=_time(_text(item, "report_time", required=False)),
            )
        )
    return receipts


def parse_replies(body: bytes) -> list[Inbound]:
    """The replies of one SmsUp push (where 退订 / TD / T / N arrive)."""
    replies = []
    for item in _items(body):
        extra = {
            key: _text(item, key, required=False)
            for key in ("dest_code", "sequence_id", "sign_name")
            if item.get(key) not in (None, "")
        }
        replies.append(
            Inbound(
                provider=PROVIDER,
                sender=_phone(item),
                text=_text(item, "content"),
                at=_time(_text(item, "send_time", required=False)),
                extra=extra,
            )
        )
    return replies
