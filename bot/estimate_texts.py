"""What the estimate dialogue asks and answers on its buttons, in Chinese and English."""

from __future__ import annotations

from bot.texts import Texts

ESTIMATE = Texts(
    {
        "intro": (
            "帮您估算退休后每月大约能领多少养老金，回答几个问题就行（点按钮或打字）。",
            "Let's estimate your monthly pension. A few questions (press a button or type).",
        ),
        "ask_birth": (
            "请输入您的出生年月，例如 1975-03 或 1975年3月",
            "Your month of birth, e.g. 1975-03",
        ),
        "ask_category": (
            "您是男性还是女性？女性请按原来的退休年龄选：企业女工人一般 50 岁，"
            "女干部和自己交社保的灵活就业人员一般 55 岁。",
            "Man or woman? Women: choose the original retirement age (50 for women workers of "
            "a company, 55 for cadres and for women paying on their own as flexible workers).",
        ),
        "ask_scheme": (
            "您交（或打算交）的是哪种养老保险？\n"
            "· 职工养老保险：单位交，或个人按灵活就业身份交\n"
            "· 城乡居民养老保险：在村里或社区交，按年选档次",
            "Which pension scheme do (or will) you pay into?\n"
            "· employee scheme: through an employer, or on your own as a flexible worker\n"
            "· resident scheme: paid yearly at a chosen tier, through the village or community",
        ),
        "ask_years": (
            "到现在一共交了几年养老保险？点一个范围，或直接输入，例如 8 或 8年6个月",
            "How many years have you paid so far? Pick a range, or type it, e.g. 8 or 8y6m",
        ),
        "ask_exact_years": (
            "具体是几年？也可以直接输入，例如 8年6个月",
            "How many years exactly? You may also type it, e.g. 8y6m",
        ),
        "ask_base": (
            "今后按社平工资的多少缴费？灵活就业人员可以在 60%–300% 之间选，多数人选 60%。",
            "From now on, pay on what share of the average wage? Flexible workers choose "
            "60%–300%; most choose 60%.",
        ),
        "ask_tier": (
            "今后每年交哪个档次？档次越高，政府补贴越多，将来领得也越多。",
            "Which yearly tier will you pay? A higher tier gets a larger subsidy and a larger "
            "pension.",
        ),
        "male": ("男", "Man"),
        "female50": ("女（原50岁退休）", "Woman (originally 50)"),
        "female55": ("女（原55岁退休）", "Woman (originally 55)"),
        "employee": ("职工养老保险", "Employee scheme"),
        "resident": ("城乡居民养老保险", "Resident scheme"),
        "never_paid": ("没交过", "Never paid"),
        "year_range": ("{low}–{high}年", "{low}–{high} years"),
        "years_and_more": ("{low}年以上", "{low}+ years"),
        "one_year": ("{years}年", "{years}"),
        "other_ranges": ("« 其他范围", "« Other ranges"),
        "more_years": (
            "{low}年以上请直接输入年数。",
            "More than {low} years: please type the number.",
        ),
        "base_button": ("{percent}%", "{percent}%"),
        "tier_button": ("{tier}元", "{tier} yuan"),
        "back": ("« 上一步", "« Back"),
        "cancel": ("退出", "Cancel"),
        "cancelled": (
            "好的，已退出估算。想再算，随时发送 /estimate。",
            "All right, the estimate is cancelled. Send /estimate whenever you like.",
        ),
        "left_for_question": (
            "（这是对您问题的回答，估算已退出。想再算，随时发送 /estimate。）",
            "(That answers your question; the estimate is closed. Send /estimate whenever you "
            "like.)",
        ),
        "bad_birth": (
            "没看懂这个出生年月。请按“年-月”输入，例如 1975-03、197503 或 1975年3月。"
            "发送“退出”可结束估算。",
            "I could not read that month. Please type year and month, e.g. 1975-03 or 197503. "
            "Send “cancel” to leave the estimate.",
        ),
        "birth_range": (
            "这个出生年份超出了能估算的范围，请再核对一下；已领取养老金的请拨打 12333 咨询。",
            "That year of birth is outside what the estimate covers; please check it. If you "
            "already draw a pension, call 12333.",
        ),
        "too_young": (
            "满 {years} 周岁才能参加养老保险，请再核对一下出生年月。",
            "Pension insurance starts at age {years}; please check the month of birth.",
        ),
        "bad_years": (
            "没看懂缴费年限。请输入年数，例如 8、8年 或 8年6个月；没交过请输入 0。"
            "发送“退出”可结束估算。",
            "I could not read that. Please type years, e.g. 8 or 8y6m (0 if you never paid). "
            "Send “cancel” to leave the estimate.",
        ),
        "years_too_many": (
            "按您的出生年月，16 岁到现在最多 {years} 年，缴费年限不会超过这个数，请再核对一下。",
            "From age 16 until now is at most {years} years for your birth month; please check "
            "the years paid.",
        ),
        "press_button": (
            "请点下面的按钮选择。发送“退出”可结束估算。",
            "Please press one of the buttons below. Send “cancel” to stop.",
        ),
        "stale_button": (
            "这个按钮已经过期了，请发送 /estimate 重新估算。",
            "This button has expired; send /estimate to start again.",
        ),
        "old_button": (
            "这是前面消息里的按钮，请点最新一条消息里的按钮。",
            "That button belongs to an earlier message; please use the newest one.",
        ),
        "failed": (
            "抱歉，按这些信息算不出来：{reason}\n可以点“修改信息”换一下，或拨打 12333 咨询。",
            "Sorry, no estimate for these details: {reason}\nPress “Change details”, or call "
            "12333.",
        ),
        "compare_base": ("基数 60/100/300% 对比", "Base 60/100/300%"),
        "compare_resume": ("现在交 vs 晚两年交", "Pay now vs in 2 years"),
        "compare_scheme": ("职工 vs 居民养老保险", "Employee vs resident"),
        "edit": ("修改信息", "Change details"),
        "edit_which": ("要改哪一项？", "Which detail would you like to change?"),
        "edit_birth": ("出生年月", "Birth month"),
        "edit_category": ("性别/退休年龄", "Sex / retirement age"),
        "edit_scheme": ("险种", "Scheme"),
        "edit_months": ("已缴年限", "Years paid"),
        "edit_level": ("缴费基数/档次", "Base / tier"),
        "edit_all": ("全部重填", "Start over"),
    }
)
