"""Bilingual remarks an estimate carries, and the disclaimer every estimate shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Note:
    """One remark about an estimate, in Chinese and English."""

    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        """The note ready for JSON."""
        return {"zh": self.zh, "en": self.en}


DISCLAIMER = Note(
    zh=(
        "以上为估算，仅供参考，不是正式核定结果；"
        "实际待遇以当地社保经办机构核定为准，可拨打 12333 咨询。"
    ),
    en=(
        "This is an estimate for reference only, not an official figure; the actual pension is"
        " set by the local social-insurance agency. Call 12333 to ask."
    ),
)

NATIONAL_DEFAULTS = Note(
    "本省暂无参数数据，按全国默认值估算，可能与本地实际相差较大。",
    "No parameters for this province yet: national defaults used; the local figure may differ"
    " a lot.",
)
BALANCE_ESTIMATED = Note(
    "个人账户余额未知：按已缴月数和缴费档次估算（按当前工资水平计，代替历年利息）。",
    "Account balance unknown: estimated from the months paid and the base or tier (at today's"
    " wage level, standing in for past interest).",
)
KEEPS_PAYING = Note(
    "假设从恢复缴费起连续缴费直到退休。",
    "Assumes paying without a break from the resume date until retirement.",
)
MINIMUM_NOT_MET = Note(
    "到退休时缴费年限不足最低要求：需继续缴费或一次性补足差额，才能按月领取养老金。",
    "Short of the minimum contribution period at retirement: keep paying or pay the gap in a lump"
    " sum before a monthly pension can be drawn.",
)
WAGE_PROJECTED = Note(
    "退休当年的社平工资按假设的年增长率推算。",
    "The average wage in the retirement year is projected with the assumed yearly growth.",
)
UNCONFIRMED = Note(
    "部分参数尚待核实（来源标注 check），以当地公布的数值为准。",
    "Some parameters are still to be confirmed (source marked 'check'); the local notice prevails.",
)
ALREADY_DUE = Note(
    "已到领取年龄：按目前的缴费情况测算，不含今后缴费。",
    "Already at pension age: estimated on contributions so far, with no further payments.",
)
EARLY_NEEDS_MINIMUM = Note(
    "弹性提前退休须已达到最低缴费年限。",
    "Flexible early retirement requires the minimum contribution period to be met.",
)
NO_TRANSITIONAL_COEFFICIENT = Note(
    "本省过渡性养老金系数未知，未计算过渡性养老金。",
    "The province's transitional-pension coefficient is unknown: no transitional pension computed.",
)
RESIDENT_AT_60 = Note(
    "城乡居民养老保险年满 60 周岁、缴费满 15 年可按月领取。",
    "The resident pension is drawn from age 60 with at least 15 years of contributions.",
)
