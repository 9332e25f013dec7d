"""The routers' first check: commands and dialogue text pass, plain questions go on."""

from __future__ import annotations

from typing import Any

from aiogram.types import Message

from bot.estimate_dialogue import EstimateForm
from bot.filters import CommandOrState
from bot.routers.linking import Linking


def _message(**fields: Any) -> Message:
    return Message.model_validate(
        {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, **fields}
    )


async def test_commands_pass_in_text_or_caption_and_plain_text_does_not() -> None:
    commands = CommandOrState()
    assert await commands(_message(text="/start abc"))
    assert await commands(_message(caption="/help", photo=[]))  # Command reads captions too
    assert not await commands(_message(text="灵活就业怎么交养老保险"))
    assert not await commands(_message(text=" /start"))  # Command wants the slash first
    assert not await commands(_message(sticker=None))


async def test_text_passes_only_in_the_routers_own_dialogue() -> None:
    linking = CommandOrState(Linking)
    question = _message(text="123456")
    assert await linking(question, raw_state=Linking.id_suffix.state)
    assert not await linking(question, raw_state=None)
    assert not await linking(question, raw_state=EstimateForm.__all_states__[0].state)
    assert await CommandOrState(EstimateForm)(
        question, raw_state=EstimateForm.__all_states__[0].state
    )


async def test_text_passes_when_it_is_what_the_router_reads() -> None:
    stops = CommandOrState(text=lambda text: text == "退订")
    assert await stops(_message(text="退订"))
    assert await stops(_message(text="/stop"))
    assert not await stops(_message(text="退休"))
    assert not await stops(_message(caption="退订", photo=[]))  # TextMatches reads text only


async def test_a_parents_check_admits_what_any_of_its_childrens_checks_admits() -> None:
    gate = CommandOrState(Linking, EstimateForm, text=lambda text: text == "退订")
    in_estimate = EstimateForm.__all_states__[0].state
    for raw_state in (Linking.code.state, in_estimate):
        assert await gate(_message(text="123456"), raw_state=raw_state)
    assert await gate(_message(text="退订"))
    assert await gate(_message(text="/estimate"))
    assert not await gate(_message(text="灵活就业怎么交养老保险"), raw_state=None)
    assert not await gate(_message(text="123456"), raw_state="SomeOtherForm:step")
