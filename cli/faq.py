"""`outreach faq …`: ask the knowledge base a question, as a resident would in chat."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from campaigns import (
    ReplyOutcome,
    ReplySettings,
    StaffReplyError,
    StoredQuestion,
    close_question,
    list_questions,
    question_cursor,
    reply_to_question,
)
from campaigns.timing import utc_now
from cli.context import console, database, fail, print_json, run
from core import RESIDENT_TZ, mask_id_number, mask_phone, mask_text, stored_utc
from faq import Abstained, Answerer, KnowledgeBaseError

app = typer.Typer(help="常见问题问答 / Resident FAQ.", no_args_is_help=True)


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="居民的问题 / the resident's question")],
    as_json: Annotated[
        bool, typer.Option("--json", help="输出一个 JSON 对象 / print one JSON object")
    ] = False,
    province: Annotated[
        str | None,
        typer.Option("--province", help="本地省份（如 云南）/ the service's own province"),
    ] = None,
) -> None:
    """回答一个问题，或如实说“不确定” / Answer a question, or say honestly that we are not sure."""
    try:
        answerer = Answerer(province=province)
    except KnowledgeBaseError as err:
        fail(err.zh, err.en)
    reply = answerer.ask(question)
    if as_json:
        print_json(reply.as_dict())
        return
    if isinstance(reply, Abstained):
        console.print(f"[yellow]不确定 / not sure[/] (confidence {reply.confidence:.2f})")
        console.print(reply.answer, highlight=False)
        console.print(reply.answer_en, highlight=False)
        return
    console.print(
        f"[green]{reply.entry.question}[/]  ({reply.entry.id}, confidence {reply.confidence:.2f})",
        highlight=False,
    )
    console.print(reply.entry.answer, highlight=False)
    if reply.entry.route == "estimate":
        console.print(
            "个人养老金测算请用 / for a personal estimate use: outreach pension estimate",
            highlight=False,
        )


@app.command("questions")
def questions(
    include_closed: Annotated[
        bool, typer.Option("--all", help="也列出已跟进的 / include followed-up questions")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="每页条数 / questions per page")
    ] = 100,
    after: Annotated[
        int | None,
        typer.Option("--after", min=1, help="从这个编号之后列起（翻页）/ the page after this id"),
    ] = None,
) -> None:
    """居民回复中的提问，待工作人员跟进 / Residents' questions waiting for staff.

    每条附知识库的建议答案或“不确定”；手机号、身份证号均已脱敏。已由短信自动答复的提问
    不在待跟进之列，--all 时标为“已自动答复”。一页列满时，末尾提示下一页的 --after。
    Each comes with the knowledge base's suggestion or "not sure"; phones and ID numbers masked.
    Questions answered by SMS automatically are not waiting; --all lists them as auto-answered.
    A full page ends with the --after that shows the next one.
    """

    async def body() -> list[StoredQuestion]:
        async with database() as engine:
            cursor = None if after is None else await question_cursor(engine, after)
            if after is not None and cursor is None:
                fail(f"没有编号为 {after} 的提问", f"no question with id {after}")
            return await list_questions(
                engine, include_closed=include_closed, limit=limit, after=cursor
            )

    found = run(body())
    answerer = _answerer()
    rows = [_question_row(q, answerer) for q in found]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(
            "没有更多提问 / No more questions."
            if after is not None
            else "没有待跟进的提问 / No questions waiting."
        )
        return
    subjects = {topic.id: topic.subject for topic in answerer.topics}
    table = Table(
        "编号 id", "收到 received", "来自 from", "问题 question", "建议 suggestion", "状态 state"
    )
    for r in rows:
        suggestion = (
            f"{r['entry']} ({r['confidence']:.2f})"
            if r["entry"]
            else f"不答话题：{subjects[r['subject']]} / not covered: {r['subject']}"
            if r["subject"]
            else f"不确定 / not sure ({r['confidence']:.2f}; {r['nearest'] or '-'})"
        )
        table.add_row(
            str(r["id"]),
            r["received_at"][:16].replace("T", " "),
            r["from"],
            r["question"],
            suggestion,
            _STATES[r["answered_by"]] if r["followed_up"] else "待跟进 open",
        )
    console.print(table)
    if len(rows) == limit:
        more = " --all" if include_closed else ""
        more += f" --limit {limit}" if limit != 100 else ""
        console.print(f"下一页 / next page: outreach faq questions{more} --after {rows[-1]['id']}")


@app.command("close")
def close(
    question_id: Annotated[int, typer.Argument(help="提问编号 / question id")],
) -> None:
    """标记已跟进（已电话或回复居民）/ Mark a question as followed up."""

    async def body() -> bool:
        async with database() as engine:
            return await close_question(engine, question_id, now=utc_now())

    if not run(body()):
        fail(
            f"没有编号为 {question_id} 的待跟进提问",
            f"no open question with id {question_id}",
        )
    console.print(f"提问 {question_id} 已标记为已跟进 / Question {question_id} marked followed up")


@app.command("reply")
def reply(
    question_id: Annotated[int, typer.Argument(help="提问编号 / question id")],
    text: Annotated[str, typer.Argument(help="答复内容（短信发给居民）/ the reply, sent by SMS")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """答复居民并标记已跟进：短信提问的答复经答复活动发出一次（时段内，不发给已退订号码）
    / Reply to a resident and close the question: an SMS question's reply is sent once by the
    reply campaign (within its window, never to a stopped number)."""

    async def body() -> ReplyOutcome:
        async with database() as engine:
            rules = ReplySettings().rules_here()
            return await reply_to_question(engine, question_id, text, now=utc_now(), rules=rules)

    try:
        outcome = run(body())
    except StaffReplyError as err:
        fail(err.zh, err.en)
    if as_json:
        print_json(
            {
                "id": outcome.question,
                "sent": outcome.sent,
                "message_id": outcome.message_id,
                "reason": outcome.reason,
            }
        )
        return
    if outcome.sent:
        console.print(
            f"提问 {question_id} 已跟进，答复已排队发送（短信 {outcome.message_id}）"
            f" / Question {question_id} closed; the reply is queued (message {outcome.message_id})",
            highlight=False,
        )
        return
    zh, en = _NOT_SENT.get(outcome.reason, ("未发送", "not sent"))
    console.print(
        f"提问 {question_id} 已标记为已跟进，但答复未发给居民：{zh}"
        f" / Question {question_id} closed, but the reply was not sent: {en}",
        highlight=False,
    )


#: Why a staff reply was not sent to the resident.
_NOT_SENT: dict[str | None, tuple[str, str]] = {
    "suppressed": ("该号码或聊天已退订", "the number or chat opted out"),
    "unknown_sender": ("发送者不是台账中的居民", "the sender is not a resident of the ledger"),
    "not_linked": (
        "该 Telegram 用户未绑定本人信息，无法经机器人答复",
        "the Telegram chat is not linked to a resident, so the bot cannot carry the reply",
    ),
}

#: How a closed question was closed: by the SMS answer, or by staff (older rows: None).
_STATES = {"auto": "已自动答复 auto-answered", "staff": "已跟进 done", None: "已跟进 done"}


def _answerer() -> Answerer:
    try:
        return Answerer()
    except KnowledgeBaseError as err:
        fail(err.zh, err.en)


def _question_row(q: StoredQuestion, answerer: Answerer) -> dict[str, Any]:
    reply = answerer.ask(q.text)
    sender = mask_phone(q.sender) if q.provider != "telegram" else f"telegram {q.sender[-4:]}"
    received = stored_utc(q.received_at)
    return {
        "id": q.id,
        "received_at": received.astimezone(RESIDENT_TZ).isoformat(),
        "from": sender,
        "resident": mask_id_number(q.resident_id) if q.resident_id else None,
        "question": mask_text(q.text),
        "entry": None if isinstance(reply, Abstained) else reply.entry.id,
        "nearest": reply.nearest if isinstance(reply, Abstained) else None,
        # a subject next to ours we do not answer (faq.not_covered): staff refer it onwards
        "subject": reply.topic.id if isinstance(reply, Abstained) and reply.topic else None,
        "confidence": round(reply.confidence, 3),
        "followed_up": q.answered_at is not None,
        "answered_by": q.answered_by,  # "auto": answered by SMS; "staff": closed by staff
        "triage": q.triage,
    }
