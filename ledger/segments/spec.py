"""Segment specifications: a small declarative filter language, parsed and checked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ledger.segments.errors import SpecError
from ledger.segments.fields import FIELDS, SegmentField

OPERATORS = ("eq", "ne", "in", "gte", "lte", "between")


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on one field, e.g. age ≥ 50."""

    field: SegmentField
    op: str
    value: Any  # normalised: a code, an int, a str, a bool, or a tuple of them
    path: str

    def describe(self) -> str:
        """The condition as staff would write it."""
        return f"{self.field.name} {self.op} {_show(self.value)}"


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every item holds."""

    items: tuple[Node, ...]
    path: str


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one item holds."""

    items: tuple[Node, ...]
    path: str


@dataclass(frozen=True, slots=True)
class Not:
    """The item does not hold."""

    item: Node
    path: str


Node = Condition | AllOf | AnyOf | Not


@dataclass(frozen=True, slots=True)
class Segment:
    """A named, described filter over the residents."""

    name: str
    where: Node
    description: str = ""


def parse_segment(data: Any) -> Segment:
    """Check a decoded specification (from YAML or JSON) and build the segment."""
    if not isinstance(data, dict):
        raise SpecError("$", "规格必须是一个对象（name 和 where）", "a spec must be a mapping")
    unknown = set(data) - {"name", "description", "where"}
    if unknown:
        raise SpecError("$", f"未知的键：{sorted(unknown)}", f"unknown keys: {sorted(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SpecError("name", "缺少分组名称", "a segment needs a name")
    if "where" not in data:
        raise SpecError("where", "缺少筛选条件", "a segment needs a 'where' clause")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise SpecError("description", "说明必须是文字", "description must be text")
    return Segment(name=name.strip(), where=_node(data["where"], "where"), description=description)


def load_segment(text: str) -> Segment:
    """Parse a specification written as YAML or JSON."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark else "文件"
        raise SpecError(where, "YAML/JSON 格式错误", f"not valid YAML or JSON: {err}") from err
    return parse_segment(data)


def load_segment_file(path: Path) -> Segment:
    """Parse a specification file (.yaml, .yml or .json)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise SpecError(str(path), "无法读取文件", f"cannot read the file: {err.strerror}") from err
    return load_segment(text)


def _node(data: Any, path: str) -> Node:
    if not isinstance(data, dict):
        raise SpecError(path, "条件必须是对象", "a clause must be a mapping")
    for combinator in ("all", "any"):
        if combinator in data:
            _only(data, {combinator}, path)
            items = data[combinator]
            if not isinstance(items, list):
                raise SpecError(
                    path, f"{combinator} 后面必须是列表", f"'{combinator}' takes a list"
                )
            nodes = tuple(_node(item, f"{path}.{combinator}[{i}]") for i, item in enumerate(items))
            return AllOf(nodes, path) if combinator == "all" else AnyOf(nodes, path)
    if "not" in data:
        _only(data, {"not"}, path)
        return Not(_node(data["not"], f"{path}.not"), path)
    if "field" in data:
        return _condition(data, path)
    raise SpecError(
        path, "条件应含 all、any、not 或 field", "a clause needs 'all', 'any', 'not' or 'field'"
    )


def _only(data: dict[str, Any], keys: set[str], path: str) -> None:
    extra = set(data) - keys
    if extra:
        raise SpecError(path, f"多余的键：{sorted(extra)}", f"unexpected keys: {sorted(extra)}")


def _condition(data: dict[str, Any], path: str) -> Condition:
    name = data["field"]
    field = FIELDS.get(name) if isinstance(name, str) else None
    if field is None:
        known = ", ".join(FIELDS)
        raise SpecError(
            f"{path}.field", f"未知字段“{name}”，可用：{known}", f"unknown field {name!r}"
        )
    ops = [k for k in data if k != "field"]
    if len(ops) != 1 or ops[0] not in OPERATORS:
        raise SpecError(
            path,
            f"每个条件只能有一个运算符（{'、'.join(OPERATORS)}）",
            f"a condition takes exactly one operator of {', '.join(OPERATORS)}; got {ops}",
        )
    op = ops[0]
    if op not in field.ops:
        allowed = ", ".join(o for o in OPERATORS if o in field.ops)
        raise SpecError(
            f"{path}.{op}",
            f"字段 {name} 不能用 {op}，可用：{allowed}",
            f"field {name} does not take {op}; it takes {allowed}",
        )
    raw = data[op]
    where = f"{path}.{op}"
    if op == "in":
        if not isinstance(raw, list) or not raw:
            raise SpecError(where, "in 后面必须是非空列表", "'in' takes a non-empty list")
        value: Any = tuple(field.normalise(v, where) for v in raw)
    elif op == "between":
        if not isinstance(raw, list) or len(raw) != 2:
            raise SpecError(where, "between 后面必须是 [下限, 上限]", "'between' takes [low, high]")
        low, high = (field.normalise(v, where) for v in raw)
        if low > high:
            raise SpecError(where, "下限大于上限", f"low {low} is above high {high}")
        value = (low, high)
    else:
        value = field.normalise(raw, where)
    return Condition(field=field, op=op, value=value, path=path)


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)
