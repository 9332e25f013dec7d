"""Local stand-ins of the real SMS gateways and Telegram, speaking their wire formats (issue 4)."""
