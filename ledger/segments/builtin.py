"""The named segments every township starts from, shipped as data (builtin.yaml)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml

from ledger.segments.spec import Segment, parse_segment


@cache
def builtin_segments() -> dict[str, Segment]:
    """Every built-in segment by name."""
    text = files("ledger.segments").joinpath("builtin.yaml").read_text(encoding="utf-8")
    return {s.name: s for s in map(parse_segment, yaml.safe_load(text))}
