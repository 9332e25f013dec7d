"""ALIYUN_BATCH: how many numbers one SendBatchSms request carries (1: SendSms, one by one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from channels import GatewaySettings, build_channels
from channels.aliyun import MAX_BATCH, AliyunChannel, AliyunConfig
from channels.base import Accepted
from tests.channels.test_aliyun_helpers import message, stand_in


def settings(**values: Any) -> GatewaySettings:
    """Aliyun credentials only, and no .env file of whoever runs the tests."""
    return GatewaySettings(
        _env_file=None, aliyun_access_key_id="k", aliyun_access_key_secret="s", **values
    )


def test_the_default_is_alibabas_limit() -> None:
    assert MAX_BATCH == 100
    assert settings().aliyun_batch == 100
    assert AliyunConfig("k", "s").batch_size == 100


def test_aliyun_batch_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIYUN_BATCH", "25")
    assert settings().aliyun_batch == 25


@pytest.mark.parametrize("value", [0, -1, 101])
def test_aliyun_batch_outside_1_to_100_is_refused(value: int) -> None:
    with pytest.raises(ValidationError):
        settings(aliyun_batch=value)
    with pytest.raises(ValueError, match="batch_size"):
        AliyunConfig("k", "s", batch_size=value)


@pytest.mark.parametrize(("value", "expected"), [(None, 100), (1, 1), (25, 25), (100, 100)])
async def test_build_channels_passes_it_to_the_aliyun_channel(
    value: int | None, expected: int
) -> None:
    chosen = settings() if value is None else settings(aliyun_batch=value)
    async with aiohttp.ClientSession() as session:
        channels = build_channels(chosen, session)
        assert list(channels) == ["aliyun"]
        assert channels["aliyun"].max_batch == expected


def test_batch_off_is_one_whatever_the_size() -> None:
    assert AliyunChannel(AliyunConfig("k", "s", batch=False, batch_size=50)).max_batch == 1


async def test_requests_carry_at_most_batch_size_numbers(tmp_path: Path) -> None:
    """Five messages of one template with a size of 2: three SendBatchSms requests (2, 2, 1)."""
    async with stand_in(tmp_path) as gw:
        batch = [message(f"s-{i}", to=f"1380000010{i}") for i in range(5)]
        results = await gw.channel(batch_size=2).send(batch)
        assert all(isinstance(r, Accepted) for r in results)
        ids = [r.provider_id for r in results if isinstance(r, Accepted)]
        assert ids[0] == ids[1] != ids[2] == ids[3] != ids[4]
        assert len(set(ids)) == 3
        lines = gw.logged()
        assert sorted(line["to"] for line in lines) == [f"1380000010{i}" for i in range(5)]
        assert all(line["ref"].startswith("batch-") for line in lines)


async def test_a_size_of_one_sends_every_message_alone(tmp_path: Path) -> None:
    """With 1, messages sharing a template go one by one through SendSms, each with its OutId."""
    async with stand_in(tmp_path) as gw:
        batch = [message(f"a-{i}", to=f"1380000020{i}") for i in range(3)]
        results = await gw.channel(batch_size=1).send(batch)
        assert all(isinstance(r, Accepted) for r in results)
        assert len({r.provider_id for r in results if isinstance(r, Accepted)}) == 3
        assert sorted(line["ref"] for line in gw.logged()) == ["a-0", "a-1", "a-2"]
