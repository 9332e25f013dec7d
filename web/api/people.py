"""Segment count and preview, and one resident: township-scoped, masked unless admin."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from core import mask_id_number, mask_phone
from ledger import Group, Status
from ledger.segments import age_on, count_segment, find_resident, months_since, sample_segment
from web.api.auth import ENGINE, principal
from web.api.body import bounded_int, json_object, on_date, segment_of
from web.api.errors import json_response, not_found
from web.api.scope import may_see_resident, scoped_segment
from web.api.tokens import Principal, Role

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


async def segment_count(request: web.Request) -> web.Response:
    who = principal(request, *STAFF_ROLES)
    body = await json_object(request)
    segment, on = scoped_segment(segment_of(body.get("segment")), who), on_date(body.get("on"))
    async with request.app[ENGINE].connect() as connection:
        count = await count_segment(connection, segment, on)
    return json_response({"count": count, "on": on.isoformat(), "township": who.township})


async def segment_preview(request: web.Request) -> web.Response:
    who = principal(request, *STAFF_ROLES)
    body = await json_object(request)
    segment, on = scoped_segment(segment_of(body.get("segment")), who), on_date(body.get("on"))
    limit = bounded_int(body.get("limit"), "limit", 1, 200, 10)
    async with request.app[ENGINE].connect() as connection:
        rows = await sample_segment(connection, segment, on, limit)
    residents = [resident_view(row, on, who) for row in rows]
    return json_response({"residents": residents, "on": on.isoformat()})


async def resident(request: web.Request) -> web.Response:
    """One resident by ID number: 404 alike for unknown and for another township's resident."""
    who = principal(request, *STAFF_ROLES)
    key = request.match_info["id_number"].strip().upper()
    row = None
    if len(key) == 18:
        async with request.app[ENGINE].connect() as connection:
            row = await find_resident(connection, key)
    if row is None or not may_see_resident(row.township, who):
        raise not_found("居民", "resident")
    return json_response(resident_view(row, on_date(None), who))


def resident_view(row: Any, on: date, who: Principal) -> dict[str, Any]:
    """What the API shows of a resident; ID number and phone in full to admins only."""
    unmasked = who.role is Role.ADMIN
    group = Group.parse(row.identity_group) if row.identity_group else None
    status = Status.parse(row.pension_status) if row.pension_status else None
    phone = row.phone if unmasked or not row.phone else mask_phone(row.phone)
    return {
        "id_number": row.id_number if unmasked else mask_id_number(row.id_number),
        "name": row.name,
        "sex": row.sex,
        "age": age_on(row.birth_date, on),
        "township": row.township,
        "village": row.village,
        "group": row.identity_group,
        "group_label": group.label if group else None,
        "pension_status": row.pension_status,
        "pension_status_label": status.label if status else None,
        "lapse_months": months_since(row.pension_last_paid, on) if row.pension_last_paid else None,
        "phone": phone,
    }
