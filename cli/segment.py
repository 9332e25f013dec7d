"""`outreach segment …`: count, preview and explain segments of the ledger."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.tree import Tree

from cli.context import console, database, fail, print_json, run
from core import mask_id_number, mask_phone, today
from ledger import Group, Status
from ledger.segments import (
    AllOf,
    AnyOf,
    Condition,
    Segment,
    SpecError,
    Verdict,
    age_on,
    builtin_segments,
    count_segment,
    explain_resident,
    field_docs,
    load_segment_file,
    months_since,
    sample_segment,
)

app = typer.Typer(help="人群分组 / Segments of the ledger.", no_args_is_help=True)

SpecArg = Annotated[
    str, typer.Argument(help="内置分组名或规格文件 (.yaml/.json) / Built-in name or spec file.")
]
OnOpt = Annotated[
    str | None,
    typer.Option("--on", help="按哪天计算年龄等 YYYY-MM-DD（默认今天）/ Evaluation date."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON.")]


def resolve(spec: str) -> Segment:
    """A built-in segment by name, or a segment read from a file."""
    builtins = builtin_segments()
    if spec in builtins:
        return builtins[spec]
    path = Path(spec)
    if not path.is_file():
        fail(
            f"“{spec}”既不是内置分组，也不是文件。内置分组：{'、'.join(builtins)}",
            f"{spec!r} is neither a built-in segment nor a file; built-ins: {', '.join(builtins)}",
        )
    try:
        return load_segment_file(path)
    except SpecError as err:
        fail(
            f"分组规格有误（{err.path}）：{err.zh}",
            f"bad spec at {err.path}: {err.en}",
        )


def _on(value: str | None) -> date:
    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"日期“{value}”格式不对，应为 YYYY-MM-DD", f"bad date {value!r}; use YYYY-MM-DD")


@app.command("list")
def list_() -> None:
    """列出内置分组和可用字段 / List built-in segments and the fields specs may use."""
    table = Table("名称 name", "说明 description", show_lines=False)
    for segment in builtin_segments().values():
        table.add_row(segment.name, segment.description)
    console.print(table)
    fields = Table("字段 field", "含义", "运算符 operators")
    for doc in field_docs():
        fields.add_row(doc.name, doc.label_zh, ", ".join(doc.ops))
    console.print(fields)


@app.command()
def count(spec: SpecArg, on: OnOpt = None, as_json: JsonOpt = False) -> None:
    """统计分组人数 / Count the residents in a segment."""
    segment, day = resolve(spec), _on(on)

    async def work() -> int:
        async with database() as engine, engine.connect() as connection:
            return await count_segment(connection, segment, day)

    n = run(work())
    if as_json:
        print_json({"count": n})
    else:
        console.print(f"分组 {segment.name}：{n:,} 人 / {n:,} residents ({day.isoformat()})")


@app.command()
def preview(
    spec: SpecArg,
    limit: Annotated[int, typer.Option(min=1, max=200, help="显示几行 / Rows to show.")] = 10,
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """预览分组中的居民（证件号和手机号已脱敏）/ Show sample residents, masked."""
    segment, day = resolve(spec), _on(on)

    async def work() -> list[dict[str, Any]]:
        async with database() as engine, engine.connect() as connection:
            rows = await sample_segment(connection, segment, day, limit)
        return [_masked(row, day) for row in rows]

    rows = run(work())
    if as_json:
        print_json({"segment": segment.name, "rows": rows})
        return
    table = Table(title=f"{segment.name}（前 {len(rows)} 人 / first {len(rows)}）")
    for column in (
        "姓名",
        "身份证号",
        "性别",
        "年龄",
        "乡镇",
        "村",
        "类别",
        "养老状态",
        "断缴月",
        "手机",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(*(str(r[k]) if r[k] is not None else "" for k in r))
    console.print(table)


def _masked(row: Any, on: date) -> dict[str, Any]:
    group = Group.parse(row.identity_group) if row.identity_group else None
    status = Status.parse(row.pension_status) if row.pension_status else None
    return {
        "name": row.name,
        "id_number": mask_id_number(row.id_number),
        "sex": "男" if row.sex == "male" else "女",
        "age": age_on(row.birth_date, on),
        "township": row.township,
        "village": row.village,
        "group": group.label if group else None,
        "pension_status": status.label if status else None,
        "lapse_months": months_since(row.pension_last_paid, on) if row.pension_last_paid else None,
        "phone": mask_phone(row.phone) if row.phone else None,
    }


@app.command()
def explain(
    spec: SpecArg,
    id_number: Annotated[str, typer.Option("--id", help="身份证号 / ID number.")],
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """说明某人为何在或不在分组中 / Say which clause holds or fails for one resident."""
    segment, day = resolve(spec), _on(on)
    key = id_number.strip().upper()

    async def work() -> Verdict | None:
        async with database() as engine, engine.connect() as connection:
            return await explain_resident(connection, segment, key, day)

    verdict = run(work())
    if verdict is None:
        fail(
            f"台账中没有身份证号为 {mask_id_number(key)} 的居民",
            f"no resident with ID number {mask_id_number(key)}",
        )
    if as_json:
        print_json({"segment": segment.name, "in_segment": verdict.holds, "why": _tree(verdict)})
        return
    head = "在分组中 / in the segment" if verdict.holds else "不在分组中 / not in the segment"
    root = Tree(f"{mask_id_number(key)}：{head}（{segment.name}，{day.isoformat()}）")
    _render(verdict, root)
    console.print(root)


def _label(verdict: Verdict) -> str:
    node = verdict.node
    mark = "[green]✓[/]" if verdict.holds else "[red]✗[/]"
    if isinstance(node, Condition):
        return f"{mark} {node.describe()}   实际 actual: {verdict.actual}"
    if isinstance(node, AllOf):
        return f"{mark} 全部满足 all"
    if isinstance(node, AnyOf):
        return f"{mark} 任一满足 any"
    return f"{mark} 不满足 not"


def _render(verdict: Verdict, parent: Tree) -> None:
    branch = parent.add(_label(verdict), highlight=False)
    for part in verdict.parts:
        _render(part, branch)


def _tree(verdict: Verdict) -> dict[str, Any]:
    node = verdict.node
    out: dict[str, Any] = {"holds": verdict.holds}
    if isinstance(node, Condition):
        out.update(clause=node.describe(), actual=verdict.actual, path=node.path)
    else:
        out.update(
            clause=type(node).__name__.lower(),
            path=node.path,
            parts=[_tree(p) for p in verdict.parts],
        )
    return out
