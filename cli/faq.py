"""`outreach faq …`: ask the knowledge base a question, as a resident would in chat."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import console, fail, print_json
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
