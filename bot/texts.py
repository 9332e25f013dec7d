"""What the bot says, in plain Simplified Chinese and in English.

Each feature keeps its own `Texts` table beside its router; this module holds the mechanism and
the texts every feature shares (`COMMON`). A chat's language is chosen at /start (zh-CN by
default, English from Telegram's language code or the language button). The knowledge base is
written in Chinese only: an English chat gets the Chinese answer with a short English note.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "zh"


class Texts:
    """A table of texts, each as (Chinese, English); call it with a language and a key."""

    def __init__(self, table: dict[str, tuple[str, str]]) -> None:
        self._table = table

    def __call__(self, language: str, key: str, **values: object) -> str:
        """Text `key` in `language` (Chinese for anything but "en"), formatted with `values`."""
        zh, en = self._table[key]
        chosen = en if language == "en" else zh
        return chosen.format(**values) if values else chosen

    def __contains__(self, key: str) -> bool:
        return key in self._table

    def keys(self) -> list[str]:
        return list(self._table)


COMMON = Texts(
    {
        "welcome": (
            "您好！这里是社保参保服务助手。\n"
            "我可以：回答养老保险、医疗保险的常见问题；帮您估算退休后每月能领多少养老金；"
            "需要时请工作人员联系您。\n\n"
            "【隐私说明】您在这里提的问题和填写的信息，只用于社保参保咨询和回访，"
            "由当地社保经办和乡镇工作人员处理，不会用于其他用途。"
            "您随时可以发送 /stop 退订。\n\n"
            "请点击“同意”开始使用。",
            "Hello! This is the social-insurance enrollment assistant.\n"
            "I can answer common questions about pension and medical insurance, estimate your "
            "monthly pension, and ask a staff member to contact you.\n\n"
            "Privacy: your questions and the details you give here are used only for enrollment "
            "advice and follow-up, by the local social-insurance office and township staff. "
            "Send /stop at any time to unsubscribe.\n\n"
            "Press “Agree” to begin.",
        ),
        "agree": ("同意", "Agree"),
        "decline": ("不同意", "Decline"),
        "switch_language": ("English", "中文"),
        "consented": (
            "谢谢！您可以直接打字提问，例如“送外卖的怎么交养老保险”。\n"
            "/estimate 估算养老金　/link 绑定本人信息　/stop 退订　/help 帮助",
            "Thank you! Type a question, for example “how do delivery riders pay into the "
            "pension?”.\n"
            "/estimate pension estimate · /link link your ledger record · /stop unsubscribe · "
            "/help help",
        ),
        "declined": (
            "好的，我们不会保存您的任何信息。需要时发送 /start 重新开始。",
            "All right, we keep nothing about you. Send /start whenever you want to begin.",
        ),
        "welcome_back": (
            "欢迎回来！直接打字提问即可。\n"
            "/estimate 估算养老金　/link 绑定本人信息　/stop 退订　/help 帮助",
            "Welcome back! Just type your question.\n"
            "/estimate pension estimate · /link link your ledger record · /stop unsubscribe · "
            "/help help",
        ),
        "help": (
            "使用方法：\n"
            "· 直接打字提问，例如“断缴了三年，以前交的还算吗”\n"
            "· /estimate 估算退休后每月养老金\n"
            "· /link 用身份证后6位和手机号绑定本人信息，估算会自动填好\n"
            "· /language 切换语言　/stop 退订\n"
            "答不上来的问题，可以转给工作人员，也可拨打 12333 人社服务热线。",
            "How to use:\n"
            "· type a question, e.g. “I stopped paying three years ago, does what I paid "
            "still count?”\n"
            "· /estimate your monthly pension after retirement\n"
            "· /link your ledger record (last 6 characters of your ID and your phone), so the "
            "estimate is prefilled\n"
            "· /language to switch language, /stop to unsubscribe\n"
            "What I cannot answer goes to a staff member, or call the 12333 hotline.",
        ),
        "need_consent": (
            "使用前请先阅读隐私说明并点击“同意”：发送 /start",
            "Please read the privacy notice and press “Agree” first: send /start",
        ),
        "stopped": (
            "已为您退订，今后不再主动给您发送消息。想重新使用，发送 /start 即可。",
            "You are unsubscribed: we will not message you again. Send /start to come back.",
        ),
        "stopped_already": (
            "您已退订。想重新使用，发送 /start 即可。",
            "You are unsubscribed. Send /start to come back.",
        ),
        "language_set": ("已切换为中文。", "Language set to English."),
        "throttled": (
            "您发得有点快，请稍等几秒再发。",
            "That was a bit fast; please wait a few seconds before sending more.",
        ),
        "unexpected": (
            "抱歉，系统刚才出了点问题，请稍后再试。急事请拨打 12333。",
            "Sorry, something went wrong on our side. Please try again later, or call 12333.",
        ),
        "not_text": (
            "目前只能看懂文字消息，请用文字提问。",
            "I can only read text messages for now; please type your question.",
        ),
        "faq_in_chinese": (
            "",
            "(Our answers are written in Chinese. For help in English, ask for a staff member.)",
        ),
        "not_sure": (
            "这个问题我没有把握回答，怕说错耽误您。您可以拨打 12333 人社服务热线，"
            "或点下面的按钮，请工作人员联系您。",
            "I'm not sure about this one and would rather not guess. Call the 12333 hotline, or "
            "press the button below and a staff member will contact you.",
        ),
        "not_covered": (
            "关于{subject}的具体问题，我这里没有可靠的答案，怕说错耽误您。您可以{where}，"
            "或点下面的按钮，请工作人员联系您。",
            "I have no reliable answers about {subject} and would rather not guess. Please "
            "{where}, or press the button below and a staff member will contact you.",
        ),
        "other_province": (
            "各地政策不完全一样，外省的具体规定我这里没有。请拨打 12333（可转当地）咨询，"
            "或点下面的按钮，请工作人员联系您。",
            "Rules differ between provinces and I don't have other provinces' details. Call "
            "12333 (it can transfer you to the local line), or press the button below for a "
            "staff member.",
        ),
        "vague": (
            "您好！请把问题说得具体些，我好准确回答。比如：\n"
            "· 送外卖的怎么交养老保险\n· 断缴了三年，以前交的还算吗\n· 我以后能领多少钱\n"
            "发送 /help 查看全部功能。",
            "Hello! Please tell me a little more so I can answer precisely, for example:\n"
            "· how do delivery riders pay into the pension?\n"
            "· does what I paid before a three-year gap still count?\n"
            "· how much will I get?\nSend /help for everything I can do.",
        ),
        "hand_off_button": ("请工作人员联系我", "Ask a staff member"),
        "handed_off": (
            "已转给工作人员，他们会尽快联系您。也可以拨打 12333。",
            "Passed to a staff member, who will contact you soon. You can also call 12333.",
        ),
        "handed_off_unlinked": (
            "已转给工作人员。您还没有绑定本人信息，工作人员的答复没法发到这里：发送 /link "
            "绑定后，答复会发到这个对话里。也可以拨打 12333。",
            "Passed to a staff member. This chat is not linked to your record yet, so their answer "
            "cannot reach you here: send /link, and it will come to this chat. You can also call "
            "12333.",
        ),
        "hand_off_nothing": (
            "请先把您的问题用文字发给我，我再帮您转给工作人员。",
            "Please type your question first; then I can pass it to a staff member.",
        ),
        "hand_off_busy": (
            "您的问题已经转给工作人员了，请耐心等待联系。",
            "Your question is already with a staff member; they will be in touch.",
        ),
    }
)


def language_of(code: str | None) -> Language:
    """A chat's language from Telegram's IETF code: English for en*, Chinese otherwise."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANGUAGE
