"""What-if comparisons residents ask for: base 60/100/300%, resume now or later, which scheme."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pension.estimate import Estimate, estimate
from pension.note import Note
from pension.parameters import Parameters
from pension.person import Person, Scheme
from pension.yearmonth import YearMonth

BASES = (Decimal("0.6"), Decimal("1.0"), Decimal("3.0"))
RESUME_LATER_MONTHS = 24


@dataclass(frozen=True, slots=True)
class Scenario:
    """One side of a comparison: a label and its estimate."""

    key: str
    label: Note
    estimate: Estimate

    def as_dict(self) -> dict[str, Any]:
        """The scenario ready for JSON."""
        return {
            "key": self.key,
            "label": self.label.as_dict(),
            "estimate": self.estimate.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Several estimates of one person that differ in a single choice."""

    topic: str
    title: Note
    scenarios: tuple[Scenario, ...]
    note: Note

    def as_dict(self) -> dict[str, Any]:
        """The comparison ready for JSON."""
        return {
            "topic": self.topic,
            "title": self.title.as_dict(),
            "note": self.note.as_dict(),
            "scenarios": [scenario.as_dict() for scenario in self.scenarios],
        }


def compare_bases(
    person: Person, params: Parameters, as_of: YearMonth, bases: Sequence[Decimal] = BASES
) -> Comparison:
    """Employee scheme at each future base (default 60%, 100%, 300%); months already paid keep
    their own base."""
    past_base = person.past_base or person.base
    scenarios = tuple(
        Scenario(
            key=f"base_{base}",
            label=Note(
                f"按社平工资 {base * 100:.0f}% 缴费", f"base {base * 100:.0f}% of the average wage"
            ),
            estimate=estimate(
                dataclasses.replace(person, scheme=Scheme.EMPLOYEE, base=base, past_base=past_base),
                params,
                as_of,
            ),
        )
        for base in bases
    )
    return Comparison(
        topic="base",
        title=Note("不同缴费基数对比", "Contribution base compared"),
        scenarios=scenarios,
        note=Note(
            "基数越高，每月缴费越多，养老金也越高。",
            "A higher base costs more each month and pays a higher pension.",
        ),
    )


def compare_resume(
    person: Person, params: Parameters, as_of: YearMonth, later: int = RESUME_LATER_MONTHS
) -> Comparison:
    """Paying again from `as_of` against starting `later` months afterwards."""
    now = as_of
    then = as_of.plus(later)
    scenarios = (
        Scenario(
            "resume_now",
            Note("现在恢复缴费", "resume paying now"),
            estimate(dataclasses.replace(person, resume=now), params, as_of),
        ),
        Scenario(
            f"resume_in_{later}_months",
            Note(f"{later} 个月后再缴费", f"resume in {later} months"),
            estimate(dataclasses.replace(person, resume=then), params, as_of),
        ),
    )
    return Comparison(
        topic="resume",
        title=Note("现在缴费与推迟缴费对比", "Resuming now or later"),
        scenarios=scenarios,
        note=Note(
            "断缴的月份一般不能事后补缴，越早恢复，缴费年限越长。",
            "Missed months generally cannot be paid later; resuming sooner means more years.",
        ),
    )


def compare_schemes(person: Person, params: Parameters, as_of: YearMonth) -> Comparison:
    """The employee scheme (as a flexible worker) against the resident scheme, from now on."""
    scenarios = (
        Scenario(
            "employee",
            Note("职工养老保险（灵活就业）", "employee scheme (flexible worker)"),
            estimate(dataclasses.replace(person, scheme=Scheme.EMPLOYEE), params, as_of),
        ),
        Scenario(
            "resident",
            Note("城乡居民养老保险", "resident scheme"),
            estimate(
                dataclasses.replace(person, scheme=Scheme.RESIDENT, retire_age=None),
                params,
                as_of,
            ),
        ),
    )
    return Comparison(
        topic="scheme",
        title=Note("职工养老保险与城乡居民养老保险对比", "Employee scheme or resident scheme"),
        scenarios=scenarios,
        note=Note(
            "假设已缴月数和余额在两种制度下都计入；实际转移接续有专门规定，请咨询 12333。",
            "Months and balance so far are counted in either scheme as a what-if; moving between"
            " schemes has its own rules (ask 12333).",
        ),
    )


def compare_all(person: Person, params: Parameters, as_of: YearMonth) -> tuple[Comparison, ...]:
    """The three comparisons residents ask for."""
    return (
        compare_bases(person, params, as_of),
        compare_resume(person, params, as_of),
        compare_schemes(person, params, as_of),
    )
