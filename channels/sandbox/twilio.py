"""A local stand-in of Twilio's Messages API that the official twilio SDK takes for the real one.

Routes (as https://api.twilio.com serves them, HTTP Basic auth with AccountSid:AuthToken):
- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` — form fields To, From or
  MessagingServiceSid, Body, StatusCallback; 201 with the Message resource (status `queued`, or
  `accepted` through a Messaging Service); errors `{"code", "message", "more_info", "status"}`.
- `GET /2010-04-01/Accounts/{AccountSid}/Messages.json` — the message list, newest first,
  filtered by To, From, DateSent / DateSent< / DateSent>, paged by PageSize and Page.
- `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json` — one message.
- `GET /2010-04-01/Accounts/{AccountSid}.json` — the Account resource (status `active`): the
  harmless authenticated call `outreach doctor` makes to check the credentials.
Credentials are `SandboxConfig.key` (the AccountSid) and `.secret` (the auth token); receipts go
to each message's StatusCallback (or `config.callback_url`) and replies to `config.reply_url`,
signed with the auth token. Faults, per-number limits and the JSONL log come from SandboxCore.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web

from channels.sandbox.common import Fault, SandboxConfig, SandboxCore
from channels.sandbox.twilio_pushes import Webhooks, acknowledged
from channels.sandbox.twilio_rules import Refusal, Submission, check
from channels.sandbox.twilio_store import (
    API_VERSION,
    SANDBOX_NUMBER,
    MessageStore,
    StoredMessage,
    new_sid,
    rfc2822,
)

CORE_KEY = web.AppKey("twilio_core", SandboxCore)
STORE_KEY = web.AppKey("twilio_store", MessageStore)

_PREFIX = f"/{API_VERSION}/Accounts/{{account}}"
_MAX_PAGE_SIZE = 1000
#: When the stand-in's account was "created" (its Account resource's date_created).
_STARTED = datetime(2015, 7, 30, 20, 0, tzinfo=UTC)


def create_app(config: SandboxConfig) -> web.Application:
    """The stand-in's application: Twilio's routes plus SandboxCore's control routes."""
    store = MessageStore()
    webhooks = Webhooks(config, store)
    core = SandboxCore(
        config,
        format_receipts=webhooks.receipts,
        format_reply=webhooks.reply,
        acknowledged=acknowledged,
    )
    app = web.Application()
    app[CORE_KEY] = core
    app[STORE_KEY] = store
    handlers = _Handlers(config, core, store)
    app.router.add_post(f"{_PREFIX}/Messages.json", handlers.create)
    app.router.add_get(f"{_PREFIX}/Messages.json", handlers.list_messages)
    app.router.add_get(f"{_PREFIX}/Messages/{{sid}}.json", handlers.fetch)
    app.router.add_get(f"{_PREFIX}.json", handlers.account)
    core.install(app)
    return app


def error(status: int, code: int, message: str) -> web.Response:
    """Twilio's error document, with the headers the real API sends."""
    response = web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
        headers={"Twilio-Request-Id": new_sid("RQ")},
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response


class _Handlers:
    def __init__(self, config: SandboxConfig, core: SandboxCore, store: MessageStore) -> None:
        self.config = config
        self.core = core
        self.store = store

    # -- the parts every request goes through ----------------------------------------------
    async def _gate(self, request: web.Request) -> tuple[Fault | None, web.Response | None]:
        """Faults and credentials: an early answer, or None and the fault still to play."""
        fault = self.core.pick_fault()
        await self.core.delay()
        if fault is Fault.DOWN:
            return fault, error(503, 20503, "Service Unavailable")
        if fault is Fault.ERROR_5XX:
            return fault, error(500, 20500, "Internal Server Error")
        if fault is Fault.THROTTLE:
            return fault, error(429, 20429, "Too Many Requests")
        await request.read()
        if fault is Fault.DROP:  # close without answering; the 499 never reaches anyone
            if request.transport is not None:
                request.transport.close()
            return fault, web.Response(status=499)
        if not self._authenticated(request):
            return fault, error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.config.key:
            return fault, error(404, 20404, f"The requested resource {request.path} was not found")
        return fault, None

    def _authenticated(self, request: web.Request) -> bool:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return user == self.config.key and password == self.config.secret

    # -- create ----------------------------------------------------------------------------
    async def create(self, request: web.Request) -> web.StreamResponse:
        fault, early = await self._gate(request)
        if early is not None:
            return early
        form = {
            key: value for key, value in (await request.post()).items() if isinstance(value, str)
        }
        try:
            submission = check(form, signs=self.config.signs, templates=self.config.templates)
        except Refusal as refusal:
            return error(refusal.status, refusal.code, refusal.message)
        if not self.core.limits.allow(submission.phone):
            return error(429, 14107, "SMS send rate limit exceeded")
        message = self._accept(submission)
        if fault is Fault.TIMEOUT_AFTER_ACCEPT:
            await self.core.stall()
        status = "accepted" if submission.messaging_service_sid else "queued"
        body = message.resource(status=status, sent=False)
        if submission.messaging_service_sid:
            body["from"] = None
        return web.json_response(body, status=201, headers={"Twilio-Request-Id": new_sid("RQ")})

    def _accept(self, submission: Submission) -> StoredMessage:
        now = datetime.now(UTC)
        message = StoredMessage(
            sid=new_sid("SM"),
            account_sid=self.config.key,
            to=submission.to,
            from_=submission.from_ or SANDBOX_NUMBER,
            body=submission.body,
            direction="outbound-api",
            status="sent",
            num_segments=submission.segments,
            date_created=now,
            date_sent=now,
            messaging_service_sid=submission.messaging_service_sid,
            status_callback=submission.status_callback,
        )
        self.store.add(message)
        self.core.accept(
            {
                "ref": submission.ref,
                "to": submission.phone,
                "template": submission.template,
                "params": submission.params,
                "sign": submission.sign,
                "provider_id": message.sid,
                "text": submission.text,
                "from": message.from_,
                "segments": submission.segments,
            }
        )
        extra = (
            {"status_callback": submission.status_callback} if submission.status_callback else {}
        )
        self.core.schedule_receipt(
            ref=submission.ref, provider_id=message.sid, phone=submission.phone, extra=extra
        )
        return message

    # -- status queries --------------------------------------------------------------------
    async def fetch(self, request: web.Request) -> web.StreamResponse:
        fault, early = await self._gate(request)
        if early is not None:
            return early
        if fault is Fault.TIMEOUT_AFTER_ACCEPT:
            await self.core.stall()
        message = self.store.get(request.match_info["sid"])
        if message is None or message.account_sid != self.config.key:
            return error(404, 20404, f"The requested resource {request.path} was not found")
        return web.json_response(message.resource(), headers={"Twilio-Request-Id": new_sid("RQ")})

    async def account(self, request: web.Request) -> web.StreamResponse:
        """The Account resource, as GET /2010-04-01/Accounts/{AccountSid}.json answers it."""
        fault, early = await self._gate(request)
        if early is not None:
            return early
        if fault is Fault.TIMEOUT_AFTER_ACCEPT:
            await self.core.stall()
        sid = self.config.key
        uri = f"/{API_VERSION}/Accounts/{sid}"
        created = rfc2822(_STARTED)
        body = {
            "auth_token": self.config.secret,
            "date_created": created,
            "date_updated": created,
            "friendly_name": "Sandbox account",
            "owner_account_sid": sid,
            "sid": sid,
            "status": "active",
            "subresource_uris": {
                name: f"{uri}/{path}.json"
                for name, path in (
                    ("addresses", "Addresses"),
                    ("calls", "Calls"),
                    ("incoming_phone_numbers", "IncomingPhoneNumbers"),
                    ("messages", "Messages"),
                    ("balance", "Balance"),
                )
            },
            "type": "Full",
            "uri": f"{uri}.json",
        }
        return web.json_response(body, headers={"Twilio-Request-Id": new_sid("RQ")})

    async def list_messages(self, request: web.Request) -> web.StreamResponse:
        fault, early = await self._gate(request)
        if early is not None:
            return early
        if fault is Fault.TIMEOUT_AFTER_ACCEPT:
            await self.core.stall()
        query = request.query
        try:
            page_size = min(max(int(query.get("PageSize", "50")), 1), _MAX_PAGE_SIZE)
            page = max(int(query.get("Page", "0")), 0)
            sent_filters = [
                (op, _moment(query[key]))
                for key, op in (("DateSent", "="), ("DateSent<", "<"), ("DateSent>", ">"))
                if key in query
            ]
        except ValueError:
            return error(400, 20001, "Invalid paging or DateSent value")
        selected = [
            m
            for m in self.store.newest_first()
            if ("To" not in query or m.to == query["To"])
            and ("From" not in query or m.from_ == query["From"])
            and all(_sent_matches(m.date_sent, op, moment) for op, moment in sent_filters)
        ]
        start = page * page_size
        chunk = selected[start : start + page_size]
        return web.json_response(
            _page_document(
                request, chunk, page, page_size, has_next=len(selected) > start + page_size
            ),
            headers={"Twilio-Request-Id": new_sid("RQ")},
        )


def _page_document(
    request: web.Request, chunk: list[StoredMessage], page: int, page_size: int, *, has_next: bool
) -> dict[str, Any]:
    filters = [
        (k, v) for k, v in request.query.items() if k not in ("Page", "PageSize", "PageToken")
    ]

    def uri(number: int, token: str | None = None) -> str:
        query = [*filters, ("PageSize", str(page_size)), ("Page", str(number))]
        if token is not None:
            query.append(("PageToken", token))
        return str(request.rel_url.with_query(query))

    start = page * page_size
    return {
        "end": start + max(len(chunk) - 1, 0),
        "first_page_uri": uri(0),
        "messages": [m.resource() for m in chunk],
        "next_page_uri": uri(page + 1, "PA" + chunk[-1].sid) if has_next and chunk else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": uri(page - 1, "PB" + chunk[0].sid) if page > 0 and chunk else None,
        "start": start,
        "uri": str(request.rel_url),
    }


def _moment(value: str) -> date | datetime:
    """A DateSent filter value: YYYY-MM-DD, or an ISO 8601 time in UTC (…T…Z)."""
    if "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return date.fromisoformat(value)


def _sent_matches(sent: datetime | None, op: str, moment: date | datetime) -> bool:
    if sent is None:
        return False
    left: date | datetime = sent if isinstance(moment, datetime) else sent.date()
    if op == "<":
        return left <= moment
    if op == ">":
        return left >= moment
    return left == moment
