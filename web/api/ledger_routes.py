"""The ledger system reports residents' status changes (role `ledger` only).

`POST /api/v1/ledger/status-changes` with header `Idempotency-Key` (or body `idempotency_key`)
and `{"changes": [...]}`; results.apply_status_changes applies the batch in one transaction,
once per key (a repeat answers the first result with `replayed: true`).
"""

from __future__ import annotations

from aiohttp import web

from campaigns import utc_now
from results import StatusChangeError, apply_status_changes
from web.api.auth import ENGINE, principal
from web.api.body import json_object
from web.api.errors import ApiError, bad_request, invalid, json_response
from web.api.tokens import Role

MAX_CHANGES = 10_000


async def status_changes(request: web.Request) -> web.Response:
    principal(request, Role.LEDGER)
    body = await json_object(request)
    key = request.headers.get("Idempotency-Key") or body.get("idempotency_key")
    if not isinstance(key, str) or not key.strip() or len(key) > 128:
        raise bad_request(
            "缺少幂等键：请在请求头 Idempotency-Key 中给出 1–128 个字符",
            "missing idempotency key: send 1-128 characters in the Idempotency-Key header",
            "missing_idempotency_key",
        )
    changes = body.get("changes")
    if not isinstance(changes, list) or not changes:
        raise invalid("changes 必须是非空列表", "changes must be a non-empty list", field="changes")
    if len(changes) > MAX_CHANGES:
        raise ApiError(
            413,
            "too_large",
            f"一批最多 {MAX_CHANGES} 条，请分批提交",
            f"at most {MAX_CHANGES} changes a batch; split it",
        )
    if not all(isinstance(item, dict) for item in changes):
        raise invalid(
            "changes 的每一项都必须是对象", "each change must be an object", field="changes"
        )
    try:
        result = await apply_status_changes(
            request.app[ENGINE], changes, idempotency_key=key.strip(), now=utc_now()
        )
    except StatusChangeError as err:
        problems = [{"index": i, "reason": reason} for i, reason in err.problems]
        raise invalid(err.zh, err.en, problems=problems) from err
    return json_response(result.as_json())
