"""Reports through the API: the campaign funnel and the monthly progress (results/).

- admin and ledger: every figure.
- staff: the progress of their township's units only; the funnel of one of their campaigns
  (`campaign_id`, any split), or without a campaign their township's row of the township split
  (other splits would mix townships, so they are refused).
Targets are the township plan's defaults (results.Targets); a targets file is a CLI option.
"""

from __future__ import annotations

from aiohttp import web

from campaigns import CampaignError, load_campaign
from results import SPLITS, Month, funnel_report, progress_report
from web.api.auth import ENGINE, principal
from web.api.body import bounded_int
from web.api.errors import invalid, json_response, not_found
from web.api.scope import may_see_campaign
from web.api.tokens import Role

REPORT_ROLES = (Role.STAFF, Role.LEDGER, Role.ADMIN)


async def funnel(request: web.Request) -> web.Response:
    who = principal(request, *REPORT_ROLES)
    engine = request.app[ENGINE]
    split = request.query.get("split") or None
    if split is not None and split not in SPLITS:
        raise invalid(
            f"split 只能是 {'、'.join(SPLITS)} 之一",
            f"split must be one of {', '.join(SPLITS)}",
            field="split",
        )
    raw_id = request.query.get("campaign_id")
    campaign_id = None if raw_id is None else bounded_int(raw_id, "campaign_id", 1, 10**12, 0)
    township_only = False
    if who.role is Role.STAFF:
        if campaign_id is None:
            if split not in (None, "township"):
                raise invalid(
                    "不指定活动时，乡镇账号只能按乡镇查看漏斗（split=township）",
                    "without campaign_id a township's token may only use split=township",
                    field="split",
                )
            split, township_only = "township", True
        else:
            try:
                campaign = await load_campaign(engine, campaign_id)
            except CampaignError:
                campaign = None
            if campaign is None or not may_see_campaign(campaign, who):
                raise not_found("活动", "campaign")
    rows = await funnel_report(engine, campaign_id=campaign_id, split=split)
    if township_only:
        rows = [r for r in rows if r.key == who.township]
    return json_response(
        {"campaign_id": campaign_id, "split": split, "rows": [r.as_json() for r in rows]}
    )


async def progress(request: web.Request) -> web.Response:
    who = principal(request, *REPORT_ROLES)
    raw = request.query.get("month", "")
    try:
        month = Month.parse(raw)
    except ValueError as err:
        raise invalid(
            f"月份“{raw}”应写成 2026-10 这样的格式",
            f"month {raw!r} must look like 2026-10",
            field="month",
        ) from err
    report = await progress_report(request.app[ENGINE], month)
    body = report.as_json()
    if who.role is Role.STAFF:
        body["units"] = [u for u in body["units"] if u["township"] == who.township]
        body["reasons"] = [r for r in body["reasons"] if r["township"] == who.township]
    return json_response(body)
