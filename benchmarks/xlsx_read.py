"""Time reading a generated .xlsx ledger: openpyxl read-only against ledger.xlsx; prints JSON.

    python benchmarks/xlsx_read.py [--rows 100000] [--rounds 3]

Both readers turn every cell into the text the importer sees (openpyxl's values through the
oracle in tests/ledger/openpyxl_oracle.py), so the figures are for the same work. openpyxl is
timed once (it is slow); the reader's best of --rounds is taken, as the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from ledger.generator import write_ledger  # noqa: E402
from ledger.xlsx import iter_xlsx_rows  # noqa: E402
from tests.ledger.openpyxl_oracle import cell_text  # noqa: E402

TODAY = date(2026, 11, 22)


def _openpyxl(path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = 0
    for values in workbook.worksheets[0].iter_rows(values_only=True):
        [cell_text(v) for v in values]
        rows += 1
    workbook.close()
    return rows, time.perf_counter() - started


def _reader(path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    rows = 0
    for _ in iter_xlsx_rows(path):
        rows += 1
    return rows, time.perf_counter() - started


def main() -> None:
    """Write the ledger, time both readers, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="residents in the ledger")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the reader; best kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.xlsx"
        write_ledger(path, args.rows, seed=7, today=TODAY)
        rows, openpyxl_seconds = _openpyxl(path)
        reader_seconds = min(_reader(path)[1] for _ in range(args.rounds))
        if _reader(path)[0] != rows:
            raise SystemExit("the readers disagree on the number of rows")
    print(
        json.dumps(
            {
                "rows": rows,
                "openpyxl_rows_per_s": round(rows / openpyxl_seconds),
                "reader_rows_per_s": round(rows / reader_seconds),
                "speedup": round(openpyxl_seconds / reader_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
