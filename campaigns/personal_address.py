"""The polite form of address a message opens with: surname + 先生/女士, never the full name.

A message on a phone's lock screen can be read by anyone nearby, so it carries the least that
still reads as personal: the surname and a courtesy title. Compound surnames (欧阳, 司马, 诸葛…)
are kept whole when the name is long enough to hold a given name after them. Names that do not
look like a Han surname + given name (transliterated names with "·", Latin letters, single
characters) get a neutral greeting instead of a guess. One known limit: Dai names (common in
Xishuangbanna) carry no surname, and their first character (岩, 玉) is a sex marker; the ledger
cannot tell them apart, so they get the surname form too.
"""

from __future__ import annotations

import re

#: Greeting used when no polite form can be built.
NEUTRAL = "居民朋友"

#: Two-character surnames (复姓) still in use, from the traditional lists.
COMPOUND_SURNAMES = frozenset(
    """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离
    闾丘 澹台 公冶 太史 端木 申屠 南宫 西门 东郭 百里 呼延 万俟 独孤 赫连 拓跋 第五
    司空 濮阳 淳于 单于 公羊 左丘 谷梁 宗政 梁丘 乐正 漆雕 壤驷 巫马 亓官 羊舌 微生
    夹谷 段干 仲孙 叔孙 子车 颛孙 公西 东门 鲜于 司寇 公良 拓拔 完颜 纳兰
    """.split()  # noqa: SIM905 - a table reads better as text
)

_TITLE = {"male": "先生", "female": "女士"}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def surname(name: str) -> str | None:
    """The surname of a Han name, compound surnames whole; None when the name is not one."""
    name = name.strip()
    if len(name) < 2 or not _HAN.fullmatch(name):
        return None
    # "欧阳" alone is surname 欧 + given name 阳: a compound needs a given name after it.
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[0]


def polite_address(name: str, sex: str) -> str:
    """E.g. 欧阳先生 / 王女士; the neutral greeting when the name or sex gives no safe form."""
    family = surname(name)
    title = _TITLE.get(sex)
    if family is None or title is None:
        return NEUTRAL
    return family + title
