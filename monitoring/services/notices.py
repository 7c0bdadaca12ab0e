"""Deadline notices ("avvisi di scadenza"): approaching and passed, to tenants and the secretariat.

Tenants hear about their own obligations (census, operational plan); the secretariat hears about
every milestone, with the tenants concerned listed.

Notices are stored once per protocol, recipient, milestone and kind, so running the generator every
day adds only what is new; e-mails go through the configured SMTP server when there is one.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from smartregion import audit
from smartregion.errors import Conflict, NotFound, Unprocessable
from smartregion.i18n import in_both
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from monitoring.models import NoticeKind, NoticeRecipient, ProtocolNotice
from monitoring.services import timeline
from protocol.services import Protocol, get_protocol, protocols_query

APPROACHING_DAYS = 30
OPEN_STATES = (timeline.PENDING, timeline.ON_TIME, timeline.LATE)


def _text(protocol: Protocol, milestone: timeline.Milestone, kind: str, due: date, today: date,
          tenants: list[str]) -> tuple[str, str]:
    """Subject and body in Italian and English, the Italian first."""
    if kind == NoticeKind.PASSED:
        headline = in_both(lazy_pgettext("protocol notice", "Deadline passed"))
        lead = in_both(_l("The deadline of %(due)s passed %(days)s days ago."), due=due, days=(today - due).days)
    else:
        headline = in_both(_l("Deadline approaching"))
        lead = in_both(_l("%(days)s days are left before the deadline of %(due)s."), due=due,
                       days=(due - today).days)
    subject = f"{' / '.join(headline)}: {milestone.label_it} ({due})"
    body = f"{protocol.title}\n\n{milestone.label_it} / {milestone.label_en}\n" + "\n".join(lead) + "\n"
    if tenants:
        body += "\n" + " / ".join(in_both(_l("Tenants concerned"))) + ": " + ", ".join(tenants) + "\n"
    return subject[:300], body


def _store(session: Session, **values) -> ProtocolNotice | None:
    statement = insert(ProtocolNotice).values(**values).on_conflict_do_nothing().returning(ProtocolNotice.id)
    new_id = session.scalar(statement)
    if new_id is None:
        return None
    notice = session.get(ProtocolNotice, new_id)
    audit.record(session, action=f"protocol.notice.{values['kind']}", entity_type="protocol_notice",
                 entity_id=new_id, tenant_id=values["tenant_id"],
                 after={"milestone": values["milestone_key"], "due_on": values["due_on"]})
    return notice


def generate(session: Session, *, today: date, approaching_days: int = APPROACHING_DAYS) -> list[ProtocolNotice]:
    """Store the notices due on `today` for every running protocol; returns the new ones."""
    created = []
    for protocol in session.scalars(protocols_query()).all():
        if today < protocol.signed_on or today > protocol.ends_on:
            continue
        line = timeline.compute(session, protocol.id, today=today)
        for milestone in line.milestones:
            if milestone.kind == "end":
                continue
            concerned: dict[str, list[str]] = {NoticeKind.PASSED: [], NoticeKind.APPROACHING: []}
            for state in line.states[milestone.key]:
                if state.state not in OPEN_STATES:
                    continue
                left = (state.due_on - today).days
                kind = NoticeKind.PASSED if left < 0 else (NoticeKind.APPROACHING if left <= approaching_days else None)
                if kind is None:
                    continue
                concerned[kind].append(state.name)
                if milestone.kind == "monitoring":
                    continue  # the platform issues the reports: only the secretariat is told
                subject, body = _text(protocol, milestone, kind, state.due_on, today, [])
                notice = _store(session, protocol_id=protocol.id, tenant_id=state.tenant_id,
                                milestone_key=milestone.key, kind=kind, due_on=state.due_on, noticed_on=today,
                                subject=subject, body=body)
                if notice is not None:
                    created.append(notice)
            for kind, names in concerned.items():
                if names:
                    subject, body = _text(protocol, milestone, kind, milestone.due_on, today, names)
                    notice = _store(session, protocol_id=protocol.id, tenant_id=None, milestone_key=milestone.key,
                                    kind=kind, due_on=milestone.due_on, noticed_on=today, subject=subject, body=body)
                    if notice is not None:
                        created.append(notice)
    return created


def notices_query(*, tenant_ids: list[int] | None = None, secretariat: bool = False,
                  protocol_id: int | None = None, unread_only: bool = False) -> Select:
    """Notices of the given tenants, and the secretariat's own when asked."""
    statement = select(ProtocolNotice).order_by(ProtocolNotice.noticed_on.desc(), ProtocolNotice.id.desc())
    if tenant_ids is not None:
        audience = ProtocolNotice.tenant_id.in_(tenant_ids)
        statement = statement.where(audience | ProtocolNotice.tenant_id.is_(None) if secretariat else audience)
    if protocol_id is not None:
        statement = statement.where(ProtocolNotice.protocol_id == protocol_id)
    if unread_only:
        statement = statement.where(ProtocolNotice.read_at.is_(None))
    return statement


def mark_read(session: Session, notice: ProtocolNotice, *, actor: str) -> ProtocolNotice:
    if notice.read_at is None:
        notice.read_at = datetime.now(UTC)
        session.flush()
        audit.record(session, action="protocol.notice.read", entity_type="protocol_notice", entity_id=notice.id,
                     tenant_id=notice.tenant_id, after={"read_at": notice.read_at}, actor=actor)
    return notice


def get_notice(session: Session, notice_id: int) -> ProtocolNotice:
    notice = session.get(ProtocolNotice, notice_id)
    if notice is None:
        raise NotFound(f"Notice {notice_id} not found.")
    return notice


# --- recipients ----------------------------------------------------------------------------------

def recipients(session: Session, protocol_id: int) -> list[NoticeRecipient]:
    return list(session.scalars(select(NoticeRecipient).where(NoticeRecipient.protocol_id == protocol_id)
                                .order_by(NoticeRecipient.tenant_id.nulls_first(), NoticeRecipient.email)))


def add_recipient(session: Session, protocol_id: int, *, email: str, tenant_id: int | None,
                  actor: str) -> NoticeRecipient:
    get_protocol(session, protocol_id)
    email = email.strip().lower()
    duplicate = session.scalar(select(NoticeRecipient).where(
        NoticeRecipient.protocol_id == protocol_id, NoticeRecipient.email == email,
        NoticeRecipient.tenant_id.is_(None) if tenant_id is None else NoticeRecipient.tenant_id == tenant_id))
    if duplicate is not None:
        raise Conflict(f"{email} already receives these notices.", errors={"email": ["Already a recipient."]})
    recipient = NoticeRecipient(protocol_id=protocol_id, tenant_id=tenant_id, email=email)
    session.add(recipient)
    session.flush()
    audit.record(session, action="protocol.recipient.add", entity_type="notice_recipient", entity_id=recipient.id,
                 tenant_id=tenant_id, after={"email": email, "protocol_id": protocol_id}, actor=actor)
    return recipient


# --- e-mail --------------------------------------------------------------------------------------

def add_representative(session: Session, protocol: Protocol, request) -> None:
    """An admitted municipality's representative receives its tenant's notices (no audit: the admission is)."""
    if request.representative_email and request.tenant_id is not None:
        session.add(NoticeRecipient(protocol_id=protocol.id, tenant_id=request.tenant_id,
                                    email=request.representative_email))


def smtp_client(url: str) -> smtplib.SMTP:
    """`smtp://user:password@host:25?starttls=1` or `smtps://host:465`."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise Unprocessable(f"SMTP_URL must look like smtp://host:port, not {url!r}.")
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=30)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=30)
        if parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes"):
            client.starttls()
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def send_pending(session: Session, *, smtp_url: str | None, mail_from: str) -> dict:
    """E-mail the notices not sent yet to their recipients; a failure is kept on the notice and retried."""
    if not smtp_url:
        return {"sent": 0, "skipped": "no SMTP server configured"}
    pending = session.scalars(select(ProtocolNotice).where(ProtocolNotice.emailed_at.is_(None))
                              .order_by(ProtocolNotice.id)).all()
    if not pending:
        return {"sent": 0}
    addresses: dict[tuple[int, int | None], list[str]] = {}
    for row in session.scalars(select(NoticeRecipient)):
        addresses.setdefault((row.protocol_id, row.tenant_id), []).append(row.email)
    sent = failed = 0
    client = smtp_client(smtp_url)
    try:
        for notice in pending:
            to = addresses.get((notice.protocol_id, notice.tenant_id))
            if not to:
                continue
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = mail_from, ", ".join(to), notice.subject
            message.set_content(notice.body)
            try:
                client.send_message(message)
            except smtplib.SMTPException as exc:
                notice.email_error = f"{type(exc).__name__}: {exc}"[:2000]
                failed += 1
                continue
            notice.emailed_at, notice.email_error = datetime.now(UTC), None
            sent += 1
    finally:
        try:
            client.quit()
        except smtplib.SMTPException:
            pass
    session.flush()
    return {"sent": sent, "failed": failed}
