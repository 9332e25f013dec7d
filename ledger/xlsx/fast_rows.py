"""The scan: a sheet's rows read by regular expressions over the UTF-8 bytes, at speed.

Rows in the shapes that Excel, WPS, LibreOffice and openpyxl write are scanned; a row in any
other shape is parsed on its own by expat, and anything that could make the scan misread the
sheet (a comment, CDATA, a control character) hands the rest of the sheet to expat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.parsers import expat

from ledger.xlsx.cells import EMPTY, INLINE, SHARED, Cells, Row, shared_index
from ledger.xlsx.errors import ScanError, XlsxError
from ledger.xlsx.expat_rows import ExpatRows, expat_rows
from ledger.xlsx.head import Head
from ledger.xlsx.markup import ATTRS, attributes, illegal, unescape
from ledger.xlsx.references import columns

#: No real row is this long; without a limit a row that never ends would fill memory.
_ROW_LIMIT = 64 << 20
#: Caches keyed by attribute text stop growing here, however many distinct keys a file has.
_CACHE_LIMIT = 4096


class _Patterns:
    """The expressions that scan rows, for the spreadsheetml namespace's prefix ("x:" or "")."""

    def __init__(self, p: bytes) -> None:
        self.row_start = re.compile(rb"\s*<%srow(%s)\s*(/?)>" % (p, ATTRS)).match
        # A cell: its column, and its attributes after r, ending in / if it is empty (<c …/>).
        head = rb'<%(p)sc r="([A-Z]{1,3})[0-9]+"([^>]*)>(?:(?<=/>)|'
        value = rb"<%(p)sv>([^<]*)</%(p)sv>"
        inline = rb'<%(p)sis><%(p)st(?:>| xml:space="preserve">)([^<]*)</%(p)st></%(p)sis>'
        names = {b"p": p}
        self.values = re.compile((head + value + rb"</%(p)sc>)") % names).findall
        self.inlines = re.compile((head + inline + rb"</%(p)sc>)") % names).findall
        # Any cell: then its formula (checked, not read: openpyxl reads the value cached in <v>),
        # the text of <v> or of <is><t>; or, in the last group, any other markup. An optional
        # group is written as a branch with an empty alternative, which Python's engine runs
        # faster.
        formula = rb"(<%(p)sf" + ATTRS + rb"\s*(?:/>|>[^<]*</%(p)sf>)|)"
        self.cells = re.compile(
            (head + formula + rb"(?:" + value + b"|" + inline + rb")?</%(p)sc>)|(<)") % names
        ).findall


class FastRows:
    """The scan of one sheet's rows, from the content of its <sheetData> on."""

    def __init__(self, cells: Cells, head: Head) -> None:
        self.cells = cells
        self.head = head
        self.number = 0  # the last row's number: a row without r follows it
        self.kinds: dict[bytes, int] = {}  # a cell's attributes after r → its kind
        self.row_attrs: set[bytes] = set()  # a row's attributes after r, known to be plain
        self.scan = _Patterns(head.prefix)
        self.columns = columns()
        self.inline = False  # which simple shape to try first: <is><t>, or <v>
        self.general = 0  # rows left before trying a simple shape again

    def rows(self, prefix: bytes, chunks: Iterator[bytes]) -> Iterator[Row]:
        """The rows, from UTF-8 chunks with line ends normalised; `prefix` is the sheet before."""
        p = self.head.prefix
        row_end = b"</%srow>" % p
        rows_end = b"</%ssheetData" % p
        buffer = b""
        for chunk in chunks:
            if illegal(chunk):
                yield from self._parse(prefix, buffer + chunk, chunks)
                return
            if len(buffer) > _ROW_LIMIT:
                raise XlsxError(f"a row is longer than {_ROW_LIMIT >> 20} MiB")
            new = max(len(buffer) - len(rows_end), 0)  # the buffer before has neither end tag
            buffer += chunk
            stop = buffer.find(rows_end, new)
            cut = stop if stop >= 0 else buffer.rfind(row_end, new)
            if cut < 0:
                continue
            cut += 0 if stop >= 0 else len(row_end)
            pieces = buffer[:cut].split(row_end)
            last = len(pieces) - 1
            offset = 0
            for index, piece in enumerate(pieces):
                closed = index < last
                row = self._row(piece) if closed else None
                if row is not None:
                    yield row
                elif closed or piece.strip():
                    try:
                        rows = self._piece(piece, closed)
                    except ScanError:
                        yield from self._parse(prefix, buffer[offset:], chunks)
                        return
                    yield from rows
                offset += len(piece) + len(row_end)
            if stop >= 0:
                # The rest of the sheet, for expat to check that it is well-formed.
                yield from self._parse(prefix, buffer[stop:], chunks)
                return
            buffer = buffer[cut:]
        yield from self._parse(prefix, buffer, chunks)  # expat says where the sheet breaks off

    def _parse(self, prefix: bytes, first: bytes, chunks: Iterator[bytes]) -> Iterator[Row]:
        """The rest of the sheet by expat, from `first` on."""
        return expat_rows(self.cells, self.number, prefix, first, chunks)

    def _row(self, piece: bytes) -> Row | None:
        """The usual row, <row r="…" …> then cells in usual shapes; or None."""
        try:
            return self._usual_row(piece)
        except (ScanError, ValueError, IndexError):
            return None  # the careful path says what it is

    def _usual_row(self, piece: bytes) -> Row:
        """The row, if the scan recognises all of it; else ScanError (or ValueError)."""
        match = self.scan.row_start(piece)
        if match is None or match[2]:
            raise ScanError
        attrs = match[1]
        if attrs[:4] != b' r="':
            raise ScanError
        quote = attrs.index(b'"', 4)
        number = int(attrs[4:quote])
        rest = attrs[quote + 1 :]
        if rest and rest not in self.row_attrs:
            found = attributes(rest.decode(), self.head.prefixes)
            if found is None or "r" in found:
                raise ScanError
            if len(self.row_attrs) < _CACHE_LIMIT:
                self.row_attrs.add(rest)
        cells = self._cells(piece, match.end())
        self.number = number
        return number, cells

    def _piece(self, piece: bytes, closed: bool) -> list[Row]:
        """Rows the scan does not take, parsed on their own by expat as if in their sheet."""
        if b"<!" in piece or b"<?" in piece:
            raise ScanError  # a comment or CDATA could hide a </row>: the pieces may be wrong
        events = ExpatRows(self.cells, self.number)
        start, end = self.head.wrapper
        row_end = b"</%srow>" % self.head.prefix if closed else b""
        try:
            events.parser.Parse(start + piece + row_end, False)
            events.parser.Parse(end, True)
        except expat.ExpatError:
            raise ScanError from None  # expat, reading on from here, says what is wrong
        finally:
            # Rows it started are counted even if it fails: so a <row> inside a row is numbered
            # as openpyxl numbers it.
            self.number = events.number
        return events.take()

    def _cells(self, piece: bytes, at: int) -> list[str]:
        """A row's cells; rows of one usual shape get a simpler, faster expression."""
        if self.general:
            self.general -= 1
        else:
            try:
                return self._simple_cells(piece, at, self.inline)
            except ScanError:
                # Rows like this one may come in runs: try the other simple shape a bit later.
                self.inline = not self.inline
                self.general = 8
        return self._general_cells(piece, at)

    def _simple_cells(self, piece: bytes, at: int, inline: bool) -> list[str]:
        """Cells that are all empty (<c …/>) or hold one <v> (or <is><t>, if `inline`).

        An empty cell has one "<" and every other cell the same number, so counting the row's
        "<" proves that the expression skipped no markup.
        """
        row: list[str] = []
        width = empties = 0
        kinds = self.kinds
        columns = self.columns
        shared = self.cells.shared
        text_of = self.cells.text
        found = (self.scan.inlines if inline else self.scan.values)(piece, at)
        for column, attrs, raw in found:
            kind = kinds.get(attrs)
            if kind is None:
                kind = self._attrs_kind(attrs)
            if kind == SHARED and not inline:
                index = int(raw)
                if index < 0:
                    raise ScanError  # it would silently count from the end
                text = shared[index]
            elif kind == EMPTY:
                empties += 1
                text = ""
            elif (kind == INLINE) != inline:
                raise ScanError  # openpyxl reads <is> for inlineStr and <v> for all others
            else:
                text = raw.decode()
                if "&" in text:
                    text = unescape(text)
                if not inline:
                    text = text_of(kind, text)
            index = columns[column]
            if index == width:
                row.append(text)
                width += 1
            elif index > width:
                row.extend([""] * (index - width))
                row.append(text)
                width = index + 1
            else:
                row[index] = text
        markup = 6 if inline else 4  # the "<" of <c><is><t></t></is></c>, of <c><v></v></c>
        if piece.count(b"<", at) != markup * (len(found) - empties) + empties:
            raise ScanError
        return row

    def _general_cells(self, piece: bytes, at: int) -> list[str]:
        """Cells of every usual shape, formulas included; other markup is a ScanError."""
        row: list[str] = []
        width = 0
        kinds = self.kinds
        columns = self.columns
        shared = self.cells.shared
        text_of = self.cells.text
        for column, attrs, formula, value, inline, other in self.scan.cells(piece, at):
            if other:
                raise ScanError
            if formula and "&" in formula.decode():  # decoded and unescaped only to check it
                unescape(formula.decode())
            kind = kinds.get(attrs)
            if kind is None:
                kind = self._attrs_kind(attrs)
            if (value if kind == INLINE else inline) and kind != EMPTY:
                raise ScanError  # openpyxl ignores it; expat still checks it
            if kind == INLINE:
                text = inline.decode()
                if "&" in text:
                    text = unescape(text)
            elif kind == SHARED:
                text = shared[shared_index(value)] if value else ""
            elif kind == EMPTY:
                text = ""
            else:
                text = value.decode()
                if "&" in text:
                    text = unescape(text)
                text = text_of(kind, text)
            index = columns[column]
            if index == width:
                row.append(text)
                width += 1
            elif index > width:
                row.extend([""] * (index - width))
                row.append(text)
                width = index + 1
            else:
                row[index] = text
        return row

    def _attrs_kind(self, attrs: bytes) -> int:
        """The kind of a cell from its attributes after r, ending in / if it is empty."""
        found = attributes(attrs.decode().removesuffix("/"), self.head.prefixes)
        if found is None or "r" in found:
            raise ScanError
        kind = self.cells.kind(found.get("t"), found.get("s"))
        if attrs.endswith(b"/"):
            kind = EMPTY  # but its attributes were checked: expat would reject bad ones
        if len(self.kinds) < _CACHE_LIMIT:
            self.kinds[attrs] = kind
        return kind
