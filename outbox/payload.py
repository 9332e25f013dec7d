"""The webhook's body: one JSON object per batch, events in id order.

```json
{"deployment": "outreach", "events": [
  {"idempotency_key": "outreach-1042", "event_id": 1042, "kind": "message_delivered",
   "at": "2026-12-04T10:00:00+00:00", "resident_id": "53250119800101001X",
   "campaign_id": 3, "message_id": 991, "data": {"provider": "aliyun"}}]}
```

`idempotency_key` is `<deployment>-<event id>`: the same on every retry of the event and after
any crash, unique across deployments. `resident_id` is the resident's citizen ID number in full:
it is the ledger system's own key for the row to cross off, so its contract needs it (the
transport is HTTPS and signed). Everything else is masked: any ID number or phone inside `data`
goes out as core.mask_text leaves it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from core import mask_text, stored_utc


def idempotency_key(deployment: str, event_id: int) -> str:
    return f"{deployment}-{event_id}"


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _data(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return _masked(json.loads(raw))
    except ValueError:
        return mask_text(raw)


def _iso(moment: datetime) -> str:
    return stored_utc(moment).isoformat()


def batch_body(deployment: str, rows: Sequence[Row[Any]]) -> bytes:
    """The POST body for claimed event rows (id, kind, at, campaign, message, resident, data)."""
    events = [
        {
            "idempotency_key": idempotency_key(deployment, row.id),
            "event_id": row.id,
            "kind": row.kind,
            "at": _iso(row.at),
            "resident_id": row.resident_id,
            "campaign_id": row.campaign_id,
            "message_id": row.message_id,
            "data": _data(row.data),
        }
        for row in rows
    ]
    return json.dumps(
        {"deployment": deployment, "events": events}, ensure_ascii=False, separators=(",", ":")
    ).encode()
