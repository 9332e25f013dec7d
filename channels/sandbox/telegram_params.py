"""Reading Bot API parameters and answering Bot API errors, as the real server does.

The Bot API takes parameters as a query string, a urlencoded or multipart form, or a JSON body.
In a form every value is a string: numbers and booleans as text, nested objects (reply_markup,
entities, allowed_updates) as JSON text; aiogram sends them that way. In a JSON body they arrive
as native values. `Params` reads both the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web


class ApiError(Exception):
    """A Bot API error answer: HTTP status = error_code, with Telegram's description."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.code)


def bad_request(detail: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: ..." wording."""
    return ApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """Flood control: a 429 that tells the client how many seconds to wait."""
    retry_after = max(1, retry_after)
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def ok(result: Any) -> web.Response:
    """A successful Bot API answer."""
    return web.json_response({"ok": True, "result": result})


async def read_params(request: web.Request) -> Params:
    """The parameters of a Bot API call, wherever the client put them."""
    values: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as err:
                raise bad_request("can't parse JSON encoded request body") from err
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON encoded request body")
            values.update(body)
        else:
            form = await request.post()
            values.update({key: value for key, value in form.items() if isinstance(value, str)})
    return Params(values)


class Params:
    """Typed access to one call's parameters; a wrong value answers 400 as Telegram does."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __contains__(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def integer(self, name: str) -> int | None:
        value: Any = self._values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError) as err:
            raise bad_request(f"invalid {name} specified") from err

    def flag(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def structure(self, name: str) -> Any:
        """A nested object: JSON text in a form, a native value in a JSON body."""
        value = self._values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError as err:
                raise bad_request(f"can't parse {name} JSON object") from err
        return value

    def chat_id(self) -> int:
        """The target chat. The stand-in only has private chats, so only numeric ids exist."""
        value: Any = self._values.get("chat_id")
        if value in (None, ""):
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError) as err:
            raise bad_request("chat not found") from err
