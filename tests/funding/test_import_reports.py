"""An import's report page says why rows were skipped, and what to check, in the page's language.

The jobs store their reasons in English; the pages translate them through the catalogue, including the
results that an older version stored with an Italian copy beside the English.
"""

import io
import uuid
from datetime import UTC, datetime

from funding.importers import ft_portal
from tests.funding import portal


def _stored_job(db, func: str, result: dict, kwargs: dict) -> str:
    from smartregion.jobs import Job, JobState

    now = datetime.now(UTC)
    job = Job(id=str(uuid.uuid4()), queue="imports", func=func, kwargs=kwargs, actor="segreteria",
              tenant_id=None, description="Import", state=JobState.FINISHED, progress=100, attempts=1,
              result=result, started_at=now, ended_at=now)
    db.add(job)
    db.commit()
    return job.id


def test_a_portal_import_page_says_its_skipped_rows_and_warnings_in_italian_and_in_english(
        page_client, rq_worker, wait_for_job):
    seg = page_client("segreteria")
    body = portal.today_answer(ft_portal.today_in_brussels())
    accepted = seg.post("/funding/lines/import", content_type="multipart/form-data", data={
        "format": "ft_portal", "file": (io.BytesIO(body), "search-results.json")})
    assert accepted.status_code == 303, accepted.get_data(as_text=True)
    status_url = accepted.headers["Location"]
    assert wait_for_job(status_url.rsplit("/", 1)[1])["state"] == "finished"

    italian = seg.get(status_url).get_data(as_text=True)
    skipped = italian.split('data-testid="import-skipped"')[1]
    assert "<td>duplicato del risultato 1</td>" in skipped
    assert "ERASMUS-EDU-2027-PI-ALL-INNO: Erasmus+ (43353764) non è un programma seguito dalla regione" in skipped
    assert "duplicate of result" not in italian and "is not a programme the region follows" not in italian
    warnings = italian.split('data-testid="import-warnings"')[1].split("</div>")[0]
    assert "HORIZON-EIC-2027-ACCELERATOR-01: il tipo di azione (HORIZON EIC Grants) non ha un tasso" in warnings
    assert "HORIZON-MISS-2027-CIT-01-05: il portale lo dà aperto, le date lo dicono chiuso; si tiene chiuso" in (
        warnings)

    english = page_client("segreteria", lang="en").get(status_url).get_data(as_text=True)
    skipped = english.split('data-testid="import-skipped"')[1]
    assert "<td>duplicate of result 1</td>" in skipped
    assert "ERASMUS-EDU-2027-PI-ALL-INNO: Erasmus+ (43353764) is not a programme the region follows" in skipped
    assert "duplicato" not in english
    assert "HORIZON-MISS-2027-CIT-01-05: the portal says open, its dates say closed; closed is kept" in english


def test_reports_stored_by_an_older_version_still_show_in_both_languages(db, page_client, demo):
    lines_job = _stored_job(db, "funding.jobs.import_lines", {
        "format": "ft_portal", "file_sha256": "ab" * 32, "created": [], "updated": [], "unchanged": [],
        "skipped": [{"line": 3, "reason": "duplicate of result 1", "motivo": "duplicato del risultato 1"},
                    {"line": 4, "reason": "tender (procurement), not a grant"},
                    {"line": 5, "reason": "a reason this version never wrote"}],
        "warnings": [{"line": 2, "message": "X-1: the budget overview cannot be read; imported without budget",
                      "messaggio": "X-1: il quadro del bilancio non è leggibile; importato senza dotazione"}],
        "errors": [{"line": 6, "field": "deadlineDate", "message": "Not a valid date: 'soon'."}],
    }, {"sha256": "ab" * 32, "file_format": "ft_portal"})
    cohesion_job = _stored_job(db, "funding.jobs.import_cohesion", {
        "file_sha256": "cd" * 32, "format": {"archive_member": None, "encoding": "utf-8", "delimiter": ";",
                                             "columns": 12},
        "rows": 3, "rows_kept": 0, "records": 0, "updated": [], "unchanged": [], "unknown_cups": [],
        "unknown_cups_complete": True, "errors_total": 1,
        "skipped": [{"reason": "no_cup", "rows": 1, "lines": [2], "description": "no CUP",
                     "descrizione": "senza CUP"}],
        "errors": [{"line": 3, "field": "CUP", "message": "A CUP has 15 characters, this has 8: 'D11B2100'.",
                    "messaggio": "Il CUP deve avere 15 caratteri, ne ha 8: 'D11B2100'."}],
    }, {"sha256": "cd" * 32, "filename": "progetti.csv"})

    seg, seg_en = page_client("segreteria"), page_client("segreteria", lang="en")
    italian = seg.get(f"/funding/lines/imports/{lines_job}")
    assert italian.status_code == 200
    page = italian.get_data(as_text=True)
    assert "<td>duplicato del risultato 1</td>" in page
    assert "<td>bando di gara (appalto), non una sovvenzione</td>" in page
    assert "<td>a reason this version never wrote</td>" in page
    assert "X-1: il quadro del bilancio non è leggibile; importato senza dotazione" in page
    assert "Data non valida: &#39;soon&#39;." in page
    english = seg_en.get(f"/funding/lines/imports/{lines_job}").get_data(as_text=True)
    assert "<td>duplicate of result 1</td>" in english and "<td>tender (procurement), not a grant</td>" in english
    assert "X-1: the budget overview cannot be read; imported without budget" in english

    page = seg.get(f"/funding/opencoesione/imports/{cohesion_job}").get_data(as_text=True)
    assert "<td>senza CUP</td>" in page and "Il CUP deve avere 15 caratteri, ne ha 8: &#39;D11B2100&#39;." in page
    english = seg_en.get(f"/funding/opencoesione/imports/{cohesion_job}").get_data(as_text=True)
    assert "<td>no CUP</td>" in english and "A CUP has 15 characters, this has 8: &#39;D11B2100&#39;." in english
