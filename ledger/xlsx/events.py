"""Expat event bookkeeping shared by the shared-string table and the rows: paths and texts."""

from __future__ import annotations

from ledger.xlsx.parsers import MAIN


class Events:
    """The element path, and the text of <v>, <si> and <is> elements.

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
        if uri not in MAIN:
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
