"""One ledger row checked and turned into resident column values, or the reasons it cannot be."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.errors import BilingualError
from core.masking import mask_id_number, mask_phone, mask_text
from ledger.codes import (
    Employment,
    Group,
    LabelledCode,
    MedicalScheme,
    PensionScheme,
    SpecialCategory,
    Status,
    UninsuredReason,
)
from ledger.columns import Field, HeaderMap
from ledger.identity import IdentityError, parse_id_number, parse_phone

_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DAY_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

_TEXT_LIMITS: dict[Field, int] = {
    Field.NAME: 64,
    Field.TOWNSHIP: 64,
    Field.VILLAGE: 64,
    Field.EMPLOYER: 128,
    Field.PENSION_REGION: 64,
    Field.VERIFIED_BY: 64,
    Field.HOUSEHOLD_ADDRESS: 500,
    Field.CURRENT_ADDRESS: 500,
    Field.VERIFICATION: 2000,
    Field.NOTE: 2000,
}
_CODES: dict[Field, type[LabelledCode]] = {
    Field.GROUP: Group,
    Field.EMPLOYMENT: Employment,
    Field.SPECIAL_CATEGORY: SpecialCategory,
    Field.PENSION_SCHEME: PensionScheme,
    Field.PENSION_STATUS: Status,
    Field.MEDICAL_SCHEME: MedicalScheme,
    Field.MEDICAL_STATUS: Status,
    Field.UNINSURED_REASON: UninsuredReason,
}
_MONTHS = (Field.PENSION_LAST_PAID, Field.MEDICAL_LAST_PAID)
_PAID_STATUS = {
    Field.PENSION_LAST_PAID: Field.PENSION_STATUS,
    Field.MEDICAL_LAST_PAID: Field.MEDICAL_STATUS,
}


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one cell of one row was rejected, in words staff can act on."""

    line: int
    column: str
    value: str  # masked where it is personal
    reason_zh: str
    reason_en: str
    name: str = ""


class _CellError(BilingualError):
    """A cell whose text means nothing for its column."""


def parse_month(text: str, *, today: date) -> date:
    """A year-month in any of the forms staff type (2023-05, 2023/5, 202305, 2023年5月)."""
    match = _MONTH.match(text) or _MONTH_COMPACT.match(text)
    if match is None:
        raise _CellError("年月格式不对，应写成 2023-05", "not a year-month; write it as 2023-05")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1950:
        raise _CellError(f"年月 {text} 不存在", f"year-month {text} does not exist")
    value = date(year, month, 1)
    if value > today:
        raise _CellError(f"年月 {text} 晚于今天", f"year-month {text} is in the future")
    return value


def parse_day(text: str, *, today: date) -> date:
    """A calendar date in the forms staff type (2024-03-05, 2024/3/5, 20240305, 2024年3月5日)."""
    match = _DAY.match(text) or _DAY_COMPACT.match(text)
    if match is None:
        raise _CellError("日期格式不对，应写成 2024-03-05", "not a date; write it as 2024-03-05")
    try:
        value = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _CellError(f"日期 {text} 不存在", f"date {text} does not exist") from None
    if value > today:
        raise _CellError(f"日期 {text} 晚于今天", f"date {text} is in the future")
    return value


#: A parsed row: values in the order of RowParser.columns (ID number first, name second).
Values = tuple[Any, ...]
_MEMO_LIMIT = 4096


class RowParser:
    """Turns the cells of a row into resident column values, collecting every problem at once.

    This is the import's hot loop (a million rows a run): the per-cell work is precomputed once
    per file, and parsers of the few distinct codes and months a ledger repeats are memoised.
    """

    def __init__(self, header: HeaderMap, *, today: date) -> None:
        self._header = header
        self._today = today
        self._id_at = header.positions[Field.ID_NUMBER]
        self._name_at = header.positions[Field.NAME]
        #: The ID column's header as staff wrote it, for errors about the whole number.
        self.id_title = header.titles[Field.ID_NUMBER]
        self._width = max(header.positions.values()) + 1
        self._cells: list[tuple[Field, int, Callable[[str], Any]]] = [
            (field, index, self._parser_for(field))
            for field, index in header.positions.items()
            if field not in (Field.ID_NUMBER, Field.NAME)
        ]
        self.columns: tuple[str, ...] = (
            "id_number",
            "name",
            "sex",
            "birth_date",
            *(f.value for f, _, _ in self._cells),
        )
        at = {column: i for i, column in enumerate(self.columns)}
        self._paid_checks = [
            (month, at[month.value], at.get(_PAID_STATUS[month].value))
            for month in _MONTHS
            if month.value in at
        ]

    def _parser_for(self, field: Field) -> Callable[[str], Any]:
        if field is Field.PHONE:
            return parse_phone
        if field in _CODES:
            return _memoised(_code_parser(_CODES[field], self._header.titles[field]))
        if field in _MONTHS:
            return _memoised(lambda text: parse_month(text, today=self._today))
        if field is Field.VERIFIED_ON:
            return _memoised(lambda text: parse_day(text, today=self._today))
        return _text_parser(_TEXT_LIMITS.get(field, 500))

    def parse(self, line: int, cells: list[str]) -> Values | list[RowError]:
        """The column values of a row, or every reason it was rejected."""
        if len(cells) < self._width:
            cells = cells + [""] * (self._width - len(cells))
        errors: list[RowError] = []
        name = cells[self._name_at].strip()
        raw_id = cells[self._id_at]
        if not name:
            errors.append(self._error(line, Field.NAME, "", "姓名为空", "name is empty", name))
        elif len(name) > _TEXT_LIMITS[Field.NAME]:
            errors.append(self._error(line, Field.NAME, name, "姓名过长", "name is too long", name))
        try:
            id_number = parse_id_number(raw_id, today=self._today)
        except IdentityError as err:
            errors.append(self._error(line, Field.ID_NUMBER, raw_id, err.zh, err.en, name))
            values: list[Any] = [None, name, None, None]
        else:
            values = [id_number.value, name, id_number.sex.value, id_number.birth_date]
        for field, index, parse in self._cells:
            text = cells[index].strip()
            if not text:
                values.append(None)
                continue
            try:
                values.append(parse(text))
            except (_CellError, IdentityError) as err:
                errors.append(self._error(line, field, text, err.zh, err.en, name))
                values.append(None)
        if values[3] is not None:
            errors.extend(self._check_months(line, values, name))
        return errors or tuple(values)

    def _check_months(self, line: int, values: list[Any], name: str) -> list[RowError]:
        errors = []
        birth_month = values[3].replace(day=1)
        for field, at, status_at in self._paid_checks:
            paid = values[at]
            if paid is None:
                continue
            if paid < birth_month:
                errors.append(
                    self._error(
                        line,
                        field,
                        f"{paid:%Y-%m}",
                        "最后缴费年月早于出生日期",
                        "last month paid is before the birth date",
                        name,
                    )
                )
            if status_at is not None and values[status_at] == Status.NEVER.value:
                errors.append(
                    self._error(
                        line,
                        field,
                        f"{paid:%Y-%m}",
                        "状态为“未参保”却填了最后缴费年月，请核对二者",
                        "status is 'never enrolled' but a last month paid is given; check both",
                        name,
                    )
                )
        return errors

    def _error(self, line: int, field: Field, value: str, zh: str, en: str, name: str) -> RowError:
        return RowError(
            line=line,
            column=self._header.titles[field],
            value=_masked(field, value)[:60],
            # Reasons may quote the cell ("the value 13812345678 is not a code"): mask them too.
            reason_zh=mask_text(zh),
            reason_en=mask_text(en),
            name=name[:64],
        )


def _memoised(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Remember the results (not the errors) of a parser for the few texts a column repeats."""
    memo: dict[str, Any] = {}

    def cached(text: str) -> Any:
        try:
            return memo[text]
        except KeyError:
            value = parse(text)
            if len(memo) < _MEMO_LIMIT:
                memo[text] = value
            return value

    return cached


def _masked(field: Field, value: str) -> str:
    # Even an invalid ID number or phone is mostly someone's real one: never write it in full.
    if field is Field.ID_NUMBER:
        return mask_id_number(value)
    if field is Field.PHONE:
        return mask_phone(value)
    return mask_text(value)


def _code_parser(code: type[LabelledCode], title: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = code.parse(text)
        if value is None:
            raise _CellError(
                f"“{title}”的值“{text}”无法识别，可填：{code.choices()}",
                f"unknown value '{text}' for {title}",
            )
        return value.value

    return parse


def _text_parser(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > limit:
            raise _CellError(f"内容过长（最多{limit}字）", f"text too long (at most {limit})")
        return text

    return parse
