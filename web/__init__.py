"""The aiohttp application: staff and ledger API, gateway callbacks, health and metrics (issues 4-7)."""
