"""A tenant's data package: everything one municipality's tenant holds, as one ZIP it can take with it.

Every table with a ``tenant_id`` column (found in the database, so new modules are included without a
change here) is written as CSV and as JSON, with the tenant's own row and its organizations, the
stored files its rows name by SHA-256, its audit events, and a manifest with each member's checksum.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from smartregion import audit
from smartregion.spreadsheets import neutralise
from smartregion.storage import Storage
from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.orm import Session

FORMAT = "smartregion-tenant-package/1"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SKIPPED = {"alembic_version"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _cell(value: Any) -> Any:
    """A CSV cell: JSON for structures, and text a spreadsheet would run as a formula kept as text."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=_plain)
    return neutralise(_plain(value))


def tenant_tables(session: Session) -> list[Table]:
    """The tables holding tenant rows: every table of the schema with a ``tenant_id`` column."""
    connection = session.connection()
    inspector = inspect(connection)
    metadata = MetaData()
    tables = []
    for name in sorted(inspector.get_table_names()):
        if name in SKIPPED or "tenant_id" not in {c["name"] for c in inspector.get_columns(name)}:
            continue
        tables.append(Table(name, metadata, autoload_with=connection))
    return tables


class _HashingWriter(io.RawIOBase):
    """Passes bytes to a ZIP member while hashing them."""

    def __init__(self, target):
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.target.write(data)


class _Package:
    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.members: dict[str, dict] = {}

    def member(self, name: str):
        return _Member(self, name)


class _Member:
    def __init__(self, package: _Package, name: str):
        self.package, self.name = package, name

    def __enter__(self) -> _HashingWriter:
        self.raw = self.package.archive.open(self.name, "w", force_zip64=True)
        self.writer = _HashingWriter(self.raw)
        return self.writer

    def __exit__(self, *exc) -> None:
        self.raw.close()
        self.package.members[self.name] = {"sha256": self.writer.digest.hexdigest(), "size": self.writer.size}


def _rows(session: Session, table: Table, tenant_id: int) -> Iterator[dict]:
    order = [c for c in table.primary_key.columns] or list(table.columns)[:1]
    result = session.execute(select(table).where(table.c.tenant_id == tenant_id).order_by(*order)
                             .execution_options(yield_per=2000))
    for row in result.mappings():
        yield dict(row)


def _write_table(package: _Package, session: Session, table: Table, tenant_id: int, files: set[str],
                 work: Path) -> int:
    """One pass over the table: CSV straight into the archive, JSON to a side file added after it."""
    columns = [c.name for c in table.columns]
    hashes = [c for c in columns if c == "sha256" or c.endswith("_sha256")]
    count = 0
    side = work / f"{table.name}.json"
    with package.member(f"data/{table.name}.csv") as csv_out, side.open("wb") as json_out:
        text_csv = io.TextIOWrapper(csv_out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text_csv)
        writer.writerow(columns)
        json_out.write(b"[")
        for row in _rows(session, table, tenant_id):
            writer.writerow([_cell(row[c]) for c in columns])
            json_out.write((b",\n" if count else b"\n") + json.dumps(
                row, ensure_ascii=False, default=_plain).encode())
            files.update(row[c] for c in hashes if isinstance(row[c], str) and _SHA256.match(row[c]))
            count += 1
        json_out.write(b"\n]\n")
        text_csv.detach()
    with side.open("rb") as source, package.member(f"data/{table.name}.json") as out:
        while chunk := source.read(1 << 20):
            out.write(chunk)
    side.unlink()
    return count


def build(session: Session, tenant_id: int, destination: Path, *, storage: Storage, actor: str,
          progress: Callable[[float, str], None] | None = None) -> dict:
    """Write the tenant's package to ``destination`` (a side file per table beside it); returns its manifest."""
    tenants = Table("tenants", MetaData(), autoload_with=session.connection())
    organizations = Table("organizations", MetaData(), autoload_with=session.connection())
    tenant = session.execute(select(tenants).where(tenants.c.id == tenant_id)).mappings().one()
    orgs = session.execute(select(organizations).where(organizations.c.id.in_(
        [tenant["municipality_id"], tenant["lead_company_id"]]))).mappings().all()
    tables = tenant_tables(session)
    entities: dict[str, int] = {}
    files: set[str] = set()
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        package = _Package(archive)
        with package.member("tenant.json") as out:
            out.write(json.dumps({"tenant": dict(tenant), "organizations": [dict(o) for o in orgs]},
                                 ensure_ascii=False, default=_plain, indent=2).encode())
        for position, table in enumerate(tables, start=1):
            entities[table.name] = _write_table(package, session, table, tenant_id, files, destination.parent)
            if progress:
                progress(80 * position / len(tables), table.name)
        missing = []
        for sha256 in sorted(files):
            if not storage.exists(sha256):
                missing.append(sha256)
                continue
            with storage.open(sha256) as source, package.member(f"files/{sha256}") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
        manifest = {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "created_by": actor,
            "tenant": {"id": tenant_id, "slug": tenant["slug"], "name": tenant["name"]},
            "entities": entities, "audit_events": entities.get("audit_events", 0),
            "files": len(files) - len(missing), "missing_files": missing, "members": package.members,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def export_tenant(session: Session, tenant_id: int, *, storage: Storage, actor: str,
                  progress: Callable[[float, str], None] | None = None) -> dict:
    """Build the package, keep it in the file store, and record the export in the audit log."""
    with tempfile.TemporaryDirectory(prefix="tenant-package-") as work:
        path = Path(work) / "package.zip"
        manifest = build(session, tenant_id, path, storage=storage, actor=actor, progress=progress)
        with path.open("rb") as stream:
            stored = storage.put(stream)
    slug = manifest["tenant"]["slug"]
    summary = {"sha256": stored.sha256, "size": stored.size, "tenant": slug,
               "filename": f"{slug}-data-package-{datetime.now(UTC):%Y%m%d}.zip",
               "entities": manifest["entities"], "files": manifest["files"],
               "missing_files": len(manifest["missing_files"])}
    audit.record(session, action="tenant.data_package.create", entity_type="tenant", entity_id=tenant_id,
                 tenant_id=tenant_id, after=summary)
    return summary


def package_job(ctx, **_kwargs: Any) -> dict:
    """The job that prepares a tenant's data package (it runs in that tenant's scope)."""
    from smartregion.storage import storage

    return export_tenant(ctx.session, ctx.tenant_id, storage=storage(), actor=audit.current_actor(),
                         progress=lambda pct, table: ctx.progress(pct, table))
