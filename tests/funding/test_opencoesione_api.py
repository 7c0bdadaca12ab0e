"""OpenCoesione files imported by the secretariat through the API and the page, as a job with a progress bar."""

import io
import random

from smartregion.audit import AuditEvent
from sqlalchemy import func, select

from tests.funding import opencoesione_files as oc
from tests.funding.test_opencoesione import LIGHTING, PLATFORM, published_rows


def _project(client, slug: str, cup: str, title: str) -> int:
    created = client.post(f"/api/v1/tenants/{slug}/projects", json={
        "title": title, "domain": "energy", "total_cost_cents": 900_000_00, "cup": cup, "status": "in_progress"})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _send(client, data: bytes, name: str = "progetti_esteso_TOS.zip"):
    return client.post("/api/v1/opencoesione/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def test_a_regional_file_fills_the_projects_with_the_same_cup_and_lists_what_it_skipped(
        as_user, db, rq_worker, wait_for_job):
    lighting = _project(as_user("firenze-comune"), "firenze", LIGHTING, "Smart lighting - lotti 1 e 2")
    platform = _project(as_user("prato-comune"), "prato", PLATFORM, "Piattaforma dati urbani")
    seg = as_user("segreteria")
    data = oc.zipped("progetti_esteso_TOS.csv", oc.table(published_rows()))
    accepted = _send(seg, data)
    assert accepted.status_code == 202, accepted.json
    job = wait_for_job(accepted.json["job_id"])
    assert job["state"] == "finished" and job["progress"] == 100, job
    report = job["result"]
    assert report["format"] == {"archive_member": "progetti_esteso_TOS.csv", "encoding": "utf-8", "delimiter": ";",
                                "columns": len(oc.COLUMNS)}
    # Kept: both lots of the lighting, Prato's platform, and the seeded digital twin of Firenze
    # (H11B17000350004), which OpenCoesione places elsewhere; the footbridge's CUP is no project's.
    assert (report["rows"], report["rows_kept"]) == (13, 4)
    updated = {u["cup"]: (u["tenant"], u["project_id"]) for u in report["updated"]}
    assert updated[LIGHTING] == ("firenze", lighting) and updated[PLATFORM] == ("prato", platform)
    assert updated["H11B17000350004"][0] == "firenze" and len(updated) == 3
    assert {s["reason"]: s["rows"] for s in report["skipped"]} == {"outside_region": 3, "no_cup": 1,
                                                                   "unknown_cup": 2}
    [no_cup] = [s for s in report["skipped"] if s["reason"] == "no_cup"]
    assert no_cup["lines"] == [8] and no_cup["descrizione"] == "senza CUP"
    assert report["unknown_cups"] == [{"cup": "E71H20000120001", "line": 7}, {"cup": "G17H20001230001", "line": 12}]
    assert report["unknown_cups_complete"]
    assert {(e["line"], e["field"]) for e in report["errors"]} == {
        (9, "CUP"), (10, "FINANZ_TOTALE_PUBBLICO"), (10, "OC_FINANZ_TOT_PUB_NETTO"), (11, "OC_DATA_INIZIO_PROGETTO")}

    card = as_user("firenze-comune").get(f"/api/v1/tenants/firenze/projects/{lighting}").json
    assert card["cohesion"]["public_funding_cents"] == 800_000_00
    assert card["cohesion"]["payments_cents"] == 325_000_35 and card["cohesion"]["state"] == "In corso"
    assert card["cohesion"]["local_codes"] == ["1MISE22-FI001", "1MISE22-FI002"]
    assert card["cohesion"]["file_sha256"] == accepted.json["file_sha256"]

    # The same file again changes nothing and writes no audit event; a newer file updates.
    audited = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "funding.project.cohesion"))
    db.rollback()
    again = wait_for_job(_send(seg, data).json["job_id"])["result"]
    assert again["updated"] == [] and len(again["unchanged"]) == 3
    rows = published_rows()
    rows[1]["TOT_PAGAMENTI"] = "445000,25"
    newer = wait_for_job(_send(seg, oc.zipped("progetti_esteso_TOS.csv", oc.table(rows))).json["job_id"])["result"]
    assert [u["project_id"] for u in newer["updated"]] == [lighting]
    assert as_user("firenze-comune").get(f"/api/v1/tenants/firenze/projects/{lighting}").json[
        "cohesion"]["payments_cents"] == 525_000_35
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "funding.project.cohesion")) == audited + 1


def test_files_that_are_not_opencoesione_projects_are_refused_at_once_and_nothing_changes(as_user, db):
    seg = as_user("segreteria")
    for data, name, message in (
        (oc.zipped("progetti_esteso_TOS.csv", "a;b\n", extra={"soggetti_esteso_TOS.csv": b"a;b\n"}), "oc.zip",
         "The zip holds several CSV tables: progetti_esteso_TOS.csv, soggetti_esteso_TOS.csv."),
        (oc.zipped("xl/workbook.xml", b"<workbook/>", extra={"[Content_Types].xml": b"<Types/>"}), "oc.xlsx",
         "This is a spreadsheet (XLSX)"),
        (b"COD_LOCALE_PROGETTO;OC_TITOLO_PROGETTO\nX;Y\n", "oc.csv", "Missing columns: CUP, COD_COMUNE"),
        (b"", "empty.csv", "The file is empty."),
    ):
        refused = _send(seg, data, name)
        assert refused.status_code == 422, refused.json
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json["errors"]["file"][0].startswith(message)
    assert _send(seg, b"x").status_code == 422
    assert seg.post("/api/v1/opencoesione/import", data={}, content_type="multipart/form-data").status_code == 400
    data = oc.zipped("progetti_esteso_TOS.csv", oc.table(published_rows()))
    assert _send(as_user("firenze-comune"), data).status_code == 403
    assert _send(as_user("revisore"), data).status_code == 403


def test_the_page_imports_a_file_follows_its_job_and_shows_the_answer_in_italian_and_english(
        page_client, as_user, rq_worker, wait_for_job):
    _project(as_user("firenze-comune"), "firenze", LIGHTING, "Smart lighting - lotti 1 e 2")
    seg = page_client("segreteria")
    page = seg.get("/funding/opencoesione").get_data(as_text=True)
    assert 'data-testid="cohesion-form"' in page and "Nessuna importazione." in page
    assert 'data-testid="cohesion-link"' in seg.get("/funding/lines").get_data(as_text=True)

    refused = seg.post("/funding/opencoesione/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"COD_LOCALE_PROGETTO;TITOLO\nX;Y\n"), "progetti.csv")})
    assert refused.status_code == 422
    assert "Colonne mancanti: CUP, COD_COMUNE, FINANZ_TOTALE_PUBBLICO o OC_FINANZ_TOT_PUB_NETTO" in (
        refused.get_data(as_text=True))
    missing = seg.post("/funding/opencoesione/import", content_type="multipart/form-data", data={})
    assert missing.status_code == 400 and "Scegliere un file da caricare." in missing.get_data(as_text=True)

    rng = random.Random(11)
    rows = [oc.filler(rng, n) for n in range(1, 60)] + published_rows()
    accepted = seg.post("/funding/opencoesione/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(oc.zipped("progetti_esteso_TOS.csv", oc.table(rows))), "progetti_esteso_TOS.zip")})
    assert accepted.status_code == 303
    status_url = accepted.headers["Location"]
    running = seg.get(status_url).get_data(as_text=True)
    assert 'data-testid="import-progress"' in running and "style=" not in running.split("<main")[-1]
    assert wait_for_job(status_url.rsplit("/", 1)[1])["state"] == "finished"
    html = seg.get(status_url).get_data(as_text=True)
    assert 'data-testid="rows">72<' in html and 'data-testid="updated">2<' in html
    assert "localizzato in un comune della piattaforma, con un CUP che nessun progetto ha ancora" in html
    assert "<code>E71H20000120001</code>" in html and "Importo non valido: &#39;mille euro&#39;." in html
    english = page_client("segreteria", lang="en").get(status_url).get_data(as_text=True)
    assert "placed in no municipality of the platform, with a CUP no project has" in english
    assert "progetti_esteso_TOS.zip" in seg.get("/funding/opencoesione").get_data(as_text=True)
    assert page_client("revisore").get(status_url).status_code == 200
    assert page_client("firenze-comune").get(status_url).status_code == 403
    assert page_client("revisore").post("/funding/opencoesione/import", content_type="multipart/form-data",
                                        data={}).status_code == 403


def test_the_command_line_imports_a_file_the_same_way(as_user, tmp_path):
    from click.testing import CliRunner

    from funding.cli import import_opencoesione

    lighting = _project(as_user("firenze-comune"), "firenze", LIGHTING, "Smart lighting - lotti 1 e 2")
    path = tmp_path / "progetti_esteso_TOS.zip"
    path.write_bytes(oc.zipped("progetti_esteso_TOS.csv", oc.table(published_rows())))
    outcome = CliRunner().invoke(import_opencoesione, [str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert '"rows": 13' in outcome.output
    card = as_user("firenze-comune").get(f"/api/v1/tenants/firenze/projects/{lighting}").json
    assert card["cohesion"]["public_funding_cents"] == 800_000_00
