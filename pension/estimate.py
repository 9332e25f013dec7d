"""A person's pension estimate: retirement date, contribution months, monthly pension and why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pension import employee, resident
from pension.benefit import Benefit
from pension.errors import PensionError
from pension.minimum import RESIDENT_MONTHS, minimum_months, months_missing
from pension.money import ZERO, yuan
from pension.parameters import OVERRIDE_SOURCE, ByYear, Parameters, Sourced
from pension.payout import payout_months
from pension.retirement import Category, Retirement, retirement
from pension.yearmonth import Age, YearMonth

_TWELVE = Decimal(12)
_DEFAULT_BASE = Decimal("0.6")
# Agencies state the average contribution index to four decimals.
_INDEX_PLACES = Decimal("0.0001")


class Scheme(StrEnum):
    """Which basic pension scheme: enterprise employees (and flexible workers) or residents."""

    EMPLOYEE = "employee"
    RESIDENT = "resident"

    @classmethod
    def parse(cls, text: str) -> Scheme:
        """Read a scheme name, with a bilingual error naming the valid ones."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise PensionError(
                f"未知的险种 {text!r}，可选：employee（职工）, resident（城乡居民）",
                f"unknown scheme {text!r}; choose employee or resident",
            ) from None


@dataclass(frozen=True, slots=True)
class Note:
    """One remark about an estimate, in Chinese and English."""

    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        """The note ready for JSON."""
        return {"zh": self.zh, "en": self.en}


DISCLAIMER = Note(
    zh=(
        "以上为估算，仅供参考，不是正式核定结果；"
        "实际待遇以当地社保经办机构核定为准，可拨打 12333 咨询。"
    ),
    en=(
        "This is an estimate for reference only, not an official figure; the actual pension is"
        " set by the local social-insurance agency. Call 12333 to ask."
    ),
)

NATIONAL_DEFAULTS = Note(
    "本省暂无参数数据，按全国默认值估算，可能与本地实际相差较大。",
    "No parameters for this province yet: national defaults used; the local figure may differ"
    " a lot.",
)
BALANCE_ESTIMATED = Note(
    "个人账户余额未知：按已缴月数和缴费档次估算（按当前工资水平计，代替历年利息）。",
    "Account balance unknown: estimated from the months paid and the base or tier (at today's"
    " wage level, standing in for past interest).",
)
KEEPS_PAYING = Note(
    "假设从恢复缴费起连续缴费直到退休。",
    "Assumes paying without a break from the resume date until retirement.",
)
MINIMUM_NOT_MET = Note(
    "到退休时缴费年限不足最低要求：需继续缴费或一次性补足差额，才能按月领取养老金。",
    "Short of the minimum contribution period at retirement: keep paying or pay the gap in a lump"
    " sum before a monthly pension can be drawn.",
)
WAGE_PROJECTED = Note(
    "退休当年的社平工资按假设的年增长率推算。",
    "The average wage in the retirement year is projected with the assumed yearly growth.",
)
UNCONFIRMED = Note(
    "部分参数尚待核实（来源标注 check），以当地公布的数值为准。",
    "Some parameters are still to be confirmed (source marked 'check'); the local notice prevails.",
)
ALREADY_DUE = Note(
    "已到领取年龄：按目前的缴费情况测算，不含今后缴费。",
    "Already at pension age: estimated on contributions so far, with no further payments.",
)
EARLY_NEEDS_MINIMUM = Note(
    "弹性提前退休须已达到最低缴费年限。",
    "Flexible early retirement requires the minimum contribution period to be met.",
)
NO_TRANSITIONAL_COEFFICIENT = Note(
    "本省过渡性养老金系数未知，未计算过渡性养老金。",
    "The province's transitional-pension coefficient is unknown: no transitional pension computed.",
)
RESIDENT_AT_60 = Note(
    "城乡居民养老保险年满 60 周岁、缴费满 15 年可按月领取。",
    "The resident pension is drawn from age 60 with at least 15 years of contributions.",
)


@dataclass(frozen=True, slots=True)
class Person:
    """What an estimate needs to know about a person; only birth and category are required.

    `base` is the future contribution base as a share of the average wage (employee scheme);
    `past_base` the average share of the months already paid (default: `base`); `tier` the
    yearly resident contribution (default: the province's lowest tier); `balance` None means
    unknown; `resume` None means paying (again) from the estimate's month; `retire_age` None
    means the statutory age (else a flexible age within the window).
    """

    birth: YearMonth
    category: Category
    scheme: Scheme = Scheme.EMPLOYEE
    months_paid: int = 0
    balance: Decimal | None = None
    base: Decimal = _DEFAULT_BASE
    past_base: Decimal | None = None
    tier: Decimal | None = None
    deemed_months: int = 0
    resume: YearMonth | None = None
    retire_age: Age | None = None

    def __post_init__(self) -> None:
        employee.check_index(self.base)
        if self.past_base is not None:
            employee.check_index(self.past_base, "past base")
        if self.months_paid < 0 or self.deemed_months < 0:
            raise PensionError("缴费月数不能为负数", "months paid cannot be negative")
        if self.balance is not None and self.balance < 0:
            raise PensionError("账户余额不能为负数", "the account balance cannot be negative")
        if self.tier is not None and self.tier <= 0:
            raise PensionError("缴费档次应为正数", "the resident tier must be positive")


@dataclass(frozen=True, slots=True)
class Assumptions:
    """The inputs and parameters an estimate rests on, each parameter with its source."""

    as_of: YearMonth
    province: str
    province_zh: str
    province_en: str
    national_defaults: bool
    resume: YearMonth
    balance_now: Decimal
    balance_estimated: bool
    # Employee scheme.
    wage_growth: Sourced[Decimal] | None = None
    base: Decimal | None = None
    past_base: Decimal | None = None
    index: Decimal | None = None
    avg_wage: Sourced[Decimal] | None = None
    bookkeeping_rate: Sourced[Decimal] | None = None
    transitional_coefficient: Sourced[Decimal] | None = None
    # Resident scheme.
    tier: Decimal | None = None
    subsidy: Sourced[Decimal] | None = None
    central_minimum: Sourced[Decimal] | None = None
    resident_top_up: Sourced[Decimal] | None = None
    resident_account_rate: Sourced[Decimal] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The assumptions ready for JSON: plain values as strings, parameters with sources."""
        out: dict[str, Any] = {
            "as_of": str(self.as_of),
            "province": self.province,
            "province_zh": self.province_zh,
            "province_en": self.province_en,
            "national_defaults": self.national_defaults,
            "resume": str(self.resume),
            "balance_now": str(self.balance_now),
            "balance_estimated": self.balance_estimated,
        }
        for name in ("base", "past_base", "index", "tier"):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        for name in (
            "avg_wage",
            "wage_growth",
            "bookkeeping_rate",
            "transitional_coefficient",
            "subsidy",
            "central_minimum",
            "resident_top_up",
            "resident_account_rate",
        ):
            item = getattr(self, name)
            if item is not None:
                out[name] = {"value": str(item.value), "source": item.source}
        return out


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
    assumptions = Assumptions(
        as_of=as_of,
        province=province.code,
        province_zh=province.name_zh,
        province_en=province.name_en,
        national_defaults=province.national_defaults,
        resume=resume,
        balance_now=balance_now,
        balance_estimated=person.balance is None,
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
    benefit = resident.pension(central.value + top_up.value, balance)
    assumptions = Assumptions(
        as_of=as_of,
        province=province.code,
        province_zh=province.name_zh,
        province_en=province.name_en,
        national_defaults=province.national_defaults,
        resume=resume,
        balance_now=balance_now,
        balance_estimated=person.balance is None,
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
