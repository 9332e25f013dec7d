"""The aiohttp app: staff and ledger API, gateway callbacks, health, metrics (issues 4-7)."""

from web.api import add_api
from web.app import create_app
from web.callbacks import Answer, CallbackSink, ProviderCallbacks, add_callback_routes

__all__ = [
    "Answer",
    "CallbackSink",
    "ProviderCallbacks",
    "add_api",
    "add_callback_routes",
    "create_app",
]
