"""The REST API under /api/v1: token auth, roles and township scope (issue 6)."""

from web.api.tokens import (
    Principal,
    Role,
    TokenError,
    TokenInfo,
    create_token,
    list_tokens,
    principal_for,
    revoke_token,
)

__all__ = [
    "Principal",
    "Role",
    "TokenError",
    "TokenInfo",
    "create_token",
    "list_tokens",
    "principal_for",
    "revoke_token",
]
