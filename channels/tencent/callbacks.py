"""Delivery reports (短信下发状态通知) and residents' replies (短信回复) from Tencent Cloud SMS.

A status push is a JSON array of `{user_receive_time, nationcode, mobile, report_status
(SUCCESS|FAIL), errmsg, description, sid}`; one push may report many messages. `sid` is the
SerialNo that SendSms answered for that number (our `Accepted.provider_id`); the push carries no
SessionContext, so receipts are matched by provider id (and `to`).

A reply push is one JSON object `{extend, mobile, nationcode, sign, text, time}` (`time` in Unix
seconds). Both are acknowledged with HTTP 200 and `{"result": 0, "errmsg": "OK"}`; anything else
makes the gateway push again. Pushes are not signed. `user_receive_time` is Beijing time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from channels.base import CallbackError, DeliveryState, Inbound, Receipt
from channels.tencent.phones import normalise_phone
from core import RESIDENT_TZ

PROVIDER = "tencent"


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the receiver answers a push: status, Content-Type and body."""

    status: int
    content_type: str
    body: bytes


def _answer(status: int, result: int, errmsg: str) -> CallbackAnswer:
    body = json.dumps({"result": result, "errmsg": errmsg}, ensure_ascii=False).encode()
    return CallbackAnswer(status, "application/json", body)


#: Taken: the gateway stops pushing.
ACKNOWLEDGE = _answer(200, 0, "OK")
#: A push we cannot read (CallbackError): not acknowledged, the gateway retries and gives up.
MALFORMED = _answer(400, 1, "无法解析 / malformed push")
#: We could read it but could not store it now: ask the gateway to push again later.
TRY_AGAIN = _answer(503, 1, "暂时无法处理 / try again later")

_STATES = {"SUCCESS": DeliveryState.DELIVERED, "FAIL": DeliveryState.FAILED}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise CallbackError("push body is not JSON") from err


def _text(item: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise CallbackError(f"push item without {key}")
        return ""
    if not isinstance(value, str | int):
        raise CallbackError(f"push item with a non-text {key}")
    return str(value)


def _beijing_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=RESIDENT_TZ)
    except ValueError:
        return None  # a time we cannot read does not make the report worthless


def parse_reports(body: bytes) -> list[Receipt]:
    """The receipts of one status push; `CallbackError` when it is not a readable push."""
    data = _json(body)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CallbackError("status push must be a JSON array of objects")
    receipts = []
    for item in data:
        status = _text(item, "report_status")
        state = _STATES.get(status)
        if state is None:
            raise CallbackError(f"unknown report_status {status!r}")
        errmsg = _text(item, "errmsg", required=False)
        receipts.append(
            Receipt(
                provider=PROVIDER,
                state=state,
                provider_id=_text(item, "sid"),
                to=normalise_phone(
                    _text(item, "mobile"), _text(item, "nationcode", required=False)
                ),
                error_code=None if state is DeliveryState.DELIVERED else (errmsg or status),
                at=_beijing_time(_text(item, "user_receive_time", required=False)),
            )
        )
    return receipts


def parse_replies(body: bytes) -> list[Inbound]:
    """The replies of one reply push (one object; an array of them is read too)."""
    data = _json(body)
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise CallbackError("reply push must be a JSON object")
    replies = []
    for item in items:
        text = item.get("text")
        if not isinstance(text, str):
            raise CallbackError("reply push without text")
        nationcode = _text(item, "nationcode", required=False)
        replies.append(
            Inbound(
                provider=PROVIDER,
                sender=normalise_phone(_text(item, "mobile"), nationcode),
                text=text,
                at=_unix_time(item.get("time")),
                extra={
                    key: _text(item, key, required=False)
                    for key in ("sign", "extend", "nationcode")
                    if item.get(key) not in (None, "")
                },
            )
        )
    return replies


def _unix_time(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None
