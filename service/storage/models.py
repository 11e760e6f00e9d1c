"""SQLAlchemy 2 models. The schema itself changes only through Alembic (migrations/)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from service.domain.values import Value


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class ValueColumns:
    """A normalised value as stored: the interval, its unit and dimension, its hedge or label."""

    value_low: Mapped[float | None] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    value_unit: Mapped[str] = mapped_column(String(200))
    value_dimension: Mapped[str] = mapped_column(String(200))
    value_hedge: Mapped[str] = mapped_column(String(20))
    value_label: Mapped[str | None] = mapped_column(String(800))
    value_display_label: Mapped[str | None] = mapped_column(String(300))


def stored_value(row: Any, *, written: bool = True) -> Value:
    """The stored value columns (of a claim, a tally or a row of either) as a domain value;
    `written=False` for rows known to keep no value as written (tallies), not even looked for."""
    # Tallies keep no value as written, nor do most rows. A query's row raises when asked for a
    # column it lacks, which costs more than all the rest here: its column names are read instead.
    if not written:
        text = None
    elif isinstance(row, Row):
        text = row.value_text if "value_text" in row._fields else None
    else:
        text = getattr(row, "value_text", None)
    return Value(
        text=text,
        low=row.value_low,
        high=row.value_high,
        unit=row.value_unit,
        dimension=row.value_dimension,
        hedge=row.value_hedge,
        label=row.value_label,
        display_label=row.value_display_label,
    )


class Topic(Base):
    __tablename__ = "topics"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (
        Index("ix_groups_topic_conflict", "topic_slug", "conflict"),
        # The groups whose consensus waits for the background pass, the longest waiting first
        # (migration 0010): only they are in it.
        Index(
            "ix_groups_behind", "behind_since", "id",
            sqlite_where=text("behind_since IS NOT NULL"), postgresql_where=text("behind_since IS NOT NULL"),
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    topic_slug: Mapped[str | None] = mapped_column(ForeignKey("topics.slug"))
    dimension: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200))
    event_date: Mapped[date | None] = mapped_column(Date)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sources: Mapped[int] = mapped_column(Integer, default=0)
    # Distinct origins among the counted claims: a shared declared origin or a copied quote counts once.
    origins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    # Active claims an editor ruled preferred: when any, they set the consensus.
    preferred: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last verdict, kept so that listings need not recompute every group.
    consensus: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the consensus, sources and origins were last counted from all the tallies (a large
    # group's are counted at most every few seconds; its size and conflicts always).
    consensus_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the oldest claim that count has not taken in changed the group (None: none such).
    behind_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claims: Mapped[list[Claim]] = relationship(back_populates="group", order_by="Claim.id")


class Document(Base):
    """An article whose claims were read from its text."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The same source and the same body: the same article, stored once.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    source_name: Mapped[str] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(8))
    topic_slug: Mapped[str | None] = mapped_column(ForeignKey("topics.slug"))
    origin: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)  # the text the claims' offsets point into
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A group's claims in id order with what a search for conflicts tests of each (migration 0011).
_CONFLICT_SEARCH = (
    "group_id",
    "id",
    "retracted_at",
    "rank",
    "as_of",
    "value_low",
    "value_high",
    "value_label",
)


class Claim(ValueColumns, Base):
    __tablename__ = "claims"
    __table_args__ = (
        # A group's claims in id order, read from either end with a limit, with what a search for
        # conflicts tests of each, so that a claim that cannot conflict is passed over without
        # reading its row (migration 0011).
        Index("ix_claims_group_values", *_CONFLICT_SEARCH),
        Index("ix_claims_source", "source_key"),
        Index("ix_claims_topic", "topic_slug"),
        Index("ix_claims_document", "document_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Same source, subject, value and dates: the same claim, stored once.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    subject_form: Mapped[str] = mapped_column(String(600))

    value_text: Mapped[str | None] = mapped_column(Text)
    unit_given: Mapped[str | None] = mapped_column(String(80))

    source_name: Mapped[str] = mapped_column(String(200))
    source_key: Mapped[str] = mapped_column(String(800))
    source_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    as_of: Mapped[date | None] = mapped_column(Date)
    event_date: Mapped[date | None] = mapped_column(Date)
    topic_slug: Mapped[str | None] = mapped_column(ForeignKey("topics.slug"))
    quote: Mapped[str | None] = mapped_column(Text)
    attributed_to: Mapped[str | None] = mapped_column(String(300))
    origin: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    similarity: Mapped[float | None] = mapped_column(Float)
    # Claims read from an article: which, and where the value stands in its text.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", name="fk_claims_document"))
    value_start: Mapped[int | None] = mapped_column(Integer)
    value_end: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An editor's ruling: "preferred" sets the group's consensus, "deprecated" leaves it out of
    # the verdicts (still listed in its group), "normal" is the machine's own reading.
    rank: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    # The latest ruling, kept on the claim for reading; every ruling is in `rulings` for audit.
    rank_reason: Mapped[str | None] = mapped_column(String(300))
    ranked_by: Mapped[str | None] = mapped_column(String(200))
    ranked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A claim whose quote nearly copies an earlier claim's of another source: that claim's id. It
    # then relies on that claim's origin, so the two count once.
    copy_of: Mapped[int | None] = mapped_column(Integer)

    group: Mapped[Group] = relationship(back_populates="claims")


class Source(Base):
    """An outlet's reliability, as last estimated from all its claims (`ceksilang reliability`)."""

    __tablename__ = "sources"

    key: Mapped[str] = mapped_column(String(800), primary_key=True)  # as claims.source_key
    name: Mapped[str] = mapped_column(String(200))
    reliability: Mapped[float] = mapped_column(Float)
    claims: Mapped[int] = mapped_column(Integer)
    agreements: Mapped[int] = mapped_column(Integer)
    conflicts: Mapped[int] = mapped_column(Integer)
    estimated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ruling(Base):
    """One editor's ruling on a claim, kept for audit: which rank, why, who and when."""

    __tablename__ = "rulings"
    __table_args__ = (Index("ix_rulings_claim", "claim_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", name="fk_rulings_claim"))
    rank: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300))
    ruled_by: Mapped[str] = mapped_column(String(200))
    ruled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubjectForm(Base):
    """One normalised subject of a group: what the matcher scores new claims against."""

    __tablename__ = "subject_forms"
    __table_args__ = (
        UniqueConstraint("group_id", "form", name="uq_subject_forms_group_form"),
        # The forms a new subject may join are one range of this index (what the hard rules compare),
        # read without touching the table.
        Index("ix_subject_forms_rules", "measure", "pins", "event_date", "generic", "form", "group_id"),
        # The same words under other rules (another period, another day): related groups.
        Index("ix_subject_forms_words", "measure", "form"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    form: Mapped[str] = mapped_column(String(600))
    measure: Mapped[str] = mapped_column(String(200))
    event_date: Mapped[date | None] = mapped_column(Date)
    pins: Mapped[str] = mapped_column(String(300), default="")
    generic: Mapped[bool] = mapped_column(Boolean, default=False)

    # (POST and the import write forms and their keys past the ORM: `repository.add_form`, `bulk`.)
    group: Mapped[Group] = relationship()
    keys: Mapped[list[FormKey]] = relationship()


class FormKey(Base):
    """Blocking keys: the candidate index the matcher reads instead of scanning every claim.

    On SQLite the table is its primary key's b-tree alone (WITHOUT ROWID, migration 0012)."""

    __tablename__ = "form_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("subject_forms.id"), primary_key=True)


class GroupTally(ValueColumns, Base):
    """How many active claims of a group one source gave for one value, relying on one origin.

    Consensus is computed from these rows, whose number grows with sources, not with claims.
    """

    __tablename__ = "group_tallies"
    __table_args__ = (
        UniqueConstraint(
            "group_id", "source_key", "origin_key", "value_key", name="uq_group_tallies_backing"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    source_key: Mapped[str] = mapped_column(String(800))
    source_name: Mapped[str] = mapped_column(String(200))
    origin_key: Mapped[str] = mapped_column(String(800))
    origin_name: Mapped[str] = mapped_column(String(200))
    value_key: Mapped[str] = mapped_column(String(1000))
    claims: Mapped[int] = mapped_column(Integer, default=0)


class Webhook(Base):
    """A newsroom's endpoint, told of conflicts in one topic (or in all when topic_slug is None)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    topic_slug: Mapped[str | None] = mapped_column(String(120))
    # The HMAC key of its deliveries: shown once when registered, never listed.
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxEvent(Base):
    """An event, written in the transaction of the change it reports: never lost, never invented."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    topic_slug: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One event for one webhook: pending until delivered, or failed after the last attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook", "webhook_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", name="fk_webhook_deliveries_webhook", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_events.id", name="fk_webhook_deliveries_event", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[OutboxEvent] = relationship()
