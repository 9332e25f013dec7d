"""`outreach pension …` commands: JSON figures, human output, bilingual errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.pension import app

runner = CliRunner()


def run_json(*args: str) -> dict[str, Any]:
    """Run a command with --json and parse its one JSON object."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_retirement_json() -> None:
    """The issue's retirement example: woman (55) born 1971-04 → 55y4m, 4 months, 2026-08."""
    data = run_json("retirement", "--birth", "1971-04", "--category", "female55")
    assert data["age_years"] == 55
    assert data["age_months"] == 4
    assert data["delay_months"] == 4
    assert data["retire"] == "2026-08"
    assert (data["earliest"], data["latest"]) == ("2026-04", "2029-08")


def test_formula_employee_json() -> None:
    """The bare employee formula: C 4000, I 0.6, 15 years, balance 0, 60y0m → 480.00."""
    data = run_json(
        "formula",
        "--scheme",
        "employee",
        "--avg-wage",
        "4000",
        "--index",
        "0.6",
        "--years",
        "15",
        "--balance",
        "0",
        "--retire-age",
        "60y0m",
    )
    assert (data["basic"], data["account"], data["total"]) == ("480.00", "0.00", "480.00")


def test_formula_resident_json() -> None:
    """The bare resident formula: basic 143, balance 50,000 → 143.00 + 359.71 = 502.71."""
    data = run_json("formula", "--scheme", "resident", "--basic", "143", "--balance", "50000")
    assert (data["basic"], data["account"], data["total"]) == ("143.00", "359.71", "502.71")


ESTIMATE = (
    "estimate",
    "--birth",
    "1985-03",
    "--category",
    "male",
    "--province",
    "yunnan",
    "--scheme",
    "employee",
    "--months-paid",
    "60",
    "--base",
    "0.6",
    "--as-of",
    "2026-11",
)


def test_estimate_json() -> None:
    """The issue's estimate example prints the person-level estimate, flagged as an estimate."""
    data = run_json(*ESTIMATE)
    assert data["is_estimate"] is True
    assert "12333" in data["disclaimer"]["zh"]
    assert (data["start"], data["start_age"]) == ("2048-03", "63y0m")
    assert data["months_at_retirement"] == 316
    assert data["minimum_met"] is True
    assert data["months_missing"] == 0
    assert float(data["total"]) > 0
    parts = sum(float(data[part]) for part in ("basic", "account", "transitional"))
    assert round(parts, 2) == float(data["total"])
    assert data["assumptions"]["province"] == "yunnan"
    assert data["assumptions"]["avg_wage"]["source"]
    assert "comparisons" not in data


def test_estimate_compare_json() -> None:
    """--compare adds the base, resume and scheme comparisons."""
    data = run_json(*ESTIMATE, "--compare")
    assert [item["topic"] for item in data["comparisons"]] == ["base", "resume", "scheme"]
    base = data["comparisons"][0]["scenarios"]
    assert [scenario["key"] for scenario in base] == ["base_0.6", "base_1.0", "base_3.0"]


def test_estimate_overrides() -> None:
    """Command-line overrides reach the estimate and are sourced as the user's."""
    data = run_json(*ESTIMATE, "--avg-wage", "8000", "--wage-growth", "0")
    assert data["assumptions"]["avg_wage"]["value"] == "8000.00"
    assert "override" in data["assumptions"]["avg_wage"]["source"]
    assert data["assumptions"]["wage_growth"]["source"].startswith("override")


def test_human_output_chinese_first() -> None:
    """The default output is plain Chinese first, then English, and says it is an estimate."""
    result = runner.invoke(app, list(ESTIMATE))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.index("养老金估算") < text.index("Pension estimate")
    assert "仅供参考" in text
    assert "12333" in text


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["retirement", "--birth", "1971/04", "--category", "female55"], "YYYY-MM", "YYYY-MM"),
        (["retirement", "--birth", "1971-04", "--category", "woman"], "类别", "category"),
        ([*ESTIMATE[:-2], "--base", "3.5"], "60%–300%", "0.6–3.0"),
        ([*ESTIMATE[:6], "yunan", *ESTIMATE[7:]], "省份", "province"),
        ([*ESTIMATE[:10], "sixty", *ESTIMATE[11:]], "整数", "whole number"),
        (["formula", "--scheme", "employee", "--avg-wage", "4000"], "--index", "--years"),
    ],
)
def test_bad_input_exits_2_bilingual(args: list[str], zh: str, en: str) -> None:
    """Bad input gives a Chinese and an English message on stderr and exit code 2, no traceback."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert zh in result.stderr
    assert en in result.stderr
    assert "错误" in result.stderr
    assert "Error" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_parameters_command() -> None:
    """Staff can see each shipped parameter with its source."""
    data = run_json("parameters", "--province", "beijing")
    assert data["avg_wage"]["2024"]["value"] == "11883"
    assert data["avg_wage"]["2024"]["source"].startswith("seen")
    assert "yunnan" in data["shipped"]
