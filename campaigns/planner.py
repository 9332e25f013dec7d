"""From a segment to recipients: who gets the message, on which channel, and who is left out why.

`plan_recipients` walks the segment's residents once (streamed, so a million residents never sit
in memory), excludes those who must not or cannot be reached, picks each one's channel and renders
the SMS once to count its parts. The dry run (`campaign plan`) and the launch run the very same
walk; launch hands each batch of recipients to a sink that inserts message rows, so what the plan
shows is what launch does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import String, and_, cast, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from campaigns.definition import CampaignDefinition, MessageClass
from campaigns.model import CONTACTS, MESSAGES, SUPPRESSIONS
from campaigns.render_errors import MessageTooLong
from campaigns.timing import relative_moment
from core import BilingualError, stored_utc
from ledger import Resident, UninsuredReason
from ledger.segments import compile_where

_R = Resident.__table__
_S = SUPPRESSIONS
_C = CONTACTS
_M = MESSAGES


class Exclusion:
    """Why a resident of the segment gets no message (stable codes, bilingual labels)."""

    OPTED_OUT = "opted_out"
    CAPPED = "capped"
    NO_CHANNEL = "no_reachable_channel"
    DECEASED = "deceased"
    INSURED_ELSEWHERE = "insured_elsewhere"
    IMPRISONED = "imprisoned"
    ALREADY_PLANNED = "already_planned"
    TOO_LONG = "too_long"
    NOT_RENDERABLE = "not_renderable"

    LABELS: Mapping[str, tuple[str, str]] = {
        OPTED_OUT: ("已退订", "opted out"),
        CAPPED: ("近期已联系（频次上限）", "contacted recently (frequency cap)"),
        NO_CHANNEL: ("无可用联系方式", "no reachable channel"),
        DECEASED: ("已故", "deceased"),
        INSURED_ELSEWHERE: ("已在其他地区参保", "insured elsewhere"),
        IMPRISONED: ("服刑人员", "imprisoned"),
        ALREADY_PLANNED: ("本轮已安排", "already planned in this round"),
        TOO_LONG: ("短信超过条数上限", "SMS longer than the parts limit"),
        NOT_RENDERABLE: ("无法生成消息", "message could not be rendered"),
    }


_INELIGIBLE = {
    UninsuredReason.DECEASED.value: Exclusion.DECEASED,
    UninsuredReason.INSURED_ELSEWHERE.value: Exclusion.INSURED_ELSEWHERE,
    UninsuredReason.IMPRISONED.value: Exclusion.IMPRISONED,
}


class Composer(Protocol):
    """Personalisation and rendering, as the planner needs them."""

    def variables(self, resident: Any) -> dict[str, str]:
        """The personal variables of one resident (a residents row)."""
        ...

    def sms_parts(self, variables: Mapping[str, str], provider: str) -> int:
        """Billed parts of the SMS for these variables; raises BilingualError if too long."""
        ...


@dataclass(frozen=True, slots=True)
class Recipient:
    resident_id: str
    channel: str
    address: str
    variables: dict[str, str]
    not_before: datetime | None
    parts: int | None


@dataclass(slots=True)
class PlanSummary:
    """What a plan found; `as_dict` is the JSON of `outreach campaign plan --json`."""

    segment_size: int = 0
    recipients: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)
    sms_parts: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # first few render problems, masked

    @property
    def sms_parts_total(self) -> int:
        return sum(parts * n for parts, n in self.sms_parts.items())

    def as_dict(self) -> dict[str, Any]:
        return {
            "segment_size": self.segment_size,
            "recipients": self.recipients,
            "by_channel": dict(sorted(self.by_channel.items())),
            "excluded": dict(sorted(self.excluded.items())),
            "sms_parts": {
                "per_message": {str(k): v for k, v in sorted(self.sms_parts.items())},
                "total": self.sms_parts_total,
                "max": max(self.sms_parts, default=0),
            },
            "problems": self.problems,
        }


Sink = Callable[[Sequence[Recipient]], Awaitable[None]]


async def plan_recipients(
    connection: AsyncConnection,
    definition: CampaignDefinition,
    composer: Composer,
    *,
    campaign_id: int | None,
    occurrence: str,
    now: datetime,
    today: date,
    message_class: MessageClass,
    sink: Sink | None = None,
    batch_size: int = 2000,
    on_progress: Callable[[int], None] | None = None,
) -> PlanSummary:
    """Walk the segment once; count, exclude, render; feed recipients to `sink` in batches."""
    segment = definition.segment_spec()
    window = definition.effective_window(message_class)
    cap_cutoff = now - timedelta(days=definition.frequency_cap_days)
    where = compile_where(segment.where, today)
    query = _recipient_query(campaign_id, occurrence, segment_where=where)
    summary = PlanSummary()
    batch: list[Recipient] = []
    primary = definition.sms_provider
    relative = definition.schedule.relative

    result = await connection.stream(query.execution_options(yield_per=batch_size))
    async for row in result:
        summary.segment_size += 1
        if on_progress is not None and summary.segment_size % batch_size == 0:
            on_progress(batch_size)
        reason = _exclusion(row, cap_cutoff, definition.frequency_cap_days)
        channel_address = _channel(row, definition.channels) if reason is None else None
        if reason is None and channel_address is None:
            reason = Exclusion.NO_CHANNEL
        if reason is not None or channel_address is None:
            summary.excluded[reason or Exclusion.NO_CHANNEL] += 1
            continue
        channel, address = channel_address
        try:
            variables = composer.variables(row)
            parts = composer.sms_parts(variables, primary) if channel == "sms" else None
        except BilingualError as exc:
            too_long = isinstance(exc, MessageTooLong)
            summary.excluded[Exclusion.TOO_LONG if too_long else Exclusion.NOT_RENDERABLE] += 1
            if len(summary.problems) < 5:
                summary.problems.append(f"{exc.zh} / {exc.en}")
            continue
        not_before = None
        if relative is not None:
            not_before = relative_moment(
                relative.to, relative.days, birth_date=row.birth_date, today=today, window=window
            )
        summary.recipients += 1
        summary.by_channel[channel] += 1
        if parts is not None:
            summary.sms_parts[parts] += 1
        if sink is not None:
            batch.append(Recipient(row.id_number, channel, address, variables, not_before, parts))
            if len(batch) >= batch_size:
                await sink(batch)
                batch = []
    if sink is not None and batch:
        await sink(batch)
    if on_progress is not None:
        on_progress(summary.segment_size % batch_size)
    return summary


def _recipient_query(campaign_id: int | None, occurrence: str, *, segment_where: Any) -> Any:
    chat = cast(_R.c.telegram_chat_id, String)
    by_resident = exists().where(_S.c.resident_id == _R.c.id_number)
    by_phone = exists().where(_S.c.address == literal("sms:") + _R.c.phone)
    by_chat = exists().where(_S.c.address == literal("telegram:") + chat)
    columns = [
        *_R.c,
        (by_resident | by_phone | by_chat).label("suppressed"),
        _C.c.last_contact_at.label("last_contact_at"),
    ]
    if campaign_id is not None:
        planned = exists().where(
            and_(
                _M.c.campaign_id == campaign_id,
                _M.c.resident_id == _R.c.id_number,
                _M.c.occurrence == occurrence,
            )
        )
        columns.append(planned.label("planned"))
    return (
        select(*columns)
        .select_from(_R.outerjoin(_C, _C.c.resident_id == _R.c.id_number))
        .where(segment_where)
        .order_by(_R.c.id_number)
    )


def _exclusion(row: Any, cap_cutoff: datetime, cap_days: int) -> str | None:
    if getattr(row, "planned", False):
        return Exclusion.ALREADY_PLANNED
    if row.suppressed:
        return Exclusion.OPTED_OUT
    ineligible = _INELIGIBLE.get(row.uninsured_reason or "")
    if ineligible is not None:
        return ineligible
    last = row.last_contact_at
    if cap_days and last is not None and stored_utc(last) > cap_cutoff:
        return Exclusion.CAPPED
    return None


def _channel(row: Any, preference: Sequence[str]) -> tuple[str, str] | None:
    for channel in preference:
        if channel == "telegram" and row.telegram_chat_id is not None:
            return "telegram", str(row.telegram_chat_id)
        if channel == "sms" and row.phone:
            return "sms", str(row.phone)
    return None
