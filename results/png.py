"""A bar chart as a PNG, drawn without a plotting library (the project has none).

Each unit gets two bars, enrollment rate (blue) and payment rate (green), with its targets as
red ticks across them; grid lines at 0, 25, 50, 75 and 100%. No font is shipped that carries
Chinese, so units are numbered (a 3×5 pixel digit font) in the order of the workbook's `#`
column, where their names are. A chart of more than 30 units shows the township totals only.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
GREY: Color = (210, 210, 210)
BLACK: Color = (40, 40, 40)
BLUE: Color = (68, 114, 196)
GREEN: Color = (112, 173, 71)
RED: Color = (220, 40, 40)

_DIGITS = {  # 3×5 pixels, rows top to bottom
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"),
    "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"),
    "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"),
    "9": ("111", "101", "111", "001", "111"),
    "%": ("101", "001", "010", "100", "101"),
}


@dataclass(frozen=True, slots=True)
class Bars:
    """One unit: its number in the workbook, its two rates and their targets (None: unknown)."""

    number: int
    enrollment: float | None
    payment: float | None
    enrollment_target: float | None
    payment_target: float | None


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, color: Color, scale: int = 2) -> None:
        for char in text:
            for dy, line in enumerate(_DIGITS.get(char, ())):
                for dx, bit in enumerate(line):
                    if bit == "1":
                        px, py = x + dx * scale, y + dy * scale
                        self.rect(px, py, px + scale, py + scale, color)
            x += 4 * scale

    def png(self) -> bytes:
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b"")
        )


def bar_chart_png(units: Sequence[Bars], path: Path) -> None:
    """Write the chart of `units` to `path`, each labelled with its number."""
    left, top, plot_h, slot = 50, 20, 240, 36
    width, height = left + max(1, len(units)) * slot + 20, top + plot_h + 40
    canvas = _Canvas(width, height)

    def y_of(rate: float) -> int:
        return top + plot_h - round(min(max(rate, 0.0), 1.0) * plot_h)

    for quarter in range(5):
        y = y_of(quarter / 4)
        canvas.rect(left, y, width - 10, y + 1, GREY)
        canvas.text(4, y - 5, f"{quarter * 25}%", BLACK)
    for i, unit in enumerate(units):
        x = left + i * slot + 4
        for offset, rate, target, color in (
            (0, unit.enrollment, unit.enrollment_target, BLUE),
            (14, unit.payment, unit.payment_target, GREEN),
        ):
            if rate is not None:
                canvas.rect(x + offset, y_of(rate), x + offset + 12, y_of(0), color)
            if target is not None:
                y = y_of(target)
                canvas.rect(x + offset - 1, y - 1, x + offset + 13, y + 1, RED)
        canvas.text(x + 2, top + plot_h + 10, str(unit.number), BLACK)
    canvas.rect(left, top, left + 1, top + plot_h + 1, BLACK)
    path.write_bytes(canvas.png())
