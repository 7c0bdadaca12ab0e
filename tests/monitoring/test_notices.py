"""Deadline notices: approaching and passed, stored once, listed by API and e-mailed through SMTP."""

import socket
from collections import Counter
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from monitoring.models import NoticeKind, ProtocolNotice
from monitoring.services import notices
from protocol.services import protocols
from tenants.models import Organization, OrganizationKind, Tenant


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


@pytest.fixture
def renewal(demo, db):
    region = db.scalar(select(Organization).where(Organization.kind == OrganizationKind.REGION))
    towns = db.scalars(select(Organization.id).where(Organization.kind == OrganizationKind.MUNICIPALITY)).all()
    protocol = protocols.create_protocol(db, title="Rinnovo del protocollo smart city", region_id=region.id,
                                         signed_on=date(2026, 1, 15), signatory_ids=list(towns), actor="segreteria")
    db.commit()
    return protocol


def test_approaching_then_passed_census_deadline(db, renewal):
    created = notices.generate(db, today=date(2026, 6, 20))
    census = [n for n in created if n.milestone_key == "census"]
    assert {n.kind for n in census} == {NoticeKind.APPROACHING}
    assert len(census) == 6  # five tenants and the secretariat
    secretariat = next(n for n in census if n.tenant_id is None)
    assert "Firenze" in secretariat.body and secretariat.due_on == date(2026, 7, 15)
    assert notices.generate(db, today=date(2026, 6, 21)) == []  # stored once
    passed = [n for n in notices.generate(db, today=date(2026, 7, 16)) if n.milestone_key == "census"]
    assert {n.kind for n in passed} == {NoticeKind.PASSED} and len(passed) == 6


def test_no_notice_for_a_waived_milestone_or_an_ended_protocol(db, renewal):
    protocols.grant_waiver(db, renewal.id, milestone_key="census", reason="Censimento già svolto nel 2018",
                           actor="segreteria")
    assert [n for n in notices.generate(db, today=date(2026, 6, 20)) if n.milestone_key == "census"] == []
    assert notices.generate(db, today=date(2030, 1, 1)) == []


def test_notices_are_emailed_to_their_recipients(app, db, renewal, smtp_server):
    url, inbox = smtp_server
    firenze = db.scalar(select(Tenant).where(Tenant.slug == "firenze"))
    notices.add_recipient(db, renewal.id, email="smart@comune.firenze.example", tenant_id=firenze.id, actor="s")
    notices.add_recipient(db, renewal.id, email="segreteria@regione.example", tenant_id=None, actor="s")
    notices.generate(db, today=date(2026, 6, 20))
    outcome = notices.send_pending(db, smtp_url=url, mail_from="smartregion@regione.example")
    # Firenze hears of its census; the secretariat of the census and of both monitoring reports.
    assert outcome == {"sent": 4, "failed": 0}
    recipients = Counter(r for rcpts, _ in inbox.messages for r in rcpts)
    assert recipients == {"segreteria@regione.example": 3, "smart@comune.firenze.example": 1}
    body = next(content for rcpts, content in inbox.messages if rcpts == ["smart@comune.firenze.example"])
    assert "2026-07-15" in body and "Subject: Scadenza vicina" in body
    sent = db.scalars(select(ProtocolNotice).where(ProtocolNotice.emailed_at.is_not(None))).all()
    assert {n.tenant_id for n in sent} == {firenze.id, None}
    assert notices.send_pending(db, smtp_url=url, mail_from="x@example.org") == {"sent": 0, "failed": 0}


def test_members_see_their_tenants_notices_and_the_secretariat_its_own(as_user, db, renewal):
    notices.generate(db, today=date(2026, 6, 20))
    db.commit()
    mine = as_user("firenze-comune").get("/api/v1/notices")
    assert mine.status_code == 200 and mine.json
    firenze_id = db.scalar(select(Tenant.id).where(Tenant.slug == "firenze"))
    assert {n["tenant_id"] for n in mine.json} == {firenze_id}
    assert as_user("firenze-comune").get("/api/v1/notices", query_string={"tenant": "prato"}).status_code == 404
    everyone = as_user("segreteria").get("/api/v1/notices").json
    assert None in {n["tenant_id"] for n in everyone} and len({n["tenant_id"] for n in everyone}) == 6
    read = as_user("firenze-comune").post(f"/api/v1/notices/{mine.json[0]['id']}/read")
    assert read.status_code == 200 and read.json["read_at"]
    unread = as_user("firenze-comune").get("/api/v1/notices", query_string={"unread": "true"}).json
    assert mine.json[0]["id"] not in {n["id"] for n in unread}
