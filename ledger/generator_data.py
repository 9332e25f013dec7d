"""What a synthetic Mile City ledger is made of: places, employers, shares, the words staff use."""

from __future__ import annotations

from ledger.codes import Employment, Group, SpecialCategory, Status, UninsuredReason

# Mile City (弥勒市) since January 2013; ID numbers issued before then keep Mile County's code.
MILE_CODE = "532504"
MILE_COUNTY_CODE = "532526"
MILE_ADDRESS = "云南省弥勒市"
MILE_REGION = "弥勒市"

# Neighbouring counties whose residents live and work in Mile: code, household-address prefix.
NEIGHBOURS: tuple[tuple[str, str], ...] = (
    ("532502", "云南省开远市乐白道街道"),
    ("532527", "云南省泸西县中枢镇"),
    ("530126", "云南省石林彝族自治县鹿阜街道"),
    ("532626", "云南省丘北县锦屏镇"),
    ("530424", "云南省华宁县宁州街道"),
)
NEIGHBOUR_SHARE = 0.08

# Townships and streets of Mile City with a rough share of the ledger (the city district is the
# largest) and their villages and communities.
# fmt: off
TOWNSHIPS: dict[str, tuple[float, tuple[str, ...]]] = {
    "弥阳街道": (
        34,
        (
            "城东社区", "城西社区", "城关社区", "铺田社区", "古城社区", "红烟社区", "温泉社区",
            "大树村", "吉山村", "禄丰村", "弥东村", "太平村", "阿乌村", "盘龙村", "章保村",
            "卫泸村", "小塘村",
        ),
    ),
    "新哨镇": (
        8,
        (
            "新哨村", "招纳村", "路体村", "里方村", "火木龙村", "朗才村", "羊街村", "新发村",
            "清河村", "布龙村",
        ),
    ),
    "虹溪镇": (8, ("虹溪村", "啥咩村", "招北村", "新桥村", "密纳村", "太和村", "文笔村", "白云村")),
    "竹园镇": (
        9,
        ("竹园村", "那庵村", "矣果村", "绿水村", "补其村", "土桥村", "龙潭村", "花园村", "者甸村"),
    ),
    "朋普镇": (7, ("朋普社区", "大庄村", "新寨村", "凤凰村", "莲花村", "石洞村")),
    "巡检司镇": (5, ("巡检司社区", "高甸村", "陶瓦村", "新庄村", "白土村", "大龙潭村")),
    "西一镇": (
        4,
        (
            "油榨村", "大云村", "起飞村", "树龙村", "攀枝邑村", "中和村", "长冲村", "勒色村",
            "阿基村", "雨龙村",
        ),
    ),
    "西二镇": (
        5,
        (
            "西龙村", "茂卜村", "额衣村", "路龙村", "四道水村", "糯租村", "大冲村", "西洱村",
            "海泊村", "芦柴冲村", "补蚌村", "矣维村",
        ),
    ),
    "西三镇": (4, ("西三村", "可邑村", "蚂蚁村", "戈西村", "小寨村", "大平地村")),
    "东山镇": (4, ("东山村", "邑堵村", "大田村", "法白村", "老乌村", "丫勒村")),
    "五山乡": (3, ("五山村", "大沙坝村", "咪乃村", "马者哨村", "法龙村")),
    "江边乡": (3, ("江边村", "凤凰村", "三道河村", "田坝村", "老寨村")),
}
# fmt: on

# Streets of the city district, for the addresses of its communities.
STREETS = ("髯翁东路", "髯翁西路", "中山路", "上清路", "温泉路", "太平路", "吉成路", "弥阳大道")

# Where people from Mile work, or are insured, outside the county.
ELSEWHERE = (
    "昆明市官渡区",
    "昆明市呈贡区",
    "广东省东莞市",
    "广东省深圳市宝安区",
    "浙江省义乌市",
    "上海市闵行区",
    "福建省晋江市",
    "江苏省苏州市",
)

# Where people live: migrant workers mostly away, others sometimes moved to the city district.
MIGRANT_AWAY_SHARE = 0.55
MOVED_TO_CITY_SHARE = 0.2
CITY = "弥阳街道"

# Share of each group in a ledger built for outreach (the unenrolled and lapsed dominate it).
GROUP_SHARES: dict[Group, float] = {
    Group.OTHER: 0.28,
    Group.MIGRANT_WORKER: 0.22,
    Group.FLEXIBLE: 0.12,
    Group.LAND_EXPROPRIATED_FARMER: 0.10,
    Group.SELF_EMPLOYED: 0.09,
    Group.RIDER: 0.08,
    Group.DRIVER: 0.06,
    Group.STREAMER: 0.05,
}

# Other words staff write for a group, and how often they use one instead of the label.
GROUP_ALIASES: dict[Group, tuple[str, ...]] = {
    Group.RIDER: ("快递员", "外卖员", "骑手"),
    Group.STREAMER: ("主播",),
    Group.DRIVER: ("网约车", "司机"),
    Group.MIGRANT_WORKER: ("进城务工人员", "外出务工人员"),
    Group.LAND_EXPROPRIATED_FARMER: ("失地农民",),
    Group.FLEXIBLE: ("灵活就业",),
    Group.SELF_EMPLOYED: ("个体户", "个体工商户"),
    Group.OTHER: ("其它",),
}
ALIAS_SHARE = 0.15

MALE_SHARE: dict[Group, float] = {
    Group.RIDER: 0.88,
    Group.DRIVER: 0.93,
    Group.STREAMER: 0.35,
    Group.MIGRANT_WORKER: 0.62,
}

EMPLOYMENT_SHARES: dict[Group, dict[Employment, float]] = {
    Group.RIDER: {Employment.FLEXIBLE: 0.8, Employment.EMPLOYED: 0.2},
    Group.STREAMER: {Employment.FLEXIBLE: 0.9, Employment.EMPLOYED: 0.1},
    Group.DRIVER: {Employment.FLEXIBLE: 0.8, Employment.EMPLOYED: 0.2},
    Group.MIGRANT_WORKER: {
        Employment.EMPLOYED: 0.6,
        Employment.FLEXIBLE: 0.25,
        Employment.UNEMPLOYED: 0.15,
    },
    Group.LAND_EXPROPRIATED_FARMER: {
        Employment.FARMING: 0.45,
        Employment.FLEXIBLE: 0.25,
        Employment.UNEMPLOYED: 0.2,
        Employment.EMPLOYED: 0.1,
    },
    Group.FLEXIBLE: {Employment.FLEXIBLE: 1.0},
    Group.SELF_EMPLOYED: {Employment.FLEXIBLE: 1.0},
    Group.OTHER: {
        Employment.FARMING: 0.5,
        Employment.UNEMPLOYED: 0.2,
        Employment.EMPLOYED: 0.2,
        Employment.FLEXIBLE: 0.1,
    },
}
# Of the youngest people in the "other" group (16–22), this share is still at school.
STUDENT_SHARE = 0.6

# Employer column: platform stations for riders and drivers, places of work for the rest.
EMPLOYERS: dict[Group, tuple[str, ...]] = {
    Group.RIDER: (
        "美团外卖弥勒站点",
        "饿了么弥勒配送站",
        "顺丰速运弥勒营业部",
        "中通快递弥勒分部",
        "圆通速递弥勒网点",
        "韵达快递弥勒网点",
        "京东物流弥勒站",
        "邮政快递弥勒揽投部",
    ),
    Group.DRIVER: ("滴滴出行", "曹操出行", "T3出行", "花小猪打车", "货拉拉", "弥勒出租汽车公司"),
    Group.STREAMER: ("抖音平台", "快手平台", "微信视频号", "个人直播间"),
    Group.MIGRANT_WORKER: (
        "东莞电子厂",
        "昆明建筑工地",
        "弥勒工业园区",
        "义乌物流园",
        "上海餐饮店",
        "晋江鞋厂",
        "苏州服装厂",
    ),
    Group.SELF_EMPLOYED: (
        "自营米线店",
        "自营小卖部",
        "水果摊",
        "汽修店",
        "烧烤店",
        "农家乐",
        "理发店",
        "葡萄种植",
    ),
    Group.FLEXIBLE: ("打零工", "家政服务", "装修零工", "葡萄园临时工"),
    Group.LAND_EXPROPRIATED_FARMER: ("打零工", "葡萄园临时工"),
    Group.OTHER: ("东风农场", "弥勒工业园区企业", "本地餐馆", "超市"),
}
# How often the employer column is filled for someone who works.
EMPLOYER_SHARE: dict[Group, float] = {
    Group.RIDER: 0.9,
    Group.DRIVER: 0.85,
    Group.STREAMER: 0.6,
    Group.MIGRANT_WORKER: 0.7,
    Group.SELF_EMPLOYED: 0.8,
    Group.FLEXIBLE: 0.3,
    Group.LAND_EXPROPRIATED_FARMER: 0.1,
    Group.OTHER: 0.4,
}

# About 5% are in a category whose contribution the government pays; most others leave it blank.
SPECIAL_SHARES: dict[SpecialCategory, float] = {
    SpecialCategory.POVERTY_ALLEVIATED: 0.020,
    SpecialCategory.MONITORED: 0.008,
    SpecialCategory.MINIMUM_LIVING: 0.012,
    SpecialCategory.EXTREMELY_POOR: 0.003,
    SpecialCategory.SEVERELY_DISABLED: 0.007,
}
SPECIAL_NONE_WRITTEN_SHARE = 0.3  # the others: "无" written instead of a blank

# Pension status by group: paying, lapsed (暂停缴费), never enrolled, terminated.
PENSION_SHARES: dict[Group, tuple[float, float, float, float]] = {
    Group.RIDER: (0.30, 0.30, 0.37, 0.03),
    Group.STREAMER: (0.20, 0.25, 0.52, 0.03),
    Group.DRIVER: (0.35, 0.30, 0.32, 0.03),
    Group.MIGRANT_WORKER: (0.40, 0.30, 0.27, 0.03),
    Group.LAND_EXPROPRIATED_FARMER: (0.55, 0.20, 0.20, 0.05),
    Group.FLEXIBLE: (0.40, 0.30, 0.27, 0.03),
    Group.SELF_EMPLOYED: (0.40, 0.28, 0.29, 0.03),
    Group.OTHER: (0.50, 0.20, 0.25, 0.05),
}
PENSION_SHARES_60_PLUS = (0.10, 0.20, 0.55, 0.15)
PENSION_SHARES_SPECIAL = (0.85, 0.05, 0.07, 0.03)  # the government pays for them
MEDICAL_SHARES = (0.70, 0.15, 0.12, 0.03)

# The words staff write for a status: the label most of the time, sometimes another.
STATUS_TEXTS: dict[Status, tuple[str, ...]] = {
    Status.PAYING: ("参保缴费", "参保缴费", "参保缴费", "正常缴费", "已参保"),
    Status.LAPSED: ("暂停缴费", "暂停缴费", "中断缴费", "断缴"),
    Status.NEVER: ("未参保",),
    Status.TERMINATED: ("终止参保", "终止"),
}

# Why the never-enrolled are not insured (students get STUDENT, not drawn from here).
UNINSURED_SHARES: dict[UninsuredReason, float] = {
    UninsuredReason.UNAWARE: 0.25,
    UninsuredReason.FINANCIAL_DIFFICULTY: 0.20,
    UninsuredReason.UNWILLING: 0.15,
    UninsuredReason.INSURED_ELSEWHERE: 0.12,
    UninsuredReason.ABSENT: 0.08,
    UninsuredReason.LOST_CONTACT: 0.08,
    UninsuredReason.OTHER: 0.07,
    UninsuredReason.DECEASED: 0.03,
    UninsuredReason.IMPRISONED: 0.02,
}
UNINSURED_REASON_SHARE = 0.85  # the rest have not been asked yet

VERIFICATION_SHARE = 0.4
VERIFICATIONS: dict[Status, tuple[str, ...]] = {
    Status.PAYING: ("已核实，正常缴费", "电话核实，已参保", "系统比对一致"),
    Status.LAPSED: (
        "已电话提醒续缴",
        "入户宣传，本人表示近期续缴",
        "联系不上本人，已告知家属",
        "已发送短信提醒",
    ),
    Status.NEVER: (
        "入户核实，已宣传参保政策",
        "本人表示考虑后参保",
        "电话核实，暂不参保",
        "已发放政策宣传单",
    ),
    Status.TERMINATED: ("核实已终止参保", "已转移至外地"),
}
DECEASED_VERIFICATION = "经核实已死亡"
VERIFIERS_PER_TOWNSHIP = 3

NOTE_SHARE = 0.08
NOTES = (
    "户主",
    "长期在外务工",
    "联系电话为家属电话",
    "已搬迁至城区居住",
    "本人不在家，由家属告知",
    "下次入户再核实",
    "已加入村民微信群",
    "外出务工，春节返乡",
)

PHONE_SHARE = 0.85
# The first three digits of mainland mobile numbers in common use.
PHONE_PREFIXES: tuple[int, ...] = (
    *range(130, 140),
    *range(150, 154),
    *range(155, 160),
    166,
    173,
    *range(175, 179),
    *range(180, 190),
    191,
    198,
    199,
)
