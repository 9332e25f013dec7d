"""The REST API under /api/v1: token auth, roles and township scope (issue 6)."""

from web.api.openapi import document as openapi_document
from web.api.routes import PREFIX, add_api, create_api
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
    "PREFIX",
    "Principal",
    "Role",
    "TokenError",
    "TokenInfo",
    "add_api",
    "create_api",
    "create_token",
    "list_tokens",
    "openapi_document",
    "principal_for",
    "revoke_token",
]
