"""Inventory uploads, assets of the network cadastre, rejected rows, and the broadband plan records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from smartregion.db import Base, CreatedAt, TenantScoped
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Double,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class UploadStatus(StrEnum):
    RECEIVED = "received"
    IMPORTING = "importing"
    IMPORTED = "imported"
    FAILED = "failed"


class CensusReviewStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


def _plain_key(context) -> str:
    """The settings digest of an upload made without mapping, values or layer."""
    from .mapping import Settings

    return Settings(context.get_current_parameters().get("form_epsg")).key()


class InventoryUpload(TenantScoped, CreatedAt, Base):
    """An inventory file uploaded by a utility (caricamento d'inventario), kept by its SHA-256."""

    __tablename__ = "inventory_uploads"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "sha256", "import_key"),
        CheckConstraint("rows_total = rows_imported + rows_rejected OR status <> 'imported'",
                        name="counts_add_up"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str | None] = mapped_column(String(20))
    form_epsg: Mapped[int | None] = mapped_column(Integer)
    epsg: Mapped[int | None] = mapped_column(Integer)
    crs_source: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[UploadStatus] = mapped_column(String(16), default=UploadStatus.RECEIVED)
    job_id: Mapped[str | None] = mapped_column(String(36))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    batches_done: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    finished_at: Mapped[datetime | None]
    # What the person chose besides the file (column mapping, values for the whole file, layer) and the
    # digest of those choices with the coordinate system: the same file with the same choices is a duplicate.
    mapping: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    defaults: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    layer: Mapped[str | None] = mapped_column(String(200))
    import_key: Mapped[str] = mapped_column(String(64), default=_plain_key)
    # The mapping in force: the chosen one completed by the profile and the suggestions.
    mapping_used: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")


class ImportProfile(TenantScoped, Base):
    """The mapping a tenant used for files with given headers (profilo di importazione), offered again."""

    __tablename__ = "inventory_import_profiles"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "header_signature"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    header_signature: Mapped[str] = mapped_column(String(64))
    headers: Mapped[list] = mapped_column(JSONB)
    mapping: Mapped[dict] = mapped_column(JSONB)
    defaults: Mapped[dict] = mapped_column(JSONB)
    epsg: Mapped[int | None] = mapped_column(Integer)
    layer: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class InventoryAsset(TenantScoped, Base):
    """One asset of the tenant's network cadastre, keyed by the operator's own asset id."""

    __tablename__ = "inventory_assets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "asset_id"),
    )

    # Not a foreign key to tenants: the bulk upsert writes a million rows at a time and the per-row
    # check took a third of its time. Every asset is written by an upload of the same tenant (row-level
    # security ties the row to the transaction's tenant), and that upload's foreign key keeps the
    # tenant from being deleted.
    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, sort_order=-100)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    asset_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str | None] = mapped_column(String(200))
    longitude: Mapped[float] = mapped_column(Double)
    latitude: Mapped[float] = mapped_column(Double)
    length_m: Mapped[float] = mapped_column(Double, default=0.0)
    geometry: Mapped[dict | None] = mapped_column(JSONB)
    attributes: Mapped[dict] = mapped_column(JSONB, default=dict)
    # The upload that last wrote the asset. Not a foreign key: the bulk upsert writes a million rows
    # at a time and uploads are never deleted, so the check would cost time and protect nothing.
    upload_id: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class InventoryRejection(TenantScoped, Base):
    """A row of an upload that was not imported: its line, field, code and reason."""

    __tablename__ = "inventory_rejections"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "upload_id"], ["inventory_uploads.tenant_id", "inventory_uploads.id"],
                             ondelete="CASCADE"),
        Index("ix_inventory_rejections_upload_line", "tenant_id", "upload_id", "line"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    upload_id: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text, default="")


class NetworkCensusReview(TenantScoped, Base):
    """The secretariat's decision on a tenant's network census (censimento delle reti, L.R. 48/2015)."""

    __tablename__ = "network_census_reviews"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    status: Mapped[CensusReviewStatus] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BroadbandStatus(CreatedAt, Base):
    """A project of the ultra-broadband plan in one municipality, from the agency's status table."""

    __tablename__ = "broadband_status"
    __table_args__ = (UniqueConstraint("istat_code", "as_of", "position"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    istat_code: Mapped[str] = mapped_column(String(6), index=True)
    municipality: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date]
    position: Mapped[int] = mapped_column(Integer)
    # The 2018 layout gives tender, phase and agreement; today's gives the plan year instead.
    tender: Mapped[int | None] = mapped_column(Integer)
    phase: Mapped[int | None] = mapped_column(Integer)
    project_type: Mapped[str] = mapped_column(String(8))
    # A known status by its code; a status the platform does not know yet, as the agency wrote it.
    status: Mapped[str] = mapped_column(String(100))
    agreement_signed: Mapped[bool | None] = mapped_column(Boolean)
    plan_year: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    imported_by: Mapped[str] = mapped_column(String(200))


class BroadbandCoverage(CreatedAt, Base):
    """Coverage shares of a municipality at 30 Mbit/s, 100 Mbit/s and 1 Gbit/s (percent)."""

    __tablename__ = "broadband_coverage"
    __table_args__ = (UniqueConstraint("istat_code", "as_of"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    istat_code: Mapped[str] = mapped_column(String(6))
    as_of: Mapped[date]
    coverage_30: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    coverage_100: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    coverage_1000: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
