"""The tabular distributions: census figures once the survey is accepted, the approved plan (never a draft),
standards, broadband and feed conformance, as CSV and XLSX that spreadsheets open."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from smartregion import audit, tenancy
from sqlalchemy import select

from census import services as census
from census.models import Submission, SubmissionStatus
from funding.models import OperationalPlan
from funding.services import plans
from publication import services


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.data[:300]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _accept_firenze_survey(db, firenze_id: int) -> None:
    with audit.acting_as("segreteria"), tenancy.tenant_context(firenze_id):
        for sub in db.scalars(select(Submission).where(Submission.tenant_id == firenze_id)):
            if sub.status == SubmissionStatus.RETURNED:
                census.submit_submission(db, firenze_id, sub.id, actor="firenze-comune")
            if sub.status != SubmissionStatus.ACCEPTED:
                census.accept_submission(db, firenze_id, sub.id, actor="segreteria")
        db.commit()


def test_census_figures_open_once_the_survey_is_accepted(region, db, client, as_user):
    secretariat = as_user("segreteria")
    assert secretariat.put("/api/v1/publication/tenants/firenze/datasets/census").status_code == 409
    _accept_firenze_survey(db, region.firenze.id)
    assert secretariat.put("/api/v1/publication/tenants/firenze/datasets/census").status_code == 200
    assert secretariat.put("/api/v1/publication/region/datasets/census").status_code == 200

    figures = dict((row[0], row[1]) for row in _rows(client.get("/open-data/firenze/census.csv"))[1:])
    assert int(figures["submissions_counted"]) == 3
    assert figures["by_tenant.firenze.services"] != "0"
    assert not any(key.startswith("completeness") for key in figures)
    regional = dict((row[0], row[1]) for row in _rows(client.get("/open-data/region/census.csv"))[1:])
    # Prato's forms are not all accepted: the regional figures leave Prato out entirely.
    assert regional["submissions_counted"] == "3" and not any("prato" in key for key in regional)
    book = load_workbook(io.BytesIO(client.get("/open-data/firenze/census.xlsx").data))
    sheet = book.active
    assert sheet.cell(1, 1).value == "indicator" and sheet.max_row == len(figures) + 1


def test_the_plan_is_published_only_once_approved(region, db, client, as_user):
    secretariat = as_user("segreteria")
    assert secretariat.put("/api/v1/publication/region/datasets/plan").status_code == 200
    assert "region/plan" not in [d.path for d in services.published(db)]
    assert client.get("/open-data/region/plan.xlsx").status_code == 404
    plan = db.scalar(select(OperationalPlan).where(OperationalPlan.series == "toscana-2026"))
    with audit.acting_as("segreteria"):
        plans.approve_plan(db, plan.id, actor="segreteria")
        db.commit()
    rows = _rows(client.get("/open-data/region/plan.csv"))
    assert rows[0][:3] == ["municipality", "lead_company", "project"] and len(rows) > 1
    workbook = load_workbook(io.BytesIO(client.get("/open-data/region/plan.xlsx").data))
    assert workbook.sheetnames


def test_standards_broadband_and_conformance_files(region, client):
    standards = _rows(client.get("/open-data/region/standards.csv"))
    assert standards[0][:3] == ["code", "version", "entity_type"]
    assert ["TOS-STREETLIGHT", "1.0.0", "Streetlight"] in [row[:3] for row in standards]
    broadband = _rows(client.get("/open-data/region/broadband.csv"))
    assert len(broadband) > 1
    conformance = _rows(client.get("/open-data/firenze/conformance.csv"))
    assert conformance[0] == ["feed", "standard", "received", "accepted", "refused", "share", "last_observed_at"]
    lighting = _rows(client.get("/open-data/firenze/cadastre/public-lighting.csv"))
    assert len(lighting) == 8 and "FI-PL-0001" in {row[2] for row in lighting}
