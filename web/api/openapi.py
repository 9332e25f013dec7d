"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json (kept true by a test)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from web.api.errors import json_response

_S = dict[str, Any]


def _obj(required: list[str], **props: _S) -> _S:
    return {"type": "object", "required": required, "properties": props}


_STR: _S = {"type": "string"}
_INT: _S = {"type": "integer"}
_SEGMENT: _S = {
    "description": "内置分组名称，或分组定义 {where, description} / built-in name or inline spec",
    "type": ["string", "object"],
}
_ERROR = _obj(
    ["error"],
    error=_obj(["code", "message_zh", "message_en"], code=_STR, message_zh=_STR, message_en=_STR),
)
_ID_PARAM: _S = {"name": "id", "in": "path", "required": True, "schema": _INT}


def _json(schema: _S, example: Any = None) -> _S:
    content: _S = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"content": {"application/json": content}}


def _op(
    summary: str,
    roles: str,
    ok: _S,
    *,
    status: str = "200",
    body: _S | None = None,
    errors: tuple[int, ...] = (),
    params: list[_S] | None = None,
    media: str = "application/json",
) -> _S:
    responses: _S = {status: {"description": "OK", "content": {media: {"schema": ok}}}}
    for code in (401, 403, *errors):
        responses[str(code)] = {
            "description": "错误 / error",
            **_json({"$ref": "#/components/schemas/Error"}),
        }
    op: _S = {"summary": summary, "description": f"角色 roles: {roles}", "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": True, **body}
    if params:
        op["parameters"] = params
    return op


_SEGMENT_BODY = _obj(["segment"], segment=_SEGMENT, on={"type": "string", "format": "date"})
_PREVIEW_BODY = _obj(
    ["segment"],
    segment=_SEGMENT,
    on={"type": "string", "format": "date"},
    limit={"type": "integer", "minimum": 1, "maximum": 200},
)
_CAMPAIGN_BODY = _obj(
    ["name", "segment", "template"],
    name=_STR,
    segment=_SEGMENT,
    template=_STR,
    channels={"type": "array", "items": {"enum": ["sms", "telegram"]}},
    sms_provider={"enum": ["aliyun", "tencent", "twilio"]},
)
_STATUS_BODY = _obj(
    ["changes"],
    idempotency_key=_STR,
    changes={
        "type": "array",
        "items": _obj(
            ["id_number"],
            id_number=_STR,
            pension_status=_STR,
            pension_scheme=_STR,
            medical_status=_STR,
            at=_STR,
        ),
    },
)
_REPLY_BODY = _obj(["text"], text={"type": "string", "minLength": 1, "maxLength": 500})
_OBJECT: _S = {"type": "object"}

#: Example requests, validated against their schemas by the test.
EXAMPLES: dict[tuple[str, str], Any] = {
    ("/api/v1/segments/count", "post"): {"segment": "lapsed-priority"},
    ("/api/v1/segments/preview", "post"): {
        "segment": {"where": {"field": "pension_status", "eq": "lapsed"}},
        "limit": 5,
    },
    ("/api/v1/campaigns", "post"): {
        "name": "断缴提醒",
        "segment": "lapsed",
        "template": "lapsed_men_50",
        "channels": ["sms"],
        "sms_provider": "aliyun",
    },
    ("/api/v1/questions/{id}/reply", "post"): {"text": "已电话联系，说明了续缴办法"},
    ("/api/v1/ledger/status-changes", "post"): {
        "changes": [{"id_number": "532501199001011234", "pension_status": "paying"}]
    },
}


def _with_example(path: str, method: str, schema: _S) -> _S:
    return _json(schema, EXAMPLES.get((path, method)))


def document() -> _S:
    p = "/api/v1"
    staff = "staff（本乡镇 own township）, admin"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "参保扩面外联服务接口 / Outreach API",
            "version": "1",
            "description": (
                "请求头 Authorization: Bearer <令牌>（outreach token create）。staff 只能看到本乡镇"
                "的居民；身份证号和手机号除 admin 外均脱敏。/ Bearer tokens; staff see their "
                "township only; ID numbers and phones masked except for admin."
            ),
        },
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            f"{p}/openapi.json": {
                "get": {
                    "summary": "本文档 / this document",
                    "security": [],
                    "responses": {"200": {"description": "OK", **_json(_OBJECT)}},
                }
            },
            f"{p}/residents/{{id_number}}": {
                "get": _op(
                    "查看一位居民（脱敏）/ one resident, masked unless admin",
                    staff,
                    _OBJECT,
                    errors=(404,),
                    params=[{"name": "id_number", "in": "path", "required": True, "schema": _STR}],
                )
            },
            f"{p}/segments/count": {
                "post": _op(
                    "分组人数 / segment count",
                    staff,
                    _obj(["count"], count=_INT),
                    body=_with_example(f"{p}/segments/count", "post", _SEGMENT_BODY),
                    errors=(400, 422),
                )
            },
            f"{p}/segments/preview": {
                "post": _op(
                    "分组预览 / segment preview",
                    staff,
                    _obj(["residents"], residents={"type": "array"}),
                    body=_with_example(f"{p}/segments/preview", "post", _PREVIEW_BODY),
                    errors=(400, 422),
                )
            },
            f"{p}/ledger/imports": {
                "post": _op(
                    "上传台账（multipart 字段 file）/ upload a ledger file",
                    staff,
                    _obj(["rows", "inserted", "updated", "rejected", "errors"]),
                    body={
                        "content": {
                            "multipart/form-data": {
                                "schema": _obj(
                                    ["file"], file={"type": "string", "format": "binary"}
                                )
                            }
                        }
                    },
                    errors=(400, 413, 422),
                )
            },
            f"{p}/ledger/status-changes": {
                "post": _op(
                    "台账系统报送参保状态变更 / status changes from the ledger system",
                    "ledger",
                    _obj(["key", "received", "applied", "conversions", "replayed"]),
                    body=_with_example(f"{p}/ledger/status-changes", "post", _STATUS_BODY),
                    errors=(400, 413, 422),
                    params=[
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": _STR,
                        }
                    ],
                )
            },
            f"{p}/ledger/export": {
                "get": _op(
                    "台账反馈导出（CSV）/ export in the ledger system's columns",
                    "ledger, admin（可 unmasked）; staff（本乡镇，脱敏 own township, masked）",
                    _STR,
                    errors=(400,),
                    params=[
                        {"name": "township", "in": "query", "schema": _STR},
                        {"name": "unmasked", "in": "query", "schema": {"type": "boolean"}},
                    ],
                    media="text/csv",
                )
            },
            f"{p}/campaigns": {
                "get": _op("活动列表 / campaigns", staff, _obj(["campaigns"])),
                "post": _op(
                    "新建活动（草稿）/ create a draft campaign",
                    staff,
                    _obj(["id", "state"], id=_INT, state=_STR),
                    status="201",
                    body=_with_example(f"{p}/campaigns", "post", _CAMPAIGN_BODY),
                    errors=(400, 422),
                ),
            },
            f"{p}/campaigns/{{id}}": {
                "get": _op(
                    "活动状态 / campaign status",
                    staff,
                    _obj(["id", "state", "counts"]),
                    errors=(404,),
                    params=[_ID_PARAM],
                )
            },
            **{
                f"{p}/campaigns/{{id}}/{verb}": {
                    "post": _op(
                        summary,
                        staff,
                        _obj(["id", "state"]),
                        errors=(404, 409, 422),
                        params=[_ID_PARAM],
                    )
                }
                for verb, summary in (
                    ("plan", "试运行 / dry run"),
                    ("launch", "启动 / launch"),
                    ("pause", "暂停 / pause"),
                )
            },
            f"{p}/questions": {
                "get": _op(
                    "待跟进的居民提问 / hand-off queue",
                    staff,
                    _obj(["questions", "next"]),
                    errors=(400, 422),
                    params=[
                        {"name": "all", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "limit", "in": "query", "schema": _INT},
                        {"name": "after", "in": "query", "schema": _INT},
                    ],
                )
            },
            f"{p}/reports/funnel": {
                "get": _op(
                    "活动漏斗 / campaign funnel",
                    "admin, ledger; staff（本人活动或本乡镇 own campaign or township）",
                    _obj(["rows"], rows={"type": "array"}),
                    errors=(404, 422),
                    params=[
                        {"name": "campaign_id", "in": "query", "schema": _INT},
                        {
                            "name": "split",
                            "in": "query",
                            "schema": {"enum": ["campaign", "group", "township"]},
                        },
                    ],
                )
            },
            f"{p}/reports/progress": {
                "get": _op(
                    "月度进度 / monthly progress by township and village",
                    "admin, ledger; staff（本乡镇 own township）",
                    _obj(["month", "units", "reasons"]),
                    errors=(422,),
                    params=[{"name": "month", "in": "query", "required": True, "schema": _STR}],
                )
            },
            f"{p}/questions/{{id}}/reply": {
                "post": _op(
                    "答复居民并关闭（短信提问以短信、机器人提问在机器人中发出一次）/ reply and "
                    "close (sent once: by SMS to an SMS question, in the bot to a bot question)",
                    staff,
                    _obj(
                        ["id", "reply", "sent_to_resident"],
                        sent_to_resident={
                            "type": "boolean",
                            "description": "答复已排队发给居民 / the reply is queued to the "
                            "resident (SMS or bot)",
                        },
                        not_sent_reason={
                            "type": ["string", "null"],
                            "enum": ["not_linked", "unknown_sender", "suppressed", None],
                        },
                    ),
                    body=_with_example(f"{p}/questions/{{id}}/reply", "post", _REPLY_BODY),
                    errors=(404, 409, 422),
                    params=[_ID_PARAM],
                )
            },
        },
    }


async def serve_document(_request: web.Request) -> web.Response:
    return json_response(document())
