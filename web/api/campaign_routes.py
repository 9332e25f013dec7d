"""Campaigns through the API: create, list, status, plan, launch, pause (campaigns' service).

A staff member's campaign is limited to their township: the segment they submit is ANDed with
`township eq <theirs>` before it is stored (web.api.scope), and they see and steer only
campaigns whose segment restricts to their township; any other id answers 404, as an unknown one.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    CampaignComposer,
    CampaignError,
    Exclusion,
    PlanSummary,
    StoredCampaign,
    campaign_status,
    create_campaign,
    launch_campaign,
    list_campaigns,
    load_campaign,
    parse_definition,
    pause_campaign,
    plan_campaign,
    utc_now,
)
from core import BilingualError, today
from web.api.auth import ENGINE, principal
from web.api.body import json_object, path_id, segment_of
from web.api.errors import conflict, invalid, json_response, not_found
from web.api.people import STAFF_ROLES
from web.api.scope import may_see_campaign, scoped_definition
from web.api.tokens import Principal

T = TypeVar("T")


async def create(request: web.Request) -> web.Response:
    who = principal(request, *STAFF_ROLES)
    data = await json_object(request)
    data = scoped_definition(data, segment_of(data.get("segment")), who)
    try:
        definition = parse_definition(data)
        composer = _composer(definition)
        campaign_id = await create_campaign(
            request.app[ENGINE],
            definition,
            composer.message_class,
            now=utc_now(),
            created_by=who.label,
        )
    except BilingualError as err:
        raise invalid(err.zh, err.en) from err
    return json_response(
        {"id": campaign_id, "state": "draft", "segment": definition.segment}, status=201
    )


async def index(request: web.Request) -> web.Response:
    who = principal(request, *STAFF_ROLES)
    engine = request.app[ENGINE]
    visible = []
    for row in await list_campaigns(engine):
        if may_see_campaign(await load_campaign(engine, row["id"]), who):
            visible.append(row)
    return json_response({"campaigns": visible})


async def status(request: web.Request) -> web.Response:
    engine, _ = await _visible(request)
    return json_response(await campaign_status(engine, path_id(request), now=utc_now()))


async def plan(request: web.Request) -> web.Response:
    engine, campaign = await _visible(request)
    summary = await _guard(
        plan_campaign(
            engine, campaign, _composer(campaign.definition), now=utc_now(), today=today()
        )
    )
    return json_response(_plan(campaign, summary))


async def launch(request: web.Request) -> web.Response:
    engine, campaign = await _visible(request)
    state, summary = await _guard(
        launch_campaign(
            engine, campaign, _composer(campaign.definition), now=utc_now(), today=today()
        )
    )
    body: dict[str, Any] = {"id": campaign.id, "state": state}
    if summary is not None:
        body["plan"] = _plan(campaign, summary)
    return json_response(body)


async def pause(request: web.Request) -> web.Response:
    engine, campaign = await _visible(request)
    await _guard(pause_campaign(engine, campaign.id, now=utc_now()))
    return json_response(await campaign_status(engine, campaign.id, now=utc_now()))


async def _visible(request: web.Request) -> tuple[AsyncEngine, StoredCampaign]:
    """The campaign of the path, if the caller may see it; 404 alike for unknown and foreign."""
    who: Principal = principal(request, *STAFF_ROLES)
    engine = request.app[ENGINE]
    try:
        campaign = await load_campaign(engine, path_id(request))
    except CampaignError:
        campaign = None
    if campaign is None or not may_see_campaign(campaign, who):
        raise not_found("活动", "campaign")
    return engine, campaign


def _composer(definition: Any) -> CampaignComposer:
    try:
        composer = CampaignComposer(definition, today=today())
        composer.check()
    except BilingualError as err:
        raise invalid(err.zh, err.en) from err
    return composer


async def _guard(work: Awaitable[T]) -> T:
    """A wrong state is a conflict (409); a campaign that cannot render is invalid (422)."""
    try:
        return await work
    except CampaignError as err:
        raise conflict(err.zh, err.en) from err
    except BilingualError as err:
        raise invalid(err.zh, err.en) from err


def _plan(campaign: StoredCampaign, summary: PlanSummary) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "template": campaign.definition.template,
        "message_class": campaign.message_class.value,
        **summary.as_dict(),
        "excluded_labels": {
            k: {"zh": Exclusion.LABELS[k][0], "en": Exclusion.LABELS[k][1]}
            for k in summary.excluded
        },
    }
