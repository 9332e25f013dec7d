"""Reads the shipped parameter files; the only module of the package that touches files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from pension.errors import UnknownProvinceError
from pension.parameters import (
    ByYear,
    National,
    Overrides,
    Parameters,
    Province,
    Sourced,
    resolve,
)

NATIONAL = "national"

_DATA = resources.files("pension") / "data"


def load_parameters(province: str, overrides: Overrides | None = None) -> Parameters:
    """Parameters of `province` (code or Chinese name) with `overrides`, ready for estimates.

    A real province without a data file gets the national defaults, labelled as such; a name that
    is no province raises UnknownProvinceError.
    """
    code = province_code(province)
    if overrides is None:
        return _shipped(code)
    return resolve(load_national(), load_province(code), overrides)


@cache
def _shipped(code: str) -> Parameters:
    """Parameters without overrides, resolved once per province per process."""
    return resolve(load_national(), load_province(code))


def province_code(name: str) -> str:
    """The pinyin code of a province given as code, full Chinese name or short Chinese name."""
    key = name.strip()
    codes = _codes()
    found = codes.get(key.lower()) or codes.get(key)
    if found is None:
        raise UnknownProvinceError(
            f"未知的省份 {name!r}，请用拼音代码（如 yunnan）或中文名（如 云南）",
            f"unknown province {name!r}; use a pinyin code (e.g. yunnan) or a Chinese name",
        )
    return found


def province_setting(value: str, setting: str) -> str:
    """`province_code` for a setting read at start-up: an unknown province is a ValueError that
    names the setting, in Chinese and English (pydantic reports it)."""
    try:
        return province_code(value)
    except UnknownProvinceError as error:
        raise ValueError(f"{setting}: {error.zh} / {error.en}") from None


def province_name(province: str | None) -> str | None:
    """The Chinese name (云南省) of a province given as code or name; None for none or national."""
    if province is None:
        return None
    code = province_code(province)
    return None if code == NATIONAL else provinces()[code][0]


def provinces() -> dict[str, tuple[str, str]]:
    """Every province code with its Chinese and English names."""
    return {code: (names[0], names[1]) for code, names in _raw_national()["provinces"].items()}


def shipped_provinces() -> tuple[str, ...]:
    """Codes of the provinces that have their own parameter file."""
    folder = _DATA / "provinces"
    return tuple(
        sorted(
            item.name.removesuffix(".json")
            for item in folder.iterdir()
            if item.name.endswith(".json")
        )
    )


@cache
def load_national() -> National:
    """The national values and default assumptions."""
    raw = _raw_national()
    assumptions = raw["assumptions"]
    return National(
        central_minimum=_by_year(raw["central_minimum"]),
        bookkeeping_rate=_by_year(raw["bookkeeping_rate"]),
        future_bookkeeping_rate=_sourced(assumptions["future_bookkeeping_rate"]),
        wage_growth=_sourced(assumptions["wage_growth"]),
        resident_account_rate=_sourced(assumptions["resident_account_rate"]),
    )


@cache
def load_province(code: str) -> Province:
    """One province's values, or the national defaults labelled with the province's name."""
    if code == NATIONAL:
        return _province(_raw_national()["defaults"], national_defaults=True)
    zh, en = provinces()[code]
    path = _DATA / "provinces" / f"{code}.json"
    if not path.is_file():
        defaults = _province(_raw_national()["defaults"], national_defaults=True)
        return Province(
            code=code,
            name_zh=f"{zh}（无本省数据，使用全国默认值）",
            name_en=f"{en} (no provincial data: national defaults used)",
            national_defaults=True,
            avg_wage=defaults.avg_wage,
            resident_top_up=defaults.resident_top_up,
            resident_subsidy=defaults.resident_subsidy,
            transitional_coefficient=defaults.transitional_coefficient,
        )
    return _province(json.loads(path.read_text(encoding="utf-8")), national_defaults=False)


@cache
def _raw_national() -> dict[str, Any]:
    """The national data file, parsed once."""
    data: dict[str, Any] = json.loads((_DATA / "national.json").read_text(encoding="utf-8"))
    return data


@cache
def _codes() -> dict[str, str]:
    """Every accepted spelling of a province mapped to its code."""
    codes = {NATIONAL: NATIONAL, "全国": NATIONAL}
    for code, (zh, _en) in provinces().items():
        codes[code] = code
        codes[zh] = code
        # Short names: 云南省 → 云南, 广西壮族自治区 → 广西, 北京市 → 北京.
        codes[zh[:3] if zh.startswith(("内蒙古", "黑龙江")) else zh[:2]] = code
    return codes


def _province(raw: Mapping[str, Any], *, national_defaults: bool) -> Province:
    """A Province from its parsed file."""
    return Province(
        code=raw["code"],
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        national_defaults=national_defaults,
        avg_wage=_by_year(raw["avg_wage"]),
        resident_top_up=_by_year(raw["resident_top_up"]),
        resident_subsidy=ByYear(
            {
                int(year): Sourced(
                    {Decimal(tier): Decimal(amount) for tier, amount in item["value"].items()},
                    item["source"],
                )
                for year, item in raw["resident_subsidy"].items()
            }
        ),
        transitional_coefficient=_by_year(raw["transitional_coefficient"]),
    )


def _by_year(raw: Mapping[str, Any]) -> ByYear[Decimal]:
    """A table of Decimal values keyed by year."""
    return ByYear({int(year): _sourced(item) for year, item in raw.items()})


def _sourced(raw: Mapping[str, Any]) -> Sourced[Decimal]:
    """One value with its source; values are strings so that no float ever touches them."""
    return Sourced(Decimal(raw["value"]), raw["source"])
