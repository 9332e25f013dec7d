"""The Telegram bot: routers, middlewares, keyboards over faq, pension and ledger (issue 5)."""
