"""The API on a real database: an app with /api/v1 mounted, and a token per role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.campaigns.residents import add_residents, resident
from web import add_api
from web.api import Role, create_token

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
HOME, OTHER = "新哨镇", "勐海镇"

ClientMaker = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@dataclass(frozen=True, slots=True)
class Tokens:
    staff: str  # 新哨镇
    other_staff: str  # 勐海镇
    ledger: str
    admin: str


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def tokens(engine: AsyncEngine) -> Tokens:
    async def make(role: Role, name: str, township: str | None = None) -> str:
        _, secret = await create_token(engine, name=name, role=role, township=township, now=NOW)
        return secret

    return Tokens(
        staff=await make(Role.STAFF, "张三", HOME),
        other_staff=await make(Role.STAFF, "李四", OTHER),
        ledger=await make(Role.LEDGER, "台账系统"),
        admin=await make(Role.ADMIN, "县医保局"),
    )


@pytest.fixture
async def client(engine: AsyncEngine, aiohttp_client: ClientMaker) -> TestClient[Any, Any]:
    app = web.Application()
    add_api(app, engine)
    return await aiohttp_client(app)


@pytest.fixture
async def people(engine: AsyncEngine) -> dict[str, list[str]]:
    """Three lapsed residents of HOME, two of OTHER; phones 139000000NN."""
    home = await add_residents(engine, [resident(i, township=HOME) for i in (1, 2, 3)])
    other = await add_residents(engine, [resident(i, township=OTHER) for i in (4, 5)])
    return {HOME: home, OTHER: other}
