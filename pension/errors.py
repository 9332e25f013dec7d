"""Errors of the pension package: bad input, each with a Chinese and an English message."""

from __future__ import annotations


class PensionError(ValueError):
    """Input the pension rules cannot work with; carries a bilingual message."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


class UnknownProvinceError(PensionError):
    """A province code with no parameter file and no fallback asked for."""
