"""API tokens: created with a random secret shown once, stored as its SHA-256, revocable.

A token reads `otk_<43 url-safe characters>` (256 random bits). The database holds only the
digest, so a leaked backup grants nothing; a request's token is found by its digest, one
indexed equality lookup per request, and a revoked token is refused from the next request on.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core import BilingualError
from web.api.model import API_TOKENS

_T = API_TOKENS
PREFIX = "otk_"


class Role(StrEnum):
    STAFF = "staff"  # a township's outreach staff: that township's residents only
    LEDGER = "ledger"  # the ledger system: posts status changes, reads reports
    ADMIN = "admin"  # county staff and operators: everything, unmasked


class TokenError(BilingualError):
    """A token that cannot be created or revoked as asked."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for."""

    token_id: int
    name: str
    role: Role
    township: str | None  # set for staff, None otherwise

    @property
    def label(self) -> str:
        return f"api:{self.token_id}:{self.name}"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    role: str
    township: str | None
    created_at: datetime
    revoked_at: datetime | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create_token(
    engine: AsyncEngine, *, name: str, role: Role, township: str | None, now: datetime
) -> tuple[int, str]:
    """Store a new token; answers its id and the secret (shown once, never stored)."""
    name = name.strip()
    township = township.strip() if township else None
    if not name or len(name) > 64:
        raise TokenError("名称不能为空，最多 64 个字", "the name must be 1 to 64 characters")
    if role is Role.STAFF and not township:
        raise TokenError(
            "乡镇工作人员的令牌必须指定乡镇（--township）",
            "a staff token needs its township (--township)",
        )
    if role is not Role.STAFF and township:
        raise TokenError(
            "只有 staff 角色的令牌属于某个乡镇", "only staff tokens belong to a township"
        )
    if township is not None and len(township) > 64:
        raise TokenError("乡镇名称过长", "the township name is too long")
    secret = PREFIX + secrets.token_urlsafe(32)
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(_T)
            .values(
                name=name,
                role=role.value,
                township=township,
                token_hash=digest(secret),
                created_at=now,
            )
            .returning(_T.c.id)
        )
        token_id = int(result.scalar_one())
    return token_id, secret


async def list_tokens(engine: AsyncEngine) -> list[TokenInfo]:
    async with engine.connect() as connection:
        rows = (await connection.execute(select(_T).order_by(_T.c.id))).all()
    return [TokenInfo(r.id, r.name, r.role, r.township, r.created_at, r.revoked_at) for r in rows]


async def revoke_token(engine: AsyncEngine, token_id: int, *, now: datetime) -> None:
    async with engine.begin() as connection:
        result = await connection.execute(
            update(_T).where(_T.c.id == token_id, _T.c.revoked_at.is_(None)).values(revoked_at=now)
        )
    if result.rowcount == 0:
        raise TokenError(f"没有编号为 {token_id} 的有效令牌", f"no active token with id {token_id}")


async def principal_for(engine: AsyncEngine, secret: str) -> Principal | None:
    """The active token's holder, or None for an unknown or revoked secret."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(_T.c.id, _T.c.name, _T.c.role, _T.c.township).where(
                    _T.c.token_hash == digest(secret), _T.c.revoked_at.is_(None)
                )
            )
        ).first()
    if row is None:
        return None
    return Principal(int(row.id), row.name, Role(row.role), row.township)
