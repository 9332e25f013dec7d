"""The ledger's columns: the headers staff write (Chinese or English) and what each one means."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.errors import BilingualError


class Field(StrEnum):
    """A column of the ledger file, by the resident attribute it fills."""

    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    HOUSEHOLD_ADDRESS = "household_address"
    CURRENT_ADDRESS = "current_address"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GROUP = "identity_group"
    EMPLOYMENT = "employment_status"
    EMPLOYER = "employer"
    SPECIAL_CATEGORY = "special_category"
    PENSION_SCHEME = "pension_scheme"
    PENSION_STATUS = "pension_status"
    PENSION_LAST_PAID = "pension_last_paid"
    PENSION_REGION = "pension_region"
    MEDICAL_SCHEME = "medical_scheme"
    MEDICAL_STATUS = "medical_status"
    MEDICAL_LAST_PAID = "medical_last_paid"
    UNINSURED_REASON = "uninsured_reason"
    VERIFICATION = "verification"
    VERIFIED_ON = "verified_on"
    VERIFIED_BY = "verified_by"
    NOTE = "note"


#: Header written by the generator and by exports, first; aliases after it.
HEADERS: dict[Field, tuple[str, ...]] = {
    Field.NAME: ("姓名", "name"),
    Field.ID_NUMBER: ("公民身份号码", "身份证号", "身份证号码", "id_number", "id number", "id"),
    Field.PHONE: ("联系电话", "手机号", "手机号码", "电话", "phone", "mobile"),
    Field.HOUSEHOLD_ADDRESS: ("户籍地址", "户籍所在地", "household_address", "household address"),
    Field.CURRENT_ADDRESS: (
        "常住地址",
        "现居住地址",
        "居住地址",
        "current_address",
        "current address",
    ),
    Field.TOWNSHIP: ("乡镇（街道）", "乡镇", "街道", "乡镇街道", "township", "town"),
    Field.VILLAGE: ("村（社区）", "村", "社区", "村社区", "村居", "village", "community"),
    Field.GROUP: ("人员类别", "人员身份", "身份类别", "identity_group", "group", "category"),
    Field.EMPLOYMENT: ("就业状态", "就业情况", "employment_status", "employment"),
    Field.EMPLOYER: ("工作单位", "就业单位", "employer"),
    Field.SPECIAL_CATEGORY: ("特殊群体", "代缴类别", "特殊人员类别", "special_category"),
    Field.PENSION_SCHEME: ("养老保险险种", "养老险种", "pension_scheme"),
    Field.PENSION_STATUS: ("养老保险参保状态", "养老参保状态", "pension_status", "pension status"),
    Field.PENSION_LAST_PAID: (
        "养老保险最后缴费年月",
        "养老最后缴费年月",
        "最后缴费年月",
        "pension_last_paid",
        "pension last paid",
    ),
    Field.PENSION_REGION: ("养老保险参保地", "参保地", "pension_region"),
    Field.MEDICAL_SCHEME: ("医疗保险险种", "医保险种", "medical_scheme"),
    Field.MEDICAL_STATUS: ("医疗保险参保状态", "医保参保状态", "medical_status", "medical status"),
    Field.MEDICAL_LAST_PAID: ("医疗保险最后缴费年月", "医保最后缴费年月", "medical_last_paid"),
    Field.UNINSURED_REASON: ("未参保原因", "未参保原因说明", "uninsured_reason", "reason"),
    Field.VERIFICATION: ("核实情况", "核实结果", "verification"),
    Field.VERIFIED_ON: ("核实日期", "核实时间", "verified_on"),
    Field.VERIFIED_BY: ("核实人", "核实人员", "verified_by"),
    Field.NOTE: ("备注", "note", "remarks"),
}

REQUIRED: tuple[Field, ...] = (Field.NAME, Field.ID_NUMBER)

_NOISE = re.compile(r"[\s*※]|（必填）|\(必填\)")


def fold_header(text: str) -> str:
    """A header as compared: brackets half-width, no spaces or required-markers, lower case."""
    text = text.replace("（", "(").replace("）", ")")
    return _NOISE.sub("", text).replace("_", "").lower()


_BY_HEADER: dict[str, Field] = {fold_header(h): f for f, hs in HEADERS.items() for h in hs}


class HeaderError(BilingualError):
    """The header row makes the whole file unusable; nothing was imported."""


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Which position of a row holds which field, and the header text staff gave it."""

    positions: dict[Field, int]
    titles: dict[Field, str]
    ignored: tuple[str, ...]

    @classmethod
    def from_row(cls, row: list[str]) -> HeaderMap:
        """Recognise a header row; raise HeaderError if required columns are missing or doubled."""
        positions: dict[Field, int] = {}
        titles: dict[Field, str] = {}
        ignored: list[str] = []
        for index, raw in enumerate(row):
            title = raw.strip()
            field = _BY_HEADER.get(fold_header(title))
            if field is None:
                if title:
                    ignored.append(title)
                continue
            if field in positions:
                raise HeaderError(
                    f"表头中“{titles[field]}”和“{title}”是同一列（{HEADERS[field][0]}），请删去一列",
                    f"headers '{titles[field]}' and '{title}' both mean {field.value}; remove one",
                )
            positions[field] = index
            titles[field] = title
        missing = [f for f in REQUIRED if f not in positions]
        if missing:
            zh = "、".join(HEADERS[f][0] for f in missing)
            en = ", ".join(f.value for f in missing)
            raise HeaderError(
                f"缺少必需的列：{zh}。请检查表头行（列名可用中文或英文）",
                f"missing required column(s): {en}; check the header row",
            )
        return cls(positions=positions, titles=titles, ignored=tuple(ignored))
