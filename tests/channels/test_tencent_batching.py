"""How a send call is cut into SendSms requests."""

from __future__ import annotations

from channels.tencent.batching import plan_requests, refs_in_session
from channels.tencent.phones import normalise_phone, to_e164
from tests.channels.test_tencent_helpers import message


def test_identical_content_shares_a_request_in_order() -> None:
    batch = [
        message("a", to="13800000001"),
        message("b", to="13800000002", params=("李女士", "1")),
        message("c", to="13800000003"),
    ]
    chunks, failed = plan_requests(batch, None)
    assert failed == {}
    assert [c.indexes for c in chunks] == [[0, 2], [1]]
    first = chunks[0].params_json()
    assert first["PhoneNumberSet"] == ["+8613800000001", "+8613800000003"]
    assert first["TemplateParamSet"] == ["张先生", "3"]
    assert first["SessionContext"] == "a,c"


def test_a_reference_with_a_comma_goes_alone() -> None:
    batch = [message("x,y", to="13800000001"), message("z", to="13800000002")]
    chunks, _ = plan_requests(batch, None)
    assert [c.session_context for c in chunks] == ["x,y", "z"]


def test_long_references_fill_the_session_context() -> None:
    refs = [f"{i:0100d}" for i in range(12)]  # 100 bytes each: 5 fit in 511 with commas
    batch = [message(ref, to=f"138{i:08d}") for i, ref in enumerate(refs)]
    chunks, _ = plan_requests(batch, None)
    assert [len(c.indexes) for c in chunks] == [5, 5, 2]
    assert [r for c in chunks for r in refs_in_session(c.session_context)] == refs


def test_phone_forms() -> None:
    assert to_e164("13800138000") == "+8613800138000"
    assert to_e164("+8613800138000") == "+8613800138000"
    for form in ("+8613800138000", "008613800138000", "8613800138000", "13800138000"):
        assert normalise_phone(form) == "13800138000"
    assert normalise_phone("2025550123", "1") == "+12025550123"
    assert normalise_phone("1380000") == "1380000"
