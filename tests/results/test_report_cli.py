"""`outreach ledger import` (re-import) and `outreach report …` as staff run them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from core import today
from tests.ledger.builders import id_number, write_csv

runner = CliRunner()
ZHANG = id_number("19700101", 1)
LI = id_number("19750301", 2, male=False)


@pytest.fixture(autouse=True)
def use_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", "embedded")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def _ledger(path: Path, zhang_status: str) -> Path:
    return write_csv(
        path,
        [
            [
                "张三",
                ZHANG,
                "13812345678",
                "新哨镇",
                "大坝村",
                "外卖骑手",
                zhang_status,
                "2025-01",
                "",
                "",
            ],
            ["李四", LI, "13912345678", "新哨镇", "大坝村", "农民工", "未参保", "", "", "经济困难"],
        ],
    )


def test_reimport_then_reports(tmp_path: Path) -> None:
    path = _ledger(tmp_path / "台账.csv", "暂停缴费")
    assert runner.invoke(app, ["ledger", "import", str(path), "--json"]).exit_code == 0
    _ledger(path, "参保缴费")
    assert runner.invoke(app, ["ledger", "import", str(path), "--json"]).exit_code == 0

    out = tmp_path / "report.xlsx"
    month = today().strftime("%Y-%m")
    done = runner.invoke(app, ["report", "progress", "--month", month, "--out", str(out), "--json"])
    assert done.exit_code == 0, done.output
    figures = json.loads(done.stdout.splitlines()[0])
    (village,) = [u for u in figures["units"] if u["village"] == "大坝村"]
    assert (village["in_scope"], village["converted"], village["insured"]) == (2, 1, 1)
    assert out.exists()
    assert out.with_suffix(".png").exists()

    refused = tmp_path / "refused.csv"
    no = runner.invoke(app, ["report", "export", "--out", str(refused), "--unmasked"])
    assert no.exit_code == 2
    assert "--role admin" in no.output
    assert not refused.exists()

    full = tmp_path / "full.csv"
    yes = runner.invoke(
        app, ["report", "export", "--out", str(full), "--unmasked", "--role", "admin"]
    )
    assert yes.exit_code == 0, yes.output
    with full.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert sorted(r[1] for r in rows[1:]) == sorted([ZHANG, LI])
    assert {r[0]: r[10] for r in rows[1:]} == {"张三": "养老保险续缴", "李四": "未联系"}


def test_bad_month_is_explained() -> None:
    done = runner.invoke(app, ["report", "progress", "--month", "十月"])
    assert done.exit_code == 2
    assert "2026-10" in done.output
