"""Monthly progress per township and village, aggregated in SQL (one GROUP BY per query).

Figures (LEDGER.md §5), per unit, for a month:
- in scope: residents 16+, not students, not deceased or insured elsewhere (segment `in_scope`);
- contacted: of those, sent a message or engaged (replied, asked, got an estimate) before the
  month's end; reached: delivered a message or engaged before the month's end;
- converted: with a conversion effective in the month; crossed off (销号): with a conversion
  effective by the month's end, since outreach began;
- insured: pension status paying or lapsed (enrolled); paid: insured and paid in the month's
  year, up to the month's end. Rates: enrollment = insured / in scope, payment = paid / insured.
Statuses are the ledger as it stands now (the ledger keeps no history of them); contacts and
conversions are counted as of the month's end.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Integer, and_, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns.model import EVENTS, MESSAGES, MessageStatus
from ledger import Resident, Status
from ledger.segments import FIELDS
from results.model import CONVERSIONS
from results.scope import ENGAGED_KINDS, Month
from results.targets import Target, Targets, due

_R = Resident.__table__.c
_INSURED = (Status.PAYING.value, Status.LAPSED.value)


@dataclass(slots=True)
class UnitProgress:
    """One township (village None: the township's total) or village."""

    township: str | None
    village: str | None
    in_scope: int = 0
    contacted: int = 0
    reached: int = 0
    converted: int = 0
    crossed_off: int = 0
    insured: int = 0
    paid: int = 0
    enrollment_target: Target | None = None
    payment_target: Target | None = None

    @property
    def enrollment_rate(self) -> float | None:
        return self.insured / self.in_scope if self.in_scope else None

    @property
    def payment_rate(self) -> float | None:
        return self.paid / self.insured if self.insured else None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["enrollment_rate"] = self.enrollment_rate
        data["payment_rate"] = self.payment_rate
        return data


@dataclass(slots=True)
class ProgressReport:
    month: Month
    units: list[UnitProgress] = field(default_factory=list)  # villages, then township totals
    reasons: list[tuple[str | None, str | None, str | None, int]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "month": str(self.month),
            "units": [u.as_json() for u in self.units],
            "reasons": [
                {"township": t, "village": v, "reason": r, "residents": n}
                for t, v, r, n in self.reasons
            ],
        }


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0).cast(Integer))


def _activity(month: Month) -> Any:
    """One row per resident with anything to count, as 0/1 flags (one hash join, no subplans).

    sent: a message the gateway took; delivered; engaged: replied, asked, got an estimate (a
    resident who talked to the service was contacted and reached); converted: in the month;
    crossed: converted by the month's end.
    """
    end = month.end
    m, e, c = MESSAGES.c, EVENTS.c, CONVERSIONS.c
    one, zero = literal(1), literal(0)
    delivered = case((m.status == MessageStatus.DELIVERED.value, 1), else_=0)
    in_month = case((c.effective_on >= month.first_day, 1), else_=0)
    rows = union_all(
        select(
            m.resident_id.label("resident_id"),
            one.label("sent"),
            delivered.label("delivered"),
            zero.label("engaged"),
            zero.label("converted"),
            zero.label("crossed"),
        ).where(m.sent_at.is_not(None), m.sent_at < end),
        select(e.resident_id, zero, zero, one, zero, zero).where(
            e.kind.in_(ENGAGED_KINDS), e.at < end, e.resident_id.is_not(None)
        ),
        select(c.resident_id, zero, zero, zero, in_month, one).where(
            c.effective_on < month.next_first_day
        ),
    ).subquery("contact_rows")
    r = rows.c
    return select(
        r.resident_id,
        func.max(r.sent).label("sent"),
        func.max(r.delivered).label("delivered"),
        func.max(r.engaged).label("engaged"),
        func.max(r.converted).label("converted"),
        func.max(r.crossed).label("crossed"),
    ).group_by(r.resident_id)


async def progress_report(
    engine: AsyncEngine, month: Month, targets: Targets | None = None
) -> ProgressReport:
    """The month's progress of every village and township (see the module's docstring)."""
    targets = targets or Targets()
    on = month.next_first_day  # ages and scope as of the month's end
    in_scope = FIELDS["in_scope"].sql("eq", True, on)
    insured = _R.pension_status.in_(_INSURED)
    paid = and_(
        insured,
        _R.pension_last_paid >= month.first_day.replace(month=1),
        _R.pension_last_paid < month.next_first_day,
    )
    activity = _activity(month).subquery("activity")
    a = activity.c
    engaged = a.engaged == 1
    query = (
        select(
            _R.township,
            _R.village,
            _flag(in_scope),
            _flag(and_(in_scope, (a.sent == 1) | engaged)),
            _flag(and_(in_scope, (a.delivered == 1) | engaged)),
            _flag(a.converted == 1),
            _flag(a.crossed == 1),
            _flag(and_(in_scope, insured)),
            _flag(and_(in_scope, paid)),
        )
        .select_from(Resident.__table__)
        .outerjoin(activity, a.resident_id == _R.id_number)
        .group_by(_R.township, _R.village)
        .order_by(_R.township, _R.village)
    )
    not_insured = and_(in_scope, ~func.coalesce(_R.pension_status, "").in_(_INSURED))
    reasons_query = (
        select(_R.township, _R.village, _R.uninsured_reason, func.count())
        .where(not_insured)
        .group_by(_R.township, _R.village, _R.uninsured_reason)
        .order_by(_R.township, _R.village, _R.uninsured_reason)
    )
    async with engine.connect() as connection:
        rows: list[Any] = list(await connection.execute(query))
        reasons: list[Any] = list(await connection.execute(reasons_query))
    report = ProgressReport(month)
    totals: dict[str | None, UnitProgress] = {}
    for row in rows:
        township, village = row[0], row[1]
        n = [int(f or 0) for f in row[2:]]
        unit = UnitProgress(township, village, n[0], n[1], n[2], n[3], n[4], n[5], n[6])
        report.units.append(unit)
        total = totals.setdefault(township, UnitProgress(township, None))
        for name in ("in_scope", "contacted", "reached", "converted", "crossed_off"):
            setattr(total, name, getattr(total, name) + getattr(unit, name))
        total.insured += unit.insured
        total.paid += unit.paid
    report.units.extend(totals.values())
    for unit in report.units:
        unit.enrollment_target = due(
            targets.for_unit("enrollment", unit.township, unit.village), month.month
        )
        unit.payment_target = due(
            targets.for_unit("payment", unit.township, unit.village), month.month
        )
    report.reasons = [(t, v, r, int(n)) for t, v, r, n in reasons]
    return report
