"""Protocol benchmark: timeline, matrix and monitoring reports for every Tuscan municipality.

Creates its own database on DATABASE_URL's server (dropped at the end), seeds the demo region, then
opens a tenant for every municipality of Tuscany (ISTAT region "Toscana", about 270) as signatories of
a protocol signed 2026-01-15, and measures:
  - `timeline.compute` for the whole region (ms, median of runs) and the matrix built from it, on the clock
    and in this process's CPU time (the part that does not depend on how busy the machine is);
  - issuing the first monitoring period's reports (one per tenant and one regional) in one transaction.
No target is set by the issue; the figures size the daily jobs. Last line: one JSON object.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/protocol_timeline.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._platform import demo_app  # noqa: E402


def _vat(number: int) -> str:
    from stdnum import luhn

    base = f"{number:07d}048"  # company number, then the office code (Firenze)
    return base + luhn.calc_check_digit(base)


def _region(session) -> list[int]:
    from sqlalchemy import select

    from tenants import services
    from tenants.models import Organization, Tenant
    from tenants.validators import istat_municipalities

    towns = []
    existing = set(session.scalars(select(Organization.istat_code).where(Organization.istat_code.is_not(None))))
    for index, (code, row) in enumerate(sorted(istat_municipalities().items())):
        if row["regione"] != "Toscana":
            continue
        if code in existing:
            towns.append(session.scalar(select(Organization.id).where(Organization.istat_code == code)))
            continue
        town = services.create_organization(session, kind="municipality", istat_code=code,
                                            name=f"Comune di {row['denominazione_italiana']}")
        lead = services.create_organization(session, kind="participated-company", name=f"Servizi {code} (esempio)",
                                            vat_number=_vat(7_000_000 + index))
        tenant = services.create_tenant(session, slug=f"t{code}", municipality_id=town.id, lead_company_id=lead.id,
                                        joined_on=date(2026, 1, 15))
        tenant.status = "active"
        towns.append(town.id)
    session.flush()
    assert session.scalar(select(Tenant.id).limit(1)) is not None
    return towns


def main() -> None:
    with demo_app() as served:
        from smartregion import audit, tenancy
        from smartregion.db import db
        from sqlalchemy import select

        from monitoring.services import reports as monitoring
        from monitoring.services import timeline
        from protocol.services import protocols
        from tenants.models import Organization

        app = served.app
        with app.app_context(), tenancy.regional_scope(), audit.acting_as("bench"):
            session = db.new_session()
            towns = _region(session)
            region = session.scalar(select(Organization.id).where(Organization.kind == "region"))
            protocol = protocols.create_protocol(session, title="Protocollo regionale (bench)", region_id=region,
                                                 signed_on=date(2026, 1, 15), signatory_ids=towns, actor="bench")
            session.commit()
            runs, cpu = [], []
            for _ in range(5):
                started, started_cpu = time.perf_counter(), time.process_time()
                line = timeline.compute(session, protocol.id, today=date(2026, 5, 1))
                line.matrix()
                runs.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            tenants = len(line.tenants)
            started = time.perf_counter()
            issued = monitoring.issue_due_reports(session, today=date(2026, 4, 20), protocol_id=protocol.id)
            session.commit()
            reports_s = time.perf_counter() - started
            session.close()
        figures = {"tenants": tenants, "timeline_ms_median": round(statistics.median(runs) * 1000, 1),
                   "timeline_cpu_ms_median": round(statistics.median(cpu) * 1000, 1),
                   "reports_issued": len(issued), "reports_s": round(reports_s, 2),
                   "reports_per_s": round(len(issued) / reports_s, 1)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
