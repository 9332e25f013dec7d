"""Per-resident template variables: polite forms, lapse months, dates and the pension estimate."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from campaigns.personal import (
    HOTLINE,
    VARIABLE_MAX,
    VARIABLES,
    personal_variables,
    personaliser,
)
from campaigns.personal_address import NEUTRAL, polite_address, surname
from ledger import Resident
from pension import Category, Parameters, Person, Scheme, YearMonth, estimate, load_parameters
from tests.campaigns.residents import resident
from tests.conftest import TODAY


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters("yunnan")


def make(seq: int = 1, **fields: Any) -> Resident:
    """A Resident built from the shared ledger builders (a valid ID number, a phone...)."""
    return Resident(**resident(seq, **fields))


def whole(amount: Decimal) -> str:
    return str(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(
    ("name", "sex", "expected"),
    [
        ("张三", "male", "张先生"),
        ("王芳", "female", "王女士"),
        ("李建国", "male", "李先生"),
        ("欧阳修文", "male", "欧阳先生"),
        ("司马光", "male", "司马先生"),
        ("诸葛亮", "male", "诸葛先生"),
        ("上官婉儿", "female", "上官女士"),
        ("慕容雪", "female", "慕容女士"),
        ("欧阳", "female", "欧女士"),  # two characters: surname 欧, given name 阳
        (" 赵敏 ", "female", "赵女士"),
        ("买买提·艾力", "male", NEUTRAL),
        ("John Smith", "male", NEUTRAL),
        ("张", "male", NEUTRAL),
        ("张三", "", NEUTRAL),
    ],
)
def test_polite_address(name: str, sex: str, expected: str) -> None:
    assert polite_address(name, sex) == expected


def test_surname_of_a_non_han_name_is_unknown() -> None:
    assert surname("Ömer") is None
    assert surname("东方红") == "东方"


def test_the_full_name_appears_in_no_variable(params: Parameters) -> None:
    for name in ("欧阳修文", "王芳芳", "张三"):
        values = personal_variables(make(name=name), as_of=TODAY, parameters=params)
        assert all(name not in value for value in values.values())


def test_every_variable_is_a_short_string(params: Parameters) -> None:
    long_place = "一二三四五六七八九十" * 5
    values = personal_variables(
        make(township=long_place, village=long_place), as_of=TODAY, parameters=params
    )
    assert set(values) == set(VARIABLES)
    assert all(isinstance(v, str) and len(v) <= VARIABLE_MAX for v in values.values())
    assert values["township"] == long_place[:VARIABLE_MAX]
    assert values["hotline"] == HOTLINE == "12333"


def test_plain_fields(params: Parameters) -> None:
    values = personal_variables(make(identity_group="streamer"), as_of=TODAY, parameters=params)
    assert values["township"] == "勐海镇"
    assert values["village"] == "曼短村"
    assert values["group"] == "网络主播"
    none = personal_variables(
        make(identity_group=None, village=None), as_of=TODAY, parameters=params
    )
    assert none["group"] == ""
    assert none["village"] == ""


def test_months_lapsed_counts_calendar_months_to_today(params: Parameters) -> None:
    # Last paid June 2023, today November 2026: 3 years and 5 months.
    values = personal_variables(make(), as_of=TODAY, parameters=params)
    assert values["months_lapsed"] == "41"


@pytest.mark.parametrize(
    "fields",
    [
        {"pension_status": "never", "pension_last_paid": None},
        {"pension_status": "lapsed", "pension_last_paid": None},
        {"pension_status": "paying", "pension_last_paid": date(2026, 10, 1)},
    ],
)
def test_months_lapsed_is_empty_when_not_known_or_not_lapsed(
    params: Parameters, fields: dict[str, Any]
) -> None:
    values = personal_variables(make(**fields), as_of=TODAY, parameters=params)
    assert values["months_lapsed"] == ""


def test_estimate_of_a_never_enrolled_rider_matches_pension_estimate(params: Parameters) -> None:
    rider = make(
        birth="19900512",
        identity_group="rider",
        pension_scheme=None,
        pension_status="never",
        pension_last_paid=None,
    )
    values = personal_variables(rider, as_of=TODAY, parameters=params)
    # The rider's natural scheme is the employee one, at the 60% floor, nothing paid yet.
    expected = estimate(
        Person(YearMonth(1990, 5), Category.MALE, Scheme.EMPLOYEE, months_paid=0),
        params,
        YearMonth(2026, 11),
    )
    assert values["monthly_estimate"] == whole(expected.total)
    assert values["estimate_basic"] == whole(expected.benefit.basic)
    assert values["estimate_account"] == whole(expected.benefit.account)
    assert values["estimate_scheme"] == "职工养老保险"
    assert values["estimate_basis"] == "缴费基数为社平工资的60%"
    assert values["estimate_province"] == "云南省"
    assert values["retirement"] == f"{expected.start.year}年{expected.start.month}月"
    assert values["retirement_age"] == expected.start_age.zh == "63岁"
    assert values["months_to_retirement"] == str(expected.start.index - YearMonth(2026, 11).index)
    assert values["months_missing"] == str(expected.months_missing)
    assert values["history_known"] == "1"


def test_estimate_of_a_farmer_uses_the_resident_scheme_lowest_tier(params: Parameters) -> None:
    farmer = make(
        birth="19800304",
        male=False,
        identity_group="land_expropriated_farmer",
        pension_scheme=None,
        pension_status="never",
        pension_last_paid=None,
    )
    values = personal_variables(farmer, as_of=TODAY, parameters=params)
    expected = estimate(
        Person(YearMonth(1980, 3), Category.FEMALE55, Scheme.RESIDENT), params, YearMonth(2026, 11)
    )
    assert values["monthly_estimate"] == whole(expected.total)
    assert values["estimate_scheme"] == "城乡居民养老保险"
    assert expected.assumptions.tier is not None
    assert values["estimate_basis"] == f"每年{whole(expected.assumptions.tier)}元档次"
    assert values["retirement"] == "2040年3月"  # the resident pension starts at 60
    assert values["months_missing"] == str(expected.months_missing)
    assert int(values["months_missing"]) > 0  # 13 years of payments fall short of 15


def test_lapsed_estimate_counts_only_future_months_and_says_so(params: Parameters) -> None:
    values = personal_variables(make(), as_of=TODAY, parameters=params)  # lapsed, resident scheme
    expected = estimate(
        Person(YearMonth(1970, 3), Category.MALE, Scheme.RESIDENT), params, YearMonth(2026, 11)
    )
    assert values["monthly_estimate"] == whole(expected.total)
    assert values["history_known"] == ""
    assert values["months_missing"] == ""  # past months are not in the ledger


def test_months_paid_when_known_enter_the_estimate(params: Parameters) -> None:
    values = personal_variables(make(), as_of=TODAY, parameters=params, months_paid=96)
    expected = estimate(
        Person(YearMonth(1970, 3), Category.MALE, Scheme.RESIDENT, months_paid=96),
        params,
        YearMonth(2026, 11),
    )
    assert values["monthly_estimate"] == whole(expected.total)
    assert values["months_missing"] == str(expected.months_missing)
    assert values["history_known"] == "1"


def test_employed_women_retire_from_the_original_age_50(params: Parameters) -> None:
    worker = make(
        birth="19850704",
        male=False,
        employment_status="employed",
        pension_scheme="employee",
    )
    flexible = make(
        seq=2,
        birth="19850704",
        male=False,
        employment_status="flexible",
        pension_scheme="employee",
    )
    at_50 = personal_variables(worker, as_of=TODAY, parameters=params)
    at_55 = personal_variables(flexible, as_of=TODAY, parameters=params)
    assert at_50["retirement_age"] == "55岁"  # 50 + the full 60-month delay
    assert at_55["retirement_age"] == "58岁"  # 55 + 36 months


@pytest.mark.parametrize("birth", ["19600101", "19350101"])
def test_no_estimate_past_the_pension_start_or_outside_the_rules(
    params: Parameters, birth: str
) -> None:
    values = personal_variables(
        make(birth=birth, name="张伟", pension_status="never", pension_last_paid=None),
        as_of=TODAY,
        parameters=params,
    )
    for key in ("monthly_estimate", "retirement", "months_missing", "months_to_retirement"):
        assert values[key] == ""
    assert values["address"] == "张先生"  # the rest still fills in


@pytest.mark.parametrize(
    ("today", "window", "deadline", "year"),
    [
        (date(2026, 11, 22), "2026年9月至2027年2月", "2027年2月底", "2027"),
        (date(2027, 1, 15), "2026年9月至2027年2月", "2027年2月底", "2027"),
        (date(2027, 2, 28), "2026年9月至2027年2月", "2027年2月底", "2027"),
        (date(2027, 3, 1), "2027年9月至2028年2月", "2028年2月底", "2028"),
        (date(2027, 9, 1), "2027年9月至2028年2月", "2028年2月底", "2028"),
    ],
)
def test_medical_window_and_contribution_deadline(
    params: Parameters, today: date, window: str, deadline: str, year: str
) -> None:
    values = personal_variables(make(), as_of=today, parameters=params)
    assert values["medical_window"] == window
    assert values["medical_deadline"] == deadline
    assert values["medical_year"] == year
    assert values["deadline"] == f"{today.year}年12月31日"


def test_a_table_row_gives_the_same_variables_as_the_orm_object(params: Parameters) -> None:
    fields = resident(7, birth="19751120", male=False, identity_group="migrant_worker")
    # A streamed row carries every column of the table, unset ones as None.
    row = SimpleNamespace(**{c.name: fields.get(c.name) for c in Resident.__table__.columns})
    assert personal_variables(row, as_of=TODAY, parameters=params) == personal_variables(
        Resident(**fields), as_of=TODAY, parameters=params
    )


def test_one_personaliser_serves_a_campaign(params: Parameters) -> None:
    assert personaliser(params, TODAY) is personaliser(params, TODAY)
    assert personaliser(params, TODAY) is not personaliser(params, date(2026, 11, 23))
