"""Twilio (and Twilio-compatible aggregators): SMS sending, status queries and webhooks."""

from channels.twilio.callbacks import (
    EMPTY_TWIML,
    FORBIDDEN_ANSWER,
    INBOUND_ANSWER,
    MALFORMED_ANSWER,
    RECEIPT_ANSWER,
    CallbackAnswer,
    parse_inbound,
    parse_status_callback,
    verify_callback,
)
from channels.twilio.client import TwilioChannel
from channels.twilio.codes import (
    GATEWAY_UNUSABLE,
    NUMBER_LIMIT_CODE,
    OPT_OUT_CODE,
    THROTTLE_CODE,
    delivery_state,
    gateway_unusable,
)
from channels.twilio.config import REF_PARAM, TWILIO_API, TwilioConfig
from channels.twilio.phones import from_e164, to_e164
from channels.twilio.signature import SIGNATURE_HEADER, compute_signature, verify_signature

__all__ = [
    "EMPTY_TWIML",
    "FORBIDDEN_ANSWER",
    "GATEWAY_UNUSABLE",
    "INBOUND_ANSWER",
    "MALFORMED_ANSWER",
    "NUMBER_LIMIT_CODE",
    "OPT_OUT_CODE",
    "RECEIPT_ANSWER",
    "REF_PARAM",
    "SIGNATURE_HEADER",
    "THROTTLE_CODE",
    "TWILIO_API",
    "CallbackAnswer",
    "TwilioChannel",
    "TwilioConfig",
    "compute_signature",
    "delivery_state",
    "from_e164",
    "gateway_unusable",
    "parse_inbound",
    "parse_status_callback",
    "to_e164",
    "verify_callback",
    "verify_signature",
]
