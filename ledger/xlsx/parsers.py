"""Hardened expat parsers, and the elements of the small parts read whole."""

from __future__ import annotations

from xml.parsers import expat

from ledger.xlsx.errors import XlsxError

#: The spreadsheetml namespaces: transitional, which everyone writes, and strict OOXML.
MAIN = frozenset(
    {
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main",
    }
)

Element = tuple[tuple[str, ...], dict[str, str]]


def parser(*, prefixes: bool = False) -> expat.XMLParserType:
    """A namespace-aware expat parser that refuses document type declarations."""
    created = expat.ParserCreate(namespace_separator="}")
    created.namespace_prefixes = prefixes
    created.buffer_text = True
    # No part of a workbook has a DTD; one could only be there to expand entities into memory.
    created.StartDoctypeDeclHandler = _no_dtd
    created.EntityDeclHandler = _no_dtd
    return created


def _no_dtd(*_: object) -> None:
    raise XlsxError("the workbook has a document type declaration, which xlsx never has")


def elements(data: bytes) -> list[Element]:
    """Every element of a small part: its path of local names, its attributes by local name."""
    found: list[Element] = []
    path: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        path.append(name.rpartition("}")[2])
        found.append((tuple(path), {k.rpartition("}")[2]: v for k, v in attrs.items()}))

    reader = parser()
    reader.StartElementHandler = start
    reader.EndElementHandler = lambda _: path.pop()
    reader.Parse(data, True)
    return found
