"""Evaluation of a segment on one resident in Python, clause by clause, for `explain`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.segments.spec import AllOf, Condition, Node, Not


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether one clause holds for the resident, with its parts and the value it saw."""

    node: Node
    holds: bool
    actual: str | None = None
    parts: tuple[Verdict, ...] = field(default=())


def holds(op: str, actual: Any, expected: Any) -> bool:
    """The meaning of each operator; None never satisfies anything but `ne`."""
    if op == "ne":
        return not holds("eq", actual, expected)
    if actual is None:
        return False
    if op == "eq":
        return bool(actual == expected)
    if op == "in":
        return actual in expected
    if op == "gte":
        return bool(actual >= expected)
    if op == "lte":
        return bool(actual <= expected)
    low, high = expected
    return bool(low <= actual <= high)


def evaluate(node: Node, resident: Any, on: date) -> Verdict:
    """Evaluate every clause (no short-cut, so that staff see each one)."""
    if isinstance(node, Condition):
        actual = node.field.value(resident, on)
        return Verdict(node, holds(node.op, actual, node.value), node.field.show(actual))
    if isinstance(node, Not):
        inner = evaluate(node.item, resident, on)
        return Verdict(node, not inner.holds, parts=(inner,))
    parts = tuple(evaluate(item, resident, on) for item in node.items)
    combine = all if isinstance(node, AllOf) else any
    return Verdict(node, combine(p.holds for p in parts), parts=parts)
