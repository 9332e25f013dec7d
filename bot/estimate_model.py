"""A resident's answers in the estimate dialogue, kept in the chat's FSM data between updates.

The dialogue asks for the first answer still missing (`Answers.missing`), so a prefilled chat
asks nothing, and changing one detail asks only that one. Everything is stored as plain
strings (Redis keeps JSON), and read back into pension types here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pension import (
    Category,
    Comparison,
    Estimate,
    Parameters,
    PensionError,
    Person,
    Scheme,
    YearMonth,
    compare_bases,
    compare_resume,
    compare_schemes,
    estimate,
    load_parameters,
)

#: Where the answers sit in the chat's FSM data (other features keep their own keys there).
DATA_KEY = "estimate"
#: The questions in the order they are asked.
FIELDS = ("birth", "category", "scheme", "months", "level")
#: Future bases offered to employee-scheme payers, as shares of the average wage.
BASES = (Decimal("0.6"), Decimal("1.0"), Decimal("1.5"), Decimal("2.0"), Decimal("3.0"))

COMPARISONS: dict[str, Callable[[Person, Parameters, YearMonth], Comparison]] = {
    "base": compare_bases,
    "resume": compare_resume,
    "scheme": compare_schemes,
}


@dataclass(frozen=True, slots=True)
class Answers:
    """What the resident said (or the ledger said for them); None: not asked yet.

    `level` is the future base share (employee scheme) or the yearly tier (resident scheme).
    `months_known` is False when the months came from a ledger that does not record them (then
    the months still missing to the minimum cannot be stated).
    """

    province: str
    prefilled: bool = False
    birth: YearMonth | None = None
    category: Category | None = None
    scheme: Scheme | None = None
    months: int | None = None
    months_known: bool = True
    level: Decimal | None = None

    def missing(self) -> str | None:
        """The first question still unanswered (None: ready to estimate)."""
        return next((name for name in FIELDS if getattr(self, name) is None), None)

    def answered(self, field: str, value: object) -> Answers:
        """These answers with `field` answered by the resident (no longer as prefilled)."""
        changes: dict[str, Any] = {field: value, "prefilled": False}
        if field == "months":
            changes["months_known"] = True
        if field == "scheme" and value != self.scheme:
            changes["level"] = None  # a base and a tier are not interchangeable
        return dataclasses.replace(self, **changes)

    def without(self, field: str) -> Answers:
        """These answers with `field` to be asked again."""
        cleared: dict[str, Any] = {field: None}
        return dataclasses.replace(self, **cleared)

    def before(self, field: str) -> str | None:
        """The question asked before `field` (None for the first)."""
        index = FIELDS.index(field)
        return FIELDS[index - 1] if index else None

    def person(self) -> Person:
        """The person to estimate; every field must be answered."""
        if self.birth is None or self.category is None or self.scheme is None:
            raise ValueError("unanswered")
        employee = self.scheme is Scheme.EMPLOYEE
        return Person(
            birth=self.birth,
            category=self.category,
            scheme=self.scheme,
            months_paid=self.months or 0,
            base=self.level if employee and self.level is not None else Decimal("0.6"),
            tier=None if employee else self.level,
        )

    def dump(self) -> dict[str, Any]:
        """The answers as JSON-ready values for the FSM storage."""
        return {
            "province": self.province,
            "prefilled": self.prefilled,
            "birth": None if self.birth is None else str(self.birth),
            "category": None if self.category is None else self.category.value,
            "scheme": None if self.scheme is None else self.scheme.value,
            "months": self.months,
            "months_known": self.months_known,
            "level": None if self.level is None else str(self.level),
        }

    @classmethod
    def load(cls, raw: Mapping[str, Any]) -> Answers:
        """Answers stored by `dump`."""

        def read(key: str, kind: Any) -> Any:
            value = raw.get(key)
            return None if value is None else kind(value)

        return cls(
            province=str(raw["province"]),
            prefilled=bool(raw.get("prefilled")),
            birth=read("birth", YearMonth.parse),
            category=read("category", Category),
            scheme=read("scheme", Scheme),
            months=read("months", int),
            months_known=bool(raw.get("months_known", True)),
            level=read("level", Decimal),
        )


def parameters(province: str) -> Parameters:
    """The shipped parameters of `province` (pension caches them: read once per process)."""
    return load_parameters(province)


def tiers(province: str, as_of: YearMonth) -> tuple[Decimal, ...]:
    """The resident-scheme tiers of `province` in the year of `as_of`, lowest first."""
    schedule = parameters(province).province.resident_subsidy.at(as_of.year)
    if schedule is None:
        raise PensionError("缺少缴费档次数据", "no resident contribution tiers")
    return tuple(sorted(schedule.value))


def levels(answers: Answers, as_of: YearMonth) -> tuple[Decimal, ...]:
    """The choices of the last question: bases for employees, the province's tiers otherwise."""
    if answers.scheme is Scheme.EMPLOYEE:
        return BASES
    return tiers(answers.province, as_of)


def compute(answers: Answers, as_of: YearMonth) -> Estimate:
    """The estimate for complete answers (PensionError when the rules cannot make one)."""
    return estimate(answers.person(), parameters(answers.province), as_of)


def compare(topic: str, answers: Answers, as_of: YearMonth) -> Comparison:
    """One of the comparisons residents ask for ("base", "resume", "scheme")."""
    return COMPARISONS[topic](answers.person(), parameters(answers.province), as_of)
