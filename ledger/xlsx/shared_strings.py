"""The shared-string table: each <si>'s text, rich-text runs joined, phonetic runs left out."""

from __future__ import annotations

import re
from functools import lru_cache
from xml.parsers import expat

from ledger.xlsx.errors import ScanError
from ledger.xlsx.events import Events
from ledger.xlsx.head import Head
from ledger.xlsx.markup import illegal, newlines, unescape
from ledger.xlsx.parsers import parser


def shared_strings(data: bytes) -> list[str]:
    """The table: scanned if every string is plain, else parsed by expat."""
    head = Head("sst")
    if head.feed(data):
        start, fast = head.content(data)
        strings = newlines(data[start:]) if fast else b""
        if fast and not illegal(strings):
            try:
                return _scan(data[: head.at], strings, head)
            except (ScanError, ValueError, expat.ExpatError):
                pass  # expat reads it instead, and says what is wrong if anything is
    return _parse(data)


def _scan(prolog: bytes, strings: bytes, head: Head) -> list[str]:
    """The fast path: the <si> elements after the start tag, in UTF-8, line ends normalised."""
    found = _si_pattern(head.prefix).findall(strings)
    # Nothing but strings, then the end tag: (text, end tag, anything else).
    if not found or not found[-1][1] or any(other for _, _, other in found):
        raise ScanError
    check = parser()  # the prolog, the start tag, and what follows the strings
    check.Parse(prolog, False)
    check.Parse(head.wrapper[0] + strings[strings.rindex(b"</%ssst" % head.prefix) :], True)
    if len(found) == 1:
        return []
    # One decode for the whole table: NUL cannot occur in XML, so it can separate the strings.
    text = b"\0".join([t for t, _, _ in found[:-1]]).decode()
    if "&" in text:
        text = unescape(text)
    # openpyxl removes this escape of an escape, and only this; so does the reader.
    return text.replace("x005F_", "").split("\0")


@lru_cache(maxsize=4)
def _si_pattern(p: bytes) -> re.Pattern[bytes]:
    """A plain <si>, with its phonetic properties; the end of the table; or other markup."""
    return re.compile(
        rb"<%(p)ssi><%(p)st(?: xml:space=\"preserve\")?>([^<]*)</%(p)st>"
        rb"(?:<%(p)sphoneticPr[^<>]*/>)?</%(p)ssi>|(</%(p)ssst>)|(<)" % {b"p": p}
    )


def _parse(data: bytes) -> list[str]:
    """The table by expat: for rich text, other encodings, and errors."""
    strings: list[str] = []
    events = Events()

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

    reader = parser()
    reader.StartElementHandler = start
    reader.EndElementHandler = end
    reader.CharacterDataHandler = events.characters
    reader.Parse(data, True)
    return strings
