"""A sheet's rows by expat: for markup the scan does not recognise, and to check the rest."""

from __future__ import annotations

from collections.abc import Iterator

from ledger.xlsx.cells import INLINE, Cells, Row
from ledger.xlsx.errors import XlsxError
from ledger.xlsx.events import Events
from ledger.xlsx.parsers import parser
from ledger.xlsx.references import column, row_number


def expat_rows(
    cells: Cells, number: int, prefix: bytes, first: bytes, chunks: Iterator[bytes]
) -> Iterator[Row]:
    """The rows from here on: `prefix` is the sheet up to where `first` starts.

    `number` is the last row's number, which a row without r follows.
    """
    events = ExpatRows(cells, number)
    reader = events.parser
    reader.Parse(prefix, False)
    reader.Parse(first, False)
    yield from events.take()
    for chunk in chunks:
        reader.Parse(chunk, False)
        yield from events.take()
    reader.Parse(b"", True)
    yield from events.take()


class ExpatRows(Events):
    """Rows from expat events: each <row> child of <sheetData>, its <c> cells' values."""

    def __init__(self, cells: Cells, number: int) -> None:
        super().__init__()
        self.cells = cells
        self.number = number  # the last row's number: a row without r follows it
        self.found: list[Row] = []
        self.row_depth = 0  # the depth of the row being read, 0 outside one
        self.texts: list[str] = []  # the row's cell texts so far
        self.column = 0
        self.cell: dict[str, str] = {}
        self.value: list[str] | None = None
        self.inline: str | None = None
        self.parser = created = parser()
        created.StartElementHandler = self._start
        created.EndElementHandler = self._end
        created.CharacterDataHandler = self.characters

    def take(self) -> list[Row]:
        """The rows read since the last call."""
        found, self.found = self.found, []
        return found

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = self.start(name)
        depth = len(self.path)
        if not self.row_depth:
            if local == "row" and depth > 1 and self.path[-2] == "sheetData":
                self.row_depth = depth
                r = attrs.get("r")
                self.number = row_number(r) if r is not None else self.number + 1
                self.texts, self.column = [], 0
            return
        level = depth - self.row_depth
        if level == 1 and local == "c":
            self.cell, self.value, self.inline = attrs, None, None
        elif level == 2 and self.path[-2] == "c":
            if local == "v" and self.value is None:
                self.value = self.keep()
            elif local == "is" and self.inline is None and not self.rich:
                self.rich_start()
        elif self.rich:
            self.rich_child(local)

    def _end(self, name: str) -> None:
        depth = len(self.path)
        if self.row_depth:
            level = depth - self.row_depth
            if level == 0:
                self.found.append((self.number, self.texts))
                self.row_depth = 0
            elif level == 1 and self.path[-1] == "c":
                self._cell()
            elif level == 2 and self.rich == depth:
                self.inline = self.rich_text()
        self.end()

    def _cell(self) -> None:
        """A <c> ends: its text goes to its column."""
        ref = self.cell.get("r")
        if ref:
            self.column = column(ref)
        else:
            self.column += 1  # as openpyxl: a cell without r follows the one before
        try:
            kind = self.cells.kind(self.cell.get("t"), self.cell.get("s"))
            if kind == INLINE:
                raw = self.inline or ""
            else:
                raw = "".join(self.value) if self.value is not None else ""
            text = self.cells.text(kind, raw)
        except (ValueError, IndexError) as err:
            where = ref or f"row {self.number} column {self.column}"
            raise XlsxError(f"cell {where}: cannot read its value: {err!r}") from err
        index = self.column - 1
        texts = self.texts
        if index >= len(texts):
            texts.extend([""] * (index - len(texts)))
            texts.append(text)
        else:
            texts[index] = text
