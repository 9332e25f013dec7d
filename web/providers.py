"""Each gateway's callback formats, wired to the generic callback routes."""

from __future__ import annotations

from aiohttp import web

from channels import aliyun, tencent, twilio
from channels.base import Inbound, Receipt
from web.callbacks import Answer, ProviderCallbacks


def _answer(a: aliyun.CallbackAnswer | tencent.CallbackAnswer | twilio.CallbackAnswer) -> Answer:
    return Answer(a.status, a.content_type, a.body)


async def _aliyun_receipts(_request: web.Request, body: bytes) -> list[Receipt]:
    return aliyun.parse_reports(body)


async def _aliyun_replies(_request: web.Request, body: bytes) -> list[Inbound]:
    return aliyun.parse_replies(body)


ALIYUN = ProviderCallbacks(
    provider="aliyun",
    parse_receipts=_aliyun_receipts,
    parse_replies=_aliyun_replies,
    ok=_answer(aliyun.ACKNOWLEDGE),
    malformed=_answer(aliyun.MALFORMED),
    try_again=_answer(aliyun.TRY_AGAIN),
)


async def _tencent_receipts(_request: web.Request, body: bytes) -> list[Receipt]:
    return tencent.parse_reports(body)


async def _tencent_replies(_request: web.Request, body: bytes) -> list[Inbound]:
    return tencent.parse_replies(body)


TENCENT = ProviderCallbacks(
    provider="tencent",
    parse_receipts=_tencent_receipts,
    parse_replies=_tencent_replies,
    ok=_answer(tencent.ACKNOWLEDGE),
    malformed=_answer(tencent.MALFORMED),
    try_again=_answer(tencent.TRY_AGAIN),
)


def twilio_callbacks(auth_token: str, public_base_url: str) -> ProviderCallbacks:
    """Twilio's webhooks: form posts signed over the public URL Twilio called."""
    base = public_base_url.rstrip("/")

    async def verified_form(request: web.Request) -> list[tuple[str, str]]:
        form = await request.post()
        pairs = [(k, v) for k, v in form.items() if isinstance(v, str)]
        twilio.verify_callback(
            auth_token, base + request.path_qs, pairs, request.headers.get(twilio.SIGNATURE_HEADER)
        )
        return pairs

    async def receipts(request: web.Request, _body: bytes) -> list[Receipt]:
        pairs = await verified_form(request)
        return [twilio.parse_status_callback(dict(pairs), base + request.path_qs)]

    async def replies(request: web.Request, _body: bytes) -> list[Inbound]:
        return [twilio.parse_inbound(dict(await verified_form(request)))]

    return ProviderCallbacks(
        provider="twilio",
        parse_receipts=receipts,
        parse_replies=replies,
        ok=_answer(twilio.RECEIPT_ANSWER),
        malformed=_answer(twilio.MALFORMED_ANSWER),
        try_again=Answer(503, "text/plain", b"try again"),
    )


def all_providers(
    *, twilio_auth_token: str | None = None, public_base_url: str = ""
) -> list[ProviderCallbacks]:
    """Callback routes of every provider (Twilio's only when its token is known)."""
    providers = [ALIYUN, TENCENT]
    if twilio_auth_token:
        providers.append(twilio_callbacks(twilio_auth_token, public_base_url))
    return providers
