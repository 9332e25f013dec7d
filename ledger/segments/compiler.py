"""Compilation of a segment to a SQLAlchemy condition: values are always bound parameters."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, true

from ledger.segments.spec import AllOf, AnyOf, Condition, Node


def compile_where(node: Node, on: date) -> ColumnElement[bool]:
    """The WHERE condition selecting the residents a segment holds on a date."""
    if isinstance(node, Condition):
        if node.op == "ne":
            return _negate(node.field.sql("eq", node.value, on))
        return node.field.sql(node.op, node.value, on)
    if isinstance(node, AllOf):
        return and_(true(), *(compile_where(item, on) for item in node.items))
    if isinstance(node, AnyOf):
        return or_(false(), *(compile_where(item, on) for item in node.items))
    return _negate(compile_where(node.item, on))


def _negate(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    # A NULL inside means "does not hold"; NOT NULL would still be NULL and drop the row, so the
    # condition is made two-valued before it is negated.
    return not_(func.coalesce(condition, false()))
