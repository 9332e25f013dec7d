"""The base of errors people act on: said in Simplified Chinese first, English second."""

from __future__ import annotations


class BilingualError(ValueError):
    """A problem with input that staff can fix, with the reason in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
