"""Expat over the start of a streamed part, up to the element whose content the scan reads."""

from __future__ import annotations

import codecs
import re
from xml.sax.saxutils import quoteattr

from ledger.xlsx.parsers import MAIN, parser

_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")


class _ReachedError(Exception):
    """Stops expat at the start tag whose content the scan takes over."""


class Head:
    """What the scan needs to know from the part before the element: where, prefixes, encoding."""

    def __init__(self, local: str) -> None:
        self.local = local
        self.parser = created = parser(prefixes=True)
        created.XmlDeclHandler = self._declaration
        created.StartNamespaceDeclHandler = self._declare
        created.EndNamespaceDeclHandler = lambda prefix: self.scopes[prefix or ""].pop()
        created.StartElementHandler = self._start
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

    def content(self, data: bytes) -> tuple[int, bool]:
        """Where the element's content begins in `data`, the part so far; whether to scan it."""
        match = _START_TAG.match(data, self.at)
        if match is None:  # expat read it, so this cannot happen; expat takes over all the same
            return self.at, False
        utf8 = self.utf8 and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        return match.end(), utf8 and not match.group(1)

    def _declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        self.utf8 = encoding is None or encoding.lower() in ("utf-8", "utf8")

    def _declare(self, prefix: str | None, uri: str | None) -> None:
        self.scopes.setdefault(prefix or "", []).append(uri or "")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        uri, local, prefix = [*name.split("}"), ""][:3] if "}" in name else ("", name, "")
        if local != self.local or uri not in MAIN:
            return
        self.at = self.parser.CurrentByteIndex
        self.prefix = prefix.encode() + b":" if prefix else b""
        self.prefixes = frozenset({"xml", *(p for p, s in self.scopes.items() if p and s)})
        # The namespaces in scope, for parsing a piece of the content on its own as if in place.
        declared = b"".join(
            b" xmlns%s=%s" % ((b":" + p.encode()) if p else b"", quoteattr(s[-1]).encode())
            for p, s in self.scopes.items()
            if s
        )
        tag = self.prefix + local.encode()
        self.wrapper = (b"<%s%s>" % (tag, declared), b"</%s>" % tag)
        raise _ReachedError
