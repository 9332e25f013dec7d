"""The knowledge base and the retrieval that answers a question or abstains (issue 5)."""

from faq.answer import Abstained, Answered, Answerer, Reply
from faq.knowledge import Entry, KnowledgeBaseError, load_entries
from faq.not_covered import Topic, load_topics
from faq.stop import is_stop
from faq.text import prepare

__all__ = [
    "Abstained",
    "Answered",
    "Answerer",
    "Entry",
    "KnowledgeBaseError",
    "Reply",
    "Topic",
    "is_stop",
    "load_entries",
    "load_topics",
    "prepare",
]
