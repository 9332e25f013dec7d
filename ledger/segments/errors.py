"""The error a segment specification raises."""

from __future__ import annotations

from core.errors import BilingualError


class SpecError(BilingualError):
    """A segment specification that cannot be used, with where (`path`) and why."""

    def __init__(self, path: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {super().__str__()}"
