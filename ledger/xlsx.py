"""Streaming reader of an .xlsx workbook's first worksheet, as the cell texts staff see.

Each cell's text is exactly what `ledger.source._cell` makes of the value openpyxl reads, at
over ten times openpyxl's speed. Rows in the shapes that Excel, WPS, LibreOffice and openpyxl
write are scanned with regular expressions over the raw bytes; a row in any other shape is
parsed on its own by expat, and anything that could make the scan misread the sheet (a comment,
CDATA, an encoding other than UTF-8) hands the rest of the sheet to expat, so the scan never
guesses. Memory holds a chunk of the sheet and the shared-string table, as in every xlsx reader.

Known differences from openpyxl, all on files no spreadsheet program writes: cells out of
column order are all kept (openpyxl drops those right of the row's last cell); and the scan
does not check everything expat would (stray text between cells, "]]>" or U+FFFE in a text),
so such a file is read rather than refused.
"""

from __future__ import annotations

import codecs
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import lru_cache
from itertools import chain, product
from pathlib import Path
from string import ascii_uppercase
from typing import IO
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

Row = tuple[int, list[str]]

#: The spreadsheetml namespaces: transitional, which everyone writes, and strict OOXML.
_MAIN = frozenset(
    {
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main",
    }
)
_CHUNK = 1 << 20
#: Parts read whole (shared strings, styles, workbook) may not be larger: a zip bomb could
#: otherwise expand a few kilobytes into gigabytes of memory.
_PART_LIMIT = 256 << 20
#: No real row is this long; without a limit a row that never ends would fill memory.
_ROW_LIMIT = 64 << 20
#: Caches keyed by attribute text stop growing here, however many distinct keys a file has.
_CACHE_LIMIT = 4096

# Cell kinds, from a cell's t attribute and its style's number format.
_INLINE, _SHARED, _NUMBER, _DATE, _DURATION, _BOOL, _ISO, _TEXT, _EMPTY = range(9)

# The bytes XML allows: a control character is one that expat rejects and the scan cannot see.
_ALLOWED = b"\t\n\r" + bytes(range(0x20, 0x100))
# Attributes in their plain form: a name, maybe prefixed, and a value without entities.
_NAME = r"[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?"
_ATTRS = rb"""(?:\s+%s\s*=\s*(?:"[^"<&]*"|'[^'<&]*'))*""" % _NAME.encode()
_ATTR = re.compile(r"\s+(" + _NAME + r""")\s*=\s*(?:"([^"<&]*)"|'([^'<&]*)')""")
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));|&")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class XlsxError(ValueError):
    """The workbook cannot be read: not a zip, no worksheet, malformed XML."""


class _ScanError(Exception):
    """The scan met something it does not recognise; expat reads it instead."""


class _ReachedError(Exception):
    """Stops expat at the start tag whose content the scan takes over."""


def iter_xlsx_rows(path: Path) -> Iterator[Row]:
    """Stream the first worksheet: (row number as Excel shows it, cell texts by column)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise XlsxError(f"not an xlsx workbook (not a zip archive): {err}") from err
    with archive:
        part = "the workbook"
        try:
            book = _Book(archive)
            part = book.sheet
            with archive.open(book.sheet) as stream:
                yield from _Sheet(book).rows(_chunks(stream))
        except expat.ExpatError as err:
            raise XlsxError(f"malformed XML in {part}: {err}") from err
        except LookupError as err:  # expat asked for an encoding Python does not know
            raise XlsxError(f"unreadable XML in {part}: {err}") from err
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
            raise XlsxError(f"damaged workbook ({part}): {err}") from err


class _Book:
    """What reading the first worksheet needs from the rest of the workbook."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        package = self._relationships("")
        workbook = next(
            (t for kind, t in package.values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        if workbook not in self.names:
            raise XlsxError("not an xlsx workbook: it has no workbook part")
        related = self._relationships(workbook)
        sheets: list[str] = []
        self.epoch = WINDOWS_EPOCH
        for path, attrs in _elements(self._read(workbook)):
            if path == ("workbook", "workbookPr"):
                # openpyxl's reading of the flag: anything but false, f, 0 or nothing is true.
                if attrs.get("date1904", "") not in ("", "false", "f", "0"):
                    self.epoch = MAC_EPOCH
            elif path == ("workbook", "sheets", "sheet"):
                kind, target = related.get(attrs.get("id", ""), ("", ""))
                if kind.endswith("/worksheet") and target in self.names:
                    sheets.append(target)
        if not sheets:
            raise XlsxError("the workbook has no worksheet")
        self.sheet = sheets[0]
        parts = {kind.rpartition("/")[2]: target for kind, target in related.values()}
        strings, styles = parts.get("sharedStrings"), parts.get("styles")
        self.shared = _shared_strings(self._read(strings)) if strings else []
        none: frozenset[int] = frozenset()
        self.dates, self.durations = _date_styles(self._read(styles)) if styles else (none, none)

    def _read(self, name: str) -> bytes:
        """A part, whole, if it is not suspiciously large."""
        if name not in self.names:
            raise XlsxError(f"the workbook refers to a part it does not have: {name}")
        if self.archive.getinfo(name).file_size > _PART_LIMIT:
            raise XlsxError(f"{name} is larger than {_PART_LIMIT >> 20} MiB")
        return self.archive.read(name)

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id → (type, the target's name in the archive)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.names:
            return {}
        found = {}
        for path, attrs in _elements(self._read(rels)):
            if path[-1] == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), target)
        return found


def _parser(*, prefixes: bool = False) -> expat.XMLParserType:
    """A namespace-aware expat parser that refuses document type declarations."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.namespace_prefixes = prefixes
    parser.buffer_text = True
    # No part of a workbook has a DTD; one could only be there to expand entities into memory.
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    return parser


def _no_dtd(*_: object) -> None:
    raise XlsxError("the workbook has a document type declaration, which xlsx never has")


def _elements(data: bytes) -> list[tuple[tuple[str, ...], dict[str, str]]]:
    """Every element of a small part: its path of local names, its attributes by local name."""
    found: list[tuple[tuple[str, ...], dict[str, str]]] = []
    path: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        path.append(name.rpartition("}")[2])
        found.append((tuple(path), {k.rpartition("}")[2]: v for k, v in attrs.items()}))

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _: path.pop()
    parser.Parse(data, True)
    return found


def _date_styles(data: bytes) -> tuple[frozenset[int], frozenset[int]]:
    """The cell styles (cellXfs indexes) whose number format shows a date, and a duration."""
    from openpyxl.styles.numbers import (
        builtin_format_code,
        is_date_format,
        is_timedelta_format,
    )

    custom: dict[int, str | None] = {}
    formats: list[int] = []
    try:
        for path, attrs in _elements(data):
            if path == ("styleSheet", "numFmts", "numFmt"):
                custom[int(attrs["numFmtId"])] = attrs.get("formatCode")
            elif path == ("styleSheet", "cellXfs", "xf"):
                formats.append(int(attrs.get("numFmtId", 0)))
    except (KeyError, ValueError) as err:
        raise XlsxError(f"malformed number format in the styles: {err!r}") from err
    dates, durations = set(), set()
    for style, format_id in enumerate(formats):
        # As openpyxl: a custom format takes precedence over a built-in one of the same id.
        code = custom[format_id] if format_id in custom else builtin_format_code(format_id)
        if is_date_format(code):
            dates.add(style)
            if is_timedelta_format(code):
                durations.add(style)
    return frozenset(dates), frozenset(durations)


class _Head:
    """Expat over the start of a part, up to the start tag of the element the scan takes over."""

    def __init__(self, local: str) -> None:
        self.local = local
        self.parser = parser = _parser(prefixes=True)
        parser.XmlDeclHandler = self._declaration
        parser.StartNamespaceDeclHandler = self._declare
        parser.EndNamespaceDeclHandler = lambda prefix: self.scopes[prefix or ""].pop()
        parser.StartElementHandler = self._start
        self.scopes: dict[str, list[str]] = {}
        self.utf8 = True
        self.at = -1
        self.prefix = b""
        self.wrapper = (b"", b"")
        self.prefixes: frozenset[str] = frozenset()

    def feed(self, data: bytes, final: bool = False) -> bool:
        """Parse more of the part; whether the element has been reached."""
        try:
            self.parser.Parse(data, final)
        except _ReachedError:
            return True
        return False

    def _declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        self.utf8 = encoding is None or encoding.lower() in ("utf-8", "utf8")

    def _declare(self, prefix: str | None, uri: str | None) -> None:
        self.scopes.setdefault(prefix or "", []).append(uri or "")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        uri, local, prefix = [*name.split("}"), ""][:3] if "}" in name else ("", name, "")
        if local != self.local or uri not in _MAIN:
            return
        self.at = self.parser.CurrentByteIndex
        self.prefix = prefix.encode() + b":" if prefix else b""
        self.prefixes = frozenset({"xml", *(p for p, s in self.scopes.items() if p and s)})
        # The namespaces in scope, for parsing a row on its own as if it were in place.
        declared = b"".join(
            b" xmlns%s=%s" % ((b":" + p.encode()) if p else b"", quoteattr(s[-1]).encode())
            for p, s in self.scopes.items()
            if s
        )
        tag = self.prefix + local.encode()
        self.wrapper = (b"<%s%s>" % (tag, declared), b"</%s>" % tag)
        raise _ReachedError


def _scan_start(data: bytes, head: _Head) -> tuple[int, bool]:
    """Where the content after the found start tag begins; whether the scan may read it."""
    match = _START_TAG.match(data, head.at)
    if match is None:  # expat read it, so this cannot happen; expat takes over all the same
        return head.at, False
    utf8 = head.utf8 and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return match.end(), utf8 and not match.group(1)


def _shared_strings(data: bytes) -> list[str]:
    """The shared-string table: each <si>'s text, rich-text runs joined, phonetic runs left out."""
    head = _Head("sst")
    if head.feed(data):
        start, fast = _scan_start(data, head)
        strings = _newlines(data[start:]) if fast else b""
        if fast and not _illegal(strings):
            try:
                return _scan_shared_strings(data[: head.at], strings, head)
            except (_ScanError, ValueError, expat.ExpatError):
                pass  # expat reads it instead, and says what is wrong if anything is
    return _parse_shared_strings(data)


def _scan_shared_strings(prolog: bytes, strings: bytes, head: _Head) -> list[str]:
    """The fast path: the <si> elements after the start tag, in UTF-8, line ends normalised."""
    found = _si_pattern(head.prefix).findall(strings)
    # Nothing but strings, then the end tag: (text, end tag, anything else).
    if not found or not found[-1][1] or any(other for _, _, other in found):
        raise _ScanError
    parser = _parser()  # the prolog, the start tag, and what follows the strings
    parser.Parse(prolog, False)
    parser.Parse(head.wrapper[0] + strings[strings.rindex(b"</%ssst" % head.prefix) :], True)
    if len(found) == 1:
        return []
    # One decode for the whole table: NUL cannot occur in XML, so it can separate the strings.
    text = b"\0".join([t for t, _, _ in found[:-1]]).decode()
    if "&" in text:
        text = _unescape(text)
    # openpyxl removes this escape of an escape, and only this; so does the reader.
    return text.replace("x005F_", "").split("\0")


@lru_cache(maxsize=4)
def _si_pattern(p: bytes) -> re.Pattern[bytes]:
    """A plain <si>, with its phonetic properties; the end of the table; or other markup."""
    return re.compile(
        rb"<%(p)ssi><%(p)st(?: xml:space=\"preserve\")?>([^<]*)</%(p)st>"
        rb"(?:<%(p)sphoneticPr[^<>]*/>)?</%(p)ssi>|(</%(p)ssst>)|(<)" % {b"p": p}
    )


def _parse_shared_strings(data: bytes) -> list[str]:
    """The shared-string table by expat: for rich text, other encodings, and errors."""
    strings: list[str] = []
    events = _Events()

    def start(name: str, attrs: dict[str, str]) -> None:
        local = events.start(name)
        if len(events.path) == 2 and local == "si":
            events.rich_start()
        else:
            events.rich_child(local)

    def end(name: str) -> None:
        if len(events.path) == 2 and events.path[-1] == "si":
            strings.append(events.rich_text().replace("x005F_", ""))
        events.end()

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = events.characters
    parser.Parse(data, True)
    return strings


class _Events:
    """Expat event bookkeeping: the element path, and the text of <v>, <si> and <is> elements.

    A text is what ElementTree would give openpyxl: the element's own text, not its children's.
    Rich text is the <t> child (the last, if several), then each <r> run's <t>; <rPh> is skipped.
    """

    def __init__(self) -> None:
        self.path: list[str] = []  # local names from the root; "" for other namespaces
        self.parts: list[str] | None = None  # where character data goes, when it is kept
        self.depth = 0  # the depth of the element whose text is kept
        self.rich = 0  # the depth of the <si> or <is> being read, 0 outside one
        self.plain: list[str] = []
        self.runs: list[list[str]] = []

    def start(self, name: str) -> str:
        """Enter an element; its local name, "" if it is not spreadsheetml."""
        uri, _, local = name.rpartition("}")
        if uri not in _MAIN:
            local = ""
        self.path.append(local)
        self.parts = None  # a child element ends its parent's text
        return local

    def end(self) -> None:
        """Leave an element."""
        self.path.pop()
        self.parts = None

    def keep(self) -> list[str]:
        """Keep the text of the element just entered, in the list returned."""
        self.depth = len(self.path)
        self.parts = []
        return self.parts

    def characters(self, data: str) -> None:
        """Character data, kept if it is the own text of the element being kept."""
        if self.parts is not None and len(self.path) == self.depth:
            self.parts.append(data)

    def rich_start(self) -> None:
        """An <si> or <is> starts."""
        self.rich = len(self.path)
        self.plain, self.runs = [], []

    def rich_child(self, local: str) -> None:
        """An element inside the <si> or <is>: its <t>, a run, or a run's <t>."""
        if not self.rich:
            return
        level = len(self.path) - self.rich
        if level == 1 and local == "t":
            self.plain = self.keep()
        elif level == 1 and local == "r":
            self.runs.append([])
        elif level == 2 and local == "t" and self.path[-2] == "r":
            self.runs[-1] = self.keep()

    def rich_text(self) -> str:
        """The <si> or <is> ends: its text."""
        self.rich = 0
        return "".join(self.plain) + "".join("".join(run) for run in self.runs)


class _Sheet:
    """The rows of one worksheet, scanned where possible and parsed by expat where not."""

    def __init__(self, book: _Book) -> None:
        self.shared = book.shared
        self.dates = book.dates
        self.durations = book.durations
        self.epoch = book.epoch
        self.number = 0  # the last row's number: a row without r follows it
        self.kinds: dict[bytes, int] = {}  # a cell's attributes after r → its kind
        self.row_attrs: set[bytes] = set()  # a row's attributes after r, known to be plain
        self.scan = _Patterns(b"")
        self.prefixes = frozenset({"xml"})  # the namespace prefixes declared around the rows
        self.columns = _columns()
        self.inline = False  # which simple shape to try first: <is><t>, or <v>
        self.general = 0  # rows left before trying a simple shape again

    def rows(self, chunks: Iterator[bytes]) -> Iterator[Row]:
        """The sheet's rows: expat up to <sheetData>, then the scan if the sheet allows it."""
        head = _Head("sheetData")
        read = []
        for chunk in chunks:
            read.append(chunk)
            if head.feed(chunk):
                break
        else:
            head.feed(b"", True)
            return  # a worksheet without rows
        data = b"".join(read)
        start, fast = _scan_start(data, head)
        if fast:
            rest = _normalised(chain([data[start:]], chunks))
            yield from self._scan(data[:start], rest, head)
        else:
            yield from self._parse(b"", data, chunks)

    def _scan(self, prefix: bytes, chunks: Iterator[bytes], head: _Head) -> Iterator[Row]:
        """The fast path: rows scanned in UTF-8 bytes; `prefix` is the sheet up to its rows."""
        p = head.prefix
        self.scan = _Patterns(p)
        self.prefixes = head.prefixes
        row_end = b"</%srow>" % p
        rows_end = b"</%ssheetData" % p
        buffer = b""
        for chunk in chunks:
            if _illegal(chunk):
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
                        rows = self._piece(piece, closed, head)
                    except _ScanError:
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

    def _row(self, piece: bytes) -> Row | None:
        """The fast path's usual row, <row r="…" …> then cells in usual shapes; or None."""
        try:
            return self._usual_row(piece)
        except (_ScanError, ValueError, IndexError):
            return None  # the careful path says what it is

    def _usual_row(self, piece: bytes) -> Row:
        """The row, if the scan recognises all of it; else _ScanError (or ValueError)."""
        match = self.scan.row_start(piece)
        if match is None or match[2]:
            raise _ScanError
        attrs = match[1]
        if attrs[:4] != b' r="':
            raise _ScanError
        quote = attrs.index(b'"', 4)
        number = int(attrs[4:quote])
        rest = attrs[quote + 1 :]
        if rest and rest not in self.row_attrs:
            found = _attributes(rest.decode(), self.prefixes)
            if found is None or "r" in found:
                raise _ScanError
            if len(self.row_attrs) < _CACHE_LIMIT:
                self.row_attrs.add(rest)
        cells = self._scan_cells(piece, match.end())
        self.number = number
        return number, cells

    def _piece(self, piece: bytes, closed: bool, head: _Head) -> list[Row]:
        """Rows the scan does not take, parsed on their own by expat as if in their sheet."""
        if b"<!" in piece or b"<?" in piece:
            raise _ScanError  # a comment or CDATA could hide a </row>: the pieces may be wrong
        events = _RowEvents(self)
        try:
            events.parser.Parse(
                head.wrapper[0] + piece + (b"</%srow>" % head.prefix if closed else b""), False
            )
            events.parser.Parse(head.wrapper[1], True)
        except expat.ExpatError:
            raise _ScanError from None  # expat, reading on from here, says what is wrong
        return events.take()

    def _scan_cells(self, piece: bytes, at: int) -> list[str]:
        """A row's cells; rows of one usual shape get a simpler, faster expression."""
        if self.general:
            self.general -= 1
        else:
            try:
                return self._simple_cells(piece, at, self.inline)
            except _ScanError:
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
        shared = self.shared
        found = (self.scan.inlines if inline else self.scan.values)(piece, at)
        for column, attrs, raw in found:
            kind = kinds.get(attrs)
            if kind is None:
                kind = self._attrs_kind(attrs)
            if kind == _SHARED and not inline:
                index = int(raw)
                if index < 0:
                    raise _ScanError
                text = shared[index]
            elif kind == _EMPTY:
                empties += 1
                text = ""
            elif (kind == _INLINE) != inline:
                raise _ScanError  # openpyxl reads <is> for inlineStr and <v> for all others
            else:
                text = raw.decode()
                if "&" in text:
                    text = _unescape(text)
                if not inline:
                    text = self.convert(kind, text)
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
            raise _ScanError
        return row

    def _general_cells(self, piece: bytes, at: int) -> list[str]:
        """Cells of every usual shape, formulas included; other markup is a _ScanError."""
        row: list[str] = []
        width = 0
        kinds = self.kinds
        columns = self.columns
        for column, attrs, formula, value, inline, other in self.scan.cells(piece, at):
            if other:
                raise _ScanError
            if formula and "&" in formula.decode():  # decoded and unescaped only to check it
                _unescape(formula.decode())
            kind = kinds.get(attrs)
            if kind is None:
                kind = self._attrs_kind(attrs)
            if (value if kind == _INLINE else inline) and kind != _EMPTY:
                raise _ScanError  # openpyxl ignores it; expat still checks it
            if kind == _INLINE:
                text = inline.decode()
                if "&" in text:
                    text = _unescape(text)
            elif kind == _SHARED:
                text = self.shared[_index(value)] if value else ""
            elif kind == _EMPTY:
                text = ""
            else:
                text = value.decode()
                if "&" in text:
                    text = _unescape(text)
                text = self.convert(kind, text)
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
        found = _attributes(attrs.decode().removesuffix("/"), self.prefixes)
        if found is None or "r" in found:
            raise _ScanError
        kind = self.kind(found.get("t"), found.get("s"))
        if attrs.endswith(b"/"):
            kind = _EMPTY  # but its attributes were checked: expat would reject bad ones
        if len(self.kinds) < _CACHE_LIMIT:
            self.kinds[attrs] = kind
        return kind

    def kind(self, t: str | None, s: str | None) -> int:
        """A cell's kind, from its type and style attributes, as openpyxl decides its value."""
        if t is None or t == "n":
            style = int(s) if s else 0
            if style in self.dates:
                return _DURATION if style in self.durations else _DATE
            return _NUMBER
        return {"inlineStr": _INLINE, "s": _SHARED, "b": _BOOL, "d": _ISO}.get(t, _TEXT)

    def convert(self, kind: int, raw: str) -> str:
        """A cell's text from its raw value, as `ledger.source._cell` writes openpyxl's value."""
        if not raw:
            return ""
        if kind == _NUMBER:
            return _number(raw)
        if kind == _SHARED:
            return self.shared[_index(raw)]
        if kind in (_DATE, _DURATION):
            number = _cast_number(raw)
            try:
                value = from_excel(number, self.epoch, timedelta=kind == _DURATION)
            except (OverflowError, ValueError):
                return "#VALUE!"  # openpyxl's value for a date out of range
            return _date_text(value)
        if kind == _BOOL:
            return "是" if int(raw) else "否"
        if kind == _ISO:
            return _date_text(from_ISO8601(raw))
        return raw

    def _parse(self, prefix: bytes, first: bytes, chunks: Iterator[bytes]) -> Iterator[Row]:
        """The rows from here on, by expat: `prefix` is the sheet up to where `first` starts."""
        events = _RowEvents(self)
        parser = events.parser
        parser.Parse(prefix, False)
        parser.Parse(first, False)
        yield from events.take()
        for chunk in chunks:
            parser.Parse(chunk, False)
            yield from events.take()
        parser.Parse(b"", True)
        yield from events.take()


class _RowEvents(_Events):
    """Rows from expat events: each <row> child of <sheetData>, its <c> cells' values."""

    def __init__(self, sheet: _Sheet) -> None:
        super().__init__()
        self.sheet = sheet
        self.found: list[Row] = []
        self.row_depth = 0  # the depth of the row being read, 0 outside one
        self.cells: list[str] = []
        self.column = 0
        self.cell: dict[str, str] = {}
        self.value: list[str] | None = None
        self.inline: str | None = None
        self.parser = parser = _parser()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self.characters

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
                self.sheet.number = _row_number(r) if r is not None else self.sheet.number + 1
                self.cells, self.column = [], 0
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
                self.found.append((self.sheet.number, self.cells))
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
            self.column = _column(ref)
        else:
            self.column += 1  # as openpyxl: a cell without r follows the one before
        sheet = self.sheet
        try:
            kind = sheet.kind(self.cell.get("t"), self.cell.get("s"))
            if kind == _INLINE:
                raw = self.inline or ""
            else:
                raw = "".join(self.value) if self.value is not None else ""
            text = sheet.convert(kind, raw)
        except (ValueError, IndexError) as err:
            where = ref or f"row {sheet.number} column {self.column}"
            raise XlsxError(f"cell {where}: cannot read its value: {err!r}") from err
        index = self.column - 1
        cells = self.cells
        if index >= len(cells):
            cells.extend([""] * (index - len(cells)))
            cells.append(text)
        else:
            cells[index] = text


class _Patterns:
    """The expressions that scan rows, for the spreadsheetml namespace's prefix ("x:" or "")."""

    def __init__(self, p: bytes) -> None:
        self.row_start = re.compile(rb"\s*<%srow(%s)\s*(/?)>" % (p, _ATTRS)).match
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
        formula = rb"(<%(p)sf" + _ATTRS + rb"\s*(?:/>|>[^<]*</%(p)sf>)|)"
        self.cells = re.compile(
            (head + formula + rb"(?:" + value + b"|" + inline + rb")?</%(p)sc>)|(<)") % names
        ).findall


@lru_cache(maxsize=1)
def _columns() -> dict[bytes, int]:
    """Column letters → 0-based index, A to ZZZ."""
    letters = ("".join(t) for n in (1, 2, 3) for t in product(ascii_uppercase, repeat=n))
    return {name.encode(): index for index, name in enumerate(letters)}


def _column(ref: str) -> int:
    """A cell reference's column, from 1, read as openpyxl reads it: letters up to a digit."""
    at = next((i for i, c in enumerate(ref) if c in "0123456789"), len(ref) - 1)
    index = _columns().get(ref[:at].upper().encode())
    try:
        int(ref[at:])
    except ValueError:
        index = None
    if index is None:
        raise XlsxError(f"a cell has a bad reference {ref!r}")
    return index + 1


def _attributes(text: str, prefixes: frozenset[str]) -> dict[str, str] | None:
    """Attributes as written in a start tag; None if expat should judge them.

    `prefixes` are the namespace prefixes declared where the tag is: an attribute with another
    prefix, or a declaration that would change them, is left to expat.
    """
    found: dict[str, str] = {}
    at = 0
    for match in _ATTR.finditer(text):
        if match.start() != at:
            return None
        name = match.group(1)
        if name in found or name.startswith("xmlns"):
            return None
        if ":" in name and name.partition(":")[0] not in prefixes:
            return None
        value = match.group(2) if match.group(2) is not None else match.group(3)
        found[name] = value
        at = match.end()
    if text[at:].strip():
        return None
    return found


def _row_number(text: str) -> int:
    """A row's r attribute, as openpyxl reads it."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)  # openpyxl accepts "3.0"
    except ValueError:
        value = 0.5
    if not value.is_integer():
        raise XlsxError(f"{text!r} is not a row number")
    return int(value)


def _index(raw: bytes | str) -> int:
    """A shared string's index; a negative one would silently count from the end."""
    index = int(raw)
    if index < 0:
        raise IndexError(index)
    return index


def _cast_number(raw: str) -> int | float:
    """A number cell's value, as openpyxl casts it."""
    if "." in raw or "E" in raw or "e" in raw:
        return float(raw)
    return int(raw)


def _number(raw: str) -> str:
    """A number cell's text: 13812345678.0 as 13812345678; past 15 digits, repr keeps the e."""
    value = _cast_number(raw)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _date_text(value: object) -> str:
    """A date cell's text, as `ledger.source._cell` writes what openpyxl reads."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # a time of day, or a duration


def _unescape(text: str) -> str:
    """Text with XML's character and entity references resolved, as expat would."""
    return _REFERENCE.sub(_reference, text)


def _reference(match: re.Match[str]) -> str:
    """One reference's character; _ScanError where expat would find an error."""
    name, decimal, hexadecimal = match.groups()
    if name:
        return _ENTITIES[name]
    if decimal or hexadecimal:
        code = int(decimal, 10) if decimal else int(hexadecimal, 16)
        if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
            return chr(code)
        if 0x10000 <= code <= 0x10FFFF:
            return chr(code)
    raise _ScanError  # a bare & or a reference XML forbids: expat says what is wrong


def _illegal(data: bytes) -> bool:
    """Whether the bytes hold a control character, which XML forbids."""
    # translate() deletes every allowed byte in one C pass, ten times faster than a regex.
    return bool(data.translate(None, _ALLOWED))


def _newlines(data: bytes) -> bytes:
    """Line ends as XML reads them, before anything else: \\r\\n and \\r become \\n."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """A part's bytes, in chunks."""
    while chunk := stream.read(_CHUNK):
        yield chunk


def _normalised(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """UTF-8 chunks with line ends normalised; a \\r at a chunk's end waits for the next."""
    carry = b""
    for chunk in chunks:
        chunk = carry + chunk
        carry = b"\r" if chunk.endswith(b"\r") else b""
        yield _newlines(chunk[:-1] if carry else chunk)
    if carry:
        yield b"\n"
