"""The Telegram bot: routers, middlewares, keyboards over faq, pension and ledger (issue 5).

`build_dispatcher` assembles the features; the services they use come in by name (see
`bot.services`); `chat.py` at the top level is the composition root that supplies them.
"""

from bot.chat_cache import CachedRecords, cached_records
from bot.dispatcher import build_dispatcher
from bot.retry import prepare_bot
from bot.running import BotRunner, BotTokenRefusedError, start_when_reachable
from bot.services import ChatRecords, ChatUser, StoredChat
from bot.settings import WEBHOOK_PATH, BotSettings
from bot.texts import COMMON, Texts
from bot.webhook import add_webhook_route, set_webhook

__all__ = [
    "COMMON",
    "WEBHOOK_PATH",
    "BotRunner",
    "BotSettings",
    "BotTokenRefusedError",
    "CachedRecords",
    "ChatRecords",
    "ChatUser",
    "StoredChat",
    "Texts",
    "add_webhook_route",
    "build_dispatcher",
    "cached_records",
    "prepare_bot",
    "set_webhook",
    "start_when_reachable",
]
