"""The Telegram bot: routers, middlewares and keyboards on top of faq, pension and ledger (issue 5)."""
