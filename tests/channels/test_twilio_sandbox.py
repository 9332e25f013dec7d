"""The Twilio stand-in speaks Twilio's wire format: the official SDK and raw HTTP agree."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.channels.conformance import run_conformance
from tests.channels.test_twilio_harness import (
    ACCOUNT,
    FROM,
    TOKEN,
    Sandbox,
    running_sandbox,
    sandbox_config,
)

MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def basic(user: str = ACCOUNT, password: str = TOKEN) -> dict[str, str]:
    """HTTP Basic credentials as the SDK sends them."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running_sandbox(sandbox_config(tmp_path)) as running:
        yield running


async def call(
    sandbox: Sandbox,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, dict[str, str], Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, sandbox.url + path, headers=headers, **kwargs) as response,
    ):
        return response.status, dict(response.headers), await response.json(content_type=None)


async def create(sandbox: Sandbox, **form: str) -> tuple[int, dict[str, str], Any]:
    return await call(sandbox, "POST", MESSAGES, headers=basic(), data=form)


async def test_official_sdk_conformance(sandbox: Sandbox) -> None:
    """The team's tool drives the official twilio SDK at the stand-in: every check passes."""
    status, output = await run_conformance(
        "twilio", sandbox.url, "--key", ACCOUNT, "--secret", TOKEN
    )
    assert status == 0, output
    assert "all checks passed" in output


async def test_create_answers_201_with_the_message_resource(sandbox: Sandbox) -> None:
    """A valid create is 201 JSON: SM sid, queued, segments, E.164 to, the body as sent."""
    status, headers, body = await create(
        sandbox,
        To="+8613800138000",
        From=FROM,
        Body="【测试】您好",
        StatusCallback="https://x.cn/s",
    )
    assert status == 201
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Twilio-Request-Id"].startswith("RQ")
    assert body["sid"].startswith("SM")
    assert len(body["sid"]) == 34
    assert (body["status"], body["to"], body["from"], body["body"]) == (
        "queued",
        "+8613800138000",
        FROM,
        "【测试】您好",
    )
    assert (body["num_segments"], body["direction"], body["date_sent"]) == (
        "1",
        "outbound-api",
        None,
    )
    assert body["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{body['sid']}.json"


async def test_wrong_credentials_get_twilios_401(sandbox: Sandbox) -> None:
    """A wrong token is 401 with code 20003 and a Basic challenge; nothing is accepted."""
    status, headers, body = await call(
        sandbox, "POST", MESSAGES, headers=basic(password="nope"), data={"To": "+8613800138000"}
    )
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    assert body == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert sandbox.records() == []


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": FROM, "Body": "hi"}, 21604),
        ({"To": "+86123", "From": FROM, "Body": "hi"}, 21211),
        ({"To": "13800138000", "From": FROM, "Body": "hi"}, 21211),
        ({"To": "+8613800138000", "Body": "hi"}, 21603),
        ({"To": "+8613800138000", "From": FROM}, 21602),
        ({"To": "+8613800138000", "From": FROM, "Body": "长" * 1601}, 21617),
        ({"To": "+8613800138000", "From": FROM, "Body": "hi", "StatusCallback": "ftp://x"}, 21609),
    ],
)
async def test_invalid_creates_get_twilios_400_codes(
    sandbox: Sandbox, form: dict[str, str], code: int
) -> None:
    """Missing or invalid fields are 400 with Twilio's code for each."""
    status, _, body = await create(sandbox, **form)
    assert (status, body["code"], body["status"]) == (400, code, 400)
    assert sandbox.records() == []


async def test_other_account_in_path_is_not_found(sandbox: Sandbox) -> None:
    """Valid credentials on another account's path are 404 (20404)."""
    status, _, body = await call(
        sandbox, "GET", "/2010-04-01/Accounts/ACother/Messages.json", headers=basic()
    )
    assert (status, body["code"]) == (404, 20404)


async def test_list_pages_newest_first_and_filters(sandbox: Sandbox) -> None:
    """The list is newest first, paged by next_page_uri, and filtered by To and DateSent."""
    for i in range(3):
        await create(sandbox, To="+8613800138000", From=FROM, Body=f"第{i}条")
    await create(sandbox, To="+8613900139000", From=FROM, Body="别人的")
    query = {"To": "+8613800138000", "PageSize": "2"}
    status, _, page0 = await call(sandbox, "GET", MESSAGES, headers=basic(), params=query)
    assert status == 200
    assert [m["body"] for m in page0["messages"]] == ["第2条", "第1条"]
    assert (page0["page"], page0["page_size"], page0["start"], page0["end"]) == (0, 2, 0, 1)
    _, _, page1 = await call(sandbox, "GET", page0["next_page_uri"], headers=basic())
    assert [m["body"] for m in page1["messages"]] == ["第0条"]
    assert page1["next_page_uri"] is None
    future = {"To": "+8613800138000", "DateSent>": "2999-01-01"}
    _, _, none = await call(sandbox, "GET", MESSAGES, headers=basic(), params=future)
    assert none["messages"] == []
    past = {"DateSent>": "2000-01-01T00:00:00Z"}
    _, _, every = await call(sandbox, "GET", MESSAGES, headers=basic(), params=past)
    assert len(every["messages"]) == 4


async def test_fetch_one_message_and_unknown_sid(sandbox: Sandbox) -> None:
    """GET …/Messages/{sid}.json returns the message (now sent); an unknown SID is 20404."""
    _, _, created = await create(sandbox, To="+8613800138000", From=FROM, Body="查询")
    status, _, fetched = await call(sandbox, "GET", created["uri"], headers=basic())
    assert (status, fetched["sid"], fetched["status"]) == (200, created["sid"], "sent")
    assert fetched["date_sent"] is not None
    missing = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM{'0' * 32}.json"
    status, _, body = await call(sandbox, "GET", missing, headers=basic())
    assert (status, body["code"]) == (404, 20404)


async def test_messaging_service_create_is_accepted_status(tmp_path: Path) -> None:
    """Through a Messaging Service the create answer says `accepted` and has no From yet."""
    async with running_sandbox(sandbox_config(tmp_path)) as running:
        status, _, body = await create(
            running, To="+8613800138000", MessagingServiceSid="MG" + "2" * 32, Body="hi"
        )
    assert (status, body["status"], body["from"]) == (201, "accepted", None)


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ({"error_5xx": 1.0}, 500, 20500),
        ({"throttle": 1.0}, 429, 20429),
        ({"down": True}, 503, 20503),
    ],
)
async def test_faults_answer_like_twilio(
    sandbox: Sandbox, fault: dict[str, object], status: int, code: int
) -> None:
    """Injected faults answer with Twilio's own status and error code, accepting nothing."""
    sandbox.core.faults.update(fault)
    got, _, body = await create(sandbox, To="+8613800138000", From=FROM, Body="hi")
    assert (got, body["code"]) == (status, code)
    assert sandbox.records() == []
