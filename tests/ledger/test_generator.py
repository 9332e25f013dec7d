"""The synthetic ledger: the same for a seed, valid where it should be, wrong only where asked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import (
    Field,
    Group,
    HeaderMap,
    RowError,
    RowParser,
    Status,
    parse_id_number,
    parse_phone,
)
from ledger.columns import HEADERS
from ledger.generator import HEADER, Fault, generate_residents, generate_rows, write_ledger
from ledger.generator_data import GROUP_SHARES, MILE_CODE, MILE_COUNTY_CODE, NEIGHBOURS
from ledger.source import detect_encoding, open_ledger
from tests.conftest import TODAY

_AT = {f: i for i, f in enumerate(Field)}
_DIVISIONS = {MILE_CODE, MILE_COUNTY_CODE, *(code for code, _ in NEIGHBOURS)}
# The column each fault shows up in when the row is parsed.
_FAULT_COLUMNS = {
    Fault.CHECK_CHARACTER: Field.ID_NUMBER,
    Fault.BIRTH_DATE: Field.ID_NUMBER,
    Fault.SCIENTIFIC_ID: Field.ID_NUMBER,
    Fault.PHONE_LENGTH: Field.PHONE,
    Fault.STATUS_TEXT: Field.PENSION_STATUS,
    Fault.EMPTY_NAME: Field.NAME,
}


def _rows(residents: int, seed: int = 1, bad_fraction: float = 0.0) -> list[list[str]]:
    return list(generate_rows(residents, seed=seed, today=TODAY, bad_fraction=bad_fraction))[1:]


def _parse(rows: Iterable[list[str]], today: date = TODAY) -> list[dict[str, Any] | list[RowError]]:
    parser = RowParser(HeaderMap.from_row(list(HEADER)), today=today)
    parsed: list[dict[str, Any] | list[RowError]] = []
    for line, cells in enumerate(rows, start=2):
        result = parser.parse(line, cells)
        if isinstance(result, list | dict):
            parsed.append(result)
        else:
            parsed.append(dict(zip(parser.columns, result, strict=True)))
    return parsed


def _column(rows: list[list[str]], field: Field) -> list[str]:
    return [cells[_AT[field]] for cells in rows]


def test_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    """Two CSV files from one seed are byte-identical; another seed gives another file."""
    paths = [tmp_path / f"{name}.csv" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (7, 7, 8), strict=True):
        write_ledger(path, 300, seed=seed, today=TODAY, bad_fraction=0.1)
    first, again, other = (p.read_bytes() for p in paths)
    assert first == again
    assert first != other


def test_header_is_the_written_header_of_every_field() -> None:
    """The first row holds the first header of each field, in the order of Field."""
    header = next(generate_rows(1, seed=1, today=TODAY))
    assert header == [HEADERS[f][0] for f in Field]
    assert header[:3] == ["姓名", "公民身份号码", "联系电话"]


def test_every_id_number_and_phone_is_valid() -> None:
    """Every ID number passes the GB 11643 checks for a person aged 16–75 of Mile or nearby."""
    rows = _rows(3000)
    for cells in rows:
        parsed = parse_id_number(cells[_AT[Field.ID_NUMBER]], today=TODAY)
        age = (TODAY - parsed.birth_date).days / 365.25
        assert 16 <= age < 76
        assert parsed.division_code in _DIVISIONS
    phones = [p for p in _column(rows, Field.PHONE) if p]
    assert all(len(parse_phone(p)) == 11 for p in phones)
    assert 0.8 < len(phones) / len(rows) < 0.9


def test_id_numbers_are_unique() -> None:
    """No two residents share an ID number, even among 30,000."""
    ids = [cells[_AT[Field.ID_NUMBER]] for cells, _ in _residents(30_000)]
    assert len(set(ids)) == len(ids)


def _residents(n: int, seed: int = 3) -> Iterable[tuple[list[str], Fault | None]]:
    return generate_residents(n, seed=seed, today=TODAY)


def test_most_people_are_of_working_age() -> None:
    """Most residents are 25–59, a few are 60+, none is under 16."""
    births = [
        parse_id_number(i, today=TODAY).birth_date for i in _column(_rows(3000), Field.ID_NUMBER)
    ]
    ages = [(TODAY - b).days // 365 for b in births]
    assert min(ages) >= 16
    assert sum(25 <= a < 60 for a in ages) / len(ages) > 0.75
    assert 0.04 < sum(a >= 60 for a in ages) / len(ages) < 0.12


def test_group_shares_are_as_designed() -> None:
    """Over 5,000 rows each group's share is within two points of its design share."""
    groups = Counter(Group.parse(text) for text in _column(_rows(5000), Field.GROUP))
    assert None not in groups
    for group, share in GROUP_SHARES.items():
        assert groups[group] / 5000 == pytest.approx(share, abs=0.02)


def test_statuses_and_last_months_agree() -> None:
    """Never-enrolled rows have no last month; paying rows paid within the last year."""
    parsed = [p for p in _parse(_rows(3000)) if isinstance(p, dict)]
    statuses = Counter(p["pension_status"] for p in parsed)
    assert all(statuses[s] > 0.02 * len(parsed) for s in Status)
    for p in parsed:
        paid = p["pension_last_paid"]
        if p["pension_status"] == Status.NEVER:
            assert paid is None
        elif p["pension_status"] == Status.PAYING:
            assert (TODAY.year * 12 + TODAY.month) - (paid.year * 12 + paid.month) <= 12
        if p["uninsured_reason"] is not None:
            assert p["pension_status"] == Status.NEVER


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32), today=st.dates(date(2016, 1, 1), date(2035, 12, 31)))
def test_good_rows_all_parse(seed: int, today: date) -> None:
    """With no faults asked for, the import's row parser accepts every row, whatever the day."""
    rows = list(generate_rows(400, seed=seed, today=today))[1:]
    assert [p for p in _parse(rows, today) if isinstance(p, list)] == []


def test_bad_rows_are_exactly_the_rejected_rows() -> None:
    """Each faulty row is rejected for its one fault; every other row is accepted."""
    residents = list(generate_residents(4000, seed=5, today=TODAY, bad_fraction=0.2))
    parsed = _parse(cells for cells, _ in residents)
    seen: set[str] = set()
    for (cells, fault), result in zip(residents, parsed, strict=True):
        if fault is Fault.DUPLICATE_ID:
            # The parser accepts it; the import rejects it against the earlier, accepted row.
            assert isinstance(result, dict)
            assert result["id_number"] in seen
        elif fault is None:
            assert isinstance(result, dict), result
            assert result["id_number"] not in seen
            seen.add(result["id_number"])
        else:
            assert isinstance(result, list)
            assert [e.column for e in result] == [HEADERS[_FAULT_COLUMNS[fault]][0]], cells
    faults = Counter(fault for _, fault in residents if fault is not None)
    assert set(faults) == set(Fault)
    assert sum(faults.values()) / len(residents) == pytest.approx(0.2, abs=0.03)


def test_scientific_notation_is_what_excel_shows() -> None:
    """An ID number mangled by Excel reads like 5.32504E+17."""
    residents = generate_residents(2000, seed=9, today=TODAY, bad_fraction=0.3)
    mangled = [c[_AT[Field.ID_NUMBER]] for c, f in residents if f is Fault.SCIENTIFIC_ID]
    assert mangled
    assert all(m.startswith("5.3") and m.endswith("E+17") for m in mangled)


@pytest.mark.parametrize(
    ("suffix", "encoding"), [(".csv", "utf-8-sig"), (".csv", "gb18030"), (".xlsx", "utf-8-sig")]
)
def test_file_round_trips_through_the_reader(tmp_path: Path, suffix: str, encoding: str) -> None:
    """The file reads back with every column recognised and every cell as generated."""
    path = tmp_path / f"ledger{suffix}"
    assert write_ledger(path, 200, seed=11, today=TODAY, encoding=encoding) == 200
    if suffix == ".csv":
        assert detect_encoding(path) == encoding
    with open_ledger(path) as (header, rows):
        assert set(header.positions) == set(Field)
        assert header.ignored == ()
        # A workbook does not keep trailing empty cells; a CSV file does.
        read = []
        for _, cells in rows:
            assert isinstance(cells, list)  # every generated line parses
            read.append(cells + [""] * (len(HEADER) - len(cells)))
    assert read == _rows(200, seed=11)
    assert all(len(i) == 18 for i in _column(read, Field.ID_NUMBER))


def test_xlsx_id_and_phone_cells_are_text(tmp_path: Path) -> None:
    """ID number and phone cells are stored as text formatted '@', so Excel keeps every digit."""
    from openpyxl import load_workbook

    path = tmp_path / "ledger.xlsx"
    write_ledger(path, 50, seed=2, today=TODAY)
    sheet = load_workbook(path).worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        id_cell = row[_AT[Field.ID_NUMBER]]
        assert id_cell.data_type == "s"
        assert id_cell.number_format == "@"


@pytest.mark.parametrize(
    ("name", "residents", "bad_fraction", "message"),
    [
        ("ledger.xls", 10, 0.0, "xls"),
        ("ledger.csv", -1, 0.0, "residents"),
        ("ledger.csv", 10, 1.5, "bad_fraction"),
    ],
)
def test_impossible_request_is_refused(
    tmp_path: Path, name: str, residents: int, bad_fraction: float, message: str
) -> None:
    """An unknown suffix, a negative count or a share above 1 is a ValueError; no file appears."""
    with pytest.raises(ValueError, match=message):
        write_ledger(tmp_path / name, residents, seed=1, today=TODAY, bad_fraction=bad_fraction)
    assert not (tmp_path / name).exists()
