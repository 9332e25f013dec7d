"""Pension rules and estimates: retirement age, minimum years, payout months, both schemes.

Pure calculation: parameters come in as objects (see `load_parameters`, the one place that reads
the shipped data files), nothing here reads a clock, a setting or a database.
"""

from pension.assumptions import Assumptions
from pension.benefit import Benefit
from pension.comparison import (
    Comparison,
    Scenario,
    compare_all,
    compare_bases,
    compare_resume,
    compare_schemes,
)
from pension.employee import (
    account_pension,
    basic_pension,
    check_index,
    employee_pension,
    transitional_pension,
)
from pension.errors import PensionError, UnknownProvinceError
from pension.estimate import Estimate, estimate
from pension.loader import (
    load_national,
    load_parameters,
    load_province,
    province_code,
    province_name,
    province_setting,
    provinces,
    shipped_provinces,
)
from pension.minimum import minimum_months, months_missing
from pension.money import yuan
from pension.note import DISCLAIMER, Note
from pension.parameters import ByYear, National, Overrides, Parameters, Province, Sourced, resolve
from pension.payout import payout_months
from pension.person import Person, Scheme
from pension.projection import Projection
from pension.resident import resident_pension
from pension.retirement import Category, Retirement, delay_months, retirement
from pension.yearmonth import Age, YearMonth

__all__ = [
    "DISCLAIMER",
    "Age",
    "Assumptions",
    "Benefit",
    "ByYear",
    "Category",
    "Comparison",
    "Estimate",
    "National",
    "Note",
    "Overrides",
    "Parameters",
    "PensionError",
    "Person",
    "Projection",
    "Province",
    "Retirement",
    "Scenario",
    "Scheme",
    "Sourced",
    "UnknownProvinceError",
    "YearMonth",
    "account_pension",
    "basic_pension",
    "check_index",
    "compare_all",
    "compare_bases",
    "compare_resume",
    "compare_schemes",
    "delay_months",
    "employee_pension",
    "estimate",
    "load_national",
    "load_parameters",
    "load_province",
    "minimum_months",
    "months_missing",
    "payout_months",
    "province_code",
    "province_name",
    "province_setting",
    "provinces",
    "resident_pension",
    "resolve",
    "retirement",
    "shipped_provinces",
    "transitional_pension",
    "yuan",
]
