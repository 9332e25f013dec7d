"""The aiohttp app: staff and ledger API, gateway callbacks, health, metrics (issues 4-7)."""
