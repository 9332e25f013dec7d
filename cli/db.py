"""`outreach db …`: the database schema."""

from __future__ import annotations

import typer

from cli.context import console, database, run

app = typer.Typer(help="数据库 / Database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """把数据库表结构更新到最新 / Bring the schema up to the newest migration."""

    async def work() -> None:
        async with database():
            pass

    run(work())
    console.print("数据库表结构已是最新 / The schema is up to date.")
