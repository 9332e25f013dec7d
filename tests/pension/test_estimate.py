"""Person-level estimates: what campaigns and chat show a resident."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pension import (
    DISCLAIMER,
    Age,
    Category,
    Overrides,
    PensionError,
    Person,
    Scheme,
    YearMonth,
    estimate,
    load_parameters,
    minimum_months,
)
from pension.note import (
    ALREADY_DUE,
    BALANCE_ESTIMATED,
    EARLY_NEEDS_MINIMUM,
    MINIMUM_NOT_MET,
    NATIONAL_DEFAULTS,
    NO_TRANSITIONAL_COEFFICIENT,
)

AS_OF = YearMonth(2026, 11)
YUNNAN = load_parameters("yunnan")
MAN_1985 = Person(YearMonth(1985, 3), Category.MALE, Scheme.EMPLOYEE, months_paid=60)

bases = st.decimals(min_value=Decimal("0.6"), max_value=Decimal("3.0"), places=2)


def test_issue_example() -> None:
    """The issue's man born 1985-03 retires at 63 in 2048-03 with 316 months, minimum met."""
    result = estimate(MAN_1985, YUNNAN, AS_OF)
    assert (result.start, result.start_age) == (YearMonth(2048, 3), Age(63))
    assert result.months_at_retirement == 60 + (2048 - 2026) * 12 - 8 == 316
    assert result.minimum_months == 240
    assert result.minimum_met
    assert result.total == result.benefit.basic + result.benefit.account
    assert result.assumptions.province == "yunnan"


def test_always_an_estimate() -> None:
    """Every estimate carries the estimate flag and the bilingual disclaimer pointing to 12333."""
    result = estimate(MAN_1985, YUNNAN, AS_OF)
    assert result.is_estimate is True
    assert result.disclaimer == DISCLAIMER
    assert "12333" in DISCLAIMER.zh
    assert "12333" in DISCLAIMER.en
    data = result.as_dict()
    assert data["is_estimate"] is True
    assert data["disclaimer"]["zh"] == DISCLAIMER.zh


def test_money_has_two_decimals() -> None:
    """Every money figure is a Decimal with exactly two decimals."""
    result = estimate(MAN_1985, YUNNAN, AS_OF)
    for amount in (
        result.benefit.basic,
        result.benefit.account,
        result.benefit.transitional,
        result.total,
        result.balance_at_retirement,
        result.assumptions.balance_now,
    ):
        assert isinstance(amount, Decimal)
        assert amount.as_tuple().exponent == -2


def test_parts_follow_the_formula() -> None:
    """Basic and account parts equal the bare formula applied to the assumptions shown."""
    result = estimate(MAN_1985, YUNNAN, AS_OF)
    wage = result.assumptions.avg_wage
    assert wage is not None
    years = Decimal(result.months_at_retirement) / 12
    expected = (wage.value * (1 + Decimal("0.6")) / 2 * years / 100).quantize(Decimal("0.01"))
    assert result.benefit.basic == expected
    assert result.benefit.payout_months == Decimal(117)


def test_unknown_balance_is_estimated_and_said() -> None:
    """With no balance given, it is estimated from months paid and base, and a note says so."""
    result = estimate(MAN_1985, YUNNAN, AS_OF)
    assert result.assumptions.balance_estimated
    assert BALANCE_ESTIMATED in result.notes
    expected = Decimal("0.08") * Decimal("0.6") * YUNNAN.projection.wage(2026) * 60
    assert result.assumptions.balance_now == expected.quantize(Decimal("0.01"))
    known = estimate(dataclasses.replace(MAN_1985, balance=Decimal(1000)), YUNNAN, AS_OF)
    assert not known.assumptions.balance_estimated
    assert BALANCE_ESTIMATED not in known.notes


def test_minimum_not_met() -> None:
    """Someone with too few months at retirement is told how many are missing."""
    late = Person(YearMonth(1970, 1), Category.MALE, months_paid=12)
    result = estimate(late, YUNNAN, AS_OF)
    assert (result.start, result.start_age) == (YearMonth(2031, 5), Age(61, 4))
    assert result.minimum_months == minimum_months(2031) == 192
    assert result.months_at_retirement == 12 + 54
    assert result.months_missing == 192 - 66
    assert not result.minimum_met
    assert MINIMUM_NOT_MET in result.notes


def test_already_at_pension_age() -> None:
    """Someone already at pension age is estimated on what was paid, with no further months."""
    person = Person(YearMonth(1958, 2), Category.MALE, months_paid=200, balance=Decimal(30000))
    result = estimate(person, YUNNAN, AS_OF)
    assert result.start == YearMonth(2018, 2)
    assert result.months_at_retirement == 200
    assert result.balance_at_retirement == Decimal("30000.00")
    assert ALREADY_DUE in result.notes


def test_missing_province_says_national_defaults() -> None:
    """An estimate for a province without data says it used national defaults."""
    result = estimate(MAN_1985, load_parameters("guizhou"), AS_OF)
    assert result.assumptions.national_defaults
    assert result.notes[0] == NATIONAL_DEFAULTS


def test_flexible_retirement_age() -> None:
    """A chosen age inside the window moves the start; outside it is refused."""
    early = dataclasses.replace(MAN_1985, retire_age=Age(61))
    result = estimate(early, YUNNAN, AS_OF)
    assert result.start == YearMonth(2046, 3)
    assert result.benefit.payout_months == Decimal(132)
    assert EARLY_NEEDS_MINIMUM in result.notes
    with pytest.raises(PensionError):
        estimate(dataclasses.replace(MAN_1985, retire_age=Age(59)), YUNNAN, AS_OF)
    with pytest.raises(PensionError):
        estimate(dataclasses.replace(MAN_1985, retire_age=Age(66, 1)), YUNNAN, AS_OF)


def test_transitional_pension_in_beijing() -> None:
    """Deemed months earn a transitional pension where the province has a coefficient."""
    person = dataclasses.replace(MAN_1985, deemed_months=60, balance=Decimal(0))
    beijing = estimate(person, load_parameters("beijing"), AS_OF)
    coefficient = beijing.assumptions.transitional_coefficient
    wage = beijing.assumptions.avg_wage
    assert coefficient is not None
    assert wage is not None
    index = beijing.assumptions.index
    assert index is not None
    expected = (wage.value * index * 5 * coefficient.value).quantize(Decimal("0.01"))
    assert beijing.benefit.transitional == expected > 0
    yunnan = estimate(person, YUNNAN, AS_OF)
    assert yunnan.benefit.transitional == 0
    assert NO_TRANSITIONAL_COEFFICIENT in yunnan.notes


def test_resident_estimate() -> None:
    """A resident draws at 60: central minimum + top-up + account ÷ 139, lowest tier by default."""
    person = Person(YearMonth(1970, 6), Category.FEMALE50, Scheme.RESIDENT, months_paid=120)
    result = estimate(person, YUNNAN, AS_OF)
    assert result.start == YearMonth(2030, 6)
    assert result.benefit.payout_months == Decimal(139)
    assert result.benefit.basic == Decimal("163.00")
    assert result.assumptions.tier == Decimal(100)
    assert result.months_at_retirement == 120 + 4 * 12
    assert result.minimum_months == 180
    assert result.months_missing == 12


def test_resident_unknown_tier() -> None:
    """A tier the province does not offer is refused with the list of valid tiers."""
    person = Person(YearMonth(1970, 6), Category.MALE, Scheme.RESIDENT, tier=Decimal(150))
    with pytest.raises(PensionError, match="1500"):
        estimate(person, YUNNAN, AS_OF)


def test_resident_subsidy_override() -> None:
    """A user-set subsidy replaces the schedule for the chosen tier."""
    params = load_parameters("yunnan", Overrides(resident_subsidy=Decimal(45)))
    person = Person(YearMonth(1970, 6), Category.MALE, Scheme.RESIDENT, tier=Decimal(200))
    result = estimate(person, params, AS_OF)
    assert result.assumptions.subsidy is not None
    assert result.assumptions.subsidy.value == Decimal(45)


def test_resume_before_as_of_is_refused() -> None:
    """Resuming in the past would double count months already paid."""
    with pytest.raises(PensionError):
        estimate(dataclasses.replace(MAN_1985, resume=YearMonth(2026, 1)), YUNNAN, AS_OF)


@pytest.mark.parametrize("base", [Decimal("0.59"), Decimal("3.01")])
def test_base_outside_range(base: Decimal) -> None:
    """A base outside 60%–300% of the average wage is refused."""
    with pytest.raises(PensionError):
        Person(YearMonth(1985, 3), Category.MALE, base=base)


@given(bases, bases, st.integers(0, 300))
def test_higher_base_never_lowers_pension(low: Decimal, high: Decimal, months: int) -> None:
    """A higher contribution base never lowers the monthly pension."""
    low, high = sorted((low, high))
    person = dataclasses.replace(MAN_1985, months_paid=months)
    cheaper = estimate(dataclasses.replace(person, base=low), YUNNAN, AS_OF)
    dearer = estimate(dataclasses.replace(person, base=high), YUNNAN, AS_OF)
    assert cheaper.total <= dearer.total


@given(st.integers(0, 400), st.integers(0, 400))
def test_more_months_never_lower_pension(fewer: int, more: int) -> None:
    """More months already paid never lower the pension."""
    fewer, more = sorted((fewer, more))
    low = estimate(dataclasses.replace(MAN_1985, months_paid=fewer), YUNNAN, AS_OF)
    high = estimate(dataclasses.replace(MAN_1985, months_paid=more), YUNNAN, AS_OF)
    assert low.total <= high.total
