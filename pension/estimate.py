"""A person's pension estimate: retirement date, contribution months, monthly pension and why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pension import employee, resident
from pension.assumptions import Assumptions
from pension.benefit import Benefit
from pension.errors import PensionError
from pension.minimum import RESIDENT_MONTHS, minimum_months, months_missing
from pension.money import ZERO, yuan
from pension.note import (
    ALREADY_DUE,
    BALANCE_ESTIMATED,
    DISCLAIMER,
    EARLY_NEEDS_MINIMUM,
    KEEPS_PAYING,
    MINIMUM_NOT_MET,
    NATIONAL_DEFAULTS,
    NO_TRANSITIONAL_COEFFICIENT,
    RESIDENT_AT_60,
    UNCONFIRMED,
    WAGE_PROJECTED,
    Note,
)
from pension.parameters import OVERRIDE_SOURCE, ByYear, Parameters, Province, Sourced
from pension.payout import payout_months
from pension.person import Person, Scheme
from pension.retirement import Retirement, retirement
from pension.yearmonth import Age, YearMonth

_TWELVE = Decimal(12)
# Agencies state the average contribution index to four decimals.
_INDEX_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Estimate:
    """A person's estimated monthly pension, always flagged as an estimate, with its reasons."""

    person: Person
    scheme: Scheme
    retirement: Retirement
    start: YearMonth
    start_age: Age
    months_at_retirement: int
    minimum_months: int
    months_missing: int
    balance_at_retirement: Decimal
    benefit: Benefit
    assumptions: Assumptions
    notes: tuple[Note, ...]
    is_estimate: Literal[True] = True
    disclaimer: Note = DISCLAIMER

    @property
    def minimum_met(self) -> bool:
        """Whether the contributions at retirement reach the minimum for a monthly pension."""
        return self.months_missing == 0

    @property
    def total(self) -> Decimal:
        """The monthly pension in yuan."""
        return self.benefit.total

    def as_dict(self) -> dict[str, Any]:
        """The estimate ready for JSON (money as strings with two decimals)."""
        return {
            "is_estimate": self.is_estimate,
            "scheme": self.scheme.value,
            "birth": str(self.person.birth),
            "category": self.person.category.value,
            "statutory_age": str(self.retirement.age),
            "statutory_retire": str(self.retirement.date),
            "delay_months": self.retirement.delay_months,
            "flexible_earliest": str(self.retirement.earliest),
            "flexible_latest": str(self.retirement.latest),
            "start": str(self.start),
            "start_age": str(self.start_age),
            "months_paid": self.person.months_paid,
            "months_at_retirement": self.months_at_retirement,
            "minimum_months": self.minimum_months,
            "minimum_met": self.minimum_met,
            "months_missing": self.months_missing,
            "balance_at_retirement": str(self.balance_at_retirement),
            **self.benefit.as_dict(),
            "assumptions": self.assumptions.as_dict(),
            "notes": [note.as_dict() for note in self.notes],
            "disclaimer": self.disclaimer.as_dict(),
        }


def estimate(person: Person, params: Parameters, as_of: YearMonth) -> Estimate:
    """The person's pension estimate under `params`, as seen in month `as_of`."""
    resume = person.resume or as_of
    if resume < as_of:
        raise PensionError(
            f"恢复缴费时间不能早于测算月份 {as_of}：{resume}",
            f"the resume month cannot be before the estimate month {as_of}: {resume}",
        )
    statutory = retirement(person.birth, person.category)
    if person.scheme is Scheme.EMPLOYEE:
        return _employee(person, params, as_of, resume, statutory)
    return _resident(person, params, as_of, resume, statutory)


def _employee(
    person: Person,
    params: Parameters,
    as_of: YearMonth,
    resume: YearMonth,
    statutory: Retirement,
) -> Estimate:
    """Employee-scheme estimate: basic + account (+ transitional) at the chosen retirement."""
    notes: list[Note] = []
    start_age = person.retire_age or statutory.age
    if start_age == statutory.age:
        start = statutory.date
    else:
        if not statutory.earliest_age <= start_age <= statutory.latest_age:
            raise PensionError(
                f"弹性退休年龄应在 {statutory.earliest_age.zh} 至 {statutory.latest_age.zh} 之间",
                f"a flexible retirement age must be {statutory.earliest_age}"
                f" to {statutory.latest_age}",
            )
        start = person.birth.plus(start_age.total_months)
        if start_age < statutory.age:
            notes.append(EARLY_NEEDS_MINIMUM)
    projection = params.projection
    province = params.province
    future = max(0, start.index - resume.index)
    paid = person.months_paid + person.deemed_months
    total_months = paid + future
    base = person.base
    past_base = person.past_base or base
    # The average index weighs each month by its base; deemed months count at the person's index.
    index = ((past_base * paid + base * future) / total_months if total_months else base).quantize(
        _INDEX_PLACES
    )
    if person.balance is None:
        balance_now = yuan(
            employee.ACCOUNT_SHARE * past_base * projection.wage(as_of.year) * person.months_paid
        )
        notes.append(BALANCE_ESTIMATED)
    else:
        balance_now = person.balance
    balance = yuan(employee.project_account(balance_now, base, as_of, resume, start, projection))
    avg_wage = projection.wage(start.year)
    years = Decimal(total_months) / _TWELVE
    coefficient: Sourced[Decimal] | None = None
    transitional = ZERO
    if person.deemed_months:
        coefficient = province.transitional_coefficient.at(start.year)
        if coefficient is None:
            notes.append(NO_TRANSITIONAL_COEFFICIENT)
        else:
            transitional = employee.transitional_pension(
                avg_wage, index, Decimal(person.deemed_months) / _TWELVE, coefficient.value
            )
    payout = payout_months(start_age)
    benefit = Benefit(
        basic=employee.basic_pension(avg_wage, index, years),
        account=employee.account_pension(balance, payout),
        transitional=transitional,
        payout_months=payout,
    )
    wage_source = projection.wage_source(start.year)
    assumptions = _assumptions(
        person,
        province,
        as_of,
        resume,
        balance_now,
        wage_growth=params.national.wage_growth,
        base=base,
        past_base=past_base,
        index=index,
        avg_wage=Sourced(avg_wage, wage_source),
        bookkeeping_rate=params.national.future_bookkeeping_rate,
        transitional_coefficient=coefficient,
    )
    if future:
        notes.append(KEEPS_PAYING)
    if wage_source.startswith("assumption"):
        notes.append(WAGE_PROJECTED)
    minimum = minimum_months(start.year)
    return _finish(
        person,
        statutory,
        start,
        start_age,
        total_months,
        minimum,
        balance,
        benefit,
        assumptions,
        notes,
        as_of,
    )


def _assumptions(
    person: Person,
    province: Province,
    as_of: YearMonth,
    resume: YearMonth,
    balance_now: Decimal,
    **scheme: Any,
) -> Assumptions:
    """The assumptions every estimate states, plus those of its scheme (`scheme`)."""
    return Assumptions(
        as_of=as_of,
        province=province.code,
        province_zh=province.name_zh,
        province_en=province.name_en,
        national_defaults=province.national_defaults,
        resume=resume,
        balance_now=balance_now,
        balance_estimated=person.balance is None,
        **scheme,
    )


def _resident(
    person: Person,
    params: Parameters,
    as_of: YearMonth,
    resume: YearMonth,
    statutory: Retirement,
) -> Estimate:
    """Resident-scheme estimate: basic (central minimum + top-up) + account ÷ 139 at 60."""
    if person.retire_age is not None:
        raise PensionError(
            "城乡居民养老保险统一在 60 周岁领取，不能选择退休年龄",
            "the resident pension starts at 60; a retirement age cannot be chosen",
        )
    national, province = params.national, params.province
    notes: list[Note] = [RESIDENT_AT_60]
    start_age = resident.PENSION_AGE
    start = person.birth.plus(start_age.total_months)
    schedule = province.resident_subsidy.at(as_of.year)
    if schedule is None:
        raise PensionError("缺少缴费档次数据", "no resident contribution tiers")
    tiers = schedule.value
    tier = person.tier if person.tier is not None else min(tiers)
    if params.subsidy_override is not None:
        subsidy = Sourced(params.subsidy_override, OVERRIDE_SOURCE)
    elif tier in tiers:
        subsidy = Sourced(tiers[tier], schedule.source)
    else:
        listed = ", ".join(str(known) for known in sorted(tiers))
        raise PensionError(
            f"{province.name_zh}没有 {tier} 元这一缴费档次，可选：{listed}",
            f"{province.name_en} has no {tier}-yuan tier; choose one of: {listed}",
        )
    yearly = tier + subsidy.value
    if person.balance is None:
        balance_now = yuan(yearly * person.months_paid / _TWELVE)
        notes.append(BALANCE_ESTIMATED)
    else:
        balance_now = person.balance
    rate = national.resident_account_rate
    balance = yuan(
        resident.project_account(balance_now, yearly, rate.value, as_of, resume.year, start)
    )
    payments = resident.payment_years(as_of, resume.year, start)
    central = _at(national.central_minimum, start.year)
    top_up = _at(province.resident_top_up, start.year)
    benefit = resident.resident_pension(central.value + top_up.value, balance)
    assumptions = _assumptions(
        person,
        province,
        as_of,
        resume,
        balance_now,
        tier=tier,
        subsidy=subsidy,
        central_minimum=central,
        resident_top_up=top_up,
        resident_account_rate=rate,
    )
    if payments:
        notes.append(KEEPS_PAYING)
    return _finish(
        person,
        statutory,
        start,
        start_age,
        person.months_paid + 12 * payments,
        RESIDENT_MONTHS,
        balance,
        benefit,
        assumptions,
        notes,
        as_of,
    )


def _finish(
    person: Person,
    statutory: Retirement,
    start: YearMonth,
    start_age: Age,
    months: int,
    minimum: int,
    balance: Decimal,
    benefit: Benefit,
    assumptions: Assumptions,
    notes: list[Note],
    as_of: YearMonth,
) -> Estimate:
    """Add the notes every scheme shares and assemble the estimate."""
    missing = months_missing(months, minimum)
    if missing:
        notes.append(MINIMUM_NOT_MET)
    if start <= as_of:
        notes.append(ALREADY_DUE)
    if assumptions.national_defaults:
        notes.insert(0, NATIONAL_DEFAULTS)
    if not all(
        item.confirmed
        for item in (
            assumptions.avg_wage,
            assumptions.subsidy,
            assumptions.central_minimum,
            assumptions.resident_top_up,
            assumptions.transitional_coefficient,
            assumptions.resident_account_rate,
        )
        if item is not None
    ):
        notes.append(UNCONFIRMED)
    return Estimate(
        person=person,
        scheme=person.scheme,
        retirement=statutory,
        start=start,
        start_age=start_age,
        months_at_retirement=months,
        minimum_months=minimum,
        months_missing=missing,
        balance_at_retirement=balance,
        benefit=benefit,
        assumptions=assumptions,
        notes=tuple(notes),
    )


def _at(table: ByYear[Decimal], year: int) -> Sourced[Decimal]:
    """The value of `table` for `year` (nearest known year); a missing table is a data error."""
    found = table.at(year)
    if found is None:
        raise PensionError("缺少参数数据", "a parameter table is empty")
    return found
