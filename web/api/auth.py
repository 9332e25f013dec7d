"""Every request under /api/v1 names its token; each handler says which roles it serves.

The middleware runs before routing is trusted: without a valid token even an unknown path
answers 401, so the API's shape is not probed anonymously (only the OpenAPI document is open).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.ext.asyncio import AsyncEngine

from core import get_logger
from web.api.errors import ApiError, forbidden, not_found, unauthenticated
from web.api.tokens import Principal, Role, principal_for

log = get_logger(__name__)

ENGINE = web.AppKey("api_engine", AsyncEngine)
PRINCIPAL = web.RequestKey("api_principal", Principal)
PUBLIC_PATHS = frozenset({"/api/v1/openapi.json"})


def principal(request: web.Request, *roles: Role) -> Principal:
    """The caller, if their role is one of `roles`; 403 otherwise."""
    who: Principal = request[PRINCIPAL]
    if who.role not in roles:
        raise forbidden()
    return who


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if request.path not in PUBLIC_PATHS:
            secret = _bearer(request)
            who = None if secret is None else await principal_for(request.app[ENGINE], secret)
            if who is None:
                raise unauthenticated()
            request[PRINCIPAL] = who
        return await handler(request)
    except ApiError as err:
        return err.response()
    except web.HTTPNotFound:
        return not_found("地址", "path").response()
    except web.HTTPMethodNotAllowed:
        return ApiError(
            405, "method_not_allowed", "该地址不支持此请求方法", "method not allowed here"
        ).response()
