"""Time person-level pension estimates; prints one JSON object of figures.

python benchmarks/pension.py [--estimates 50000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

# Run as a file, this script's folder comes first on sys.path and its name would shadow the
# pension package it measures: put the project root there instead.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from pension import (  # noqa: E402
    Category,
    Parameters,
    Person,
    Scheme,
    YearMonth,
    compare_all,
    estimate,
    load_parameters,
)

BUDGET_US = 50
AS_OF = YearMonth(2026, 11)
CATEGORIES = tuple(Category)
BASES = (Decimal("0.6"), Decimal("1.0"), Decimal("1.5"), Decimal("3.0"))


Row = tuple[dict[str, Any], Parameters]


def population(size: int) -> list[Row]:
    """A varied, deterministic mix of people: ages, categories, schemes, provinces, balances."""
    provinces = [load_parameters(code) for code in ("yunnan", "beijing", "guizhou")]
    rows: list[Row] = []
    for i in range(size):
        fields = {
            "birth": YearMonth(1962 + i % 45, 1 + i % 12),
            "category": CATEGORIES[i % 3],
            "scheme": Scheme.RESIDENT if i % 5 == 0 else Scheme.EMPLOYEE,
            "months_paid": (i * 7) % 240,
            "balance": Decimal(i % 50_000) if i % 2 else None,
            "base": BASES[i % len(BASES)],
            "deemed_months": 12 if i % 17 == 0 else 0,
        }
        rows.append((fields, provinces[i % len(provinces)]))
    return rows


def time_estimates(rows: list[Row], count: int) -> float:
    """Seconds for `count` estimates, each building its Person as a campaign would from a row."""
    size = len(rows)
    started = time.perf_counter()
    for i in range(count):
        fields, params = rows[i % size]
        estimate(Person(**fields), params, AS_OF)
    return time.perf_counter() - started


def main() -> None:
    """Warm up, then time several rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--estimates", type=int, default=50_000, help="estimates per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    people = population(2_000)
    time_estimates(people, len(people) * 2)  # warm-up: caches, parameter memos, branch paths
    rounds = [time_estimates(people, args.estimates) for _ in range(args.rounds)]
    per_estimate = [seconds / args.estimates * 1e6 for seconds in rounds]
    median_us = statistics.median(per_estimate)

    compares = 2_000
    started = time.perf_counter()
    for i in range(compares):
        fields, params = people[i % len(people)]
        compare_all(Person(**fields), params, AS_OF)
    compare_us = (time.perf_counter() - started) / compares * 1e6

    print(
        json.dumps(
            {
                "benchmark": "pension.estimate",
                "python": platform.python_version(),
                "machine": platform.machine(),
                "estimates_per_round": args.estimates,
                "rounds": args.rounds,
                "us_per_estimate_median": round(median_us, 2),
                "us_per_estimate_best": round(min(per_estimate), 2),
                "estimates_per_second": round(1e6 / median_us),
                "us_per_compare_all": round(compare_us, 2),
                "budget_us": BUDGET_US,
                "within_budget": median_us <= BUDGET_US,
            }
        )
    )


if __name__ == "__main__":
    main()
