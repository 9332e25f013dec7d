"""Coded values of the ledger, with the Chinese labels staff write and the aliases they use."""

from __future__ import annotations

from enum import StrEnum


class LabelledCode(StrEnum):
    """A stored code with a Chinese label; parsing accepts the code, the label or an alias."""

    @property
    def label(self) -> str:
        """The Chinese label staff see and write."""
        return _LABELS[type(self), self.value]

    @classmethod
    def parse(cls, text: str) -> LabelledCode | None:
        """The code a cell means, or None when the text is not one of ours."""
        table = _LOOKUP.get(cls, {})
        folded = _fold(text)
        found = table.get(folded)
        if found is None and folded.endswith(")") and "(" in folded:
            # "男（male）": the form error messages and `choices()` show, copied back by staff.
            label, _, code = folded[:-1].partition("(")
            found = table.get(code) or table.get(label)
        return found

    @classmethod
    def choices(cls) -> str:
        """'label (code), …' for error messages."""
        return "、".join(f"{m.label}（{m.value}）" for m in cls)


class Sex(LabelledCode):
    MALE = "male"
    FEMALE = "female"


class Group(LabelledCode):
    """Identity group (人员类别): the groups outreach targets."""

    RIDER = "rider"
    STREAMER = "streamer"
    DRIVER = "driver"
    MIGRANT_WORKER = "migrant_worker"
    LAND_EXPROPRIATED_FARMER = "land_expropriated_farmer"
    FLEXIBLE = "flexible"
    SELF_EMPLOYED = "self_employed"
    OTHER = "other"


class Status(LabelledCode):
    """Status in one insurance scheme (参保状态)."""

    PAYING = "paying"
    LAPSED = "lapsed"
    NEVER = "never"
    TERMINATED = "terminated"


class Employment(LabelledCode):
    """Employment status (就业状态)."""

    EMPLOYED = "employed"
    FLEXIBLE = "flexible"
    UNEMPLOYED = "unemployed"
    FARMING = "farming"
    STUDENT = "student"
    RETIRED = "retired"


class SpecialCategory(LabelledCode):
    """Groups whose contribution the government pays in part or in full (代缴对象)."""

    NONE = "none"
    POVERTY_ALLEVIATED = "poverty_alleviated"
    MONITORED = "monitored"
    MINIMUM_LIVING = "minimum_living"
    EXTREMELY_POOR = "extremely_poor"
    SEVERELY_DISABLED = "severely_disabled"


class UninsuredReason(LabelledCode):
    """Why a resident is not insured (未参保原因)."""

    INSURED_ELSEWHERE = "insured_elsewhere"
    FINANCIAL_DIFFICULTY = "financial_difficulty"
    UNAWARE = "unaware"
    UNWILLING = "unwilling"
    STUDENT = "student"
    DECEASED = "deceased"
    ABSENT = "absent"
    LOST_CONTACT = "lost_contact"
    IMPRISONED = "imprisoned"
    OTHER = "other"


class PensionScheme(LabelledCode):
    """Which basic pension scheme a status refers to (养老保险险种)."""

    EMPLOYEE = "employee"
    RESIDENT = "resident"


class MedicalScheme(LabelledCode):
    """Which basic medical scheme a status refers to (医疗保险险种)."""

    EMPLOYEE = "employee"
    RESIDENT = "resident"


_FOLD = str.maketrans({"（": "(", "）": ")", "／": "/", " ": None, "\u3000": None, "\t": None})


def _fold(text: str) -> str:
    # Staff type full-width brackets, stray spaces and mixed case; none of it changes the meaning.
    return text.translate(_FOLD).lower()


# Label first, then aliases seen in real ledgers. A list of pairs, not a dict: members of different
# enums with the same value (Group.FLEXIBLE, Employment.FLEXIBLE) are equal strings.
_NAMES: list[tuple[LabelledCode, tuple[str, ...]]] = [
    (Sex.MALE, ("男", "男性", "m")),
    (Sex.FEMALE, ("女", "女性", "f")),
    (Group.RIDER, ("外卖骑手", "骑手", "快递员", "外卖员", "快递骑手", "外卖/快递员")),
    (Group.STREAMER, ("网络主播", "主播", "直播")),
    (Group.DRIVER, ("网约车司机", "网约车", "司机", "货车司机")),
    (Group.MIGRANT_WORKER, ("农民工", "进城务工人员", "外出务工人员", "务工人员")),
    (Group.LAND_EXPROPRIATED_FARMER, ("被征地农民", "失地农民")),
    (Group.FLEXIBLE, ("灵活就业人员", "灵活就业", "新就业形态从业人员")),
    (Group.SELF_EMPLOYED, ("个体工商户", "无雇工个体工商户", "个体户")),
    (Group.OTHER, ("其他", "其它")),
    (Status.PAYING, ("参保缴费", "正常缴费", "缴费", "已参保", "正常参保", "参保")),
    (Status.LAPSED, ("暂停缴费", "中断缴费", "断缴", "停缴", "欠费")),
    (Status.NEVER, ("未参保", "从未参保", "无")),
    (Status.TERMINATED, ("终止参保", "终止", "注销")),
    (Employment.EMPLOYED, ("单位就业", "在职", "就业", "受雇")),
    (Employment.FLEXIBLE, ("灵活就业", "自主创业", "个体经营")),
    (Employment.UNEMPLOYED, ("失业", "无业", "待业", "未就业")),
    (Employment.FARMING, ("务农", "农业生产")),
    (Employment.STUDENT, ("在校学生", "学生", "在校生")),
    (Employment.RETIRED, ("退休", "已退休")),
    (SpecialCategory.NONE, ("无", "否", "一般人员")),
    (SpecialCategory.POVERTY_ALLEVIATED, ("脱贫人口", "建档立卡贫困人口", "脱贫户")),
    (SpecialCategory.MONITORED, ("防返贫监测对象", "监测对象")),
    (SpecialCategory.MINIMUM_LIVING, ("低保对象", "低保", "低保户")),
    (SpecialCategory.EXTREMELY_POOR, ("特困人员", "特困供养人员", "特困")),
    (SpecialCategory.SEVERELY_DISABLED, ("重度残疾人", "重度残疾", "一二级残疾人")),
    (UninsuredReason.INSURED_ELSEWHERE, ("已在外地参保", "外地参保", "异地参保")),
    (UninsuredReason.FINANCIAL_DIFFICULTY, ("经济困难", "家庭困难", "无力缴费")),
    (UninsuredReason.UNAWARE, ("不了解政策", "不了解", "不知道政策")),
    (UninsuredReason.UNWILLING, ("不愿参保", "不愿意参保", "拒绝参保")),
    (UninsuredReason.STUDENT, ("在校学生", "学生")),
    (UninsuredReason.DECEASED, ("死亡", "已死亡", "去世")),
    (UninsuredReason.ABSENT, ("空挂户", "人户分离")),
    (UninsuredReason.LOST_CONTACT, ("长期失联", "失联", "联系不上")),
    (UninsuredReason.IMPRISONED, ("服刑", "服刑人员")),
    (UninsuredReason.OTHER, ("其他", "其它")),
    (PensionScheme.EMPLOYEE, ("企业职工基本养老保险", "职工养老", "企业职工养老保险", "职工")),
    (PensionScheme.RESIDENT, ("城乡居民基本养老保险", "居民养老", "城乡居民养老保险", "居民")),
    (MedicalScheme.EMPLOYEE, ("职工基本医疗保险", "职工医保", "职工")),
    (MedicalScheme.RESIDENT, ("城乡居民基本医疗保险", "居民医保", "城乡居民医保", "居民")),
]

_LABELS: dict[tuple[type[LabelledCode], str], str] = {
    (type(code), code.value): names[0] for code, names in _NAMES
}

_LOOKUP: dict[type[LabelledCode], dict[str, LabelledCode]] = {}
for _code, _names in _NAMES:
    _table = _LOOKUP.setdefault(type(_code), {})
    for _name in (_code.value, _code.name, *_names):
        _table.setdefault(_fold(_name), _code)
