"""Segments: specs are checked, compiled SQL matches the Python evaluator, built-ins count right."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ledger import Employment, Group, Resident, Sex, SpecialCategory, Status, UninsuredReason
from ledger.segments import (
    FIELDS,
    Segment,
    SpecError,
    add_months,
    builtin_segments,
    compile_where,
    count_segment,
    evaluate,
    explain_resident,
    load_segment,
    parse_segment,
)
from tests.conftest import TODAY
from tests.ledger.builders import id_number

RESIDENTS = Resident.__table__

#: Evaluation dates that stress the calendar: today, a leap day, the day before one, year ends.
DATES = (TODAY, date(2028, 2, 29), date(2027, 2, 28), date(2026, 12, 31), date(2027, 1, 1))


def _births(rng: random.Random) -> list[date]:
    births: list[date] = []
    for on in DATES:
        for years in (16, 45, 50, 59, 60):
            anchor = (
                on.replace(year=on.year - years)
                if (on.month, on.day) != (2, 29)
                else date(on.year - years, 2, 28)
            )
            births += [anchor - timedelta(days=1), anchor, anchor + timedelta(days=1)]
    births += [date(1964, 2, 29), date(1980, 2, 29), date(2010, 2, 28)]
    births += [
        date(rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28)) for _ in range(60)
    ]
    return births


def _paid_months() -> list[date | None]:
    months: list[date | None] = [None]
    for on in DATES:
        months += [add_months(on, -k) for k in (0, 1, 5, 6, 7, 11, 12, 13, 24)]
    return months


def dataset(seed: int = 7) -> list[dict[str, Any]]:
    """Residents covering the boundaries of every field, with NULLs everywhere they may be."""
    rng = random.Random(seed)
    paid = _paid_months()
    rows = []
    for seq, birth in enumerate(_births(rng)):
        male = rng.random() < 0.5
        rows.append(
            {
                "id_number": id_number(birth.strftime("%Y%m%d"), seq, male=male),
                "name": f"居民{seq}",
                "sex": Sex.MALE.value if male else Sex.FEMALE.value,
                "birth_date": birth,
                "township": rng.choice(["新哨镇", "弥阳街道", None]),
                "village": rng.choice(["大坝村", "新哨村", None]),
                "phone": rng.choice(["13812345678", None]),
                "identity_group": rng.choice([*(g.value for g in Group), None]),
                "special_category": rng.choice([*(c.value for c in SpecialCategory), None]),
                "employment_status": rng.choice([*(e.value for e in Employment), None]),
                "pension_scheme": rng.choice(["employee", "resident", None]),
                "pension_status": rng.choice([*(s.value for s in Status), None]),
                "pension_last_paid": rng.choice(paid),
                "medical_status": rng.choice([*(s.value for s in Status), None]),
                "uninsured_reason": rng.choice([*(r.value for r in UninsuredReason), None, None]),
            }
        )
    return rows


_VALUES: dict[str, list[Any]] = {
    "sex": ["male", "female", "男"],
    "group": ["rider", "other", "外卖骑手", "migrant_worker"],
    "pension_status": ["lapsed", "paying", "never", "暂停缴费"],
    "pension_scheme": ["employee", "resident"],
    "medical_status": ["paying", "never"],
    "special_category": ["none", "minimum_living", "低保对象"],
    "employment_status": ["student", "flexible"],
    "uninsured_reason": ["deceased", "unaware"],
    "township": ["新哨镇", "弥阳街道"],
    "village": ["大坝村"],
    "age": [16, 45, 50, 59, 60],
    "lapse_months": [0, 1, 6, 12, 13],
    "has_phone": [True, False],
    "in_scope": [True, False],
    "pension_paid_this_year": [True, False],
}


def random_clause(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    """A random spec clause over every field and operator."""
    roll = rng.random()
    if depth < 3 and roll < 0.35:
        key = rng.choice(["all", "any"])
        return {key: [random_clause(rng, depth + 1) for _ in range(rng.randint(0, 3))]}
    if depth < 3 and roll < 0.45:
        return {"not": random_clause(rng, depth + 1)}
    name = rng.choice(list(_VALUES))
    field = FIELDS[name]
    op = rng.choice(sorted(field.ops))
    values = _VALUES[name]
    if op == "in":
        return {"field": name, "in": rng.sample(values, rng.randint(1, len(values)))}
    if op == "between":
        low, high = sorted(rng.sample(values, 2))
        return {"field": name, "between": [low, high]}
    return {"field": name, op: rng.choice(values)}


async def seed(engine: AsyncEngine, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(Resident), rows)


async def ids_in(engine: AsyncEngine, segment: Segment, on: date) -> set[str]:
    query = select(RESIDENTS.c.id_number).where(compile_where(segment.where, on))
    async with engine.connect() as connection:
        return set((await connection.execute(query)).scalars())


async def test_sql_and_python_agree_on_random_specs(engine: AsyncEngine) -> None:
    """For hundreds of random specs and boundary dates, SQL selects exactly whom explain admits."""
    rows = dataset()
    await seed(engine, rows)
    async with engine.connect() as connection:
        stored = (await connection.execute(select(RESIDENTS))).all()
    rng = random.Random(2026)
    for attempt in range(250):
        segment = parse_segment({"name": f"r{attempt}", "where": random_clause(rng)})
        on = rng.choice(DATES)
        expected = {r.id_number for r in stored if evaluate(segment.where, r, on).holds}
        assert await ids_in(engine, segment, on) == expected, (segment.where, on)


async def test_age_turns_on_the_birthday(engine: AsyncEngine) -> None:
    """A resident is 50 on their fiftieth birthday, not the day before."""
    born = date(1976, 11, 22)
    await seed(
        engine,
        [
            {
                "id_number": id_number("19761122"),
                "name": "甲",
                "sex": "male",
                "birth_date": born,
            }
        ],
    )
    segment = load_segment("name: x\nwhere: {field: age, gte: 50}")
    async with engine.connect() as connection:
        assert await count_segment(connection, segment, TODAY) == 1
        assert await count_segment(connection, segment, TODAY - timedelta(days=1)) == 0


async def test_lapse_months_counts_calendar_months(engine: AsyncEngine) -> None:
    """Last paid in May 2026 means five months lapsed in November 2026."""
    await seed(
        engine,
        [
            {
                "id_number": id_number("19800101"),
                "name": "甲",
                "sex": "male",
                "birth_date": date(1980, 1, 1),
                "pension_status": "lapsed",
                "pension_last_paid": date(2026, 6, 1),
            }
        ],
    )
    async with engine.connect() as connection:
        for spec, expected in (
            ("{field: lapse_months, eq: 5}", 1),
            ("{field: lapse_months, gte: 6}", 0),
            ("{field: lapse_months, between: [1, 5]}", 1),
        ):
            segment = load_segment(f"name: x\nwhere: {spec}")
            assert await count_segment(connection, segment, TODAY) == expected, spec


async def test_ne_keeps_residents_with_unknown_values(engine: AsyncEngine) -> None:
    """'village ne 大坝村' includes residents whose village is unknown, and not() mirrors eq."""
    await seed(
        engine,
        [
            {
                "id_number": id_number("19800101", 1),
                "name": "甲",
                "sex": "male",
                "birth_date": date(1980, 1, 1),
                "village": "大坝村",
            },
            {
                "id_number": id_number("19800101", 2),
                "name": "乙",
                "sex": "male",
                "birth_date": date(1980, 1, 1),
                "village": None,
            },
        ],
    )
    async with engine.connect() as connection:
        ne = load_segment("name: x\nwhere: {field: village, ne: 大坝村}")
        negated = load_segment("name: x\nwhere: {not: {field: village, eq: 大坝村}}")
        assert await count_segment(connection, ne, TODAY) == 1
        assert await count_segment(connection, negated, TODAY) == 1


async def test_issue_example_counts_lapsed_men_over_50(engine: AsyncEngine) -> None:
    """The spec form of the issue is accepted and selects lapsed men of 50 and over."""
    rows = dataset()
    await seed(engine, rows)
    spec = load_segment(
        "name: lapsed-men-50\nwhere:\n  all:\n    - {field: sex, eq: male}\n"
        "    - {field: age, gte: 50}\n    - {field: pension_status, in: [lapsed]}\n"
    )
    expected = sum(
        1
        for r in rows
        if r["sex"] == "male"
        and r["pension_status"] == "lapsed"
        and (
            TODAY.year
            - r["birth_date"].year
            - ((TODAY.month, TODAY.day) < (r["birth_date"].month, r["birth_date"].day))
        )
        >= 50
    )
    async with engine.connect() as connection:
        assert await count_segment(connection, spec, TODAY) == expected > 0


async def test_builtin_segments_all_compile_and_count(engine: AsyncEngine) -> None:
    """Every built-in segment runs and agrees with the Python evaluator."""
    rows = dataset()
    await seed(engine, rows)
    async with engine.connect() as connection:
        stored = (await connection.execute(select(RESIDENTS))).all()
        for segment in builtin_segments().values():
            expected = sum(1 for r in stored if evaluate(segment.where, r, TODAY).holds)
            assert await count_segment(connection, segment, TODAY) == expected, segment.name


async def test_explain_names_the_failing_clause(engine: AsyncEngine) -> None:
    """Explain marks each clause with whether it holds and the value it saw."""
    zhang = id_number("19700101")
    await seed(
        engine,
        [
            {
                "id_number": zhang,
                "name": "甲",
                "sex": "male",
                "birth_date": date(1970, 1, 1),
                "pension_status": "paying",
            }
        ],
    )
    segment = builtin_segments()["lapsed-priority"]
    async with engine.connect() as connection:
        verdict = await explain_resident(connection, segment, zhang, TODAY)
        missing = await explain_resident(connection, segment, id_number("19700102"), TODAY)
    assert verdict is not None
    assert missing is None
    assert not verdict.holds
    in_scope, status, _ = verdict.parts
    assert in_scope.holds
    assert not status.holds
    assert status.actual == "参保缴费（paying）"


def test_builtins_cover_the_seed_segments() -> None:
    """The segments LEDGER.md §4 names ship as built-ins, each with a bilingual description."""
    names = set(builtin_segments())
    assert {
        "lapsed-priority",
        "new-form-workers",
        "migrant-workers-unenrolled",
        "land-expropriated-farmers",
        "over-60-never-enrolled",
        "medical-unpaid",
        "special-categories",
        "lapsed-this-year",
    } <= names
    assert all(" / " in s.description for s in builtin_segments().values())


@pytest.mark.parametrize(
    ("spec", "path", "fragment"),
    [
        ("[]", "$", "mapping"),
        ("name: x", "where", "where"),
        ("name: x\nwhere: {field: sexx, eq: male}", "where.field", "sexx"),
        ("name: x\nwhere: {field: sex, gte: male}", "where.gte", "does not take gte"),
        ("name: x\nwhere: {field: sex, eq: robot}", "where.eq", "robot"),
        ("name: x\nwhere: {field: age, eq: fifty}", "where.eq", "0–1200"),
        ("name: x\nwhere: {field: age, between: [60, 50]}", "where.between", "above"),
        ("name: x\nwhere: {field: age, gte: 50, lte: 60}", "where", "exactly one operator"),
        (
            "name: x\nwhere: {all: [{field: sex, eq: male}, {any: {field: age}}]}",
            "where.all[1]",
            "list",
        ),
        ("name: x\nwhere: {field: group, in: []}", "where.in", "non-empty"),
        ("name: x\nwhere: {field: has_phone, eq: yes please}", "where.eq", "true/false"),
        ("name: x\nwhere: {oops: 1}", "where", "needs"),
        ("name: [unclosed", "第1行", "YAML"),
    ],
)
def test_bad_specs_say_where_and_why(spec: str, path: str, fragment: str) -> None:
    """Every malformed spec is refused with the path of the bad clause and the reason."""
    with pytest.raises(SpecError) as caught:
        load_segment(spec)
    assert caught.value.path == path
    assert fragment in caught.value.en + caught.value.zh


def test_values_are_bound_parameters_never_sql_text() -> None:
    """A value that looks like SQL is a bound parameter, not part of the statement."""
    segment = load_segment("name: x\nwhere: {field: township, eq: \"x' OR '1'='1\"}")
    compiled = compile_where(segment.where, TODAY).compile()
    assert "OR '1'='1" not in str(compiled)
    assert "x' OR '1'='1" in compiled.params.values()


def test_chinese_labels_are_accepted_as_values() -> None:
    """Staff may write the Chinese label instead of the code."""
    segment = load_segment("name: x\nwhere: {field: group, in: [外卖骑手, 网约车司机]}")
    assert segment.where.value == ("rider", "driver")  # type: ignore[union-attr]
