"""Root of the `outreach` command: mounts each command group."""

from __future__ import annotations

import sys

import typer

from cli import (
    campaign,
    db,
    deadletter,
    demo,
    doctor,
    faq,
    ledger,
    outbox,
    pension,
    queue,
    sandbox,
    segment,
    serve,
    token,
)
from cli.report import app as report_app
from core import get_logger

app = typer.Typer(
    name="outreach",
    help="参保扩面外联服务 / Social-insurance enrollment outreach.",
    no_args_is_help=True,
    add_completion=False,
    # Pretty tracebacks print local variables, which may hold ID numbers and phones.
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(ledger.app, name="ledger")
app.add_typer(segment.app, name="segment")
app.add_typer(pension.app, name="pension")
app.add_typer(campaign.app, name="campaign")
app.add_typer(faq.app, name="faq")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(report_app, name="report")
app.add_typer(token.app, name="token")
app.add_typer(outbox.app, name="outbox")
app.add_typer(queue.app, name="queue")
app.add_typer(deadletter.app, name="deadletter")
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)


def main() -> None:
    """Entry point of the console script: staff see a reason, never a traceback."""
    try:
        app()
    except Exception:  # the last line of defence; logged (masked) for the operator
        get_logger("outreach").exception("command_failed")
        sys.stderr.write(
            "内部错误，操作未完成；详情已记录在上方日志中，请联系管理员。\n"
            "Internal error; the command did not finish. Details are in the log above.\n"
        )
        sys.exit(1)
