"""Reading what callers send: a JSON object, path ids, query flags, dates, segments."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from aiohttp import web

from core import today
from ledger.segments import Segment, SpecError, builtin_segments, parse_segment
from web.api.errors import bad_request, invalid


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is not one."""
    try:
        data = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise bad_request(
            "请求体不是有效的 JSON", "the body is not valid JSON", "bad_json"
        ) from err
    if not isinstance(data, dict):
        raise bad_request("请求体必须是 JSON 对象", "the body must be a JSON object", "bad_json")
    return data


def path_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 12:
        raise bad_request(f"编号“{raw}”必须是正整数", f"id {raw!r} must be a positive integer")
    return int(raw)


def query_flag(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise bad_request(f"参数 {name} 只能是 true 或 false", f"{name} must be true or false")
    return raw in ("true", "1")


def bounded_int(value: Any, name: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise invalid(
            f"{name} 必须是 {low} 到 {high} 之间的整数",
            f"{name} must be an integer from {low} to {high}",
            field=name,
        )
    return value


def on_date(value: Any) -> date:
    """The evaluation date (`on`), default today in Asia/Shanghai."""
    if value is None:
        return today()
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad_date(value)
    except ValueError:
        return _bad_date(value)


def _bad_date(value: Any) -> date:
    raise invalid(
        f"日期“{value}”格式不对，应为 2026-12-04 这样的格式",
        f"date {value!r} must look like 2026-12-04",
        field="on",
    )


def segment_of(value: Any) -> Segment:
    """A built-in segment by name, or an inline spec {"where": …, "description"?: …}."""
    if isinstance(value, str):
        found = builtin_segments().get(value)
        if found is None:
            raise invalid(
                f"没有名为“{value}”的内置分组", f"no built-in segment {value!r}", field="segment"
            )
        return found
    if isinstance(value, dict):
        try:
            return parse_segment({"name": "api", **value})
        except SpecError as err:
            raise invalid(
                f"分组定义有误：{err.zh}", f"bad segment: {err.en}", field="segment"
            ) from err
    raise invalid(
        "segment 必须是内置分组名称或分组定义对象",
        "segment must be a built-in name or a spec object",
        field="segment",
    )
