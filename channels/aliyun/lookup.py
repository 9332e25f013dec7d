"""Reading QuerySendDetails records and finding the one that is a given message.

The status API lists what one number received on one day; its records carry OutId but not BizId.
A message sent alone carries our reference as OutId and is found by it. A message sent by
SendBatchSms shares one OutId (a `batch-…` token) with its whole request, so it is recognised by
the template code and its content (`【sign】` + the text we rendered). When batch records of the
same template exist but none has our content, the answer is "cannot tell", never NotFound:
NotFound lets the dispatcher send again, and a wrong NotFound means a resident gets it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from channels.base import (
    DeliveryState,
    Found,
    LookupResult,
    LookupUnavailable,
    NotFound,
    Outbound,
)
from core import RESIDENT_TZ

#: OutId of SendBatchSms requests; our references never start with it.
BATCH_OUT_ID_PREFIX = "batch-"

_STATES = {1: DeliveryState.SENT, 2: DeliveryState.FAILED, 3: DeliveryState.DELIVERED}


@dataclass(frozen=True, slots=True)
class SendDetail:
    """One SmsSendDetailDTO."""

    phone: str
    out_id: str
    template_code: str
    content: str
    state: DeliveryState
    error_code: str


def send_dates(sent_at: datetime) -> list[str]:
    """The gateway's SendDate values (yyyyMMdd, Beijing time) that may hold a message sent at
    `sent_at`: its day, and the next one when the gateway may have logged it after midnight.
    A naive `sent_at` is read as UTC, the time of our storage."""
    aware = sent_at if sent_at.tzinfo is not None else sent_at.replace(tzinfo=UTC)
    local = aware.astimezone(RESIDENT_TZ)
    days: list[date] = [local.date()]
    later = (local + timedelta(minutes=10)).date()
    if later != days[0]:
        days.append(later)
    return [d.strftime("%Y%m%d") for d in days]


def parse_details(body: dict[str, Any]) -> list[SendDetail]:
    """The records of one QuerySendDetails page (`SmsSendDetailDTOs.SmsSendDetailDTO`)."""
    holder = body.get("SmsSendDetailDTOs") or {}
    items = holder.get("SmsSendDetailDTO") if isinstance(holder, dict) else None
    if not isinstance(items, list):
        return []
    details = []
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            status = int(item.get("SendStatus", 0))
        except (TypeError, ValueError):
            status = 0
        details.append(
            SendDetail(
                phone=str(item.get("PhoneNum") or ""),
                out_id=str(item.get("OutId") or ""),
                template_code=str(item.get("TemplateCode") or ""),
                content=str(item.get("Content") or ""),
                state=_STATES.get(status, DeliveryState.SENT),
                error_code=str(item.get("ErrCode") or ""),
            )
        )
    return details


def _found(detail: SendDetail) -> Found:
    """The record as an answer. Its OutId is our reference or a batch token, never the BizId
    that receipts carry, so the provider id is left empty: receipts then find the message by
    its reference, or by its number among the messages whose send was never recorded."""
    error = detail.error_code if detail.state is DeliveryState.FAILED else None
    return Found(provider_id="", state=detail.state, error_code=error or None)


def match(message: Outbound, details: Sequence[SendDetail], *, complete: bool) -> LookupResult:
    """What `details` (every record of the number on the days asked) say about `message`.

    `complete` is False when not every page could be read; then absence proves nothing.
    """
    for detail in details:
        if message.ref and detail.out_id == message.ref:
            return _found(detail)
    batch = [
        d
        for d in details
        if d.out_id.startswith(BATCH_OUT_ID_PREFIX)
        and (not d.template_code or d.template_code == message.template_code)
    ]
    text = message.text.strip()
    for detail in batch:
        if text and detail.content.strip().endswith(text):
            return _found(detail)
    if batch:
        return LookupUnavailable(
            "有同模板的批量发送记录，但内容无法对应 / batch records of this template exist "
            "but none has this message's content"
        )
    if not complete:
        return LookupUnavailable("发送记录过多，未能全部查询 / too many records to read them all")
    return NotFound()
