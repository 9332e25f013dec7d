"""Segments: declarative filters over the ledger, compiled to SQL and explained in Python."""

from ledger.segments.builtin import builtin_segments
from ledger.segments.calendar import add_months, add_years, age_on, months_since
from ledger.segments.compiler import compile_where
from ledger.segments.errors import SpecError
from ledger.segments.explain import Verdict, evaluate, holds
from ledger.segments.fields import FIELDS, field_docs
from ledger.segments.query import count_segment, explain_resident, find_resident, sample_segment
from ledger.segments.spec import (
    OPERATORS,
    AllOf,
    AnyOf,
    Condition,
    Node,
    Not,
    Segment,
    load_segment,
    load_segment_file,
    parse_segment,
)

__all__ = [
    "FIELDS",
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "Condition",
    "Node",
    "Not",
    "Segment",
    "SpecError",
    "Verdict",
    "add_months",
    "add_years",
    "age_on",
    "builtin_segments",
    "compile_where",
    "count_segment",
    "evaluate",
    "explain_resident",
    "field_docs",
    "find_resident",
    "holds",
    "load_segment",
    "load_segment_file",
    "months_since",
    "parse_segment",
    "sample_segment",
]
