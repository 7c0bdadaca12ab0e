"""The census report, built by a real worker on the `reports` queue."""

import io

import openpyxl


def test_the_census_report_is_built_as_html_and_xlsx_by_a_job(as_user, rq_worker, wait_for_job):
    seg = as_user("segreteria")
    assert as_user("firenze-comune").post("/api/v1/census/reports", json={}).status_code == 403
    response = seg.post("/api/v1/census/reports", json={})
    assert response.status_code == 202, response.json
    assert response.json["report"]["status"] == "pending" and response.json["report"]["html_url"] is None
    job = wait_for_job(response.json["job_id"])
    assert job["state"] == "finished", job["error"]
    assert job["queue"] == "reports" and job["progress"] == 100

    report = seg.get(f"/api/v1/census/reports/{response.json['report']['id']}").json
    assert report["status"] == "ready"
    html = seg.get(report["html_url"])
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "Firenze" in page and "Prato" in page
    assert "Servizi smart per dominio" in page and "Rete del gas" in page
    assert "2.270,75" in page and "2270.750" not in page, "figures are written the Italian way"
    assert "in ritardo" in page and ">late<" not in page, "states are words, not codes"
    assert "UTC" not in page and ("CET" in page or "CEST" in page), "the time is Rome's, with its zone"

    xlsx = seg.get(report["xlsx_url"])
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert {"servizi", "progetti", "reti_km", "banda_ultra_larga", "enti"} <= set(book.sheetnames)
    km = {row[0]: row[1] for row in book["reti_km"].iter_rows(min_row=2, values_only=True)}
    assert km["Rete del gas"] == 2270.75
    states = {row[0]: row[2] for row in book["enti"].iter_rows(min_row=2, values_only=True)}
    assert states["Firenze"] == "late"
    assert [r["id"] for r in seg.get("/api/v1/census/reports").json] == [report["id"]]
    assert as_user("revisore").get(report["html_url"]).status_code == 200
