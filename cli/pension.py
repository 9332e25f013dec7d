"""`outreach pension …`: retirement age, the bare formulas and person-level estimates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from cli.context import fail, print_json
from cli.pension_text import estimate_text, parameters_text, retirement_text
from core import today
from pension import (
    DISCLAIMER,
    Age,
    Category,
    Overrides,
    PensionError,
    Person,
    Retirement,
    Scheme,
    YearMonth,
    check_index,
    compare_all,
    employee_pension,
    estimate,
    load_parameters,
    province_code,
    provinces,
    resident_pension,
    retirement,
    shipped_provinces,
)

app = typer.Typer(help="养老金测算 / Pension estimates.", no_args_is_help=True)

JsonFlag = Annotated[
    bool, typer.Option("--json", help="输出一个 JSON 对象 / print one JSON object")
]
Birth = Annotated[str, typer.Option("--birth", help="出生年月 YYYY-MM / birth month")]
CategoryOption = Annotated[
    str, typer.Option("--category", help="male | female55 | female50（原退休年龄 60/55/50）")
]


@contextmanager
def _bilingual_errors() -> Iterator[None]:
    """Turn bad input into a Chinese-then-English message and exit code 2, never a traceback."""
    try:
        yield
    except PensionError as err:
        fail(err.zh, err.en)


def _decimal(text: str, option: str) -> Decimal:
    """A decimal number from an option's text (never via float)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise PensionError(f"{option} 应为数字：{text!r}", f"{option} must be a number: {text!r}")
    return value


def _int(text: str, option: str) -> int:
    """A whole number from an option's text."""
    try:
        return int(text.strip())
    except ValueError:
        raise PensionError(
            f"{option} 应为整数：{text!r}", f"{option} must be a whole number: {text!r}"
        ) from None


def _optional_decimal(text: str | None, option: str) -> Decimal | None:
    """`_decimal`, or None when the option was not given."""
    return None if text is None else _decimal(text, option)


def _this_month() -> YearMonth:
    """The current month in China."""
    return YearMonth.of(today())


@app.command("retirement")
def retirement_command(birth: Birth, category: CategoryOption, as_json: JsonFlag = False) -> None:
    """法定退休年龄和弹性退休区间 / Statutory retirement age and the flexible window."""
    with _bilingual_errors():
        result = retirement(YearMonth.parse(birth), Category.parse(category))
    if as_json:
        print_json(_retirement_dict(result))
        return
    typer.echo(retirement_text(result))


def _retirement_dict(result: Retirement) -> dict[str, Any]:
    """A retirement ready for JSON."""
    return {
        "birth": str(result.birth),
        "category": result.category.value,
        "original_age": str(result.original_age),
        "age_years": result.age.years,
        "age_months": result.age.months,
        "delay_months": result.delay_months,
        "retire": str(result.date),
        "earliest_age": str(result.earliest_age),
        "earliest": str(result.earliest),
        "latest_age": str(result.latest_age),
        "latest": str(result.latest),
    }


@app.command()
def formula(
    scheme: Annotated[str, typer.Option(help="employee | resident")],
    avg_wage: Annotated[
        str | None, typer.Option(help="计发基数 C（元/月）/ average wage C")
    ] = None,
    index: Annotated[str | None, typer.Option(help="平均缴费指数 I（0.6–3.0）")] = None,
    years: Annotated[str | None, typer.Option(help="缴费年限 N / contribution years")] = None,
    balance: Annotated[str, typer.Option(help="个人账户余额 / account balance")] = "0",
    retire_age: Annotated[str | None, typer.Option(help="退休年龄，如 60y0m")] = None,
    deemed_years: Annotated[str, typer.Option(help="视同缴费年限 / deemed years")] = "0",
    coefficient: Annotated[str, typer.Option(help="过渡性养老金系数")] = "0",
    basic: Annotated[str | None, typer.Option(help="居民基础养老金 / resident basic")] = None,
    as_json: JsonFlag = False,
) -> None:
    """按公式计算（每个输入都需给出）/ The bare formula, every input explicit."""
    with _bilingual_errors():
        chosen = Scheme.parse(scheme)
        amount = _decimal(balance, "--balance")
        if chosen is Scheme.EMPLOYEE:
            if avg_wage is None or index is None or years is None or retire_age is None:
                needed = {"--avg-wage": avg_wage, "--index": index, "--years": years}
                needed["--retire-age"] = retire_age
                missing = ", ".join(name for name, value in needed.items() if value is None)
                raise PensionError(
                    f"职工养老金公式还需要：{missing}",
                    f"the employee formula also needs: {missing}",
                )
            wage = _decimal(avg_wage, "--avg-wage")
            mean_index = check_index(_decimal(index, "--index"), "index")
            n_years = _decimal(years, "--years")
            age = Age.parse(retire_age)
            deemed = _decimal(deemed_years, "--deemed-years")
            coef = _decimal(coefficient, "--coefficient")
            result = employee_pension(wage, mean_index, n_years, amount, age, deemed, coef)
            inputs: dict[str, object] = {
                "avg_wage": wage,
                "index": mean_index,
                "years": n_years,
                "balance": amount,
                "retire_age": age,
                "deemed_years": deemed,
                "coefficient": coef,
            }
        else:
            if basic is None:
                raise PensionError(
                    "居民养老金公式还需要：--basic", "the resident formula also needs: --basic"
                )
            basic_amount = _decimal(basic, "--basic")
            result = resident_pension(basic_amount, amount)
            inputs = {"basic": basic_amount, "balance": amount}
    if as_json:
        print_json(
            {"scheme": chosen.value, **result.as_dict(), "is_estimate": True}
            | {"inputs": {name: str(value) for name, value in inputs.items()}}
            | {"disclaimer": DISCLAIMER.as_dict()}
        )
        return
    employee = chosen is Scheme.EMPLOYEE
    typer.echo(
        f"每月养老金 {result.total} 元 = 基础养老金 {result.basic}"
        f" + 个人账户养老金 {result.account}"
        + (f" + 过渡性养老金 {result.transitional}" if employee else "")
        + f"（计发月数 {result.payout_months}）\n"
        f"Monthly pension {result.total} yuan = basic {result.basic} + account {result.account}"
        + (f" + transitional {result.transitional}" if employee else "")
        + f" (payout months {result.payout_months})\n{DISCLAIMER.zh}\n{DISCLAIMER.en}"
    )


@app.command("estimate")
def estimate_command(
    birth: Birth,
    category: CategoryOption,
    province: Annotated[str, typer.Option(help="省份拼音或中文名，如 yunnan / 云南")] = "national",
    scheme: Annotated[str, typer.Option(help="employee（职工/灵活就业）| resident（城乡居民）")] = (
        "employee"
    ),
    months_paid: Annotated[str, typer.Option(help="已缴月数 / months paid so far")] = "0",
    balance: Annotated[str | None, typer.Option(help="账户余额，不填则估算 / balance")] = None,
    base: Annotated[str, typer.Option(help="缴费基数占社平工资比例 0.6–3.0")] = "0.6",
    past_base: Annotated[str | None, typer.Option(help="已缴月份的平均基数比例")] = None,
    tier: Annotated[str | None, typer.Option(help="居民缴费档次（元/年）/ resident tier")] = None,
    deemed_months: Annotated[str, typer.Option(help="视同缴费月数 / deemed months")] = "0",
    resume: Annotated[str | None, typer.Option(help="恢复缴费年月 YYYY-MM")] = None,
    retire_age: Annotated[str | None, typer.Option(help="弹性退休年龄，如 61y0m")] = None,
    as_of: Annotated[str | None, typer.Option(help="测算月份 YYYY-MM（默认本月）")] = None,
    compare: Annotated[bool, typer.Option(help="加上三种对比 / add the comparisons")] = False,
    avg_wage: Annotated[str | None, typer.Option(help="覆盖社平工资 C / override C")] = None,
    avg_wage_year: Annotated[str | None, typer.Option(help="C 的年份（默认测算年）")] = None,
    wage_growth: Annotated[str | None, typer.Option(help="社平工资年增长率，如 0.03")] = None,
    bookkeeping_rate: Annotated[str | None, typer.Option(help="记账利率，如 0.0262")] = None,
    central_minimum: Annotated[str | None, typer.Option(help="中央基础养老金最低标准")] = None,
    top_up: Annotated[str | None, typer.Option(help="地方加发基础养老金")] = None,
    subsidy: Annotated[str | None, typer.Option(help="居民缴费补贴（元/年）")] = None,
    resident_rate: Annotated[str | None, typer.Option(help="居民账户计息率")] = None,
    transitional_coefficient: Annotated[str | None, typer.Option(help="过渡性系数")] = None,
    as_json: JsonFlag = False,
) -> None:
    """个人养老金估算 / A person's pension estimate, optionally with comparisons."""
    with _bilingual_errors():
        month = YearMonth.parse(as_of) if as_of else _this_month()
        person = Person(
            birth=YearMonth.parse(birth),
            category=Category.parse(category),
            scheme=Scheme.parse(scheme),
            months_paid=_int(months_paid, "--months-paid"),
            balance=_optional_decimal(balance, "--balance"),
            base=_decimal(base, "--base"),
            past_base=_optional_decimal(past_base, "--past-base"),
            tier=_optional_decimal(tier, "--tier"),
            deemed_months=_int(deemed_months, "--deemed-months"),
            resume=YearMonth.parse(resume) if resume else None,
            retire_age=Age.parse(retire_age) if retire_age else None,
        )
        wage = _optional_decimal(avg_wage, "--avg-wage")
        wage_year = _int(avg_wage_year, "--avg-wage-year") if avg_wage_year else month.year
        overrides = Overrides(
            avg_wage={} if wage is None else {wage_year: wage},
            wage_growth=_optional_decimal(wage_growth, "--wage-growth"),
            bookkeeping_rate=_optional_decimal(bookkeeping_rate, "--bookkeeping-rate"),
            central_minimum=_optional_decimal(central_minimum, "--central-minimum"),
            resident_top_up=_optional_decimal(top_up, "--top-up"),
            resident_subsidy=_optional_decimal(subsidy, "--subsidy"),
            resident_account_rate=_optional_decimal(resident_rate, "--resident-rate"),
            transitional_coefficient=_optional_decimal(
                transitional_coefficient, "--transitional-coefficient"
            ),
        )
        params = load_parameters(province, None if overrides == Overrides() else overrides)
        result = estimate(person, params, month)
        comparisons = compare_all(person, params, month) if compare else ()
    if as_json:
        data = result.as_dict()
        if compare:
            data["comparisons"] = [comparison.as_dict() for comparison in comparisons]
        print_json(data)
        return
    typer.echo(estimate_text(result, comparisons))


@app.command("parameters")
def parameters_command(
    province: Annotated[str, typer.Option(help="省份拼音或中文名")] = "national",
    as_json: JsonFlag = False,
) -> None:
    """参数及其来源 / The shipped parameters of a province, each with its source."""
    with _bilingual_errors():
        params = load_parameters(province)
        code = province_code(province)
    national, local = params.national, params.province

    def table(rows: Any) -> dict[str, Any]:
        return {
            str(year): {"value": _plain(item.value), "source": item.source}
            for year, item in rows.entries.items()
        }

    data: dict[str, Any] = {
        "province": code,
        "name_zh": local.name_zh,
        "name_en": local.name_en,
        "national_defaults": local.national_defaults,
        "shipped": list(shipped_provinces()),
        "known": sorted(provinces()),
        "avg_wage": table(local.avg_wage),
        "resident_top_up": table(local.resident_top_up),
        "resident_subsidy": table(local.resident_subsidy),
        "transitional_coefficient": table(local.transitional_coefficient),
        "central_minimum": table(national.central_minimum),
        "bookkeeping_rate": table(national.bookkeeping_rate),
        "future_bookkeeping_rate": {
            "value": str(national.future_bookkeeping_rate.value),
            "source": national.future_bookkeeping_rate.source,
        },
        "wage_growth": {
            "value": str(national.wage_growth.value),
            "source": national.wage_growth.source,
        },
        "resident_account_rate": {
            "value": str(national.resident_account_rate.value),
            "source": national.resident_account_rate.source,
        },
    }
    if as_json:
        print_json(data)
        return
    typer.echo(parameters_text(data))


def _plain(value: Any) -> Any:
    """Decimals (and tier schedules of them) as JSON-ready strings."""
    if isinstance(value, dict):
        return {str(key): str(item) for key, item in value.items()}
    return str(value)
