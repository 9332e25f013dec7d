"""Gateway callbacks: delivery receipts and residents' replies, one route per provider format.

Each route parses the provider's push with the provider module's parser, hands the result to the
campaigns side, and answers exactly what that provider expects so that it stops pushing. When a
push holds a receipt for a message we cannot find yet (the receipt overtook our own record of
the send), the matched part is applied and the provider is asked to push again: applying a
receipt twice is a no-op, so the retry only completes what was missing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from channels.base import CallbackError, Inbound, Receipt
from core import get_logger
from ops.instruments import count_callback

log = get_logger("web.callbacks")


class CallbackSink(Protocol):
    """Where parsed callbacks go (the campaigns side)."""

    async def receipts(self, receipts: Sequence[Receipt]) -> int:
        """Apply receipts; answers how many matched no message."""
        ...

    async def inbound(self, messages: Sequence[Inbound]) -> None: ...


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    def response(self) -> web.Response:
        return web.Response(status=self.status, body=self.body, content_type=self.content_type)


@dataclass(frozen=True, slots=True)
class ProviderCallbacks:
    """How one provider's pushes are read and answered."""

    provider: str
    parse_receipts: Callable[[web.Request, bytes], Awaitable[list[Receipt]]] | None
    parse_replies: Callable[[web.Request, bytes], Awaitable[list[Inbound]]] | None
    ok: Answer
    malformed: Answer
    try_again: Answer
    receipts_path: str = "receipts"
    replies_path: str = "replies"


SINK: web.AppKey[CallbackSink] = web.AppKey("callback_sink", CallbackSink)


def add_callback_routes(app: web.Application, providers: Sequence[ProviderCallbacks]) -> None:
    """Mount /callbacks/{provider}/{receipts|replies} for each provider."""
    for spec in providers:
        if spec.parse_receipts is not None:
            app.router.add_post(
                f"/callbacks/{spec.provider}/{spec.receipts_path}", _receipts_handler(spec)
            )
        if spec.parse_replies is not None:
            app.router.add_post(
                f"/callbacks/{spec.provider}/{spec.replies_path}", _replies_handler(spec)
            )


def _receipts_handler(spec: ProviderCallbacks) -> Callable[[web.Request], Awaitable[web.Response]]:
    assert spec.parse_receipts is not None
    parse = spec.parse_receipts

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            receipts = await parse(request, body)
        except CallbackError as err:
            log.warning("callback_malformed", provider=spec.provider, kind="receipt", why=str(err))
            count_callback(spec.provider, "receipt", "malformed")
            return spec.malformed.response()
        try:
            unmatched = await request.app[SINK].receipts(receipts)
        except SQLAlchemyError:
            log.exception("callback_store_failed", provider=spec.provider, kind="receipt")
            count_callback(spec.provider, "receipt", "store_failed")
            return spec.try_again.response()
        if unmatched:
            log.info("receipts_unmatched", provider=spec.provider, count=unmatched)
            count_callback(spec.provider, "receipt", "retry")
            return spec.try_again.response()
        count_callback(spec.provider, "receipt", "ok")
        return spec.ok.response()

    return handle


def _replies_handler(spec: ProviderCallbacks) -> Callable[[web.Request], Awaitable[web.Response]]:
    assert spec.parse_replies is not None
    parse = spec.parse_replies

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            replies = await parse(request, body)
        except CallbackError as err:
            log.warning("callback_malformed", provider=spec.provider, kind="reply", error=str(err))
            count_callback(spec.provider, "reply", "malformed")
            return spec.malformed.response()
        try:
            await request.app[SINK].inbound(replies)
        except SQLAlchemyError:
            log.exception("callback_store_failed", provider=spec.provider, kind="reply")
            count_callback(spec.provider, "reply", "store_failed")
            return spec.try_again.response()
        count_callback(spec.provider, "reply", "ok")
        return spec.ok.response()

    return handle
