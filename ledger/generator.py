"""Synthetic resident ledgers (台账) of Mile City, for the demo, the tests and the benchmarks."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path

from ledger.columns import HEADERS, Field
from ledger.generator_population import AT, Population
from ledger.identity import check_character

#: The header row: the first (written) header of every field, in the order of `Field`.
HEADER: tuple[str, ...] = tuple(HEADERS[f][0] for f in Field)

_NAME, _ID, _PHONE = AT[Field.NAME], AT[Field.ID_NUMBER], AT[Field.PHONE]
_PENSION_STATUS = AT[Field.PENSION_STATUS]
_CHECK_CHARACTERS = "0123456789X"
# Month and day that no calendar has, as a slip of the keyboard writes them.
_IMPOSSIBLE_DAYS = ("0230", "0231", "0431", "0631", "0931", "1131", "1301", "0015")
_UNKNOWN_STATUSES = ("待核实", "不详", "已办理", "正在办理", "？")


class Fault(StrEnum):
    """The one realistic mistake a deliberately bad row carries."""

    CHECK_CHARACTER = "check_character"
    BIRTH_DATE = "birth_date"
    PHONE_LENGTH = "phone_length"
    STATUS_TEXT = "status_text"
    DUPLICATE_ID = "duplicate_id"
    SCIENTIFIC_ID = "scientific_id"
    EMPTY_NAME = "empty_name"


def generate_rows(
    residents: int, *, seed: int, today: date, bad_fraction: float = 0.0
) -> Iterator[list[str]]:
    """Yield the header row, then one row of cell texts per resident."""
    yield list(HEADER)
    for cells, _ in generate_residents(
        residents, seed=seed, today=today, bad_fraction=bad_fraction
    ):
        yield cells


def generate_residents(
    residents: int, *, seed: int, today: date, bad_fraction: float = 0.0
) -> Iterator[tuple[list[str], Fault | None]]:
    """Yield each resident's row with the fault it was given, None for a good row."""
    _check(residents, bad_fraction)
    population = Population(seed, today)
    rnd = population.rng.random
    last_good: tuple[str, str] | None = None  # ID number and name, copied: callers may edit rows
    for _ in range(residents):
        cells = population.resident()
        if bad_fraction and rnd() < bad_fraction:
            fault = population.pick(_FAULTS)
            if fault is Fault.DUPLICATE_ID and last_good is None:
                fault = Fault.CHECK_CHARACTER  # nothing to duplicate yet
            yield _spoil(population, cells, fault, last_good), fault
        else:
            last_good = cells[_ID], cells[_NAME]
            yield cells, None


def write_ledger(
    path: Path,
    residents: int,
    *,
    seed: int,
    today: date,
    bad_fraction: float = 0.0,
    encoding: str = "utf-8-sig",
) -> int:
    """Write a synthetic ledger as .csv (in `encoding`) or .xlsx; return the data rows written."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        raise ValueError(f"a ledger is written as .csv or .xlsx, not {path.name!r}")
    _check(residents, bad_fraction)  # before the file is created
    rows = generate_rows(residents, seed=seed, today=today, bad_fraction=bad_fraction)
    if suffix == ".csv":
        # utf-8-sig is what Excel's "CSV UTF-8" writes; gb18030 what Chinese office software does.
        with path.open("w", encoding=encoding, newline="") as stream:
            csv.writer(stream).writerows(rows)
    else:
        _write_xlsx(path, rows)
    return residents


def _write_xlsx(path: Path, rows: Iterator[list[str]]) -> None:
    from openpyxl import Workbook  # only the XLSX path pays for the import
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    for at in (_ID, _PHONE):
        # Text format on the whole column too, so that digits typed in later stay text.
        column = sheet.column_dimensions[get_column_letter(at + 1)]
        column.number_format = "@"
        column.width = 21
    for cells in rows:
        values: list[object] = [text or None for text in cells]
        for at in (_ID, _PHONE):
            if cells[at]:
                # Text cells: as a number, Excel would keep 15 of the 18 digits.
                cell = WriteOnlyCell(sheet, value=cells[at])
                cell.number_format = "@"
                values[at] = cell
        sheet.append(values)
    workbook.save(path)


_FAULTS = tuple(Fault)


def _check(residents: int, bad_fraction: float) -> None:
    if residents < 0:
        raise ValueError(f"residents must be 0 or more, not {residents}")
    if not 0.0 <= bad_fraction <= 1.0:
        raise ValueError(f"bad_fraction must be between 0 and 1, not {bad_fraction}")


def _spoil(
    population: Population, cells: list[str], fault: Fault, last_good: tuple[str, str] | None
) -> list[str]:
    id_number = cells[_ID]
    if fault is Fault.CHECK_CHARACTER:
        wrong = _CHECK_CHARACTERS.replace(id_number[17], "")
        cells[_ID] = id_number[:17] + population.pick(wrong)
    elif fault is Fault.BIRTH_DATE:
        # Only the date is wrong: the check character is right for the digits as written.
        first17 = id_number[:10] + population.pick(_IMPOSSIBLE_DAYS) + id_number[14:17]
        cells[_ID] = first17 + check_character(first17)
    elif fault is Fault.PHONE_LENGTH:
        digits = population.phone()
        cut = 1 + int(population.rng.random() * 10)
        cells[_PHONE] = digits[:cut] + digits[cut + 1 :]
    elif fault is Fault.STATUS_TEXT:
        cells[_PENSION_STATUS] = population.pick(_UNKNOWN_STATUSES)
    elif fault is Fault.DUPLICATE_ID and last_good is not None:
        # The same person entered twice, as when two villages both list them.
        cells[_ID], cells[_NAME] = last_good
    elif fault is Fault.SCIENTIFIC_ID:
        # What Excel shows for an 18-digit number in a General cell: six significant digits.
        mantissa = f"{id_number[0]}.{id_number[1:6]}".rstrip("0").rstrip(".")
        cells[_ID] = f"{mantissa}E+17"
    elif fault is Fault.EMPTY_NAME:
        cells[_NAME] = ""
    return cells
