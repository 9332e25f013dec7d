"""The error a segment specification raises."""

from __future__ import annotations


class SpecError(ValueError):
    """A segment specification that cannot be used, with where and why."""

    def __init__(self, path: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{path}: {message_zh} / {message_en}")
        self.path = path
        self.message_zh = message_zh
        self.message_en = message_en
