"""Comparisons residents ask for: base, resume date, scheme."""

from __future__ import annotations

from decimal import Decimal

from pension import (
    Category,
    Person,
    Scheme,
    YearMonth,
    compare_all,
    compare_bases,
    compare_resume,
    compare_schemes,
    load_parameters,
)

AS_OF = YearMonth(2026, 11)
YUNNAN = load_parameters("yunnan")
PERSON = Person(YearMonth(1980, 7), Category.FEMALE55, months_paid=48, past_base=Decimal("0.6"))


def test_bases_rise_with_the_base() -> None:
    """Pensions at 60%, 100% and 300% of the average wage rise in that order."""
    comparison = compare_bases(PERSON, YUNNAN, AS_OF)
    totals = [scenario.estimate.total for scenario in comparison.scenarios]
    assert [scenario.key for scenario in comparison.scenarios] == [
        "base_0.6",
        "base_1.0",
        "base_3.0",
    ]
    assert totals == sorted(totals)
    assert len(set(totals)) == 3


def test_bases_keep_the_past_base() -> None:
    """Changing the future base leaves the months already paid at their own base."""
    comparison = compare_bases(PERSON, YUNNAN, AS_OF)
    balances = {scenario.estimate.assumptions.balance_now for scenario in comparison.scenarios}
    assert len(balances) == 1


def test_resuming_later_costs_months_and_money() -> None:
    """Resuming two years later means 24 fewer months and a lower pension."""
    now, later = compare_resume(PERSON, YUNNAN, AS_OF).scenarios
    assert now.estimate.months_at_retirement - later.estimate.months_at_retirement == 24
    assert later.estimate.total < now.estimate.total


def test_schemes() -> None:
    """The scheme comparison shows the employee and the resident estimate of the same person."""
    employee, resident = compare_schemes(PERSON, YUNNAN, AS_OF).scenarios
    assert employee.estimate.scheme is Scheme.EMPLOYEE
    assert resident.estimate.scheme is Scheme.RESIDENT
    assert resident.estimate.start == YearMonth(2040, 7)


def test_all_three() -> None:
    """compare_all gives the three comparisons, each flagged as estimates."""
    comparisons = compare_all(PERSON, YUNNAN, AS_OF)
    assert [comparison.topic for comparison in comparisons] == ["base", "resume", "scheme"]
    assert all(
        scenario.estimate.is_estimate
        for comparison in comparisons
        for scenario in comparison.scenarios
    )
