"""Ledger upload and status changes through the API."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger import Resident
from results import EXPORT_COLUMNS
from tests.ledger.builders import id_number, write_xlsx
from tests.web.conftest import HOME, OTHER, Tokens, bearer
from web.api import upload

Client = TestClient[Any, Any]
_R = Resident.__table__
VALID_ID = id_number("19700315", 1)
HEADER = "姓名,公民身份号码,联系电话,乡镇（街道）,养老保险参保状态\n"


def _form(text: str, filename: str = "台账.csv") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(text.encode("gbk")), filename=filename)
    return form


async def _townships(engine: AsyncEngine) -> dict[str, str | None]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(_R.c.id_number, _R.c.township))
        return {r.id_number: r.township for r in rows}


async def test_staff_upload_rejects_other_townships_rows_and_imports_their_own(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    mine, stranger, moved = id_number("19800101", 7), id_number("19800101", 8), people[OTHER][0]
    text = (
        HEADER.replace("\n", ",备用\n")
        + f"王五,{mine},13812345678,{HOME},断缴\n"
        + f"赵六,{stranger},,{OTHER},断缴\n"
        + f"钱七,{moved},,{HOME},参保缴费\n"  # OTHER's resident, claimed for HOME
        + f"孙八,{id_number('19800101', 9)},,,断缴\n"  # no township
        + "周九,123,,新哨镇,断缴\n"  # a bad ID: the import's own row error
    )
    response = await client.post(
        "/api/v1/ledger/imports", data=_form(text), headers=bearer(tokens.staff)
    )
    body = await response.json()
    assert response.status == 200, body
    assert (body["rows"], body["inserted"], body["rejected"]) == (5, 1, 4)
    assert body["ignored_columns"] == ["备用"]
    by_row = {e["row"]: e for e in body["errors"]}
    assert sorted(by_row) == [3, 4, 5, 6]
    assert "不属于本乡镇" in by_row[3]["reason_zh"]
    assert "其他乡镇" in by_row[4]["reason_zh"]
    assert OTHER not in by_row[4]["reason_zh"] + by_row[4]["reason_en"]
    assert by_row[4]["value"] == moved[:4] + "*" * 10 + moved[-4:]
    assert "不属于本乡镇" in by_row[5]["reason_zh"]
    assert by_row[6]["column"] == "公民身份号码"
    townships = await _townships(engine)
    assert townships[mine] == HOME
    assert stranger not in townships
    assert townships[moved] == OTHER


async def test_an_admin_upload_imports_every_township(
    engine: AsyncEngine, client: Client, tokens: Tokens
) -> None:
    a, b = id_number("19800101", 7), id_number("19800101", 8)
    text = HEADER + f"王五,{a},,{HOME},断缴\n" + f"赵六,{b},,{OTHER},断缴\n"
    response = await client.post(
        "/api/v1/ledger/imports", data=_form(text), headers=bearer(tokens.admin)
    )
    body = await response.json()
    assert (body["inserted"], body["rejected"], body["errors"]) == (2, 0, [])
    assert await _townships(engine) == {a: HOME, b: OTHER}


@pytest.mark.parametrize(
    ("text", "filename", "status", "fragment"),
    [
        ("姓名,公民身份号码\n王五,x\n", "台账.csv", 422, "乡镇（街道）"),
        ("乡镇（街道）\n新哨镇\n", "台账.csv", 422, "公民身份号码"),
        (HEADER, "台账.txt", 422, "CSV"),
    ],
)
async def test_unusable_files_are_refused_whole(
    engine: AsyncEngine,
    client: Client,
    tokens: Tokens,
    text: str,
    filename: str,
    status: int,
    fragment: str,
) -> None:
    response = await client.post(
        "/api/v1/ledger/imports", data=_form(text, filename), headers=bearer(tokens.staff)
    )
    assert response.status == status
    assert fragment in (await response.json())["error"]["message_zh"]
    assert await _townships(engine) == {}


async def test_an_upload_must_be_multipart_and_not_too_large(
    client: Client, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = await client.post("/api/v1/ledger/imports", json={}, headers=bearer(tokens.staff))
    assert plain.status == 400
    monkeypatch.setattr(upload, "MAX_BYTES", 100)
    big = await client.post(
        "/api/v1/ledger/imports", data=_form(HEADER + "x" * 200), headers=bearer(tokens.staff)
    )
    assert big.status == 413
    assert (await big.json())["error"]["code"] == "too_large"


async def test_status_changes_apply_once_per_key(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    changes = {"changes": [{"id_number": people[HOME][0], "pension_status": "paying"}]}
    headers = {**bearer(tokens.ledger), "Idempotency-Key": "batch-1"}
    first = await client.post("/api/v1/ledger/status-changes", json=changes, headers=headers)
    body = await first.json()
    assert first.status == 200, body
    assert (body["received"], body["applied"], body["replayed"]) == (1, 1, False)
    again = await client.post("/api/v1/ledger/status-changes", json=changes, headers=headers)
    assert (await again.json())["replayed"] is True
    async with engine.connect() as connection:
        status = await connection.scalar(
            select(_R.c.pension_status).where(_R.c.id_number == people[HOME][0])
        )
    assert status == "paying"


@pytest.mark.parametrize(
    ("body", "key", "status", "fragment"),
    [
        ({"changes": [{"id_number": VALID_ID}]}, None, 400, "Idempotency-Key"),
        ({"changes": []}, "k", 422, "changes"),
        ({"changes": ["x"]}, "k", 422, "对象"),
        ({"changes": [{"id_number": "123", "pension_status": "paying"}]}, "k", 422, "id_number"),
        (
            {"changes": [{"id_number": VALID_ID, "pension_status": "rich"}]},
            "k",
            422,
            "pension_status",
        ),
    ],
)
async def test_bad_status_changes_say_what_is_wrong(
    client: Client, tokens: Tokens, body: Any, key: str | None, status: int, fragment: str
) -> None:
    headers = bearer(tokens.ledger) | ({"Idempotency-Key": key} if key else {})
    response = await client.post("/api/v1/ledger/status-changes", json=body, headers=headers)
    assert response.status == status
    error = (await response.json())["error"]
    assert fragment in error["message_zh"] + error["message_en"]


async def test_a_staff_excel_upload_is_checked_like_a_csv(
    engine: AsyncEngine, client: Client, tokens: Tokens, tmp_path: Path
) -> None:
    mine, theirs = id_number("19800101", 7), id_number("19800101", 8)
    path = write_xlsx(
        tmp_path / "台账.xlsx",
        [("王五", mine, "13812345678", HOME), ("赵六", theirs, "", OTHER)],
        header=("姓名", "公民身份号码", "联系电话", "乡镇（街道）"),
    )
    form = aiohttp.FormData()
    form.add_field("file", path.read_bytes(), filename="台账.xlsx")
    response = await client.post("/api/v1/ledger/imports", data=form, headers=bearer(tokens.staff))
    body = await response.json()
    assert (body["inserted"], body["rejected"]) == (1, 1), body
    assert [e["row"] for e in body["errors"]] == [3]
    assert await _townships(engine) == {mine: HOME}


def _csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


async def test_the_export_is_masked_for_staff_and_full_only_when_the_ledger_asks(
    client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    path = "/api/v1/ledger/export"
    staff = _csv(await (await client.get(path, headers=bearer(tokens.staff))).text())
    assert staff[0] == list(EXPORT_COLUMNS)
    at = staff[0].index("身份证号")
    assert sorted(r[at][-4:] for r in staff[1:]) == sorted(i[-4:] for i in people[HOME])
    assert all("*" in r[at] for r in staff[1:])
    refused = await client.get(f"{path}?unmasked=true", headers=bearer(tokens.staff))
    assert refused.status == 403

    masked = _csv(await (await client.get(path, headers=bearer(tokens.ledger))).text())
    assert len(masked) == 1 + 5
    assert all("*" in r[at] for r in masked[1:])
    full = await client.get(f"{path}?unmasked=true&township={OTHER}", headers=bearer(tokens.ledger))
    assert full.headers["Content-Type"].startswith("text/csv")
    assert sorted(r[at] for r in _csv(await full.text())[1:]) == sorted(people[OTHER])
