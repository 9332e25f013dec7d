"""Tables of outreach: campaigns, their messages, events, the suppression list, contact times.

The database is the truth about every message; Redis only carries hints of what to do next.
A message row exists once per campaign × resident × occurrence (a recurring campaign's round),
so planning or launching twice adds nothing, and a worker may only send a message it moved out of
`queued` with a conditional UPDATE — the step that makes redelivered stream entries harmless.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from core.database import Base


class CampaignState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


#: `campaigns.created_by` of the standing campaigns that carry replies to residents' questions
#: (campaigns.reply_campaigns): always running, never completed.
SYSTEM_REPLIES = "system:replies"


class MessageStatus(StrEnum):
    """Where a message is. Later ranks never go back to earlier ones (see `RANK`)."""

    QUEUED = "queued"  # waiting; `not_before` holds it (window, cap, retry backoff)
    SENDING = "sending"  # claimed by a worker; `lease_until` says when the claim lapses
    UNKNOWN = "unknown"  # the gateway may have accepted it; a receipt or a lookup decides
    SENT = "sent"  # accepted by the gateway
    EXPIRED = "expired"  # accepted (or unknown), but no receipt came within the limit
    DELIVERED = "delivered"
    FAILED = "failed"  # not delivered, with a reason
    SUPPRESSED = "suppressed"  # the resident said stop before it went out
    CANCELLED = "cancelled"  # the campaign was cancelled before it went out


#: Forward-only order: a status change to a lower rank is ignored (a late "sent" receipt never
#: overwrites "delivered"). Statuses of equal rank do not replace each other either, except that
#: `UNKNOWN` -> `SENT` is a resolution (both rank 2, handled explicitly).
RANK: dict[MessageStatus, int] = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.UNKNOWN: 2,
    MessageStatus.SENT: 2,
    MessageStatus.EXPIRED: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.FAILED: 4,
    MessageStatus.SUPPRESSED: 4,
    MessageStatus.CANCELLED: 4,
}

FINAL = frozenset(
    {
        MessageStatus.DELIVERED,
        MessageStatus.FAILED,
        MessageStatus.SUPPRESSED,
        MessageStatus.CANCELLED,
        MessageStatus.EXPIRED,
    }
)


class Campaign(Base):
    """One outreach campaign; `definition` is the validated YAML it was created from (JSON)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default=CampaignState.DRAFT.value)
    definition: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    occurrence: Mapped[str | None] = mapped_column(String(32))  # the round being sent
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    launched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


#: A receipt found by its gateway id (`provider` and `provider_id`): rows that have one.
HAS_PROVIDER_ID = "provider_id IS NOT NULL"
#: A receipt whose gateway id matches no row is for a send that was never recorded (its worker
#: died after the gateway took it): one of these rows, found by number (campaigns.receipts).
#: SQL text so that the query says exactly what the index's predicate says: SQLite uses a
#: partial index only for a query with the same terms, PostgreSQL only when it can prove them.
UNRECORDED_SEND = "status IN ('unknown', 'sent') AND provider_id IS NULL"


#: Residents' questions the worker has not triaged yet (campaigns.replies polls them every
#: second), and those no one has answered yet (the staff's list, campaigns.questions).
UNTRIAGED_QUESTION = "inbound_messages.kind = 'question' AND inbound_messages.triaged_at IS NULL"
UNANSWERED_QUESTION = "inbound_messages.kind = 'question' AND inbound_messages.answered_at IS NULL"
#: And those answered (by SMS or by staff): the list with closed questions reads them in order.
ANSWERED_QUESTION = (
    "inbound_messages.kind = 'question' AND inbound_messages.answered_at IS NOT NULL"
)


def _where(predicate: str) -> dict[str, Any]:
    """A partial index's predicate, for both stores."""
    return {"sqlite_where": text(predicate), "postgresql_where": text(predicate)}


class Message(Base):
    """One message of a campaign to one resident (per occurrence of a recurring campaign)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    occurrence: Mapped[str] = mapped_column(String(32))
    resident_id: Mapped[str] = mapped_column(String(18))
    channel: Mapped[str] = mapped_column(String(16))  # sms | telegram
    address: Mapped[str] = mapped_column(String(32))  # phone or chat id, as planned
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED.value)
    variables: Mapped[str] = mapped_column(Text)  # personal variables frozen at launch (JSON)
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)  # the text as sent (audit)
    parts: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # Resident first, so that it is also the index of a resident's messages (results).
        UniqueConstraint("resident_id", "campaign_id", "occurrence", name="uq_messages_once"),
        Index("ix_messages_campaign_status", "campaign_id", "status"),
        Index("ix_messages_status_not_before", "status", "not_before"),
        # Migration 0010: a message row is updated three times on its way out (enqueued,
        # claimed, recorded), never as a HOT update because its status is indexed, so each
        # update adds an entry to every index whose predicate the row meets. These two hold
        # only the rows receipts look for, and a resident's messages are found through
        # uq_messages_once.
        Index("ix_messages_provider_id", "provider", "provider_id", **_where(HAS_PROVIDER_ID)),
        Index("ix_messages_address", "address", **_where(UNRECORDED_SEND)),
    )


class Event(Base):
    """Something that happened to a message or a resident (status changes, replies, opt-outs).

    They are written in the same transaction as the change they describe, and the outbox
    relay (outbox/) posts them to the ledger system: the `relay_*` columns are its state
    (migration 0006); writers leave them alone, so a new event is undelivered.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    resident_id: Mapped[str | None] = mapped_column(String(18))
    data: Mapped[str | None] = mapped_column(Text)  # JSON
    relayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relay_dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relay_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    relay_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relay_next_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relay_error: Mapped[str | None] = mapped_column(String(200))
    relay_lease: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    relay_owner: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_events_message", "message_id"),
        Index("ix_events_resident", "resident_id"),
        Index(
            "ix_events_relay_pending",
            "id",
            sqlite_where=text("relayed_at IS NULL"),
            postgresql_where=text("relayed_at IS NULL"),
        ),
        Index(
            "ix_events_relay_resident",
            "resident_id",
            "id",
            sqlite_where=text("relayed_at IS NULL"),
            postgresql_where=text("relayed_at IS NULL"),
        ),
    )


class Suppression(Base):
    """An address that must not be contacted: the resident said stop, or blocked the bot.

    `address` is "sms:<phone>" or "telegram:<chat id>"; a resident is skipped when any of their
    addresses is here. `source` says how it came (sms_reply, telegram_block, telegram_stop,
    staff) and `detail` keeps the proof (the reply text, the provider).
    """

    __tablename__ = "suppressions"

    address: Mapped[str] = mapped_column(String(48), primary_key=True)
    resident_id: Mapped[str | None] = mapped_column(String(18))
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_suppressions_resident", "resident_id"),)


class ResidentContact(Base):
    """When a resident was last sent an outreach message: the frequency cap's ledger.

    A worker reserves the contact in the same transaction that claims the message, so two
    campaigns cannot both reach one resident within the cap; `previous_contact_at` lets a send
    that never went out give the reservation back.
    """

    __tablename__ = "resident_contacts"

    resident_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    last_contact_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    previous_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(BigInteger)


class InboundMessage(Base):
    """A resident's reply or question (issue 5).

    A question is triaged once by the knowledge base (campaigns.replies): answered by SMS
    (`answered_by` "auto"), or left open for staff, who close it (`answered_by` "staff").
    `dedupe_key` makes a reply the gateway pushed twice one row.
    """

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(32))
    resident_id: Mapped[str | None] = mapped_column(String(18))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # opt_out | question
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dedupe_key: Mapped[str | None] = mapped_column(String(64))
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    triage: Mapped[str | None] = mapped_column(String(16))  # see campaigns.replies.Triage
    entry_id: Mapped[str | None] = mapped_column(String(64))  # answered with, or nearest
    answered_by: Mapped[str | None] = mapped_column(String(8))  # auto | staff
    reply_message_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("uq_inbound_dedupe", "provider", "dedupe_key", unique=True),
        Index("ix_inbound_triage", "kind", "triaged_at"),
        Index("ix_inbound_untriaged_questions", "id", **_where(UNTRIAGED_QUESTION)),
        Index("ix_inbound_open_questions", "received_at", "id", **_where(UNANSWERED_QUESTION)),
        Index("ix_inbound_closed_questions", "received_at", "id", **_where(ANSWERED_QUESTION)),
        Index("ix_inbound_resident", "resident_id"),
    )


class ChatUser(Base):
    """A Telegram chat that accepted the privacy notice: its language and consent.

    Linking is not here: a linked chat is `residents.telegram_chat_id`, so that the ledger row
    says how to reach its resident. Stopping is not here either: it is a suppression
    ("telegram:<chat id>"), shared with SMS; consent again lifts it.
    """

    __tablename__ = "chat_users"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


#: Core table handles, typed as tables (``__table__`` is declared as a plain FromClause).
CAMPAIGNS = cast(Table, Campaign.__table__)
MESSAGES = cast(Table, Message.__table__)
EVENTS = cast(Table, Event.__table__)
SUPPRESSIONS = cast(Table, Suppression.__table__)
CONTACTS = cast(Table, ResidentContact.__table__)
INBOUND = cast(Table, InboundMessage.__table__)
CHAT_USERS = cast(Table, ChatUser.__table__)


def locked_messages(*conditions: ColumnElement[bool], skip_locked: bool = False) -> Any:
    """`messages.id IN (…)` over the matching rows, each locked in ascending id order first.

    The locking rule of the messages table: every transaction that writes several rows locks
    them in id order, so two of them (two workers handed the same entry, a worker and the
    reconciler, a receipt batch and a recorder) wait for each other instead of deadlocking.
    Background sweeps pass `skip_locked` and leave rows a sender holds for their next run.
    SQLite locks the whole file per write transaction and ignores FOR UPDATE.
    """
    m = MESSAGES
    return m.c.id.in_(
        select(m.c.id)
        .where(*conditions)
        .order_by(m.c.id)
        .with_for_update(skip_locked=skip_locked)
        .scalar_subquery()
    )
