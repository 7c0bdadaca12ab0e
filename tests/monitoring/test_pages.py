"""The auditor's pages: timeline and matrix, monitoring reports, audit log with filters, chain check."""

from sqlalchemy import select

from monitoring.models import MonitoringReport
from protocol.models import Protocol


def test_auditor_pages(demo, as_user, db):
    tuscan = db.scalar(select(Protocol).order_by(Protocol.id))
    auditor = as_user("revisore")
    listing = auditor.get("/protocols").get_data(as_text=True)
    assert tuscan.title.replace("'", "&#39;") in listing
    page = auditor.get(f"/protocols/{tuscan.id}", query_string={"today": "2018-07-10"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2018-06-27" in html and "2019-12-27" in html
    assert "Siena" in html and "(+13" in html

    ended = auditor.get(f"/protocols/{tuscan.id}").get_data(as_text=True)
    assert 'data-testid="protocol-status"' in ended and "(100%)" in ended  # the elapsed share, formatted

    reports = auditor.get(f"/protocols/{tuscan.id}/reports").get_data(as_text=True)
    assert "monitoring-1" in reports and "2018-03-27" in reports
    report = db.scalar(select(MonitoringReport).order_by(MonitoringReport.id).limit(1))
    detail = auditor.get(f"/monitoring-reports/{report.id}").get_data(as_text=True)
    assert report.sha256 in detail and "bg-success" in detail

    log = auditor.get("/audit", query_string={"action": "protocol.monitoring"}).get_data(as_text=True)
    assert "protocol.monitoring.issue" in log and "tenant.create" not in log
    assert "/api/v1/audit/events.csv?action=protocol.monitoring" in log
    bad = auditor.get("/audit", query_string={"since": "2020-02-01", "until": "2020-01-01"})
    assert bad.status_code == 422
    chain = auditor.get("/audit/verify").get_data(as_text=True)
    assert "is intact" in chain or "è integra" in chain


def test_members_cannot_open_the_audit_pages(demo, as_user):
    assert as_user("firenze-comune").get("/audit").status_code == 403
    assert as_user("firenze-comune").get("/audit/verify").status_code == 403
