"""Text of `outreach pension …` for people: plain Chinese first, English second."""

from __future__ import annotations

from typing import Any

from pension import Comparison, Estimate, Retirement, Scheme, YearMonth


def month_zh(month: YearMonth) -> str:
    """A month in Chinese, e.g. 2026年08月."""
    return f"{month.year}年{month.month:02d}月"


def retirement_text(result: Retirement) -> str:
    """A retirement age and window in plain Chinese first, English second."""
    return "\n".join(
        (
            f"出生年月：{result.birth}　类别：{result.category.zh}",
            f"法定退休年龄：{result.age.zh}（延迟 {result.delay_months} 个月）",
            f"退休时间：{month_zh(result.date)}",
            f"弹性退休：最早 {result.earliest_age.zh}（{month_zh(result.earliest)}），"
            f"最晚 {result.latest_age.zh}（{month_zh(result.latest)}）；"
            "提前退休须已满足最低缴费年限。",
            f"Born {result.birth}, category {result.category.value}"
            f" (original age {result.original_age.years})",
            f"Statutory retirement age: {result.age.years} years {result.age.months} months"
            f" ({result.delay_months} months of delay)",
            f"Retires in: {result.date}",
            f"Flexible retirement: earliest {result.earliest_age} ({result.earliest}),"
            f" latest {result.latest_age} ({result.latest}); retiring early needs the minimum"
            " contribution years.",
        )
    )


_ASSUMPTION_LABELS = {
    "as_of": "测算月份 / estimate month",
    "province": "省份代码 / province code",
    "province_zh": "省份 / province",
    "province_en": "省份（英文）/ province",
    "national_defaults": "使用全国默认值 / national defaults",
    "resume": "恢复缴费 / resume paying",
    "balance_now": "目前账户余额 / balance now",
    "balance_estimated": "余额为估算 / balance estimated",
    "base": "今后缴费基数比例 / future base",
    "past_base": "已缴月份基数比例 / past base",
    "index": "平均缴费指数 / average index",
    "tier": "居民缴费档次（元/年）/ resident tier",
    "avg_wage": "退休当年计发基数 C / C in the retirement year",
    "wage_growth": "社平工资年增长率 / wage growth",
    "bookkeeping_rate": "记账利率 / bookkeeping rate",
    "transitional_coefficient": "过渡性系数 / transitional coefficient",
    "subsidy": "政府缴费补贴（元/年）/ contribution subsidy",
    "central_minimum": "中央基础养老金最低标准 / central minimum",
    "resident_top_up": "地方加发 / local top-up",
    "resident_account_rate": "居民账户计息率 / resident account rate",
}

_SCHEME_ZH = {
    Scheme.EMPLOYEE: "企业职工养老保险（含灵活就业）",
    Scheme.RESIDENT: "城乡居民养老保险",
}


def estimate_text(result: Estimate, comparisons: tuple[Comparison, ...]) -> str:
    """The estimate in plain Chinese first, English second."""
    a, b = result.assumptions, result.benefit
    employee = result.scheme is Scheme.EMPLOYEE
    met_zh = "已满足" if result.minimum_met else f"还差 {result.months_missing} 个月"
    met_en = "met" if result.minimum_met else f"{result.months_missing} months missing"
    zh = [
        "养老金估算（仅供参考）",
        f"省份：{a.province_zh}　险种：{_SCHEME_ZH[result.scheme]}",
        f"开始领取：{month_zh(result.start)}，{result.start_age.zh}"
        + (f"（法定退休年龄 {result.retirement.age.zh}）" if employee else ""),
        f"缴费：已缴 {result.person.months_paid} 个月，"
        f"到领取时共 {result.months_at_retirement} 个月；"
        f"最低要求 {result.minimum_months} 个月，{met_zh}",
        f"每月养老金约 {b.total} 元 = 基础养老金 {b.basic} + 个人账户养老金 {b.account}"
        + (f" + 过渡性养老金 {b.transitional}" if employee else ""),
        f"退休时个人账户约 {result.balance_at_retirement} 元，计发月数 {b.payout_months}",
    ]
    en = [
        "Pension estimate (for reference only)",
        f"Province: {a.province_en}; scheme: {result.scheme.value}",
        f"Pension from {result.start}, at {result.start_age}"
        + (f" (statutory retirement age {result.retirement.age})" if employee else ""),
        f"Contributions: {result.person.months_paid} months paid, {result.months_at_retirement}"
        f" at retirement; minimum {result.minimum_months}: {met_en}",
        f"Monthly pension about {b.total} yuan = basic {b.basic} + account {b.account}"
        + (f" + transitional {b.transitional}" if employee else ""),
        f"Account at retirement about {result.balance_at_retirement} yuan,"
        f" payout months {b.payout_months}",
    ]
    assumed = result.assumptions.as_dict()
    lines = zh + [f"· {note.zh}" for note in result.notes]
    lines += en + [f"- {note.en}" for note in result.notes]
    lines.append("假设 / Assumptions:")
    for key, value in assumed.items():
        label = _ASSUMPTION_LABELS.get(key, key)
        if isinstance(value, dict):
            lines.append(f"  {label}: {value['value']}（{value['source']}）")
        else:
            lines.append(f"  {label}: {value}")
    for comparison in comparisons:
        lines.append(f"{comparison.title.zh} / {comparison.title.en}")
        for scenario in comparison.scenarios:
            other = scenario.estimate
            lines.append(
                f"  {scenario.label.zh} / {scenario.label.en}: {other.total} 元/月 yuan a month,"
                f" {other.months_at_retirement} 个月 months, {other.start}"
            )
        lines.append(f"  {comparison.note.zh} / {comparison.note.en}")
    lines += [result.disclaimer.zh, result.disclaimer.en]
    return "\n".join(lines)


_PARAMETER_LABELS = {
    "avg_wage": "计发基数 C（元/月）/ average wage C (yuan a month)",
    "wage_growth": "社平工资年增长率 / yearly wage growth",
    "bookkeeping_rate": "记账利率（已公布）/ bookkeeping rate (published)",
    "future_bookkeeping_rate": "今后记账利率 / bookkeeping rate for later years",
    "transitional_coefficient": "过渡性养老金系数 / transitional coefficient",
    "central_minimum": "居民基础养老金中央最低标准 / resident central minimum",
    "resident_top_up": "地方加发 / local top-up",
    "resident_subsidy": "缴费档次: 补贴（元/年）/ tier: subsidy (yuan a year)",
    "resident_account_rate": "居民账户计息率 / resident account rate",
}


def parameters_text(data: dict[str, Any]) -> str:
    """A province's parameters, each with its source, in plain Chinese first, English second."""
    lines = [
        f"{data['name_zh']} / {data['name_en']}",
        "已有参数文件的省份 / provinces with data: " + ", ".join(data["shipped"]),
    ]
    for key, label in _PARAMETER_LABELS.items():
        lines.append(label)
        rows = data[key]
        for year, item in rows.items() if "value" not in rows else (("", rows),):
            lines.append(f"  {year} {item['value']}  ({item['source']})".replace("   ", " "))
    return "\n".join(lines)
