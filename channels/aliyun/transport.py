"""One signed Dysmsapi RPC call over aiohttp, and what became of it on the network.

The gateway is not idempotent, so the one thing this module must get right is the difference
between a request that surely never reached the gateway (`NotSentError`: safe to repeat) and one
that may have (`OutcomeUnknownError`: never repeated blindly).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from yarl import URL

from channels.aliyun.config import API_VERSION, AliyunConfig
from channels.aliyun.signing import (
    canonical_query,
    sha256_hex,
    v1_signature,
    v3_authorization,
)


class NotSentError(Exception):
    """The request never reached the gateway (connection refused, connect timeout)."""


class OutcomeUnknownError(Exception):
    """The request went out but no complete answer came back (timeout, dropped connection)."""


@dataclass(frozen=True, slots=True)
class RpcAnswer:
    """An HTTP answer of the gateway: status, the JSON object (empty if none) and any retry hint."""

    status: int
    body: dict[str, Any]
    retry_after: float | None = None

    @property
    def code(self) -> str:
        return str(self.body.get("Code") or self.body.get("code") or "")

    @property
    def message(self) -> str:
        return str(self.body.get("Message") or self.body.get("message") or "")


class _Timestamps:
    """The request timestamp (ISO 8601, UTC, whole seconds), formatted once a second: a single
    send signs one request per message, and strftime was a tenth of signing it."""

    __slots__ = ("_second", "_text")

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def __call__(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self._second = second
        return self._text


_timestamp = _Timestamps()


def _host(url: URL) -> str:
    host = url.raw_host or ""
    return host if url.is_default_port() else f"{host}:{url.port}"


class AliyunRpc:
    """Signs and posts RPC actions to the configured endpoint, with an injected or owned session."""

    def __init__(self, config: AliyunConfig, session: aiohttp.ClientSession | None = None) -> None:
        self._config = config
        self._url = URL(config.base_url).with_path("/")
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

    def _signed(self, action: str, params: Mapping[str, str]) -> tuple[bytes, dict[str, str]]:
        """The form body and headers of one call, signed per the configured scheme."""
        cfg = self._config
        nonce = os.urandom(16).hex()  # unique per request, as the gateway asks
        content_type = "application/x-www-form-urlencoded"
        if cfg.signature == "v1":
            form = {
                **params,
                "Action": action,
                "Version": API_VERSION,
                "Format": "JSON",
                "Timestamp": _timestamp(),
                "SignatureMethod": "HMAC-SHA1",
                "SignatureVersion": "1.0",
                "SignatureNonce": nonce,
                "AccessKeyId": cfg.access_key_id,
            }
            form["Signature"] = v1_signature(form, cfg.access_key_secret, "POST")
            return canonical_query(form).encode(), {"Content-Type": content_type}
        body = canonical_query(params).encode()
        payload_hash = sha256_hex(body)
        headers = {
            "host": _host(self._url),
            "x-acs-action": action,
            "x-acs-version": API_VERSION,
            "x-acs-date": _timestamp(),
            "x-acs-signature-nonce": nonce,
            "x-acs-content-sha256": payload_hash,
            "content-type": content_type,
        }
        headers["Authorization"] = v3_authorization(
            "POST", "/", {}, headers, payload_hash, cfg.access_key_id, cfg.access_key_secret
        )
        headers["accept"] = "application/json"
        return body, headers

    async def call(self, action: str, params: Mapping[str, str]) -> RpcAnswer:
        """Post `action`; NotSentError or OutcomeUnknownError when no full answer came back."""
        body, headers = self._signed(action, params)
        timeout = aiohttp.ClientTimeout(
            total=self._config.timeout, sock_connect=self._config.connect_timeout
        )
        try:
            async with self._client().post(
                self._url, data=body, headers=headers, timeout=timeout
            ) as response:
                raw = await response.read()
                status = response.status
                retry_header = response.headers.get("x-acs-retry-after")
        except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as err:
            raise NotSentError(f"{type(err).__name__}: {err}") from err
        except (aiohttp.ClientError, TimeoutError) as err:
            raise OutcomeUnknownError(f"{type(err).__name__}: {err}") from err
        try:
            decoded = json.loads(raw) if raw else {}
        except ValueError:
            decoded = None
        if not isinstance(decoded, dict):
            if status == 200:
                raise OutcomeUnknownError(
                    f"HTTP 200 with a body that is not a JSON object: {raw[:80]!r}"
                )
            decoded = {}
        retry_after = None
        if retry_header and retry_header.isdigit() and int(retry_header) > 0:
            retry_after = int(retry_header) / 1000  # milliseconds, as the official SDK reads it
        return RpcAnswer(status, decoded, retry_after)
