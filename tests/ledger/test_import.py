"""Ledger import: every file staff really have goes in; every bad row is reported, none lost."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger import HeaderError, Resident, SourceError, import_ledger
from tests.conftest import TODAY
from tests.ledger.builders import HEADER, id_number, write_csv, write_xlsx

ZHANG = id_number("19800101", 1)
LI = id_number("19751212", 2, male=False)
WANG = id_number("19900315", 3)


def good_rows() -> list[list[str]]:
    return [
        [
            "张三",
            ZHANG,
            "+86 138-1234-5678",
            "新哨镇",
            "新哨村",
            "外卖骑手",
            "暂停缴费",
            "2024年3月",
            "参保缴费",
            "",
        ],
        [
            "李四",
            LI.lower(),
            "13912345678",
            "新哨镇",
            "大坝村",
            "网约车司机",
            "未参保",
            "",
            "未参保",
            "经济困难",
        ],
        ["王五", WANG, "", "弥阳街道", "", "网络主播", "参保缴费", "2026-10", "", ""],
    ]


async def residents(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as connection:
        rows = (await connection.execute(select(Resident.__table__))).all()
    return {row.id_number: row for row in rows}


def read_errors(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


async def test_csv_rows_become_residents_with_derived_fields(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """A clean CSV imports every row, normalises phones and codes, derives birth date and sex."""
    result = await import_ledger(engine, write_csv(tmp_path / "l.csv", good_rows()), today=TODAY)

    assert result.as_json() == {"rows": 3, "inserted": 3, "updated": 0, "rejected": 0}
    assert result.errors_path is None
    stored = await residents(engine)
    zhang, li = stored[ZHANG], stored[LI.upper()]
    assert (zhang.sex, zhang.birth_date, zhang.phone) == ("male", date(1980, 1, 1), "13812345678")
    assert (zhang.identity_group, zhang.pension_status) == ("rider", "lapsed")
    assert zhang.pension_last_paid == date(2024, 3, 1)
    assert (li.sex, li.identity_group, li.uninsured_reason) == (
        "female",
        "driver",
        "financial_difficulty",
    )
    assert stored[WANG].phone is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
async def test_csv_encodings_are_detected(
    engine: AsyncEngine, tmp_path: Path, encoding: str
) -> None:
    """UTF-8 with or without BOM and GBK/GB18030 files all import with the Chinese intact."""
    path = write_csv(tmp_path / "l.csv", good_rows(), encoding=encoding)

    result = await import_ledger(engine, path, today=TODAY)

    assert result.inserted == 3
    assert (await residents(engine))[ZHANG].township == "新哨镇"


async def test_xlsx_imports_including_number_cells(engine: AsyncEngine, tmp_path: Path) -> None:
    """An XLSX ledger imports; a phone typed as a number and a date cell are understood."""
    rows: list[list[object]] = [list(r) for r in good_rows()]
    rows[1][2] = 13912345678  # a number cell, as Excel keeps a phone typed without a quote
    rows[2][7] = date(2026, 10, 1)  # a date cell for the last month paid
    path = write_xlsx(tmp_path / "l.xlsx", rows)

    result = await import_ledger(engine, path, today=TODAY)

    assert result.as_json() == {"rows": 3, "inserted": 3, "updated": 0, "rejected": 0}
    stored = await residents(engine)
    assert stored[LI.upper()].phone == "13912345678"
    assert stored[WANG].pension_last_paid == date(2026, 10, 1)


async def test_excel_numeric_id_is_explained(engine: AsyncEngine, tmp_path: Path) -> None:
    """An ID column Excel turned into numbers is rejected with an explanation of what happened."""
    rows: list[list[object]] = [list(r) for r in good_rows()]
    rows[0][1] = float(ZHANG)  # 18 digits as a float: the last digits are gone
    path = write_xlsx(tmp_path / "l.xlsx", rows)

    result = await import_ledger(engine, path, today=TODAY, errors_path=tmp_path / "e.csv")

    assert (result.inserted, result.rejected) == (2, 1)
    (error,) = read_errors(tmp_path / "e.csv")
    assert error["行号 Row"] == "2"
    assert "存成了数字" in error["原因"]
    assert "as a number" in error["Reason"]


async def test_headers_in_english_and_with_half_width_brackets(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """English headers and half-width brackets map to the same columns as the Chinese ones."""
    header = (
        "Name",
        "ID number",
        "phone",
        "乡镇(街道)",
        "村(社区)",
        "group",
        "pension_status",
        "pension_last_paid",
        "medical status",
        "reason",
    )
    path = write_csv(tmp_path / "l.csv", good_rows(), header=header)

    await import_ledger(engine, path, today=TODAY)

    zhang = (await residents(engine))[ZHANG]
    assert (zhang.township, zhang.village, zhang.identity_group) == ("新哨镇", "新哨村", "rider")


async def test_header_found_below_a_title_row(engine: AsyncEngine, tmp_path: Path) -> None:
    """A title line above the header (as printed ledgers have) is skipped; rows keep numbers."""
    path = tmp_path / "l.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["新哨镇参保扩面台账（2026年11月）"])
        writer.writerow(HEADER)
        writer.writerows(good_rows())
        writer.writerow(["坏行", "123", "", "", "", "", "", "", "", ""])

    result = await import_ledger(engine, path, today=TODAY, errors_path=tmp_path / "e.csv")

    assert (result.inserted, result.rejected) == (3, 1)
    assert read_errors(tmp_path / "e.csv")[0]["行号 Row"] == "6"


async def test_bad_rows_are_reported_and_good_rows_imported(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Each bad row goes to the errors file with its row, column and reason; the rest goes in."""
    bad_check = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    rows = [
        *good_rows(),
        ["坏校验", bad_check, "", "", "", "", "", "", "", ""],
        ["坏日期", "532504199002301234", "", "", "", "", "", "", "", ""],
        ["坏电话", id_number("19850101", 7), "1381234567", "", "", "", "", "", "", ""],
        ["坏状态", id_number("19850101", 8), "", "", "", "", "交了一半", "", "", ""],
        ["重复", ZHANG, "", "", "", "", "", "", "", ""],
        ["", id_number("19850101", 9), "", "", "", "", "", "", "", ""],
        ["未来", id_number("19850101", 10), "", "", "", "", "暂停缴费", "2027-01", "", ""],
    ]
    path = write_csv(tmp_path / "l.csv", rows)

    result = await import_ledger(engine, path, today=TODAY, errors_path=tmp_path / "e.csv")

    assert result.as_json() == {"rows": 10, "inserted": 3, "updated": 0, "rejected": 7}
    errors = {(e["行号 Row"], e["列 Column"]): e for e in read_errors(tmp_path / "e.csv")}
    assert "校验位" in errors[("5", "公民身份号码")]["原因"]
    assert "出生日期" in errors[("6", "公民身份号码")]["原因"]
    assert "11位" in errors[("7", "联系电话")]["原因"]
    assert "交了一半" in errors[("8", "养老保险参保状态")]["原因"]
    assert "第2行重复" in errors[("9", "公民身份号码")]["原因"]
    assert "姓名为空" in errors[("10", "姓名")]["原因"]
    assert "晚于今天" in errors[("11", "养老保险最后缴费年月")]["原因"]
    assert set(await residents(engine)) == {ZHANG, LI.upper(), WANG}


async def test_errors_file_masks_identifiers(engine: AsyncEngine, tmp_path: Path) -> None:
    """The errors file never carries a full ID number or phone, even an invalid one."""
    bad_check = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    path = write_csv(
        tmp_path / "l.csv",
        [
            ["甲", bad_check, "", "", "", "", "", "", "", ""],
            ["乙", WANG, "1381234567", "", "", "", "", "", "", ""],
            # A phone typed into a coded column is quoted by its reason: masked there too.
            ["丙", id_number("19850101", 5), "", "", "", "13912345678", "", "", "", ""],
            # An impossible birth date: the reason must not spell out digits 7-14.
            ["丁", "532504199002301234", "", "", "", "", "", "", "", ""],
        ],
    )

    await import_ledger(engine, path, today=TODAY, errors_path=tmp_path / "e.csv")

    content = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert bad_check not in content
    assert "1381234567" not in content
    assert bad_check[:4] + "*" * 10 + bad_check[-4:] in content
    assert "13912345678" not in content
    assert "139****5678" in content
    assert "19900230" not in content


async def test_missing_required_column_writes_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    """A file without an ID column is refused whole, naming the column; nothing is written."""
    path = write_csv(tmp_path / "l.csv", [["张三", "13812345678"]], header=("姓名", "联系电话"))

    with pytest.raises(HeaderError) as caught:
        await import_ledger(engine, path, today=TODAY)

    assert "公民身份号码" in caught.value.zh
    assert await residents(engine) == {}


async def test_undecodable_file_writes_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    """A file in no known encoding is refused before any row is written, even valid early rows."""
    path = write_csv(tmp_path / "l.csv", good_rows() * 1, encoding="utf-8")
    with path.open("ab") as f:
        f.write(b"\xff\xfe\xfa broken tail\n")

    with pytest.raises(SourceError) as caught:
        await import_ledger(engine, path, today=TODAY, batch_size=1)

    assert "编码" in caught.value.zh
    assert await residents(engine) == {}


async def test_reimport_updates_and_keeps_known_values(engine: AsyncEngine, tmp_path: Path) -> None:
    """A second import updates by ID; empty cells keep what the ledger knew, new values replace."""
    await import_ledger(engine, write_csv(tmp_path / "a.csv", good_rows()), today=TODAY)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE residents SET telegram_chat_id = 42 WHERE id_number = :id"), {"id": ZHANG}
        )
    changed = [["张三", ZHANG, "", "新哨镇", "", "外卖骑手", "参保缴费", "2026-11", "", ""]]

    result = await import_ledger(engine, write_csv(tmp_path / "b.csv", changed), today=TODAY)

    assert result.as_json() == {"rows": 1, "inserted": 0, "updated": 1, "rejected": 0}
    zhang = (await residents(engine))[ZHANG]
    assert (zhang.pension_status, zhang.pension_last_paid) == ("paying", date(2026, 11, 1))
    assert (zhang.phone, zhang.village, zhang.medical_status) == ("13812345678", "新哨村", "paying")
    assert zhang.telegram_chat_id == 42


async def test_mixed_batch_counts_inserted_and_updated(engine: AsyncEngine, tmp_path: Path) -> None:
    """Counts of new and updated residents are exact across batches of any size."""
    await import_ledger(engine, write_csv(tmp_path / "a.csv", good_rows()[:1]), today=TODAY)

    result = await import_ledger(
        engine, write_csv(tmp_path / "b.csv", good_rows()), today=TODAY, batch_size=2
    )

    assert result.as_json() == {"rows": 3, "inserted": 2, "updated": 1, "rejected": 0}


async def test_unknown_columns_are_ignored_and_named(engine: AsyncEngine, tmp_path: Path) -> None:
    """Columns the ledger does not know are ignored and listed, never a reason to refuse a file."""
    header = (*HEADER, "序号", "来源")
    rows = [[*r, "1", "民政"] for r in good_rows()]

    result = await import_ledger(
        engine, write_csv(tmp_path / "l.csv", rows, header=header), today=TODAY
    )

    assert result.inserted == 3
    assert result.ignored_columns == ("序号", "来源")


async def test_status_never_with_a_paid_month_is_rejected(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """'Never enrolled' with a last month paid is a contradiction staff must resolve."""
    rows = [["张三", ZHANG, "", "", "", "", "未参保", "2020-01", "", ""]]

    result = await import_ledger(
        engine, write_csv(tmp_path / "l.csv", rows), today=TODAY, errors_path=tmp_path / "e.csv"
    )

    assert result.rejected == 1
    assert "未参保" in read_errors(tmp_path / "e.csv")[0]["原因"]


async def test_database_failure_mid_import_surfaces(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails part-way raises to the caller; batches already written stay written."""
    import ledger.importer
    from ledger.upsert import open_writer as real_open

    async def failing_open(connection: Any, columns: Any) -> Any:
        writer = await real_open(connection, columns)
        real_write, calls = writer.write, []

        async def write(rows: Any) -> int:
            calls.append(len(rows))
            if len(calls) == 2:
                raise ConnectionResetError("database went away")
            return await real_write(rows)

        writer.write = write  # type: ignore[method-assign]
        return writer

    monkeypatch.setattr(ledger.importer, "open_writer", failing_open)

    with pytest.raises(ConnectionResetError):
        await import_ledger(
            engine, write_csv(tmp_path / "l.csv", good_rows()), today=TODAY, batch_size=1
        )

    assert set(await residents(engine)) == {ZHANG}


async def test_unparseable_csv_line_is_reported_and_the_rest_imported(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """A line the CSV reader cannot parse is one rejected row, not the end of the import."""
    rows = good_rows()
    rows.insert(1, ["巨大", "x" * 200_000, "", "", "", "", "", "", "", ""])
    path = write_csv(tmp_path / "l.csv", rows)

    result = await import_ledger(engine, path, today=TODAY, errors_path=tmp_path / "e.csv")

    assert result.as_json() == {"rows": 4, "inserted": 3, "updated": 0, "rejected": 1}
    (error,) = read_errors(tmp_path / "e.csv")
    assert (error["行号 Row"], error["列 Column"]) == ("3", "整行 whole row")
    assert "CSV" in error["原因"]


async def test_unwritable_errors_folder_is_refused_before_any_row(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """An errors file that cannot be written stops the import before a row is written."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the errors folder should be", encoding="utf-8")
    path = write_csv(tmp_path / "l.csv", good_rows())

    with pytest.raises(SourceError) as caught:
        await import_ledger(engine, path, today=TODAY, errors_path=blocked / "e.csv")

    assert "--errors" in caught.value.zh
    assert await residents(engine) == {}
