"""What became of a message whose send outcome is unknown: PullSmsSendStatusByPhoneNumber.

The query lists a number's messages within a time window (at most 100, Offset fixed at 0, the
last 7 days at most). Each record carries its SerialNo and the SessionContext of the request
that sent it; our reference is found there, alone or among the references of a shared request
(see `channels.tencent.batching`). A record without a report yet means sent, not delivered.

Absence proves nothing while the carrier may not have reported yet, so a missing message is
`NotFound` only once `TencentConfig.lookup_settle` seconds have passed since it was sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from channels.base import (
    DeliveryState,
    Found,
    LookupResult,
    LookupUnavailable,
    NotFound,
    Outbound,
)
from channels.tencent.batching import refs_in_session
from channels.tencent.config import TencentConfig
from channels.tencent.phones import to_e164
from channels.tencent.transport import NotSentError, OutcomeUnknownError, TencentApi

#: The query reaches this far back.
QUERY_HORIZON = timedelta(days=7)
#: Clock difference allowed between us and the gateway when opening the window.
CLOCK_MARGIN = timedelta(minutes=5)
PAGE_LIMIT = 100


async def lookup_message(
    api: TencentApi, config: TencentConfig, message: Outbound, sent_at: datetime
) -> LookupResult:
    """Find `message` among its number's status records since `sent_at`."""
    now = datetime.now(UTC)
    sent = sent_at if sent_at.tzinfo is not None else sent_at.replace(tzinfo=UTC)
    if now - sent > QUERY_HORIZON:
        return LookupUnavailable("超过 7 天，无法查询 / older than the 7 days the query reaches")
    begin = max(sent - CLOCK_MARGIN, now - QUERY_HORIZON + CLOCK_MARGIN)
    params = {
        "BeginTime": int(begin.timestamp()),
        "Offset": 0,
        "Limit": PAGE_LIMIT,
        "PhoneNumber": to_e164(message.to),
        "SmsSdkAppId": config.sdk_app_id,
        "EndTime": int(now.timestamp()) + 60,
    }
    try:
        answer = await api.call("PullSmsSendStatusByPhoneNumber", params)
    except (NotSentError, OutcomeUnknownError) as err:
        return LookupUnavailable(f"状态查询失败 / status query failed ({err})")
    if answer.status != 200:
        return LookupUnavailable(f"状态查询失败 / status query answered HTTP {answer.status}")
    if answer.error_code is not None:
        return LookupUnavailable(f"状态查询被拒绝 / status query refused ({answer.error_code})")
    records = answer.response.get("PullSmsSendStatusSet")
    if not isinstance(records, list):
        return LookupUnavailable("应答缺少 PullSmsSendStatusSet / malformed status answer")
    return _match(records, message.ref, now - sent, config.lookup_settle)


def _match(records: list[Any], ref: str, age: timedelta, settle: float) -> LookupResult:
    found: list[dict[str, Any]] = []
    labelled = unlabelled = False
    for record in records:
        if not isinstance(record, dict):
            continue
        context = str(record.get("SessionContext") or "")
        labelled = labelled or bool(context)
        unlabelled = unlabelled or not context
        if context and (context == ref or ref in refs_in_session(context)):
            found.append(record)
    if found:
        best = max(found, key=_rank)
        return Found(str(best.get("SerialNo") or ""), *_state(best))
    if unlabelled and not labelled:
        # Records exist but none carries a SessionContext: the account does not echo it.
        return LookupUnavailable(
            "状态记录没有回传 SessionContext，无法对应消息 / status records carry no "
            "SessionContext (ask Tencent to enable it), the message cannot be told apart"
        )
    if len(records) >= PAGE_LIMIT:
        return LookupUnavailable("记录超过一页，无法确认 / more records than one page holds")
    if age.total_seconds() < settle:
        return LookupUnavailable("尚无状态记录，稍后再查 / no status record yet, ask again later")
    return NotFound()


def _rank(record: dict[str, Any]) -> int:
    """Prefer a record with a report: a delivered copy proves the most."""
    return {"SUCCESS": 2, "FAIL": 1}.get(str(record.get("ReportStatus") or ""), 0)


def _state(record: dict[str, Any]) -> tuple[DeliveryState, str | None]:
    status = str(record.get("ReportStatus") or "")
    if status == "SUCCESS":
        return DeliveryState.DELIVERED, None
    if status == "FAIL":
        return DeliveryState.FAILED, str(record.get("Description") or "FAIL")
    return DeliveryState.SENT, None
