"""Errors of the API: one JSON shape, the reason in plain Chinese first and English second."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

#: JSON with the Chinese as written (not \u escapes), for staff reading raw responses.
json_response = partial(web.json_response, dumps=partial(json.dumps, ensure_ascii=False))


class ApiError(Exception):
    """Stops a request with `{"error": {"code", "message_zh", "message_en"}}` and a status."""

    def __init__(self, status: int, code: str, zh: str, en: str, **extra: Any) -> None:
        super().__init__(f"{status} {code}: {en}")
        self.status = status
        self.code = code
        self.zh = zh
        self.en = en
        self.extra = extra

    def response(self) -> web.Response:
        body = {"error": {"code": self.code, "message_zh": self.zh, "message_en": self.en}}
        body["error"].update(self.extra)
        return json_response(body, status=self.status)


def unauthenticated() -> ApiError:
    return ApiError(
        401,
        "unauthenticated",
        "缺少或无效的访问令牌，请在请求头中提供 Authorization: Bearer <令牌>",
        "missing or invalid token; send Authorization: Bearer <token>",
    )


def forbidden() -> ApiError:
    return ApiError(403, "forbidden", "您的账号无权进行此操作", "your token may not do this")


def not_found(zh_thing: str, en_thing: str) -> ApiError:
    """The same answer whether the thing does not exist or lies outside the caller's scope."""
    return ApiError(
        404,
        "not_found",
        f"找不到该{zh_thing}，或您无权查看",
        f"no such {en_thing}, or not yours to see",
    )


def bad_request(zh: str, en: str, code: str = "bad_request") -> ApiError:
    return ApiError(400, code, zh, en)


def invalid(zh: str, en: str, **extra: Any) -> ApiError:
    return ApiError(422, "invalid", zh, en, **extra)


def conflict(zh: str, en: str) -> ApiError:
    return ApiError(409, "conflict", zh, en)
