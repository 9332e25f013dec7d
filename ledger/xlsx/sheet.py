"""A worksheet's rows: expat up to <sheetData>, then the scan if the sheet allows it."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from ledger.xlsx.cells import Cells, Row
from ledger.xlsx.expat_rows import expat_rows
from ledger.xlsx.fast_rows import FastRows
from ledger.xlsx.head import Head
from ledger.xlsx.markup import normalised


def sheet_rows(cells: Cells, chunks: Iterator[bytes]) -> Iterator[Row]:
    """The rows of the sheet whose bytes come in `chunks`."""
    head = Head("sheetData")
    read = []
    for chunk in chunks:
        read.append(chunk)
        if head.feed(chunk):
            break
    else:
        head.feed(b"", True)
        return  # a worksheet without rows
    data = b"".join(read)
    start, fast = head.content(data)
    if fast:
        rest = normalised(chain([data[start:]], chunks))
        yield from FastRows(cells, head).rows(data[:start], rest)
    else:
        yield from expat_rows(cells, 0, b"", data, chunks)
