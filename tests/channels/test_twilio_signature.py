"""X-Twilio-Signature against the test vectors Twilio publishes with its own validators."""

from __future__ import annotations

from channels.twilio import compute_signature, verify_signature

# Twilio's published example: auth token, URL and POST parameters of a webhook, and the
# signatures its helper libraries must produce (twilio-python tests/unit/test_request_validator).
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_compute_matches_published_vector() -> None:
    """The signature of Twilio's example request is the published one."""
    assert compute_signature(TOKEN, URL, PARAMS) == EXPECTED


def test_repeated_parameters_sign_each_value_sorted() -> None:
    """A name sent twice contributes both values in sorted order (published vector)."""
    pairs = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert compute_signature(TOKEN, URL, pairs) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_verify_accepts_the_published_signature() -> None:
    """The published signature verifies for the published request."""
    assert verify_signature(TOKEN, URL, PARAMS, EXPECTED)


def test_verify_ignores_an_explicit_port_on_https() -> None:
    """A URL seen with a port still verifies against a signature made without it."""
    assert verify_signature(TOKEN, URL.replace(".com", ".com:1234"), PARAMS, EXPECTED)


def test_verify_accepts_signatures_made_with_the_default_port() -> None:
    """Twilio sometimes signs https URLs with :443 and http URLs with :80 (published vectors)."""
    assert verify_signature(TOKEN, URL, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")
    http = URL.replace("https", "http")
    assert verify_signature(TOKEN, http, PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4=")


def test_verify_rejects_other_token_changed_field_or_missing_signature() -> None:
    """Any change to the token, the URL or a field, or no signature at all, fails."""
    assert not verify_signature("54321", URL, PARAMS, EXPECTED)
    assert not verify_signature(TOKEN, URL + "&baz=3", PARAMS, EXPECTED)
    assert not verify_signature(TOKEN, URL, {**PARAMS, "Digits": "4321"}, EXPECTED)
    assert not verify_signature(TOKEN, URL, PARAMS, None)
    assert not verify_signature(TOKEN, URL, PARAMS, "")
