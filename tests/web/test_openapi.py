"""The OpenAPI document matches the routes the app really serves, and its examples their schemas."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from web.api import PREFIX, create_api, openapi_document
from web.api.openapi import EXAMPLES

Client = TestClient[Any, Any]
_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "boolean": bool,
}


def _served(engine: AsyncEngine) -> dict[str, set[str]]:
    """Path → methods the /api/v1 app registers (HEAD, added for GET, left out)."""
    app = web.Application()
    app.add_subapp(PREFIX, create_api(engine))
    served: dict[str, set[str]] = {}
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter") or info.get("path")
        if path and path.startswith(PREFIX) and route.method != "HEAD":
            served.setdefault(path, set()).add(route.method.lower())
    return served


def test_every_served_route_is_documented_and_every_documented_one_served(
    engine: AsyncEngine,
) -> None:
    documented = {
        path: {m for m in item if m in ("get", "post", "put", "patch", "delete")}
        for path, item in openapi_document()["paths"].items()
    }
    assert _served(engine) == documented


def test_documented_path_parameters_match_the_path() -> None:
    for path, item in openapi_document()["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path
            assert {"401"} <= set(operation["responses"]) or path.endswith("openapi.json")


def _check(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """A small JSON Schema check: type, enum, required, properties, items, lengths, bounds."""
    problems: list[str] = []
    types = schema.get("type")
    if types is not None:
        wanted = tuple(_JSON_TYPES[t] for t in ([types] if isinstance(types, str) else types))
        if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
            return [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        problems += [f"{where}.{k}: missing" for k in schema.get("required", []) if k not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += _check(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += _check(item, schema["items"], f"{where}[{i}]")
    if isinstance(value, str) and not (
        schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
    ):
        problems.append(f"{where}: length")
    if isinstance(value, int) and not (
        schema.get("minimum", value) <= value <= schema.get("maximum", value)
    ):
        problems.append(f"{where}: out of bounds")
    return problems


def test_the_examples_fit_their_schemas_and_the_checker_can_fail() -> None:
    paths = openapi_document()["paths"]
    seen = 0
    for (path, method), example in EXAMPLES.items():
        content = paths[path][method]["requestBody"]["content"]["application/json"]
        assert content["example"] == example
        assert _check(example, content["schema"], path) == []
        seen += 1
    assert seen == len(EXAMPLES) >= 5
    campaign = paths[f"{PREFIX}/campaigns"]["post"]["requestBody"]["content"]["application/json"]
    assert _check({"name": "x", "segment": 3}, campaign["schema"], "c") == [
        "c.template: missing",
        "c.segment: 3 is not ['string', 'object']",
    ]


async def test_the_document_is_served_without_a_token(
    engine: AsyncEngine, aiohttp_client: Any
) -> None:
    app = web.Application()
    app.add_subapp(PREFIX, create_api(engine))
    client: Client = await aiohttp_client(app)
    response = await client.get(f"{PREFIX}/openapi.json")
    assert response.status == 200
    body = await response.json()
    assert body["openapi"] == "3.1.0"
    assert body == openapi_document()
