"""Linking a Telegram chat to its ledger resident: /link, /unlink, and /cancel inside the dialogue.

/link asks for the last six characters of the ID number, then the phone on record, then the
code the service sent by SMS (see `bot.linking`). The answer after the phone is the same
whether or not the details match, and no reply ever repeats what was typed: a chat learns
nothing about the ledger until it proves it holds the phone. A linked chat sees its ID number
and phone masked only.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.filters import CommandOrState, TextMatches
from bot.linking import Entered, Linker, Requested, normalise_phone, normalise_suffix
from bot.services import ChatRecords, ChatUser
from bot.texts import Texts
from core import mask_id_number, mask_phone

SUFFIX = "id_suffix"  # FSM data key between the first and second step


class Linking(StatesGroup):
    id_suffix = State()
    phone = State()
    code = State()


TEXTS = Texts(
    {
        "ask_suffix": (
            "好的，我们来把您的账号和社保台账里的信息关联起来。\n"
            "第1步：请发送您身份证号码的最后6位（最后一位是X的，输入x或X都可以）。\n"
            "随时发送 /cancel 可以退出。",
            "Let's link your account to your record in the social-insurance ledger.\n"
            "Step 1: please send the last 6 characters of your ID number (x or X both work).\n"
            "Send /cancel at any time to stop.",
        ),
        "bad_suffix": (
            "请只发送身份证号码的最后6位，例如 12345X。",
            "Please send only the last 6 characters of your ID number, e.g. 12345X.",
        ),
        "ask_phone": (
            "第2步：请发送您在台账里登记的手机号（11位）。",
            "Step 2: please send the mobile number (11 digits) the ledger has for you.",
        ),
        "bad_phone": (
            "这不像是11位手机号，请重新发送，例如 13800138000。",
            "That does not look like an 11-digit mobile number; please send it again, "
            "e.g. 13800138000.",
        ),
        "code_sent": (
            "如果您填写的信息和我们的记录一致，验证码短信已经发到这个手机，10分钟内有效。\n"
            "第3步：请把短信里的6位验证码发给我。没收到的话，可以稍后发送 /link 重新获取。",
            "If the details match our records, a code has been sent to that phone by SMS; "
            "it is valid for 10 minutes.\n"
            "Step 3: please send me the 6-digit code. If none arrives, send /link later to "
            "ask again.",
        ),
        "limited": (
            "今天获取验证码的次数已经用完，请明天再试，或拨打 12333 咨询。",
            "No more codes can be requested today; please try again tomorrow, or call 12333.",
        ),
        "bad_code": (
            "请发送短信里的6位数字验证码。发送 /cancel 可以退出。",
            "Please send the 6-digit code from the SMS. Send /cancel to stop.",
        ),
        "wrong_code": (
            "验证码不对，还可以再试 {left} 次。",
            "That code is not right; {left} more tries.",
        ),
        "used_up": (
            "验证码输错次数太多，已经作废。请发送 /link 重新获取。",
            "Too many wrong codes: this code no longer works. Send /link to get a new one.",
        ),
        "expired": (
            "验证码已过期，请发送 /link 重新获取。",
            "The code has expired. Send /link to get a new one.",
        ),
        "no_code": (
            "现在没有待验证的验证码，请发送 /link 重新开始。",
            "There is no code waiting to be checked. Send /link to start again.",
        ),
        "linked": (
            "关联成功！您的账号已和台账信息关联（身份证 {id_number}）。\n"
            "发送 /unlink 可以解除关联。",
            "Linked! Your account is now linked to your ledger record (ID {id_number}).\n"
            "Send /unlink to undo this.",
        ),
        "already_linked": (
            "您的账号已经关联了台账信息：身份证 {id_number}，手机 {phone}。\n"
            "如需解除关联，请发送 /unlink。",
            "Your account is linked to the ledger record with ID {id_number}, phone {phone}.\n"
            "Send /unlink to undo this.",
        ),
        "no_phone": ("未登记", "none on record"),
        "cancelled": (
            "已退出关联。需要时可以随时发送 /link。",
            "Linking stopped. Send /link whenever you like.",
        ),
        "unlinked": (
            "已解除关联。需要时可以发送 /link 重新关联。",
            "Your account is no longer linked. Send /link to link it again.",
        ),
        "not_linked": (
            "您的账号还没有关联台账信息。发送 /link 开始关联。",
            "Your account is not linked to a ledger record. Send /link to start.",
        ),
    }
)


async def begin(
    message: Message, chat_user: ChatUser, language: str, linker: Linker, state: FSMContext
) -> None:
    if chat_user.resident_id is not None:
        await state.clear()
        phone = await linker.phone_on_record(chat_user.resident_id)
        await message.answer(
            TEXTS(
                language,
                "already_linked",
                id_number=mask_id_number(chat_user.resident_id),
                phone=mask_phone(phone) if phone else TEXTS(language, "no_phone"),
            )
        )
        return
    await state.set_state(Linking.id_suffix)
    await state.set_data({})
    await message.answer(TEXTS(language, "ask_suffix"))


async def got_suffix(message: Message, language: str, state: FSMContext) -> None:
    suffix = normalise_suffix(message.text or "")
    if suffix is None:
        await message.answer(TEXTS(language, "bad_suffix"))
        return
    await state.set_data({SUFFIX: suffix})
    await state.set_state(Linking.phone)
    await message.answer(TEXTS(language, "ask_phone"))


async def got_phone(
    message: Message, chat_user: ChatUser, language: str, linker: Linker, state: FSMContext
) -> None:
    phone = normalise_phone(message.text or "")
    if phone is None:
        await message.answer(TEXTS(language, "bad_phone"))
        return
    suffix = str((await state.get_data()).get(SUFFIX) or "")
    await state.set_data({})
    if not suffix:  # the data lapsed: start over
        await state.set_state(Linking.id_suffix)
        await message.answer(TEXTS(language, "ask_suffix"))
        return
    if await linker.request(chat_user.chat_id, suffix, phone) is Requested.LIMITED:
        await state.clear()
        await message.answer(TEXTS(language, "limited"))
        return
    await state.set_state(Linking.code)
    await message.answer(TEXTS(language, "code_sent"))


async def got_code(
    message: Message, chat_user: ChatUser, language: str, linker: Linker, state: FSMContext
) -> None:
    entry = await linker.enter(chat_user.chat_id, message.text or "")
    match entry.outcome:
        case Entered.MALFORMED:
            await message.answer(TEXTS(language, "bad_code"))
        case Entered.WRONG:
            await message.answer(TEXTS(language, "wrong_code", left=entry.left))
        case Entered.LINKED:
            await state.clear()
            await message.answer(
                TEXTS(language, "linked", id_number=mask_id_number(entry.resident_id or ""))
            )
        case Entered.USED_UP | Entered.EXPIRED | Entered.NO_CODE:
            await state.clear()
            await message.answer(TEXTS(language, entry.outcome.value))


async def cancel(
    message: Message, chat_user: ChatUser, language: str, linker: Linker, state: FSMContext
) -> None:
    await state.clear()
    await linker.forget(chat_user.chat_id)
    await message.answer(TEXTS(language, "cancelled"))


async def unlink(
    message: Message, chat_user: ChatUser, language: str, records: ChatRecords, state: FSMContext
) -> None:
    if chat_user.resident_id is None:
        await message.answer(TEXTS(language, "not_linked"))
        return
    await state.clear()
    await records.unlink(chat_user.chat_id)
    await message.answer(TEXTS(language, "unlinked"))


def router() -> Router:
    """A fresh router of this feature (a router joins one dispatcher only)."""
    router = Router(name="linking")
    router.message.filter(CommandOrState(Linking))  # a command, or text in the dialogue
    router.message.register(begin, Command("link"))
    router.message.register(unlink, Command("unlink"))
    router.message.register(cancel, Command("cancel"), StateFilter(Linking))
    # Another command leaves the dialogue's text to its own router.
    typed = TextMatches(lambda text: not text.startswith("/"))
    router.message.register(got_suffix, StateFilter(Linking.id_suffix), typed)
    router.message.register(got_phone, StateFilter(Linking.phone), typed)
    router.message.register(got_code, StateFilter(Linking.code), typed)
    return router
