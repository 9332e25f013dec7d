"""A whole `outreach demo` leaks no ID number and no phone, and logs with its context.

The demo runs as staff would run it (`make demo`), in a subprocess on a temporary SQLite file and
the embedded Redis, at LOG_LEVEL=DEBUG with JSON logs. Everything it wrote is scanned: its logs
(stderr), the staff's console output (stdout) and the files of its folder that staff read. The
files that stand for somebody else's side of the network edge, or for the data staff already
hold, are deliberately left raw and listed in RAW_BY_DESIGN, each with its reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from core import mask_text
from ledger import check_character
from tests.e2e.leaks import Leak, identifiers, scan_text, scan_workbook

ROOT = Path(__file__).resolve().parents[2]

#: Files the demo writes that keep identifiers on purpose (paths relative to its folder).
RAW_BY_DESIGN = {
    "ledger.csv": "the generated ledger, the demo's input: the county's own file, as staff hold it",
    "gateways/*.jsonl": "the stand-ins' records of what the SMS gateways, Telegram and the ledger "
    "system received: the other side of the network edge (the phone that got the text, the "
    "ledger system that keys residents by ID number), not output of ours",
    "outreach.db*": "the system of record (SQLite file and its journal)",
}
#: Files not read as text: what they are, and why nothing of a resident is in them.
NOT_TEXT = {"*.png": "the progress chart: township totals drawn as an image"}
TEXT_SUFFIXES = {".csv", ".jsonl", ".json", ".txt", ".log", ".md", ".html"}
MASKED_ID = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


def _valid_id(first17: str) -> str:
    return first17 + check_character(first17)


def test_the_scanner_finds_what_it_must_and_only_that() -> None:
    """The scan is the test's judge: it must see a leak in each disguise, and not cry wolf."""
    valid = _valid_id("53250419900101123")
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    for leaking in (
        f"resident {valid}",
        f"id={valid.lower()}",
        "old card 532504900101123",
        "call 13812345678.",
        "tel:+8613812345678",
        "tel:008613812345678",
        "１３８１２３４５６７８",  # full-width digits
        "GET /cb?to=%2013812345678",  # hidden behind a percent escape
    ):
        assert identifiers(leaking), leaking
    for clean in (
        mask_text(f"resident {valid} phone 13812345678"),
        f"bad check {wrong_check}",
        "ref 213812345678",  # a longer number that happens to contain a phone's digits
        "batch 1a2452d231300000001^0 at 2026-12-05T07:48:35.745021Z",
        "12333",
    ):
        assert not identifiers(clean), clean


def _run_demo(folder: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'outreach.db'}",
        "REDIS_URL": "embedded",
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
        "COLUMNS": "250",  # wide tables: no identifier cut in two by a line wrap
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "demo",
            "--residents",
            "300",
            "--workdir",
            str(folder),
        ],
        env=environment,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _report(title: str, leaks: list[Leak] | list[str]) -> str:
    return f"{title} ({len(leaks)}):\n" + "\n".join(str(leak) for leak in leaks[:40])


def _matches(relative: str, patterns: dict[str, str]) -> bool:
    return any(fnmatch(relative, pattern) for pattern in patterns)


def test_a_demo_run_leaks_no_identifier_and_logs_with_context(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    done = _run_demo(folder)
    assert done.returncode == 0, mask_text(done.stdout[-3000:] + done.stderr[-3000:])

    # Every line on stderr is one JSON log object.
    lines: list[dict[str, Any]] = []
    not_json: list[str] = []
    for number, raw in enumerate(done.stderr.splitlines(), start=1):
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            not_json.append(f"stderr:{number} {mask_text(raw)[:300]}")
            continue
        if not isinstance(line, dict) or not {"timestamp", "level", "logger", "event"} <= set(line):
            not_json.append(f"stderr:{number} {mask_text(raw)[:300]}")
        else:
            lines.append(line)
    assert not not_json, _report("stderr lines that are not JSON log objects", not_json)

    # Nothing the demo printed or wrote for staff holds an unmasked ID number or phone.
    leaks = scan_text("stderr", done.stderr) + scan_text("stdout", done.stdout)
    scanned: set[str] = set()
    raw_files: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if _matches(relative, RAW_BY_DESIGN):
            raw_files.add(relative)
        elif _matches(relative, NOT_TEXT):
            continue
        elif path.suffix == ".xlsx":
            leaks += scan_workbook(path)
            scanned.add(relative)
        elif path.suffix in TEXT_SUFFIXES:
            leaks += scan_text(relative, path.read_text(encoding="utf-8-sig"))
            scanned.add(relative)
        else:
            raise AssertionError(f"{relative}: a file the scan does not know; decide who reads it")
    assert not leaks, _report("unmasked identifiers", leaks)

    # The scan looked at the staff's files, and would have seen identifiers: the raw files
    # (the gateways' side) are full of them.
    assert {"ledger.errors.csv", "ledger-export.csv"} <= scanned, scanned
    assert any(p.endswith(".xlsx") for p in scanned), scanned
    aliyun = folder / "gateways" / "aliyun.jsonl"
    assert "gateways/aliyun.jsonl" in raw_files
    assert scan_text("aliyun", aliyun.read_text(encoding="utf-8"))

    # Lines logged while sending carry the request's campaign and messages; chat lines carry
    # the update and the resident, masked.
    sent = [
        line
        for line in lines
        if line["logger"].startswith("channels.")
        and ("campaign_id" in line or "campaign_ids" in line)
        and ("message_id" in line or "message_ids" in line)
    ]
    assert any("campaign_id" in line for line in sent), "no send logged with its campaign_id"
    assert {line["gateway"] for line in sent} >= {"aliyun", "telegram"}
    assert all(MASKED_ID.match(line["resident"]) for line in sent if "resident" in line)
    chat = [line for line in lines if "update_id" in line]
    assert chat, "no bot line logged with its update_id"
    assert all(MASKED_ID.match(line["resident"]) for line in chat if "resident" in line)
