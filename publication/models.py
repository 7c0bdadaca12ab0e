"""What the secretariat opens to the outside (dati aperti), and who harvests it."""

from __future__ import annotations

from datetime import datetime

from smartregion.db import Base, TenantScoped
from sqlalchemy import BigInteger, Identity, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column


class TenantPublication(TenantScoped, Base):
    """A tenant's publication profile: its IPA code (codice IPA) as publisher, when known."""

    __tablename__ = "publication_tenant_profiles"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ipa_code: Mapped[str | None] = mapped_column(String(20))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TenantDataset(TenantScoped, Base):
    """A dataset of one tenant opened by the secretariat (``census``, ``broadband``, ``conformance``,
    ``cadastre:<kind>``), since ``opened_at``."""

    __tablename__ = "publication_tenant_datasets"
    __table_args__ = (UniqueConstraint("tenant_id", "dataset"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(80))
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())


class RegionDataset(Base):
    """A regional dataset opened by the secretariat (``census``, ``standards``, ``plan``, ...)."""

    __tablename__ = "publication_region_datasets"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(80), unique=True)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Harvester(Base):
    """A client that reads the catalogue or the OGC API, by its User-Agent: when, how often, what last."""

    __tablename__ = "publication_harvesters"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_agent: Mapped[str] = mapped_column(String(300), unique=True)
    first_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_at: Mapped[datetime] = mapped_column(server_default=func.now())
    requests: Mapped[int] = mapped_column(Integer, default=1)
    last_path: Mapped[str] = mapped_column(String(400))
