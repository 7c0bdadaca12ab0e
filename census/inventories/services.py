"""Inventory uploads and their import: stored first, checked row by row, upserted batch by batch.

Each batch is COPYed into a temporary staging table and upserted into ``inventory_assets`` by
(tenant, kind, operator's asset id) in one transaction, together with its rejected rows and the
upload's counters. The caller (the import job) commits after each batch, so a worker killed at any
moment leaves whole batches only, and the retried job resumes after the last committed batch with
exact counts.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from smartregion import audit, jobs
from smartregion.errors import NotFound, Unprocessable
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from . import profiles, territory
from .batches import Batch, ReadAhead, batches
from .crs import CrsProblem, parse_epsg
from .kinds import Kind, get_kind
from .mapping import Settings, SettingsProblem, check_defaults, check_mapping, parse_object
from .models import InventoryRejection, InventoryUpload, UploadStatus
from .pipeline import Plan, prepare, write_error_report
from .readers import FileProblem
from .validation import Rejection

BATCH_ROWS = 50_000
IMPORT_JOB = "census.inventories.jobs.import_upload"

STAGE_COLUMNS = ("line", "asset_id", "category", "operator", "longitude", "latitude", "length_m", "geometry",
                 "attributes")
_CREATE_STAGE = text("""
    CREATE TEMPORARY TABLE inventory_stage (
        line integer NOT NULL, asset_id text NOT NULL, category text NOT NULL, operator text,
        longitude double precision NOT NULL, latitude double precision NOT NULL,
        length_m double precision NOT NULL, geometry jsonb, attributes jsonb NOT NULL
    ) ON COMMIT DROP""")
# Asset ids repeated inside a batch are rejected before staging. An asset this same upload already
# wrote in an earlier batch is left alone by the upsert (its WHERE), and rejected afterwards.
_UPSERT = text("""
    WITH up AS (
        INSERT INTO inventory_assets AS a (tenant_id, kind, asset_id, category, operator, longitude, latitude,
                                           length_m, geometry, attributes, upload_id, line, updated_at)
        SELECT :tenant_id, :kind, asset_id, category, operator, longitude, latitude, length_m, geometry,
               attributes, :upload_id, line, now()
        FROM inventory_stage
        ON CONFLICT (tenant_id, kind, asset_id) DO UPDATE SET
            category = excluded.category, operator = excluded.operator, longitude = excluded.longitude,
            latitude = excluded.latitude, length_m = excluded.length_m, geometry = excluded.geometry,
            attributes = excluded.attributes, upload_id = excluded.upload_id, line = excluded.line,
            updated_at = excluded.updated_at
        WHERE a.upload_id <> excluded.upload_id
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up""")
_REJECT_EARLIER = text("""
    INSERT INTO inventory_rejections (tenant_id, upload_id, line, field, code, reason, value)
    SELECT :tenant_id, :upload_id, s.line, 'asset_id', 'duplicate_asset_id',
           'asset_id ' || s.asset_id || ' already appears on line ' || a.line, s.asset_id
    FROM inventory_stage s JOIN inventory_assets a
      ON a.tenant_id = :tenant_id AND a.kind = :kind AND a.asset_id = s.asset_id
    WHERE a.upload_id = :upload_id AND a.line <> s.line
    RETURNING id""")
# A batch's rejected rows in one statement, as arrays (COPY is refused under row-level security). Every
# INSERT ... SELECT here says RETURNING: on Citus it is then not turned into a COPY into the shards.
_INSERT_REJECTIONS = text("""
    INSERT INTO inventory_rejections (tenant_id, upload_id, line, field, code, reason, value)
    SELECT :tenant_id, :upload_id, r.line, r.field, r.code, r.reason, r.value
    FROM unnest(CAST(:lines AS integer[]), CAST(:fields AS text[]), CAST(:codes AS text[]),
                CAST(:reasons AS text[]), CAST(:values AS text[])) AS r(line, field, code, reason, value)
    RETURNING id""")
COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class Received:
    """The answer to an upload: the upload, and whether the same file had been received before."""

    upload: InventoryUpload
    duplicate: bool


def upload_summary(upload: InventoryUpload) -> dict:
    """The counts people and programs read: the job's result."""
    return {
        "upload_id": upload.id, "kind": upload.kind, "status": upload.status, "format": upload.format,
        "epsg": upload.epsg, "crs_source": upload.crs_source, "rows_total": upload.rows_total,
        "rows_imported": upload.rows_imported, "rows_rejected": upload.rows_rejected,
        "rows_inserted": upload.rows_inserted, "rows_updated": upload.rows_updated,
        "warnings": list(upload.warnings or []), "error": upload.error,
    }


def _file_error(exc: FileProblem) -> Unprocessable:
    return Unprocessable(str(exc), errors={exc.field: [str(exc)]})


def settings_from_form(kind: str, *, epsg=None, mapping=None, defaults=None, layer=None) -> tuple[Kind, Settings]:
    """The kind and the person's choices from an upload or preview form, checked; Unprocessable when wrong."""
    try:
        spec = get_kind(kind)
    except KeyError as exc:
        raise Unprocessable(str(exc.args[0]), errors={"kind": [str(exc.args[0])]}) from None
    try:
        form_epsg = parse_epsg(epsg)
    except CrsProblem as exc:
        raise Unprocessable(str(exc), errors={"crs": [str(exc)]}) from None
    try:
        chosen = check_mapping(spec, parse_object(mapping, field="mapping"))
        values = check_defaults(spec, parse_object(defaults, field="defaults"))
    except SettingsProblem as exc:
        raise Unprocessable(str(exc), errors={exc.field: [str(exc)]}) from None
    layer = (layer or "").strip() or None
    # Dates and the like are kept as the text JSON gives them, so that the digest is stable.
    return spec, Settings(form_epsg, chosen, json.loads(json.dumps(values, default=str)), layer)


def receive_upload(session: Session, tenant_id: int, *, kind: str, filename: str, sha256: str, size: int,
                   path: str | os.PathLike, epsg: str | int | None, actor: str, mapping=None, defaults=None,
                   layer: str | None = None) -> Received:
    """Register a stored file for import and enqueue its job.

    The same file with the same kind, coordinate system, mapping, values and layer is recognised and
    answered as before; the same file with other choices is a new import that updates the assets.
    """
    spec, settings = settings_from_form(kind, epsg=epsg, mapping=mapping, defaults=defaults, layer=layer)
    key = settings.key()
    existing = session.scalar(select(InventoryUpload).where(
        InventoryUpload.tenant_id == tenant_id, InventoryUpload.kind == spec.slug, InventoryUpload.sha256 == sha256,
        InventoryUpload.import_key == key))
    if existing is not None:
        # The first upload's import may be stranded (Redis was away when it was sent): send it again.
        jobs.redispatch_if_stranded(session, existing.job_id)
        return Received(existing, True)
    area = territory.for_tenant(session, tenant_id)
    try:
        with prepare_with_profile(session, tenant_id, path, spec, filename, settings, area) as plan:
            mapping_used = dict(plan.mapping)
            upload = InventoryUpload(
                tenant_id=tenant_id, kind=spec.slug, filename=filename[:300], sha256=sha256, size=size,
                format=plan.format, form_epsg=settings.epsg, epsg=plan.epsg, crs_source=plan.crs_source,
                status=UploadStatus.RECEIVED, warnings=plan.warnings, uploaded_by=actor, rows_total=0,
                rows_imported=0, rows_rejected=0, rows_inserted=0, rows_updated=0, batches_done=0,
                mapping=settings.mapping, defaults=settings.defaults, layer=settings.layer, import_key=key,
                mapping_used=mapping_used)
            headers = [str(h) for h in plan.reader.headers]
    except FileProblem as exc:
        raise _file_error(exc) from None
    session.add(upload)
    session.flush()
    profiles.remember(session, tenant_id, spec.slug, headers, mapping_used, settings, actor=actor)
    job = jobs.enqueue(session, "imports", IMPORT_JOB, tenant_id=tenant_id, upload_id=upload.id,
                       description=f"Import {spec.slug} inventory {filename}"[:300])
    upload.job_id = job.id
    session.flush()
    audit.record(session, action="census.inventory.upload", entity_type="inventory_upload", entity_id=upload.id,
                 tenant_id=tenant_id, after={"kind": spec.slug, "filename": filename, "sha256": sha256, "size": size,
                                             "job_id": job.id, "epsg": settings.epsg, "mapping": settings.mapping,
                                             "defaults": settings.defaults, "layer": settings.layer})
    return Received(upload, False)


def prepare_with_profile(session: Session, tenant_id: int, path, spec: Kind, filename: str, settings: Settings,
                         area) -> Plan:
    """Open a file with the person's settings, completed by the tenant's import profile for its headers."""
    def saved(headers: list[str]) -> dict | None:
        found = profiles.find(session, tenant_id, spec.slug, headers)
        return found.mapping if found else None

    return prepare(path, spec, filename=filename, settings=settings, territory=area, profile=saved)


def preview_upload(session: Session, tenant_id: int, *, path, filename: str, kind: str, epsg=None, mapping=None,
                   defaults=None, layer=None) -> dict:
    """What would be imported from a file with these settings, without importing anything."""
    from .preview import preview

    spec, settings = settings_from_form(kind, epsg=epsg, mapping=mapping, defaults=defaults, layer=layer)
    try:
        return preview(session, tenant_id, path, filename=filename, spec=spec, settings=settings)
    except FileProblem as exc:
        raise _file_error(exc) from None


def upload_settings(upload: InventoryUpload) -> Settings:
    """The settings an upload was received with, the mapping completed as it was then."""
    return Settings(upload.form_epsg, dict(upload.mapping_used or upload.mapping or {}), dict(upload.defaults or {}),
                    upload.layer)


def get_upload(session: Session, tenant_id: int, upload_id: int) -> InventoryUpload:
    upload = session.scalar(select(InventoryUpload).where(InventoryUpload.tenant_id == tenant_id,
                                                          InventoryUpload.id == upload_id))
    if upload is None:
        raise NotFound(f"Upload {upload_id} not found.")
    return upload


def uploads_query(tenant_id: int):
    return (select(InventoryUpload).where(InventoryUpload.tenant_id == tenant_id)
            .order_by(InventoryUpload.id.desc()))


def _copy_lines(session: Session, lines: list[str]) -> None:
    """COPY a batch of rows, as lines of COPY text, into the staging table."""
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(
            f"COPY inventory_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        chunk = []
        size = 0
        for line in lines:
            chunk.append(line)
            size += len(line)
            if size >= COPY_CHUNK:
                copy.write("".join(chunk))
                chunk, size = [], 0
        if chunk:
            copy.write("".join(chunk))


def _write_batch(session: Session, upload: InventoryUpload, good: list[str],
                 bad: list[Rejection]) -> tuple[int, int, int]:
    """Stage, upsert and record one batch; returns (inserted, updated, duplicates of earlier batches)."""
    inserted = updated = duplicates = 0
    if bad:
        lines, fields, codes, reasons, values = zip(*((r.line, r.field[:60], r.code, r.reason, r.value) for r in bad),
                                                    strict=True)
        session.execute(_INSERT_REJECTIONS, {"tenant_id": upload.tenant_id, "upload_id": upload.id,
                                             "lines": list(lines), "fields": list(fields), "codes": list(codes),
                                             "reasons": list(reasons), "values": list(values)})
    if good:
        params = {"tenant_id": upload.tenant_id, "kind": upload.kind, "upload_id": upload.id}
        # Sorting a batch fits in memory; compiling these one-off statements costs more than it saves.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))
        session.execute(_CREATE_STAGE)
        _copy_lines(session, good)
        inserted, updated = session.execute(_UPSERT, params).one()
        if inserted + updated < len(good):
            duplicates = session.execute(_REJECT_EARLIER, params).rowcount
    return inserted, updated, duplicates


def import_steps(session: Session, tenant_id: int, upload_id: int, path: str | os.PathLike,
                 *, batch_rows: int = BATCH_ROWS) -> Iterator[int]:
    """Import an upload batch by batch; yields the percentage done after each flushed batch.

    The caller commits at every yield. Batches committed by an earlier, interrupted run are
    recognised from ``batches_done`` and skipped, so the counts end exact.
    """
    upload = get_upload(session, tenant_id, upload_id)
    session.refresh(upload, with_for_update=True)
    if upload.status == UploadStatus.IMPORTED:
        yield 100
        return
    area = territory.for_tenant(session, tenant_id)
    plan = prepare(path, get_kind(upload.kind), filename=upload.filename, settings=upload_settings(upload),
                   territory=area)
    try:
        upload.status = UploadStatus.IMPORTING
        upload.format, upload.epsg, upload.crs_source = plan.format, plan.epsg, plan.crs_source
        session.flush()
        yield 0
        size = max(os.path.getsize(path), 1)
        fraction: Callable[[], float | None] = getattr(plan.reader, "fraction", lambda: None)
        total = getattr(plan.reader, "features", 0)
        ahead = ReadAhead(batches(plan.copy_rows(), batch_rows, first=upload.batches_done, territory=area))
        try:
            with _quick_handoff():
                for batch in ahead:
                    if _commit_batch(session, upload, batch):
                        done = fraction()
                        if done is None and total:
                            done = upload.rows_total / total
                        yield _percent(done, size)
        finally:
            ahead.close()
    finally:
        plan.close()
    session.refresh(upload, with_for_update=True)
    if upload.status == UploadStatus.IMPORTED:
        yield 100
        return
    upload.status = UploadStatus.IMPORTED
    upload.finished_at = datetime.now(UTC)
    if upload.rows_total == 0:
        upload.warnings = [*(upload.warnings or []), "the file has a header but no data rows"]
    session.flush()
    audit.record(session, action="census.inventory.imported", entity_type="inventory_upload", entity_id=upload.id,
                 tenant_id=tenant_id, after=upload_summary(upload))
    yield 100


@contextmanager
def _quick_handoff(interval: float = 0.0005) -> Iterator[None]:
    """Hand the interpreter lock over sooner while the reader thread parses ahead.

    The writer thread waits on PostgreSQL with the lock released, and wakes up to send the next
    chunk; with the default 5 ms switch interval it waits for the parsing thread's time slice,
    which costs seconds over a million rows.
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _percent(value: float | None, size: int) -> int:
    return 50 if value is None else max(1, min(99, int(value * 100)))


def _commit_batch(session: Session, upload: InventoryUpload, batch: Batch) -> bool:
    """Write a batch unless another run of the same import already did; True when written."""
    session.refresh(upload, with_for_update=True)
    if upload.batches_done > batch.number:
        return False
    if upload.batches_done < batch.number:
        raise RuntimeError(f"upload {upload.id}: batch {batch.number} comes before batch {upload.batches_done}")
    inserted, updated, duplicates = _write_batch(session, upload, batch.good, batch.bad)
    rows, bad_rows = batch.rows, batch.bad_rows
    upload.rows_total += rows
    upload.rows_inserted += inserted
    upload.rows_updated += updated
    upload.rows_imported += inserted + updated
    upload.rows_rejected += bad_rows + duplicates
    upload.batches_done += 1
    session.flush()
    audit.record(session, action="census.inventory.batch", entity_type="inventory_upload", entity_id=upload.id,
                 tenant_id=upload.tenant_id, after={"batch": upload.batches_done, "rows": rows,
                                                    "inserted": inserted, "updated": updated,
                                                    "rejected": bad_rows + duplicates})
    return True


def fail_upload(session: Session, tenant_id: int, upload_id: int, message: str) -> InventoryUpload:
    """Mark an upload whose file cannot be read; batches already imported stay."""
    upload = get_upload(session, tenant_id, upload_id)
    upload.status = UploadStatus.FAILED
    upload.error = message[:2000]
    upload.finished_at = datetime.now(UTC)
    session.flush()
    audit.record(session, action="census.inventory.failed", entity_type="inventory_upload", entity_id=upload.id,
                 tenant_id=tenant_id, after={"error": upload.error})
    return upload


def rejections(session: Session, tenant_id: int, upload_id: int) -> Iterator[Rejection]:
    """The rejected rows of an upload in file order, streamed."""
    get_upload(session, tenant_id, upload_id)
    result = session.execute(
        select(InventoryRejection.line, InventoryRejection.field, InventoryRejection.code,
               InventoryRejection.reason, InventoryRejection.value)
        .where(InventoryRejection.tenant_id == tenant_id, InventoryRejection.upload_id == upload_id)
        .order_by(InventoryRejection.line, InventoryRejection.id)
        .execution_options(yield_per=5000))
    for row in result:
        yield Rejection(*row)


def rejections_page(session: Session, tenant_id: int, upload_id: int, page: int = 1,
                    size: int = 20) -> tuple[list[Rejection], int]:
    """One page of the rejected rows in file order, and how many there are in all."""
    get_upload(session, tenant_id, upload_id)
    where = (InventoryRejection.tenant_id == tenant_id, InventoryRejection.upload_id == upload_id)
    total = session.scalar(select(func.count()).select_from(InventoryRejection).where(*where)) or 0
    rows = session.execute(
        select(InventoryRejection.line, InventoryRejection.field, InventoryRejection.code,
               InventoryRejection.reason, InventoryRejection.value)
        .where(*where).order_by(InventoryRejection.line, InventoryRejection.id)
        .offset((max(page, 1) - 1) * size).limit(size)).all()
    return [Rejection(*row) for row in rows], total


def error_report_csv(session: Session, tenant_id: int, upload_id: int) -> str:
    """The error report as CSV text (UTF-8 with BOM so that spreadsheets read accents)."""
    stream = io.StringIO()
    stream.write("\ufeff")
    write_error_report(rejections(session, tenant_id, upload_id), stream)
    return stream.getvalue()


CONFORMANCE_ATTRIBUTES = ("sensor_type", "power_w", "street", "installed_on")


def conformance_rows(session: Session, tenant_id: int) -> Iterator[tuple[str, Iterator[dict]]]:
    """The tenant's assets, kind by kind, as flat rows for the regional-standard checks."""
    from .models import InventoryAsset

    kinds = session.scalars(select(InventoryAsset.kind).where(InventoryAsset.tenant_id == tenant_id)
                            .distinct().order_by(InventoryAsset.kind)).all()
    for kind in kinds:
        statement = (select(InventoryAsset.asset_id, InventoryAsset.latitude, InventoryAsset.longitude,
                            InventoryAsset.operator, InventoryAsset.attributes)
                     .where(InventoryAsset.tenant_id == tenant_id, InventoryAsset.kind == kind)
                     .order_by(InventoryAsset.asset_id))
        rows = ({"asset_id": asset_id, "latitude": lat, "longitude": lon, "operator": operator,
                 **{name: (attributes or {}).get(name) for name in CONFORMANCE_ATTRIBUTES}}
                for asset_id, lat, lon, operator, attributes in session.execute(statement).all())
        yield kind, rows
