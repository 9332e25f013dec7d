"""The estimate and its comparisons as chat messages: short enough for a phone screen.

The same facts as `outreach pension estimate` shows (retirement date, months at retirement and
missing, the monthly pension and its parts, the assumptions), in fewer words: money as
pension computes it (yuan, two decimals), parameters without their sources, and the
province-dependent nature in one closing line.
"""

from __future__ import annotations

from decimal import Decimal

from bot.estimate_dialogue import level_label
from bot.estimate_model import Answers
from bot.estimate_texts import ESTIMATE
from bot.texts import Texts
from pension import Comparison, Estimate, Scheme, YearMonth

RESULT = Texts(
    {
        "title": ("【养老金估算】仅供参考", "Pension estimate (for reference only)"),
        "who": ("您的情况：{birth}出生，{category}", "You: born {birth}, {category}"),
        "employee_level": (
            "职工养老保险，今后按社平工资{level}缴费",
            "employee scheme, base {level}",
        ),
        "resident_level": ("城乡居民养老保险，每年交{level}档", "resident scheme, {level} a year"),
        "paid": ("已缴{years}", "paid so far: {years}"),
        "paid_unknown": ("已缴年限：台账没有记录", "years paid: not in the ledger"),
        "prefilled": (
            "以上信息取自台账，不对的话点“修改信息”。",
            "These details come from the ledger; press “Change details” if any is wrong.",
        ),
        "start": ("开始领取：{month}（{age}）", "Pension from: {month} (age {age})"),
        "months_met": (
            "到那时共缴费{years}，最低要求{minimum}：已满足。",
            "Paid by then: {years}; minimum {minimum}: met.",
        ),
        "months_missing": (
            "到那时共缴费{years}，最低要求{minimum}：还差 {missing} 个月，"
            "可以继续缴费或一次性补缴。",
            "Paid by then: {years}; minimum {minimum}: {missing} months short (keep paying or "
            "pay the gap in a lump sum).",
        ),
        "months_unknown": (
            "从现在起缴到那时共{years}，最低要求{minimum}；不知道您已缴几年，"
            "所以算不出离最低要求差几个月，点“修改信息”填上就能算。",
            "From now until then: {years}; minimum {minimum}. Years paid so far are unknown, so "
            "the months still missing cannot be told: press “Change details” to add them.",
        ),
        "total": ("每月约 {total} 元", "About {total} yuan a month"),
        "basic": ("· 基础养老金 {amount} 元", "· basic pension {amount}"),
        "account": ("· 个人账户养老金 {amount} 元", "· personal account {amount}"),
        "transitional": ("· 过渡性养老金 {amount} 元", "· transitional pension {amount}"),
        "assumed": ("按这些假设计算：", "Assumptions:"),
        "province": ("· {province}的参数", "· parameters: {province}"),
        "keeps_paying": ("· 从现在起连续缴费到领取", "· paying without a break until then"),
        "already_due": (
            "· 已到领取年龄：按目前缴费情况算，不含今后缴费",
            "· already at pension age: contributions so far only",
        ),
        "avg_wage": (
            "· 领取当年社平工资约 {wage} 元/月（每年增长 {growth}）",
            "· average wage then about {wage} yuan a month (growing {growth} a year)",
        ),
        "bookkeeping": ("· 个人账户记账利率 {rate}", "· account interest {rate} a year"),
        "subsidy": (
            "· 每年交 {tier} 元，政府补贴 {subsidy} 元",
            "· paying {tier} yuan a year, subsidy {subsidy} yuan",
        ),
        "resident_basic": (
            "· 基础养老金每月 {basic} 元（中央 {central} + 地方 {top_up}）",
            "· basic pension {basic} a month (central {central} + local {top_up})",
        ),
        "resident_rate": ("· 个人账户利率 {rate}", "· account interest {rate} a year"),
        "balance_estimated": (
            "· 个人账户余额按已缴年限估算",
            "· account balance estimated from the years paid",
        ),
        "disclaimer": (
            "各省参数和政策不同，以上只是估算，不是正式核定结果；"
            "以当地社保经办机构核定为准，可拨打 12333 咨询。",
            "Rules and figures differ by province; this is an estimate, not an official figure. "
            "The local social-insurance agency decides; call 12333 to ask.",
        ),
        "scenario": (
            "· {label}：约 {total} 元/月，共缴{years}",
            "· {label}: about {total} a month, {years} paid",
        ),
        "scenario_missing": ("，还差 {missing} 个月", ", {missing} months short"),
    }
)


def month_text(language: str, month: YearMonth) -> str:
    """2031年7月, or 2031-07 in English."""
    return str(month) if language == "en" else f"{month.year}年{month.month}月"


def years_text(language: str, months: int) -> str:
    """8年6个月 / 8 years 6 months; whole years without the months."""
    years, rest = divmod(months, 12)
    if language == "en":
        parts = [f"{years} years"] if years or not rest else []
        return " ".join(parts + ([f"{rest} months"] if rest else []))
    return (f"{years}年" if years or not rest else "") + (f"{rest}个月" if rest else "")


def percent(value: Decimal) -> str:
    """0.0262 → 2.62%."""
    return f"{(value * 100).normalize():f}%"


def estimate_text(language: str, result: Estimate, answers: Answers, as_of: YearMonth) -> str:
    """The estimate: who, when, how much and in which parts, on which assumptions."""
    t = RESULT
    person = result.person
    lines = [t(language, "title"), *_who(language, answers)]
    if answers.prefilled:
        lines.append(t(language, "prefilled"))
    years, months = result.start_age.years, result.start_age.months
    age = result.start_age.zh if language != "en" else f"{years} years {months} months"
    lines += ["", t(language, "start", month=month_text(language, result.start), age=age)]
    counted = {
        "years": years_text(language, result.months_at_retirement),
        "minimum": years_text(language, result.minimum_months),
    }
    if not answers.months_known:
        lines.append(t(language, "months_unknown", **counted))
    elif result.minimum_met:
        lines.append(t(language, "months_met", **counted))
    else:
        lines.append(t(language, "months_missing", missing=result.months_missing, **counted))
    benefit = result.benefit
    lines += [
        t(language, "total", total=benefit.total),
        t(language, "basic", amount=benefit.basic),
        t(language, "account", amount=benefit.account),
    ]
    if benefit.transitional:
        lines.append(t(language, "transitional", amount=benefit.transitional))
    lines += ["", t(language, "assumed"), *_assumptions(language, result, as_of)]
    if result.assumptions.balance_estimated and person.months_paid:
        lines.append(t(language, "balance_estimated"))
    lines.append(t(language, "disclaimer"))
    return "\n".join(lines)


def _who(language: str, answers: Answers) -> list[str]:
    """The answers the estimate rests on, in two or three short lines."""
    t = RESULT
    assert answers.birth is not None
    assert answers.category is not None
    assert answers.scheme is not None
    assert answers.level is not None
    birth = month_text(language, answers.birth)
    category = ESTIMATE(language, answers.category.value)
    level = level_label(language, answers.scheme, answers.level)
    paid = (
        t(language, "paid", years=years_text(language, answers.months or 0))
        if answers.months_known
        else t(language, "paid_unknown")
    )
    if answers.months_known and not answers.months:
        paid = ESTIMATE(language, "never_paid")
    key = "employee_level" if answers.scheme is Scheme.EMPLOYEE else "resident_level"
    separator = ", " if language == "en" else "，"
    return [
        t(language, "who", birth=birth, category=category),
        t(language, key, level=level) + separator + paid,
    ]


def _assumptions(language: str, result: Estimate, as_of: YearMonth) -> list[str]:
    t = RESULT
    a = result.assumptions
    province = a.province_en if language == "en" else a.province_zh
    lines = [t(language, "province", province=province)]
    lines.append(t(language, "keeps_paying" if result.start > as_of else "already_due"))
    if a.avg_wage is not None and a.wage_growth is not None:
        wage, growth = a.avg_wage.value, percent(a.wage_growth.value)
        lines.append(t(language, "avg_wage", wage=wage, growth=growth))
    if a.bookkeeping_rate is not None:
        lines.append(t(language, "bookkeeping", rate=percent(a.bookkeeping_rate.value)))
    if a.tier is not None and a.subsidy is not None:
        lines.append(t(language, "subsidy", tier=f"{a.tier:.0f}", subsidy=a.subsidy.value))
    if a.central_minimum is not None and a.resident_top_up is not None:
        central, top_up = a.central_minimum.value, a.resident_top_up.value
        basic = central + top_up
        lines.append(t(language, "resident_basic", basic=basic, central=central, top_up=top_up))
    if a.resident_account_rate is not None:
        lines.append(t(language, "resident_rate", rate=percent(a.resident_account_rate.value)))
    return lines


def comparison_text(language: str, comparison: Comparison, answers: Answers) -> str:
    """A comparison as a compact table: one line per scenario, the pension and the years."""
    en = language == "en"
    lines = [(comparison.title.en if en else comparison.title.zh) + ("" if en else "（估算）")]
    for scenario in comparison.scenarios:
        other = scenario.estimate
        line = RESULT(
            language,
            "scenario",
            label=scenario.label.en if en else scenario.label.zh,
            total=other.total,
            years=years_text(language, other.months_at_retirement),
        )
        if answers.months_known and other.months_missing:
            line += RESULT(language, "scenario_missing", missing=other.months_missing)
        lines.append(line)
    lines += [comparison.note.en if en else comparison.note.zh, RESULT(language, "disclaimer")]
    return "\n".join(lines)
