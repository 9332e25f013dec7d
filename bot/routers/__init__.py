"""One router per feature; `bot.dispatcher` includes them in order."""
