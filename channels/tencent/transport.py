"""One signed Tencent Cloud API 3.0 call over aiohttp, and what became of it on the network.

SendSms is not idempotent, so this module keeps apart a request that surely never reached the
gateway (`NotSentError`: safe to repeat) and one that may have (`OutcomeUnknownError`: never
repeated blindly).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from channels.tencent.config import API_VERSION, SERVICE, TencentConfig
from channels.tencent.signing import sign_request

CONTENT_TYPE = "application/json; charset=utf-8"


class NotSentError(Exception):
    """The request never reached the gateway (connection refused, connect timeout)."""


class OutcomeUnknownError(Exception):
    """The request went out but no complete, readable answer came back."""


@dataclass(frozen=True, slots=True)
class ApiAnswer:
    """An HTTP answer: its status and the `Response` object (empty unless status is 200)."""

    status: int
    response: dict[str, Any]

    @property
    def error_code(self) -> str | None:
        error = self.response.get("Error")
        if isinstance(error, dict):
            return str(error.get("Code") or "InternalError")
        return None


def _host(url: URL) -> str:
    host = url.raw_host or ""
    return host if url.is_default_port() else f"{host}:{url.port}"


class TencentApi:
    """Signs and posts API actions to the configured endpoint, with an injected or owned session."""

    def __init__(self, config: TencentConfig, session: aiohttp.ClientSession | None = None) -> None:
        self._config = config
        self._url = URL(config.base_url).with_path("/")
        self._host = _host(self._url)
        self._session = session
        self._owns_session = session is None

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def _headers(self, action: str, payload: bytes) -> dict[str, str]:
        timestamp = int(time.time())
        signed = {"Content-Type": CONTENT_TYPE, "Host": self._host, "X-TC-Action": action}
        authorization = sign_request(
            secret_id=self._config.secret_id,
            secret_key=self._config.secret_key,
            service=SERVICE,
            timestamp=timestamp,
            payload=payload,
            headers=signed,
        )
        return {
            **signed,
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self._config.region,
            "X-TC-Timestamp": str(timestamp),
            "Authorization": authorization,
        }

    async def call(self, action: str, params: dict[str, Any]) -> ApiAnswer:
        """POST one action; raise `NotSentError` or `OutcomeUnknownError` for network trouble."""
        payload = json.dumps(params, ensure_ascii=False).encode()
        timeout = aiohttp.ClientTimeout(
            total=self._config.timeout, connect=self._config.connect_timeout
        )
        try:
            async with self._client().post(
                self._url, data=payload, headers=self._headers(action, payload), timeout=timeout
            ) as response:
                status = response.status
                raw = await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise NotSentError("connect timeout") from err
        except (aiohttp.ClientConnectorError, aiohttp.InvalidURL) as err:
            raise NotSentError(type(err).__name__) from err
        except (TimeoutError, aiohttp.ClientError) as err:
            raise OutcomeUnknownError(type(err).__name__) from err
        if status != 200:
            return ApiAnswer(status, {})
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as err:
            raise OutcomeUnknownError("answer is not JSON") from err
        inner = body.get("Response") if isinstance(body, dict) else None
        if not isinstance(inner, dict):
            raise OutcomeUnknownError("answer has no Response object")
        return ApiAnswer(status, inner)
