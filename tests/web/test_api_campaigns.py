"""Campaigns through the API: a staff member's campaign reaches their township only."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import create_campaign, load_campaign, parse_definition, utc_now
from campaigns.model import CAMPAIGNS
from ledger.segments import builtin_segments, parse_segment
from tests.web.conftest import HOME, OTHER, Tokens, bearer
from web.api.scope import node_dict

Client = TestClient[Any, Any]

DEFINITION = {
    "name": "断缴提醒",
    "segment": "lapsed",
    "template": "lapsed_priority",
    "channels": ["sms"],
    "sms_provider": "aliyun",
}


async def test_a_staff_campaign_is_limited_to_the_township_and_hidden_from_others(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    created = await client.post("/api/v1/campaigns", json=DEFINITION, headers=bearer(tokens.staff))
    assert created.status == 201
    campaign_id = (await created.json())["id"]
    stored = await load_campaign(engine, campaign_id)
    assert stored.definition.segment == {
        "where": {
            "all": [
                node_dict(builtin_segments()["lapsed"].where),
                {"field": "township", "eq": HOME},
            ]
        },
        "description": builtin_segments()["lapsed"].description,
    }

    plan = await client.post(f"/api/v1/campaigns/{campaign_id}/plan", headers=bearer(tokens.staff))
    assert plan.status == 200
    assert (await plan.json())["segment_size"] == 3  # HOME's three, not OTHER's two

    for path in ("", "/plan", "/launch", "/pause"):
        method = "GET" if path == "" else "POST"
        theirs = await client.request(
            method, f"/api/v1/campaigns/{campaign_id}{path}", headers=bearer(tokens.other_staff)
        )
        unknown = await client.request(
            method, f"/api/v1/campaigns/999{path}", headers=bearer(tokens.other_staff)
        )
        assert theirs.status == unknown.status == 404
        assert await theirs.json() == await unknown.json()
    listed = await client.get("/api/v1/campaigns", headers=bearer(tokens.other_staff))
    assert (await listed.json())["campaigns"] == []
    mine = await client.get("/api/v1/campaigns", headers=bearer(tokens.staff))
    assert [c["id"] for c in (await mine.json())["campaigns"]] == [campaign_id]


async def test_launch_then_pause_and_a_wrong_state_is_a_conflict(
    engine: AsyncEngine, client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    created = await client.post("/api/v1/campaigns", json=DEFINITION, headers=bearer(tokens.staff))
    campaign_id = (await created.json())["id"]
    early = await client.post(
        f"/api/v1/campaigns/{campaign_id}/pause", headers=bearer(tokens.staff)
    )
    assert early.status == 409
    assert "草稿" in (await early.json())["error"]["message_zh"]

    launched = await client.post(
        f"/api/v1/campaigns/{campaign_id}/launch", headers=bearer(tokens.staff)
    )
    body = await launched.json()
    assert launched.status == 200, body
    assert body["state"] == "running"
    assert body["plan"]["recipients"] == 3
    status = await (
        await client.get(f"/api/v1/campaigns/{campaign_id}", headers=bearer(tokens.staff))
    ).json()
    assert status["total"] == 3
    paused = await client.post(
        f"/api/v1/campaigns/{campaign_id}/pause", headers=bearer(tokens.staff)
    )
    assert (await paused.json())["state"] == "paused"


async def test_a_county_wide_campaign_is_for_admins_only(
    engine: AsyncEngine, client: Client, tokens: Tokens
) -> None:
    definition = parse_definition(DEFINITION)
    campaign_id = await create_campaign(
        engine, definition, definition.effective_class("notice"), now=utc_now()
    )
    staff = await client.get(f"/api/v1/campaigns/{campaign_id}", headers=bearer(tokens.staff))
    assert staff.status == 404
    admin = await client.get(f"/api/v1/campaigns/{campaign_id}", headers=bearer(tokens.admin))
    assert admin.status == 200
    assert (await admin.json())["state"] == "draft"


async def test_a_campaign_naming_another_township_reaches_no_one(
    client: Client, tokens: Tokens, people: dict[str, list[str]]
) -> None:
    sneaky = {**DEFINITION, "segment": {"where": {"field": "township", "eq": OTHER}}}
    created = await client.post("/api/v1/campaigns", json=sneaky, headers=bearer(tokens.staff))
    campaign_id = (await created.json())["id"]
    plan = await client.post(f"/api/v1/campaigns/{campaign_id}/plan", headers=bearer(tokens.staff))
    assert (await plan.json())["segment_size"] == 0


async def test_bad_campaigns_are_refused_with_the_reason(client: Client, tokens: Tokens) -> None:
    unknown_template = {**DEFINITION, "template": "no_such_template"}
    response = await client.post(
        "/api/v1/campaigns", json=unknown_template, headers=bearer(tokens.staff)
    )
    assert response.status == 422
    assert "no_such_template" in (await response.json())["error"]["message_en"]
    missing = await client.post(
        "/api/v1/campaigns",
        json={"name": "x", "template": "lapsed_priority"},
        headers=bearer(tokens.staff),
    )
    assert missing.status == 422
    assert (await missing.json())["error"]["field"] == "segment"
    bad_id = await client.post("/api/v1/campaigns/abc/plan", headers=bearer(tokens.staff))
    assert bad_id.status == 400


def test_every_builtin_segment_survives_being_written_out_inline() -> None:
    for segment in builtin_segments().values():
        again = parse_segment({"name": segment.name, "where": node_dict(segment.where)})
        assert node_dict(again.where) == node_dict(segment.where)
        assert again.where == segment.where


async def test_a_campaign_whose_segment_no_longer_exists_is_left_to_admins(
    engine: AsyncEngine, client: Client, tokens: Tokens
) -> None:
    definition = parse_definition(DEFINITION)
    campaign_id = await create_campaign(
        engine, definition, definition.effective_class("notice"), now=utc_now()
    )
    gone = definition.model_copy(update={"segment": "renamed-since"}).to_json()
    async with engine.begin() as connection:
        await connection.execute(
            update(CAMPAIGNS).where(CAMPAIGNS.c.id == campaign_id).values(definition=gone)
        )
    staff = await client.get(f"/api/v1/campaigns/{campaign_id}", headers=bearer(tokens.staff))
    assert staff.status == 404
    listed = await client.get("/api/v1/campaigns", headers=bearer(tokens.staff))
    assert (await listed.json())["campaigns"] == []
    admin = await client.get(f"/api/v1/campaigns/{campaign_id}", headers=bearer(tokens.admin))
    assert admin.status == 200
