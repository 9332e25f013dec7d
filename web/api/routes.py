"""The /api/v1 sub-application: its routes, its auth middleware, its engine."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from web.api import campaign_routes, export, ledger_routes, people, questions, reports, upload
from web.api.auth import ENGINE, api_middleware
from web.api.openapi import serve_document

PREFIX = "/api/v1"


def create_api(engine: AsyncEngine) -> web.Application:
    """The API as an app to mount at PREFIX (see add_api)."""
    api = web.Application(middlewares=[api_middleware])
    api[ENGINE] = engine
    api.router.add_get("/openapi.json", serve_document)
    api.router.add_get("/residents/{id_number}", people.resident)
    api.router.add_post("/segments/count", people.segment_count)
    api.router.add_post("/segments/preview", people.segment_preview)
    api.router.add_post("/ledger/imports", upload.upload)
    api.router.add_post("/ledger/status-changes", ledger_routes.status_changes)
    api.router.add_get("/ledger/export", export.export)
    api.router.add_get("/campaigns", campaign_routes.index)
    api.router.add_post("/campaigns", campaign_routes.create)
    api.router.add_get("/campaigns/{id}", campaign_routes.status)
    api.router.add_post("/campaigns/{id}/plan", campaign_routes.plan)
    api.router.add_post("/campaigns/{id}/launch", campaign_routes.launch)
    api.router.add_post("/campaigns/{id}/pause", campaign_routes.pause)
    api.router.add_get("/questions", questions.index)
    api.router.add_post("/questions/{id}/reply", questions.reply)
    api.router.add_get("/reports/funnel", reports.funnel)
    api.router.add_get("/reports/progress", reports.progress)
    return api


def add_api(app: web.Application, engine: AsyncEngine) -> web.Application:
    """Mount the API on `app` under /api/v1; answers the sub-application."""
    api = create_api(engine)
    app.add_subapp(PREFIX, api)
    return api
