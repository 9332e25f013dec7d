"""`outreach token …`: API tokens for staff members and systems (create, list, revoke)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from campaigns import utc_now
from cli.context import console, database, fail, print_json, run
from web.api import Role, TokenError, TokenInfo, create_token, list_tokens, revoke_token

app = typer.Typer(help="接口令牌 / API tokens.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON.")]


@app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="角色 staff / ledger / admin")],
    name: Annotated[str, typer.Option(help="持有人或系统名称 / Holder's name.")],
    township: Annotated[
        str | None, typer.Option(help="乡镇（staff 必填）/ Township (staff only).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """新建令牌；令牌只显示这一次 / Create a token; it is shown only this once."""

    async def body() -> tuple[int, str]:
        async with database() as engine:
            try:
                return await create_token(
                    engine, name=name, role=role, township=township, now=utc_now()
                )
            except TokenError as err:
                fail(err.zh, err.en)

    token_id, secret = run(body())
    if json_out:
        print_json({"id": token_id, "token": secret})
        return
    console.print(f"已创建令牌 {token_id} / Created token {token_id}")
    console.print(secret, highlight=False, soft_wrap=True)
    console.print(
        "请立即妥善保存：令牌只显示这一次，系统只保存其摘要。请求时使用 "
        "Authorization: Bearer <令牌>\n"
        "Keep it now: it is shown only once (only its digest is stored). "
        "Send it as Authorization: Bearer <token>."
    )


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """列出令牌（不含令牌本身）/ List tokens (never the secrets)."""

    async def body() -> list[TokenInfo]:
        async with database() as engine:
            return await list_tokens(engine)

    tokens = run(body())
    if json_out:
        print_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "role": t.role,
                    "township": t.township,
                    "created_at": t.created_at.isoformat(),
                    "revoked": t.revoked_at is not None,
                }
                for t in tokens
            ]
        )
        return
    table = Table("编号 id", "名称 name", "角色 role", "乡镇 township", "状态 state")
    for t in tokens:
        state = "已吊销 revoked" if t.revoked_at else "有效 active"
        table.add_row(str(t.id), t.name, t.role, t.township or "", state)
    console.print(table)


@app.command("revoke")
def revoke(token_id: Annotated[int, typer.Argument(help="令牌编号 / Token id.")]) -> None:
    """吊销令牌，立即失效 / Revoke a token; it stops working at once."""

    async def body() -> None:
        async with database() as engine:
            try:
                await revoke_token(engine, token_id, now=utc_now())
            except TokenError as err:
                fail(err.zh, err.en)

    run(body())
    console.print(f"已吊销令牌 {token_id} / Revoked token {token_id}")
