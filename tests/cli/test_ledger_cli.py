"""The `outreach` command as staff and scripts use it: JSON for scripts, reasons for people."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli.ledger
from cli import app, main
from tests.conftest import TODAY
from tests.ledger.builders import id_number, write_csv

runner = CliRunner()

ZHANG = id_number("19700101", 1)
LI = id_number("19750301", 2, male=False)


@pytest.fixture
def ledger_csv(tmp_path: Path) -> Path:
    """A small ledger: two good rows and one with a bad phone."""
    return write_csv(
        tmp_path / "台账.csv",
        [
            [
                "张三",
                ZHANG,
                "13812345678",
                "新哨镇",
                "大坝村",
                "外卖骑手",
                "暂停缴费",
                "2025-01",
                "",
                "",
            ],
            [
                "李四",
                LI,
                "13912345678",
                "新哨镇",
                "大坝村",
                "农民工",
                "暂停缴费",
                "2024-06",
                "",
                "",
            ],
            ["王五", id_number("19800101", 3), "12345", "新哨镇", "", "", "", "", "", ""],
        ],
    )


@pytest.fixture(autouse=True)
def use_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command in these tests talks to the test database, on both stores."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_json_is_the_documented_object(ledger_csv: Path, tmp_path: Path) -> None:
    """`ledger import --json` prints rows/inserted/updated/rejected and writes the errors."""
    errors = tmp_path / "errors.csv"
    code, out, _ = invoke("ledger", "import", str(ledger_csv), "--errors", str(errors), "--json")

    assert code == 0
    assert json.loads(out) == {"rows": 3, "inserted": 2, "updated": 0, "rejected": 1}
    assert "手机号应为11位" in errors.read_text(encoding="utf-8-sig")


def test_import_summary_is_bilingual_and_points_to_errors(ledger_csv: Path) -> None:
    """Without --json staff get a Chinese-first summary naming the errors file beside the ledger."""
    code, out, _ = invoke("ledger", "import", str(ledger_csv))

    assert code == 0
    assert "导入完成 / Import finished" in out
    assert "台账.errors.csv" in out.replace("\n", "")


def test_unusable_file_exits_2_with_what_to_fix(tmp_path: Path) -> None:
    """A file missing the ID column exits 2, says which column to add, and shows no traceback."""
    path = write_csv(tmp_path / "l.csv", [["张三"]], header=("姓名",))

    code, out, err = invoke("ledger", "import", str(path))

    assert code == 2
    assert "缺少必需的列：公民身份号码" in err
    assert "Nothing was imported" in err
    assert "Traceback" not in out + err


def test_segment_count_json(ledger_csv: Path) -> None:
    """`segment count --json` prints the count of a built-in segment on a given date."""
    invoke("ledger", "import", str(ledger_csv))

    code, out, _ = invoke(
        "segment", "count", "lapsed-priority", "--on", TODAY.isoformat(), "--json"
    )

    assert code == 0
    assert json.loads(out) == {"count": 2}


def test_segment_count_from_a_spec_file(ledger_csv: Path, tmp_path: Path) -> None:
    """A YAML spec file is counted like a built-in."""
    invoke("ledger", "import", str(ledger_csv))
    spec = tmp_path / "riders.yaml"
    spec.write_text("name: riders\nwhere: {field: group, eq: 外卖骑手}\n", encoding="utf-8")

    code, out, _ = invoke("segment", "count", str(spec), "--json")

    assert (code, json.loads(out)) == (0, {"count": 1})


def test_bad_spec_exits_2_with_the_clause_path(tmp_path: Path) -> None:
    """A spec with an unknown field exits 2 and names the clause."""
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: x\nwhere: {all: [{field: colour, eq: red}]}\n", encoding="utf-8")

    code, _, err = invoke("segment", "count", str(spec))

    assert code == 2
    assert "where.all[0].field" in err
    assert "colour" in err


def test_unknown_segment_name_lists_builtins() -> None:
    """A name that is neither a built-in nor a file is refused with the built-ins listed."""
    code, _, err = invoke("segment", "count", "nobody")

    assert code == 2
    assert "lapsed-priority" in err


def test_preview_masks_identifiers(ledger_csv: Path) -> None:
    """Preview shows residents with ID numbers and phones masked, in JSON and in the table."""
    invoke("ledger", "import", str(ledger_csv))

    code, out, _ = invoke("segment", "preview", "lapsed", "--json")
    table_code, table, _ = invoke("segment", "preview", "lapsed")

    assert code == table_code == 0
    rows = json.loads(out)["rows"]
    assert {r["id_number"] for r in rows} == {
        ZHANG[:4] + "*" * 10 + ZHANG[-4:],
        LI[:4] + "*" * 10 + LI[-4:],
    }
    assert {r["phone"] for r in rows} == {"138****5678", "139****5678"}
    for secret in (ZHANG, LI, "13812345678", "13912345678"):
        assert secret not in out + table


def test_explain_json_says_which_clause_fails(ledger_csv: Path) -> None:
    """Explain reports the failing clause for a resident outside the segment."""
    invoke("ledger", "import", str(ledger_csv))

    code, out, _ = invoke(
        "segment", "explain", "lapsed-priority", "--id", LI, "--on", TODAY.isoformat(), "--json"
    )

    assert code == 0
    why = json.loads(out)
    assert why["in_segment"] is True
    code, out, _ = invoke(
        "segment", "explain", "migrant-workers-unenrolled", "--id", ZHANG, "--json"
    )
    why = json.loads(out)
    assert why["in_segment"] is False
    failing = [p for p in why["why"]["parts"] if not p["holds"]]
    assert [p["clause"] for p in failing] == ['group eq "migrant_worker"']
    assert ZHANG not in out


def test_explain_unknown_resident_is_masked() -> None:
    """Asking about someone not in the ledger says so without echoing the full ID number."""
    code, _, err = invoke("segment", "explain", "lapsed", "--id", ZHANG)

    assert code == 2
    assert ZHANG not in err
    assert ZHANG[:4] + "*" * 10 + ZHANG[-4:] in err


def test_unexpected_error_is_logged_masked_not_shown_as_traceback(
    ledger_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An internal failure gives staff a bilingual notice and logs it with identifiers masked."""

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"exploded on {ZHANG} / 13812345678")

    monkeypatch.setattr(cli.ledger, "import_ledger", broken)
    monkeypatch.setattr(sys, "argv", ["outreach", "ledger", "import", str(ledger_csv)])

    with pytest.raises(SystemExit) as stopped:
        main()

    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "内部错误" in err
    assert "Internal error" in err
    assert ZHANG not in err
    assert "13812345678" not in err
    assert "138****5678" in err


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    """The demo generates a ledger, imports it and prints a count for every built-in segment."""
    code, out, _ = invoke("demo", "--residents", "500", "--workdir", str(tmp_path))

    assert code == 0
    assert "lapsed-priority" in out
    assert (tmp_path / "ledger.csv").is_file()
    # The demo ledger carries a share of faulty rows, so the reasons file must be there.
    assert (tmp_path / "ledger.errors.csv").is_file()
    # The chat scene: the bot answered every step (a hand-off and a prefilled estimate).
    assert "已转给工作人员" in out
    assert "养老金估算" in out
    assert "the bot did not answer" not in out
    assert "no such button" not in out
    # Residents reached by SMS write back through the gateway; the service answers by SMS.
    replies = re.search(r"居民回复短信 ([\d,]+) 条（活动后 ([\d,]+)）", out)
    assert replies is not None, out
    assert int(replies.group(2).replace(",", "")) > 0
    assert "已短信自动答复 / answered by SMS" in out
