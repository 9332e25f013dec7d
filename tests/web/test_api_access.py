"""Who may call what: tokens, roles, township scope, masking, and errors that reveal nothing."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import utc_now
from tests.web.conftest import HOME, OTHER, Tokens, bearer
from web.api import Role, create_token, openapi_document, revoke_token

Client = TestClient[Any, Any]


def _routes() -> list[tuple[str, str]]:
    """Every documented (method, concrete path), ids filled in."""
    out: list[tuple[str, str]] = []
    for path, item in openapi_document()["paths"].items():
        concrete = path.replace("{id}", "1").replace("{id_number}", "532504197003150031")
        out.extend((method.upper(), concrete) for method in item)
    return out


@pytest.mark.parametrize(("method", "path"), _routes())
async def test_without_a_token_every_route_but_the_document_answers_401(
    client: Client, tokens: Tokens, method: str, path: str
) -> None:
    for headers in ({}, {"Authorization": "Bearer otk_nope"}, {"Authorization": "Basic eDp5"}):
        response = await client.request(method, path, headers=headers)
        if path.endswith("/openapi.json"):
            assert response.status == 200
            continue
        assert response.status == 401
        error = (await response.json())["error"]
        assert error["code"] == "unauthenticated"
        assert "令牌" in error["message_zh"]
        assert "令牌" in await response.text()  # written as UTF-8, not \u escapes
        assert "token" in error["message_en"]


async def test_an_unknown_path_is_401_without_a_token_and_404_with_one(
    client: Client, tokens: Tokens
) -> None:
    assert (await client.get("/api/v1/secret-admin")).status == 401
    response = await client.get("/api/v1/secret-admin", headers=bearer(tokens.admin))
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_a_revoked_token_stops_working(engine: AsyncEngine, client: Client) -> None:
    token_id, secret = await create_token(
        engine, name="临时", role=Role.STAFF, township=HOME, now=utc_now()
    )
    body = {"segment": "lapsed"}
    ok = await client.post("/api/v1/segments/count", json=body, headers=bearer(secret))
    assert ok.status == 200
    await revoke_token(engine, token_id, now=utc_now())
    refused = await client.post("/api/v1/segments/count", json=body, headers=bearer(secret))
    assert refused.status == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/segments/count", {"segment": "lapsed"}),
        ("POST", "/api/v1/segments/preview", {"segment": "lapsed"}),
        ("GET", "/api/v1/campaigns", None),
        ("GET", "/api/v1/questions", None),
        ("GET", "/api/v1/residents/532504197003150031", None),
        ("POST", "/api/v1/ledger/imports", None),
        ("POST", "/api/v1/campaigns", {"name": "x", "segment": "lapsed", "template": "t"}),
        ("GET", "/api/v1/campaigns/1", None),
        ("POST", "/api/v1/campaigns/1/plan", None),
        ("POST", "/api/v1/campaigns/1/launch", None),
        ("POST", "/api/v1/campaigns/1/pause", None),
        ("POST", "/api/v1/questions/1/reply", {"text": "好"}),
    ],
)
async def test_the_ledger_system_may_not_read_residents_or_campaigns(
    client: Client, tokens: Tokens, method: str, path: str, body: Any
) -> None:
    response = await client.request(method, path, json=body, headers=bearer(tokens.ledger))
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"


@pytest.mark.parametrize("who", ["staff", "admin"])
async def test_only_the_ledger_system_posts_status_changes(
    client: Client, tokens: Tokens, who: str
) -> None:
    response = await client.post(
        "/api/v1/ledger/status-changes",
        json={"changes": [{"id_number": "532504197003150031", "pension_status": "paying"}]},
        headers={**bearer(getattr(tokens, who)), "Idempotency-Key": "k1"},
    )
    assert response.status == 403


async def test_another_townships_resident_is_indistinguishable_from_none(
    client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    theirs = people[OTHER][0]
    foreign = await client.get(f"/api/v1/residents/{theirs}", headers=bearer(tokens.staff))
    missing = await client.get("/api/v1/residents/11010519491231002X", headers=bearer(tokens.staff))
    assert foreign.status == missing.status == 404
    assert await foreign.json() == await missing.json()
    assert theirs[-4:] not in await foreign.text()


async def test_staff_see_their_residents_masked_and_admins_in_full(
    client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    mine = people[HOME][0]
    staff = await (
        await client.get(f"/api/v1/residents/{mine}", headers=bearer(tokens.staff))
    ).json()
    assert staff["id_number"] == mine[:4] + "*" * 10 + mine[-4:]
    assert staff["phone"] == "139****0001"
    assert staff["township"] == HOME
    admin = await (
        await client.get(f"/api/v1/residents/{mine}", headers=bearer(tokens.admin))
    ).json()
    assert admin["id_number"] == mine
    assert admin["phone"] == "13900000001"


async def test_segment_count_and_preview_stay_in_the_township(
    client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    body = {"segment": "lapsed", "on": "2026-11-22"}
    counts = {}
    for who in ("staff", "other_staff", "admin"):
        response = await client.post(
            "/api/v1/segments/count", json=body, headers=bearer(getattr(tokens, who))
        )
        counts[who] = (await response.json())["count"]
    assert counts == {"staff": 3, "other_staff": 2, "admin": 5}

    preview = await client.post(
        "/api/v1/segments/preview",
        json={"segment": {"where": {"field": "township", "eq": OTHER}}, "limit": 50},
        headers=bearer(tokens.staff),
    )
    assert (await preview.json())["residents"] == []  # asking for theirs gives nothing
    own = await client.post(
        "/api/v1/segments/preview", json={"segment": "lapsed"}, headers=bearer(tokens.staff)
    )
    rows = (await own.json())["residents"]
    assert sorted(r["id_number"][-4:] for r in rows) == sorted(i[-4:] for i in people[HOME])
    assert all("*" in r["id_number"] and "****" in r["phone"] for r in rows)
    full = await client.post(
        "/api/v1/segments/preview", json={"segment": "lapsed"}, headers=bearer(tokens.admin)
    )
    assert {r["id_number"] for r in (await full.json())["residents"]} == {
        *people[HOME],
        *people[OTHER],
    }


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        ("not json", 400, "bad_json", "JSON"),
        ([1, 2], 400, "bad_json", "JSON 对象"),
        ({"segment": "no-such"}, 422, "invalid", "no-such"),
        ({"segment": {"where": {"field": "shoe_size", "eq": 1}}}, 422, "invalid", "shoe_size"),
        ({"segment": "lapsed", "on": "04/12/2026"}, 422, "invalid", "2026-12-04"),
        ({"segment": "lapsed", "limit": 0}, 422, "invalid", "limit"),
        ({}, 422, "invalid", "segment"),
    ],
)
async def test_bad_segment_requests_say_what_is_wrong(
    client: Client, tokens: Tokens, body: Any, status: int, code: str, fragment: str
) -> None:
    kwargs: dict[str, Any] = (
        {"data": body, "headers": {**bearer(tokens.staff), "Content-Type": "application/json"}}
        if isinstance(body, str)
        else {"json": body, "headers": bearer(tokens.staff)}
    )
    response = await client.post("/api/v1/segments/preview", **kwargs)
    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code
    assert fragment in error["message_zh"] + error["message_en"]
