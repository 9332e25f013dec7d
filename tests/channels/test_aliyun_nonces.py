"""The aliyun stand-in's nonce rule: a nonce is refused within WINDOW seconds of its use."""

from __future__ import annotations

from datetime import UTC, datetime

from channels.sandbox.aliyun_auth import WINDOW, Authenticator, GatewayError, SignedRequest
from tests.channels.test_aliyun_signing import _v1_request

START = 1_700_000_000.0


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def signed(nonce: str, at: float) -> SignedRequest:
    """A SendSms request signed with "s", stamped `at`."""
    return _v1_request(datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), nonce)


def refusal(auth: Authenticator, nonce: str, at: float) -> GatewayError | None:
    try:
        auth.verify(signed(nonce, at))
    except GatewayError as err:
        return err
    return None


def refused(auth: Authenticator, nonce: str, at: float) -> bool:
    """Whether the gateway refuses the nonce, with the code and text it always has used."""
    err = refusal(auth, nonce, at)
    if err is None:
        return False
    assert (err.status, err.code, err.message) == (
        400,
        "SignatureNonceUsed",
        "Specified signature nonce was used already.",
    )
    return True


def test_a_replayed_nonce_is_refused_until_its_window_is_over() -> None:
    clock = Clock()
    auth = Authenticator("k", "s", clock=clock)
    assert not refused(auth, "n-1", clock.now)
    assert refused(auth, "n-1", clock.now)
    clock.now = START + WINDOW  # exactly WINDOW seconds later: still remembered
    assert refused(auth, "n-1", clock.now)
    clock.now = START + WINDOW + 1
    assert not refused(auth, "n-1", clock.now)  # forgotten, and remembered anew from now
    assert refused(auth, "n-1", clock.now)


def test_a_refused_replay_does_not_extend_the_window() -> None:
    clock = Clock()
    auth = Authenticator("k", "s", clock=clock)
    assert not refused(auth, "n-1", clock.now)
    clock.now = START + WINDOW - 1
    assert refused(auth, "n-1", clock.now)
    clock.now = START + WINDOW + 1
    assert not refused(auth, "n-1", clock.now)


def test_expired_nonces_are_forgotten_oldest_first_and_others_kept() -> None:
    clock = Clock()
    auth = Authenticator("k", "s", clock=clock)
    for i in range(1000):
        clock.now = START + i
        assert not refused(auth, f"n-{i}", clock.now)
    clock.now = START + WINDOW + 500.5  # n-0 .. n-500 are over their window, n-501 on are not
    assert not refused(auth, "fresh", clock.now)
    assert len(auth._nonces) == 1000 - 501 + 1
    assert not refused(auth, "n-500", clock.now)
    assert refused(auth, "n-501", clock.now)
    assert refused(auth, "n-999", clock.now)


def test_each_nonce_keeps_its_own_window_when_the_clock_steps_back() -> None:
    clock = Clock(START + 100)
    auth = Authenticator("k", "s", clock=clock)
    assert not refused(auth, "later", clock.now)
    clock.now = START  # the clock steps back: "earlier" is remembered after "later"
    assert not refused(auth, "earlier", clock.now)
    clock.now = START + WINDOW + 50
    assert not refused(auth, "earlier", clock.now)  # its window is over
    assert refused(auth, "later", clock.now)  # its window is not
