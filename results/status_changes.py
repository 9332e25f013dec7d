"""Status changes reported by the ledger system through the API: one transaction per batch.

Input (what `POST /api/v1/ledger/status-changes` passes on), a list of objects:

    {"id_number": "532501199001011234",       # required
     "pension_status": "paying",               # optional: paying | lapsed | never | terminated
     "pension_scheme": "employee",             # optional: employee | resident
     "medical_status": "paying",               # optional, as pension_status
     "at": "2026-11-20T09:30:00+08:00"}        # optional ISO date or datetime; default `now`

Codes or the Chinese labels staff write (参保缴费, 暂停缴费, 职工养老保险…) are accepted. A batch is
applied once per idempotency key: a repeat returns the first result with `replayed` true and
changes nothing. An invalid item rejects the whole batch (StatusChangeError) before anything is
written; a resident the ledger here does not know is counted in `unknown` (by position).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core import RESIDENT_TZ, BilingualError, in_transaction
from ledger import RESIDENTS, PensionScheme, Status, parse_id_number
from ledger.identity import IdentityError
from ops.instruments import count_conversions
from results.changes import Statuses, classify
from results.marks import load_marks, save_marks
from results.model import BATCHES
from results.recording import Found, record, upsert
from results.settings import attribution_window

_CHUNK = 500
_FIELDS = {"pension_status": Status, "medical_status": Status, "pension_scheme": PensionScheme}


class StatusChangeError(BilingualError):
    """The batch is not valid; `problems` lists (position, reason) and nothing was written."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        listed = "; ".join(f"#{i}: {reason}" for i, reason in problems[:20])
        super().__init__(
            f"状态变更有误，未做任何修改：{listed}", f"invalid status changes: {listed}"
        )
        self.problems = problems


@dataclass(slots=True)
class StatusChangeResult:
    """What a batch did (the API returns it as JSON)."""

    key: str
    received: int = 0
    applied: int = 0  # changes that altered a stored status
    unchanged: int = 0
    unknown: list[int] = field(default_factory=list)  # positions of unknown residents
    conversions: int = 0
    replayed: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Change:
    position: int
    id_number: str
    values: dict[str, str]
    at: datetime


def _parse_at(raw: object, now: datetime) -> datetime:
    if raw is None:
        return now
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime.combine(raw, time(12), RESIDENT_TZ)
    elif isinstance(raw, str):
        text = raw.strip()
        moment = (
            datetime.combine(date.fromisoformat(text), time(12), RESIDENT_TZ)
            if len(text) == 10
            else datetime.fromisoformat(text)
        )
    else:
        raise TypeError(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=RESIDENT_TZ)  # staff write local times
    return moment


def _parse(changes: Sequence[Mapping[str, Any]], now: datetime) -> list[_Change]:
    parsed: list[_Change] = []
    problems: list[tuple[int, str]] = []
    today = now.astimezone(RESIDENT_TZ).date()
    for position, item in enumerate(changes):
        try:
            id_number = parse_id_number(str(item.get("id_number", "")), today=today).value
        except IdentityError:
            problems.append((position, "id_number 无效 / invalid"))
            continue
        values: dict[str, str] = {}
        for name, codes in _FIELDS.items():
            raw = item.get(name)
            if raw is None:
                continue
            code = codes.parse(str(raw))
            if code is None:
                problems.append((position, f"{name} 取值无效 / unknown value"))
            else:
                values[name] = code.value
        try:
            at = _parse_at(item.get("at"), now)
        except (TypeError, ValueError):
            problems.append((position, "at 不是日期时间 / not an ISO date or datetime"))
            continue
        if at > now + timedelta(minutes=5):
            problems.append((position, "at 在未来 / in the future"))
        if not values and not any(name in item for name in _FIELDS):
            problems.append((position, "没有任何状态 / no status given"))
        parsed.append(_Change(position, id_number, values, at))
    if problems:
        raise StatusChangeError(problems)
    return parsed


async def apply_status_changes(
    engine: AsyncEngine,
    changes: Sequence[Mapping[str, Any]],
    *,
    idempotency_key: str,
    now: datetime,
    window: timedelta | None = None,
) -> StatusChangeResult:
    """Apply a batch of status changes in one transaction, once per `idempotency_key`.

    Updates the residents' statuses, records a conversion (and its `conversion` event) for each
    enrollment, resumption or scheme switch, attributed to the last contact within `window`
    (default: CONVERSION_WINDOW_DAYS, 30 days).
    """
    if not idempotency_key or len(idempotency_key) > 128:
        raise StatusChangeError([(-1, "idempotency_key 须为 1–128 个字符 / 1–128 characters")])
    parsed = _parse(changes, now)
    span = attribution_window(window)

    async def work(connection: AsyncConnection) -> StatusChangeResult:
        claimed = (
            await connection.execute(
                upsert(connection, BATCHES)
                .values(key=idempotency_key, applied_at=now.astimezone(UTC))
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(BATCHES.c.key)
            )
        ).scalar_one_or_none()
        if claimed is None:
            stored: str = (
                await connection.execute(
                    select(BATCHES.c.result).where(BATCHES.c.key == idempotency_key)
                )
            ).scalar_one()
            return StatusChangeResult(**{**json.loads(stored), "replayed": True})
        result = await _apply(connection, parsed, idempotency_key, now, span)
        await connection.execute(
            update(BATCHES)
            .where(BATCHES.c.key == idempotency_key)
            .values(result=json.dumps(result.as_json()))
        )
        return result

    result = await in_transaction(engine, work, what="status_changes")
    count_conversions("api", 0 if result.replayed else result.conversions)
    return result


async def _apply(
    connection: AsyncConnection,
    parsed: list[_Change],
    key: str,
    now: datetime,
    window: timedelta,
) -> StatusChangeResult:
    result = StatusChangeResult(key=key, received=len(parsed))
    ids = sorted({c.id_number for c in parsed})
    current: dict[str, Statuses] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = await connection.execute(
            select(
                RESIDENTS.c.id_number,
                RESIDENTS.c.pension_status,
                RESIDENTS.c.pension_scheme,
                RESIDENTS.c.medical_status,
            )
            .where(RESIDENTS.c.id_number.in_(chunk))
            .order_by(RESIDENTS.c.id_number)
            .with_for_update()
        )
        for row in rows:
            current[row.id_number] = Statuses(row[1], row[2], row[3])
    # What conversions last saw wins over the row: an import not yet compared is not lost.
    current.update(await load_marks(connection, list(current)))
    found: list[Found] = []
    touched: dict[str, Statuses] = {}
    for change in sorted(parsed, key=lambda c: (c.at, c.position)):
        before = current.get(change.id_number)
        if before is None:
            result.unknown.append(change.position)
            continue
        after = Statuses(
            change.values.get("pension_status", before.pension_status),
            change.values.get("pension_scheme", before.pension_scheme),
            change.values.get("medical_status", before.medical_status),
        )
        if after == before:
            result.unchanged += 1
            continue
        result.applied += 1
        current[change.id_number] = touched[change.id_number] = after
        found.extend(Found(change.id_number, kind, change.at) for kind in classify(before, after))
        await _write_resident(connection, change, now)
    result.unknown.sort()
    await save_marks(connection, touched)
    result.conversions = await record(
        connection, found, source="api", now=now, window=window, batch_key=key
    )
    return result


async def _write_resident(connection: AsyncConnection, change: _Change, now: datetime) -> None:
    values: dict[str, Any] = {**change.values, "updated_at": now.astimezone(UTC)}
    month = change.at.astimezone(RESIDENT_TZ).date().replace(day=1)
    r = RESIDENTS.c
    for scheme in ("pension", "medical"):
        if change.values.get(f"{scheme}_status") != Status.PAYING.value:
            continue
        # Paying in that month: the payment rate counts it from then on (never moved back).
        column = r[f"{scheme}_last_paid"]
        paid = (
            await connection.execute(select(column).where(r.id_number == change.id_number))
        ).scalar_one_or_none()
        if paid is None or paid < month:
            values[column.name] = month
    await connection.execute(
        update(RESIDENTS).where(r.id_number == change.id_number).values(**values)
    )
