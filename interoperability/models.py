"""Regional standards and their versions; tenants' feeds, stored entities and conformance counters (in total
and per day)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from smartregion.db import Base, CreatedAt, TenantScoped
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"


class FeedKind(StrEnum):
    SENSOR_CLASS = "sensor-class"
    DATA_FEED = "data-feed"


class Standard(CreatedAt, Base):
    """A regional data standard (standard regionale), e.g. TOS-STREETLIGHT, across its versions."""

    __tablename__ = "interop_standards"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(63), unique=True)
    entity_type: Mapped[str] = mapped_column(String(100))
    title_it: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))

    versions: Mapped[list[StandardVersion]] = relationship(
        back_populates="standard", order_by="StandardVersion.id", foreign_keys="StandardVersion.standard_id"
    )


class StandardVersion(CreatedAt, Base):
    """One semantic version of a standard: draft, then published (immutable), then deprecated."""

    __tablename__ = "interop_standard_versions"
    __table_args__ = (
        UniqueConstraint("standard_id", "version"),
        CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name="publication_recorded"),
        CheckConstraint("status <> 'deprecated' OR sunset_on IS NOT NULL", name="sunset_recorded"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("interop_standards.id"))
    version: Mapped[str] = mapped_column(String(32))
    status: Mapped[VersionStatus] = mapped_column(String(16), default=VersionStatus.DRAFT)
    definition: Mapped[dict] = mapped_column(JSONB)
    json_schema: Mapped[dict] = mapped_column(JSONB)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    published_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    deprecated_at: Mapped[datetime | None]
    sunset_on: Mapped[date | None]
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("interop_standard_versions.id"))

    standard: Mapped[Standard] = relationship(back_populates="versions", foreign_keys=[standard_id], lazy="joined")
    successor: Mapped[StandardVersion | None] = relationship(remote_side=[id], foreign_keys=[successor_id])

    @property
    def code(self) -> str:
        return self.standard.code

    @property
    def label(self) -> str:
        return f"{self.standard.code} {self.version}"


class Feed(TenantScoped, CreatedAt, Base):
    """A sensor class or data feed a utility registers for its tenant against a standard version."""

    __tablename__ = "interop_feeds"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FeedKind] = mapped_column(String(20), default=FeedKind.DATA_FEED)
    description: Mapped[str | None] = mapped_column(Text)
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("interop_standard_versions.id"))
    sample: Mapped[dict] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    refused: Mapped[int] = mapped_column(BigInteger, default=0)
    last_received_at: Mapped[datetime | None]
    last_observed_at: Mapped[datetime | None]

    standard_version: Mapped[StandardVersion] = relationship(lazy="joined")


class FeedEntity(TenantScoped, Base):
    """The latest conforming state of one NGSI-LD entity pushed to a feed (stored in key-values form)."""

    __tablename__ = "interop_feed_entities"
    __table_args__ = (
        UniqueConstraint("tenant_id", "entity_id"),
        ForeignKeyConstraint(
            ["tenant_id", "feed_id"], ["interop_feeds.tenant_id", "interop_feeds.id"], ondelete="CASCADE"
        ),
        Index("ix_interop_feed_entities_tenant_type", "tenant_id", "entity_type"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    feed_id: Mapped[int] = mapped_column(BigInteger)
    entity_id: Mapped[str] = mapped_column(String(512))
    entity_type: Mapped[str] = mapped_column(String(100))
    key_values: Mapped[dict] = mapped_column(JSONB)
    observed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updates: Mapped[int] = mapped_column(Integer, default=1)


class ViolationCount(TenantScoped, Base):
    """How often a rule was broken by entities pushed to a feed, with the latest message."""

    __tablename__ = "interop_violation_counts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "feed_id", "rule", "attribute"),
        ForeignKeyConstraint(
            ["tenant_id", "feed_id"], ["interop_feeds.tenant_id", "interop_feeds.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    feed_id: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(String(100))
    attribute: Mapped[str] = mapped_column(String(200), default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_message: Mapped[str] = mapped_column(Text)
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())


class FeedDay(TenantScoped, Base):
    """What a feed received on one day (Europe/Rome): its conformance over time."""

    __tablename__ = "interop_feed_days"
    __table_args__ = (
        UniqueConstraint("tenant_id", "feed_id", "day"),
        ForeignKeyConstraint(
            ["tenant_id", "feed_id"], ["interop_feeds.tenant_id", "interop_feeds.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    feed_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date]
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    refused: Mapped[int] = mapped_column(BigInteger, default=0)

    @property
    def share(self) -> float | None:
        """The share of the day's entities that conformed (0 to 1); none on a day with nothing received."""
        return round(self.accepted / self.received, 4) if self.received else None


class InventoryCheck(TenantScoped, Base):
    """The verdict of the periodic check of one census inventory asset against the standard of its kind."""

    __tablename__ = "interop_inventory_checks"
    __table_args__ = (UniqueConstraint("tenant_id", "inventory_kind", "asset_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    inventory_kind: Mapped[str] = mapped_column(String(63))
    asset_id: Mapped[str] = mapped_column(String(200))
    standard_version_id: Mapped[int] = mapped_column(ForeignKey("interop_standard_versions.id"))
    valid: Mapped[bool] = mapped_column(Boolean)
    entity: Mapped[dict] = mapped_column(JSONB)
    errors: Mapped[list] = mapped_column(JSONB, default=list)
    checked_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ContextBroker(TenantScoped, CreatedAt, Base):
    """A context broker (broker di contesto) the secretariat registered for a tenant: the only places the
    tenant's NGSI-LD push may go."""

    __tablename__ = "interop_context_brokers"
    __table_args__ = (UniqueConstraint("tenant_id", "url"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    registered_by: Mapped[str] = mapped_column(String(200))
