"""The fields a segment may filter on: how each reads from a resident and compiles to SQL.

Every field answers both questions, so that `explain` (Python) and `count` (SQL) agree. NULL in
SQL and None in Python both mean "the condition does not hold"; `ne` is compiled as NOT (eq)
elsewhere, so that a resident with no value is never silently dropped by it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, true

from ledger.codes import (
    Employment,
    Group,
    LabelledCode,
    PensionScheme,
    Sex,
    SpecialCategory,
    Status,
    UninsuredReason,
)
from ledger.model import Resident
from ledger.segments.calendar import add_months, add_years, age_on, months_since
from ledger.segments.errors import SpecError

_TABLE = Resident.__table__.c

#: Reasons for which a resident stays in the ledger but is not someone to reach.
OUT_OF_SCOPE_REASONS = (
    UninsuredReason.DECEASED.value,
    UninsuredReason.INSURED_ELSEWHERE.value,
    UninsuredReason.STUDENT.value,
)
MIN_AGE = 16


class SegmentField:
    """A field of the segment language."""

    ops: frozenset[str] = frozenset({"eq", "ne", "in"})

    def __init__(self, name: str, label_zh: str) -> None:
        self.name = name
        self.label_zh = label_zh

    def normalise(self, raw: Any, path: str) -> Any:
        """The value as compared, or SpecError."""
        raise NotImplementedError

    def value(self, resident: Any, on: date) -> Any:
        """This field of one resident on a date (None when unknown)."""
        raise NotImplementedError

    def sql(self, op: str, value: Any, on: date) -> ColumnElement[bool]:
        """The SQL condition for every operator but `ne`."""
        raise NotImplementedError

    def show(self, value: Any) -> str:
        """A value as staff read it."""
        return "（空）" if value is None else str(value)


class CodeField(SegmentField):
    """A coded column; staff may write the code or its Chinese label."""

    def __init__(
        self,
        name: str,
        label_zh: str,
        column: str,
        codes: type[LabelledCode],
        null_means: LabelledCode | None = None,
    ) -> None:
        super().__init__(name, label_zh)
        self.codes = codes
        self._column = column
        self._null_means = null_means.value if null_means else None
        col = _TABLE[column]
        self._expr = func.coalesce(col, self._null_means) if self._null_means else col

    def normalise(self, raw: Any, path: str) -> Any:
        code = self.codes.parse(raw) if isinstance(raw, str) else None
        if code is None:
            raise SpecError(
                path,
                f"字段 {self.name} 的值“{raw}”无法识别，可用：{self.codes.choices()}",
                f"unknown value {raw!r} for {self.name}; use one of "
                + ", ".join(c.value for c in self.codes),
            )
        return code.value

    def value(self, resident: Any, on: date) -> Any:
        stored = getattr(resident, self._column)
        return self._null_means if stored is None else stored

    def sql(self, op: str, value: Any, on: date) -> ColumnElement[bool]:
        return self._expr.in_(value) if op == "in" else self._expr == value

    def show(self, value: Any) -> str:
        if value is None:
            return "（空）"
        code = self.codes.parse(value)
        return f"{code.label}（{value}）" if code else str(value)


class TextField(SegmentField):
    """A free-text column compared whole, such as a township's name."""

    def __init__(self, name: str, label_zh: str, column: str) -> None:
        super().__init__(name, label_zh)
        self._column = column

    def normalise(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, str) or not raw.strip():
            raise SpecError(path, f"{self.name} 的值必须是非空文字", f"{self.name} takes text")
        return raw.strip()

    def value(self, resident: Any, on: date) -> Any:
        return getattr(resident, self._column)

    def sql(self, op: str, value: Any, on: date) -> ColumnElement[bool]:
        col = _TABLE[self._column]
        return col.in_(value) if op == "in" else col == value


class NumberField(SegmentField):
    """A whole number derived from a date column: value ≥ n exactly when column ≤ bound(n).

    Comparing the stored date with a bound computed once in Python keeps the SQL the same on
    every database and lets an index on the date column serve it.
    """

    ops = frozenset({"eq", "ne", "in", "gte", "lte", "between"})

    def __init__(
        self,
        name: str,
        label_zh: str,
        column: str,
        bound: Callable[[int, date], date],
        derive: Callable[[date, date], int],
    ) -> None:
        super().__init__(name, label_zh)
        self._column = column
        self._bound = bound
        self._derive = derive

    def normalise(self, raw: Any, path: str) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 1200:
            raise SpecError(
                path, f"{self.name} 的值必须是 0–1200 的整数", f"{self.name} takes 0–1200"
            )
        return raw

    def value(self, resident: Any, on: date) -> Any:
        stored = getattr(resident, self._column)
        return None if stored is None else self._derive(stored, on)

    def _at_least(self, n: int, on: date) -> ColumnElement[bool]:
        return _TABLE[self._column] <= self._bound(n, on)

    def _below(self, n: int, on: date) -> ColumnElement[bool]:
        return _TABLE[self._column] > self._bound(n, on)

    def sql(self, op: str, value: Any, on: date) -> ColumnElement[bool]:
        if op == "gte":
            return self._at_least(value, on)
        if op == "lte":
            return self._below(value + 1, on)
        if op == "between":
            low, high = value
            return and_(self._at_least(low, on), self._below(high + 1, on))
        if op == "in":
            return or_(*(self.sql("eq", v, on) for v in value))
        return and_(self._at_least(value, on), self._below(value + 1, on))


class FlagField(SegmentField):
    """A yes/no property of a resident."""

    def __init__(
        self,
        name: str,
        label_zh: str,
        sql: Callable[[date], ColumnElement[bool]],
        value: Callable[[Any, date], bool],
    ) -> None:
        super().__init__(name, label_zh)
        self._sql = sql
        self._value = value

    def normalise(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, bool):
            raise SpecError(
                path, f"{self.name} 的值必须是 true 或 false", f"{self.name} takes true/false"
            )
        return raw

    def value(self, resident: Any, on: date) -> Any:
        return self._value(resident, on)

    def sql(self, op: str, value: Any, on: date) -> ColumnElement[bool]:
        values = value if op == "in" else (value,)
        condition = func.coalesce(self._sql(on), false())
        if True in values and False in values:
            return true()
        return condition if True in values else ~condition

    def show(self, value: Any) -> str:
        return "是" if value else "否"


def _in_scope_sql(on: date) -> ColumnElement[bool]:
    return and_(
        _TABLE.birth_date <= add_years(on, -MIN_AGE),
        func.coalesce(_TABLE.employment_status, "") != Employment.STUDENT.value,
        func.coalesce(_TABLE.uninsured_reason, "").not_in(OUT_OF_SCOPE_REASONS),
    )


def _in_scope(resident: Any, on: date) -> bool:
    return (
        age_on(resident.birth_date, on) >= MIN_AGE
        and resident.employment_status != Employment.STUDENT.value
        and resident.uninsured_reason not in OUT_OF_SCOPE_REASONS
    )


def _paid_this_year_sql(on: date) -> ColumnElement[bool]:
    paid = _TABLE.pension_last_paid
    return and_(paid >= date(on.year, 1, 1), paid < date(on.year + 1, 1, 1))


def _paid_this_year(resident: Any, on: date) -> bool:
    paid = resident.pension_last_paid
    return paid is not None and paid.year == on.year


def _fields() -> dict[str, SegmentField]:
    fields: list[SegmentField] = [
        CodeField("sex", "性别", "sex", Sex),
        NumberField("age", "年龄", "birth_date", lambda n, on: add_years(on, -n), age_on),
        CodeField("group", "人员类别", "identity_group", Group, null_means=Group.OTHER),
        CodeField("pension_status", "养老保险参保状态", "pension_status", Status),
        CodeField("pension_scheme", "养老保险险种", "pension_scheme", PensionScheme),
        CodeField("medical_status", "医疗保险参保状态", "medical_status", Status),
        NumberField(
            "lapse_months",
            "断缴月数",
            "pension_last_paid",
            lambda n, on: add_months(on, -n),
            months_since,
        ),
        FlagField(
            "pension_paid_this_year", "本年度已缴养老保险", _paid_this_year_sql, _paid_this_year
        ),
        TextField("township", "乡镇（街道）", "township"),
        TextField("village", "村（社区）", "village"),
        CodeField(
            "special_category",
            "特殊群体",
            "special_category",
            SpecialCategory,
            null_means=SpecialCategory.NONE,
        ),
        CodeField("employment_status", "就业状态", "employment_status", Employment),
        CodeField("uninsured_reason", "未参保原因", "uninsured_reason", UninsuredReason),
        FlagField(
            "has_phone",
            "有手机号",
            lambda on: _TABLE.phone.is_not(None),
            lambda r, on: r.phone is not None,
        ),
        FlagField("in_scope", "在外联范围内", _in_scope_sql, _in_scope),
    ]
    return {f.name: f for f in fields}


#: Every field by name, in the order the documentation lists them.
FIELDS: dict[str, SegmentField] = _fields()


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """A field's name, Chinese label and operators, for help texts."""

    name: str
    label_zh: str
    ops: tuple[str, ...]


def field_docs() -> list[FieldDoc]:
    """Every field with its label and operators."""
    order = ("eq", "ne", "in", "gte", "lte", "between")
    return [
        FieldDoc(f.name, f.label_zh, tuple(o for o in order if o in f.ops)) for f in FIELDS.values()
    ]
