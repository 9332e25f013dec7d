"""Tables of the REST API: access tokens, and the replies staff write to handed-off questions."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text

from core.database import Base

#: One row per token; only the SHA-256 of its secret is kept (the secret is shown once).
API_TOKENS = Table(
    "api_tokens",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("township", String(64), nullable=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("uq_api_tokens_hash", "token_hash", unique=True),
)

#: What staff answered to a resident's question, recorded when they close it through the API.
QUESTION_REPLIES = Table(
    "api_question_replies",
    Base.metadata,
    Column("question_id", BigInteger, primary_key=True, autoincrement=False),
    Column("token_id", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
