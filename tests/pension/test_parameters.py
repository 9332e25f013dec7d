"""Shipped parameter files, the labelled fallback, and user overrides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pension import (
    ByYear,
    Overrides,
    UnknownProvinceError,
    load_national,
    load_parameters,
    load_province,
    province_code,
    provinces,
    shipped_provinces,
)
from pension.parameters import OVERRIDE_SOURCE


def test_beijing_wages_from_pension_md() -> None:
    """Beijing's C is 11,883 in 2024 and 12,049 in 2025, as PENSION.md gives them."""
    beijing = load_province("beijing")
    assert beijing.avg_wage.at(2024) is not None
    assert [beijing.avg_wage.entries[year].value for year in (2024, 2025)] == [
        Decimal(11883),
        Decimal(12049),
    ]


def test_central_minimum() -> None:
    """The resident central minimum is 123 in 2024, 143 in 2025 and 163 in 2026."""
    table = load_national().central_minimum
    assert [table.entries[year].value for year in (2024, 2025, 2026)] == [
        Decimal(123),
        Decimal(143),
        Decimal(163),
    ]


@pytest.mark.parametrize("code", ["national", "yunnan", "beijing"])
def test_every_value_has_a_source(code: str) -> None:
    """Every shipped value names its source: seen, check or assumption."""
    province = load_province(code)
    national = load_national()
    tables: list[ByYear[Any]] = [
        province.avg_wage,
        province.resident_top_up,
        province.resident_subsidy,
        province.transitional_coefficient,
        national.central_minimum,
        national.bookkeeping_rate,
    ]
    sources = [item.source for table in tables for item in table.entries.values()]
    sources += [
        national.wage_growth.source,
        national.future_bookkeeping_rate.source,
        national.resident_account_rate.source,
    ]
    assert sources
    assert all(source.startswith(("seen:", "check:", "assumption:")) for source in sources)


def test_unconfirmed_values_are_flagged() -> None:
    """Values not confirmed here carry a check flag, so staff can see what to verify."""
    yunnan = load_province("yunnan")
    wage = yunnan.avg_wage.at(2024)
    assert wage is not None
    assert not wage.confirmed


def test_missing_province_falls_back_to_labelled_defaults() -> None:
    """A real province without a file gets the national defaults, labelled in both languages."""
    guizhou = load_province("guizhou")
    assert guizhou.national_defaults
    assert "全国默认值" in guizhou.name_zh
    assert "national defaults" in guizhou.name_en
    assert "guizhou" not in shipped_provinces()


@pytest.mark.parametrize("name", ["yunnan", "Yunnan", "云南", "云南省", " yunnan "])
def test_province_spellings(name: str) -> None:
    """A province may be named by its pinyin code or its full or short Chinese name."""
    assert province_code(name) == "yunnan"


def test_short_names_of_three_characters() -> None:
    """Inner Mongolia and Heilongjiang have three-character short names."""
    assert province_code("内蒙古") == "neimenggu"
    assert province_code("黑龙江") == "heilongjiang"


def test_all_provinces_listed() -> None:
    """All 31 province-level divisions of the mainland are known."""
    assert len(provinces()) == 31


def test_unknown_province() -> None:
    """A name that is no province is refused, not silently defaulted."""
    with pytest.raises(UnknownProvinceError) as caught:
        load_parameters("yunan")
    assert "未知的省份" in caught.value.zh


def test_shipped_parameters_are_loaded_once() -> None:
    """Parameters without overrides are resolved once and reused."""
    assert load_parameters("yunnan") is load_parameters("云南")


def test_overrides_replace_values_and_say_so() -> None:
    """Every override replaces the shipped value and is sourced as the user's."""
    params = load_parameters(
        "beijing",
        Overrides(
            avg_wage={2026: Decimal(13000)},
            wage_growth=Decimal(0),
            bookkeeping_rate=Decimal("0.04"),
            central_minimum=Decimal(200),
            resident_top_up=Decimal(10),
            resident_account_rate=Decimal("0.02"),
            transitional_coefficient=Decimal("0.012"),
        ),
    )
    assert params.projection.wage(2026) == Decimal(13000)
    assert params.projection.wage(2040) == Decimal(13000)
    assert params.projection.rate(2024) == Decimal("0.04")
    assert params.national.wage_growth.source == OVERRIDE_SOURCE
    top_up = params.province.resident_top_up.at(2050)
    assert top_up is not None
    assert top_up.value == Decimal(10)
    central = params.national.central_minimum.at(2024)
    assert central is not None
    assert central.value == Decimal(200)
