"""Reports through the API: staff see their township's figures only."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.web.conftest import HOME, OTHER, Tokens, bearer
from tests.web.test_api_campaigns import DEFINITION

Client = TestClient[Any, Any]


async def test_progress_is_cut_to_the_staff_members_township(
    client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    path = "/api/v1/reports/progress?month=2026-11"
    full = await (await client.get(path, headers=bearer(tokens.ledger))).json()
    assert {u["township"] for u in full["units"]} == {HOME, OTHER}
    mine = await (await client.get(path, headers=bearer(tokens.staff))).json()
    assert mine["units"]
    assert {u["township"] for u in mine["units"]} == {HOME}
    assert [u for u in full["units"] if u["township"] == HOME] == mine["units"]
    assert all(r["township"] == HOME for r in mine["reasons"])


async def test_the_funnel_for_staff_is_their_township_or_their_campaign(
    client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    created = await client.post("/api/v1/campaigns", json=DEFINITION, headers=bearer(tokens.staff))
    campaign_id = (await created.json())["id"]
    await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=bearer(tokens.staff))

    own = await client.get("/api/v1/reports/funnel", headers=bearer(tokens.staff))
    rows = (await own.json())["rows"]
    assert [(r["key"], r["targeted"]) for r in rows] == [(HOME, 3)]
    theirs = await client.get("/api/v1/reports/funnel", headers=bearer(tokens.other_staff))
    assert (await theirs.json())["rows"] == []

    by_group = await client.get(
        f"/api/v1/reports/funnel?campaign_id={campaign_id}&split=group",
        headers=bearer(tokens.staff),
    )
    assert [r["targeted"] for r in (await by_group.json())["rows"]] == [3]
    foreign = await client.get(
        f"/api/v1/reports/funnel?campaign_id={campaign_id}", headers=bearer(tokens.other_staff)
    )
    unknown = await client.get(
        "/api/v1/reports/funnel?campaign_id=999", headers=bearer(tokens.other_staff)
    )
    assert foreign.status == unknown.status == 404
    assert await foreign.json() == await unknown.json()
    admin = await client.get("/api/v1/reports/funnel", headers=bearer(tokens.admin))
    assert [r["targeted"] for r in (await admin.json())["rows"]] == [3]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("progress?month=2026-13", "2026-10"),
        ("progress", "2026-10"),
        ("funnel?split=shoe", "split"),
        ("funnel?split=group", "split=township"),
        ("funnel?campaign_id=abc", "campaign_id"),
    ],
)
async def test_bad_report_queries_say_what_is_wrong(
    client: Client, tokens: Tokens, query: str, fragment: str
) -> None:
    response = await client.get(f"/api/v1/reports/{query}", headers=bearer(tokens.staff))
    assert response.status == 422
    error = (await response.json())["error"]
    assert fragment in error["message_zh"] + error["message_en"]
