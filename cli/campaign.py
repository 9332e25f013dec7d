"""`outreach campaign …`: create, plan, launch, pause, resume, cancel and watch campaigns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from campaigns import (
    CampaignComposer,
    CampaignError,
    DefinitionError,
    Exclusion,
    PlanSummary,
    StoredCampaign,
    campaign_status,
    cancel_campaign,
    create_campaign,
    launch_campaign,
    list_campaigns,
    load_campaign,
    load_definition,
    open_hours_per_day,
    pause_campaign,
    plan_campaign,
    resume_campaign,
    utc_now,
)
from channels import GatewaySettings
from cli.context import console, database, fail, print_json, run
from core import BilingualError, today
from ledger.segments import count_segment

app = typer.Typer(help="外联活动 / Outreach campaigns.", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="活动编号 / Campaign id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON.")]


@app.command("create")
def create(
    file: Annotated[Path, typer.Argument(help="活动定义 YAML/JSON / Campaign file.")],
    json_out: JsonOpt = False,
) -> None:
    """新建活动（草稿）；模板、审批和人群当场检查 / Create a draft campaign, checked now."""

    async def body() -> int:
        definition = _checked(lambda: load_definition(file))
        composer = _checked(lambda: _composer_for(definition))
        async with database() as engine:
            campaign_id: int = await _guard(
                create_campaign(engine, definition, composer.message_class, now=utc_now())
            )
            return campaign_id

    campaign_id = run(body())
    if json_out:
        print_json({"id": campaign_id, "state": "draft"})
    else:
        console.print(f"已创建活动 {campaign_id}（草稿）/ Created campaign {campaign_id} (draft)")


@app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """列出活动 / List campaigns."""

    async def body() -> list[dict[str, Any]]:
        async with database() as engine:
            return await list_campaigns(engine)

    rows = run(body())
    if json_out:
        print_json(rows)
        return
    table = Table("编号 id", "名称 name", "状态 state", "创建 created")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["state"], r["created_at"][:19])
    console.print(table)


@app.command("plan")
def plan(campaign_id: IdArg, json_out: JsonOpt = False) -> None:
    """试运行：收件人、排除原因、短信条数、预计用时 / Dry run: recipients, exclusions, parts."""

    async def body() -> dict[str, Any]:
        async with database() as engine:
            campaign = await _campaign(engine, campaign_id)
            composer = _checked(lambda: _composer_for(campaign.definition))
            with _progress(json_out) as advance:
                total = await _segment_size(engine, campaign)
                advance.total(total)
                summary = await _guard(
                    plan_campaign(
                        engine,
                        campaign,
                        composer,
                        now=utc_now(),
                        today=today(),
                        on_progress=advance,
                    )
                )
            return _plan_report(campaign, summary)

    report = run(body())
    if json_out:
        print_json(report)
    else:
        _print_plan(report)


@app.command("launch")
def launch(campaign_id: IdArg, json_out: JsonOpt = False) -> None:
    """启动（或按计划排期）/ Launch now, or schedule it as its definition says."""

    async def body() -> dict[str, Any]:
        async with database() as engine:
            campaign = await _campaign(engine, campaign_id)
            composer = _checked(lambda: _composer_for(campaign.definition))
            with _progress(json_out) as advance:
                advance.total(await _segment_size(engine, campaign))
                state, summary = await _guard(
                    launch_campaign(
                        engine,
                        campaign,
                        composer,
                        now=utc_now(),
                        today=today(),
                        on_progress=advance,
                    )
                )
            report: dict[str, Any] = {"id": campaign_id, "state": state}
            if summary is not None:
                report["plan"] = _plan_report(campaign, summary)
            return report

    report = run(body())
    if json_out:
        print_json(report)
        return
    if "plan" in report:
        _print_plan(report["plan"])
        console.print(
            f"活动 {campaign_id} 已启动，{report['plan']['recipients']} 条消息排队，"
            "由后台进程发送。"
            f"\nCampaign {campaign_id} is running; messages are queued for the workers."
        )
    else:
        console.print(f"活动 {campaign_id} 已排期 / Campaign {campaign_id} is scheduled")


def _transition(verb_zh: str, verb_en: str, action: Callable[..., Any]) -> Callable[..., None]:
    def command(campaign_id: IdArg, json_out: JsonOpt = False) -> None:
        async def body() -> dict[str, Any]:
            async with database() as engine:
                await _guard(action(engine, campaign_id, now=utc_now()))
                return await campaign_status(engine, campaign_id, now=utc_now())

        status = run(body())
        if json_out:
            print_json(status)
        else:
            console.print(
                f"活动 {campaign_id} 已{verb_zh}（{status['state_label']}）"
                f" / Campaign {campaign_id} {verb_en} ({status['state']})"
            )

    command.__doc__ = f"{verb_zh}活动 / {verb_en.capitalize()} a campaign."
    return command


app.command("pause")(_transition("暂停", "paused", pause_campaign))
app.command("resume")(_transition("恢复", "resumed", resume_campaign))
app.command("cancel")(_transition("取消", "cancelled", cancel_campaign))


@app.command("status")
def status(campaign_id: IdArg, json_out: JsonOpt = False) -> None:
    """各状态的消息数 / Message counts per state."""

    async def body() -> dict[str, Any]:
        async with database() as engine:
            report: dict[str, Any] = await _guard(
                campaign_status(engine, campaign_id, now=utc_now())
            )
            return report

    report = run(body())
    if json_out:
        print_json(report)
        return
    console.print(f"[bold]{report['name']}[/]（{report['state_label']} / {report['state']}）")
    table = Table("状态 status", "数量 count")
    for name, count in report["counts"].items():
        if count:
            table.add_row(name, str(count))
    table.add_row("合计 total", str(report["total"]))
    if report["held"]:
        table.add_row("暂缓（时段/频次）held", str(report["held"]))
    console.print(table)


# -- helpers -------------------------------------------------------------------------------
def _composer_for(definition: Any) -> CampaignComposer:
    composer = CampaignComposer(definition, today=today())
    composer.check()
    return composer


def _checked(make: Callable[[], Any]) -> Any:
    try:
        return make()
    except BilingualError as err:
        fail(err.zh, err.en)


async def _guard(work: Any) -> Any:
    try:
        return await work
    except (CampaignError, DefinitionError, BilingualError) as err:
        fail(err.zh, err.en)


async def _campaign(engine: AsyncEngine, campaign_id: int) -> StoredCampaign:
    result: StoredCampaign = await _guard(load_campaign(engine, campaign_id))
    return result


async def _segment_size(engine: AsyncEngine, campaign: StoredCampaign) -> int:
    async with engine.connect() as connection:
        return await count_segment(connection, campaign.definition.segment_spec(), today())


def _plan_report(campaign: StoredCampaign, summary: PlanSummary) -> dict[str, Any]:
    gateways = GatewaySettings()
    definition = campaign.definition
    seconds = 0.0
    for channel, count in summary.by_channel.items():
        provider = definition.sms_provider if channel == "sms" else "telegram"
        seconds += count / max(gateways.rate(provider), 0.001)
    window = definition.effective_window(campaign.message_class)
    hours = open_hours_per_day(window)
    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "template": definition.template,
        "message_class": campaign.message_class.value,
        "channels": list(definition.channels),
        "sms_provider": definition.sms_provider,
        **summary.as_dict(),
        "excluded_labels": {
            k: f"{Exclusion.LABELS[k][0]} / {Exclusion.LABELS[k][1]}" for k in summary.excluded
        },
        "estimated_seconds": round(seconds, 1),
        "window": f"{window.start:%H:%M}-{window.end:%H:%M}",
        "estimated_days": round(seconds / 3600 / hours, 2) if hours else None,
    }


def _print_plan(report: dict[str, Any]) -> None:
    console.print(f"[bold]{report['name']}[/]  模板 template: {report['template']}")
    table = Table("项目 item", "数量 count")
    table.add_row("人群人数 segment", str(report["segment_size"]))
    table.add_row("收件人 recipients", str(report["recipients"]))
    for channel, n in report["by_channel"].items():
        table.add_row(f"  渠道 {channel}", str(n))
    for reason, n in report["excluded"].items():
        table.add_row(f"  排除：{report['excluded_labels'][reason]}", str(n))
    parts = report["sms_parts"]
    table.add_row("短信计费条数 SMS parts (total)", str(parts["total"]))
    table.add_row("单条最多 max parts per message", str(parts["max"]))
    table.add_row("预计发送用时 est. seconds at gateway rate", str(report["estimated_seconds"]))
    console.print(table)
    for problem in report["problems"]:
        console.print(f"[yellow]注意 / Note:[/] {problem}")


class _Advance:
    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task = (
            progress.add_task("逐人核对 / checking residents", total=None) if progress else None
        )

    def total(self, n: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=n)

    def __call__(self, n: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)


class _progress:  # noqa: N801 - used as a context manager like a function
    def __init__(self, quiet: bool) -> None:
        self._progress = (
            None
            if quiet
            else Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
        )

    def __enter__(self) -> _Advance:
        if self._progress is not None:
            self._progress.start()
        return _Advance(self._progress)

    def __exit__(self, *_exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
