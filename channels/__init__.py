"""Ways of reaching a person (Telegram, SMS providers) and their local stand-ins (issue 4)."""
