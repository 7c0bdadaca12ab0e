"""Submissions: drafts saved any number of times, submission, return with field comments, acceptance.

Every change is kept as a `SubmissionVersion`. Writes are guarded by the submission's ETag: an
update without `If-Match` is refused (428), one carrying an old ETag too (412).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from smartregion import audit
from smartregion.db import any_ids
from smartregion.errors import (
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
    found,
)
from smartregion.etags import if_match_offers
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from census.models import (
    Campaign,
    CampaignStatus,
    SchemaStatus,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    SurveySchema,
)
from census.services.campaigns import current_campaign, get_campaign
from census.services.schemas import definition_of
from census.surveys import ValidationReport, validate_answers
from census.surveys.definition import iter_fields

EDITABLE = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
MAX_COMMENT = 2000


def submission_snapshot(sub: Submission) -> dict:
    return {"id": sub.id, "schema_key": sub.schema_key, "schema_version": sub.schema_version,
            "status": sub.status, "revision": sub.revision, "completeness": sub.completeness,
            "campaign_id": sub.campaign_id}


def report_of(sub: Submission) -> ValidationReport:
    """Per-field errors and completeness of a submission's current answers."""
    return validate_answers(definition_of(sub.schema), sub.answers)


def handed_in_on(session: Session, campaign_id: int, tenant_ids: list[int]) -> dict[int, dict[str, date]]:
    """For each tenant, the day each of its surveys was first handed in (submitted or accepted) in the campaign."""
    statement = (select(Submission.tenant_id, Submission.schema_key, func.min(Submission.submitted_at))
                 .where(Submission.campaign_id == campaign_id, Submission.tenant_id == any_ids(tenant_ids),
                        Submission.status.in_((SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)),
                        Submission.submitted_at.is_not(None))
                 .group_by(Submission.tenant_id, Submission.schema_key))
    days: dict[int, dict[str, date]] = {}
    for tenant_id, schema_key, first in session.execute(statement):
        days.setdefault(tenant_id, {})[schema_key] = first.date()
    return days


def submissions_query(*, tenant_id: int | None = None, schema_key: str | None = None,
                      status: str | None = None, campaign_id: int | None = None) -> Select:
    statement = select(Submission).order_by(Submission.tenant_id, Submission.id)
    if tenant_id is not None:
        statement = statement.where(Submission.tenant_id == tenant_id)
    if schema_key:
        statement = statement.where(Submission.schema_key == schema_key)
    if status:
        statement = statement.where(Submission.status == status)
    if campaign_id is not None:
        statement = statement.where(Submission.campaign_id == campaign_id)
    return statement


def get_submission(session: Session, tenant_id: int, submission_id: int, *,
                   for_update: bool = False) -> Submission:
    """A tenant's submission; another tenant's is not found (404)."""
    statement = select(Submission).where(Submission.tenant_id == tenant_id, Submission.id == submission_id)
    if for_update:
        statement = statement.with_for_update(of=Submission)
    return found(session.scalar(statement), f"Submission {submission_id} not found.")


def check_etag(sub: Submission, if_match: str | None, *, required: bool = True) -> None:
    """Compare the client's If-Match with the current ETag: 428 when missing, 412 when stale."""
    if not if_match:
        if required:
            raise PreconditionRequired("This write needs an If-Match header with the submission's ETag.",
                                       headers={"ETag": sub.etag})
        return
    if not if_match_offers(if_match, sub.etag):
        raise PreconditionFailed("The submission changed since you read it: reload it and apply your changes "
                                 "again.", headers={"ETag": sub.etag})


def _keep_version(session: Session, sub: Submission, action: str, actor: str,
                  note: str | None = None) -> None:
    session.add(SubmissionVersion(tenant_id=sub.tenant_id, submission_id=sub.id, revision=sub.revision,
                                  action=action, status=sub.status, answers=sub.answers,
                                  completeness=sub.completeness, comments=sub.comments or {}, note=note,
                                  actor=actor, at=datetime.now(UTC)))


def _audit(session: Session, verb: str, sub: Submission, actor: str, before: dict | None = None,
           extra: dict | None = None) -> None:
    audit.record(session, action=f"census.submission.{verb}", entity_type="census_submission",
                 entity_id=sub.id, tenant_id=sub.tenant_id, before=before,
                 after=submission_snapshot(sub) | (extra or {}), actor=actor)


def _refuse_invalid(report: ValidationReport, *, include_missing: bool, detail: str) -> None:
    errors = report.field_errors(include_missing=include_missing)
    if errors:
        raise Unprocessable(detail, errors={f"answers{path}" if path != "/" else "answers": msgs
                                            for path, msgs in errors.items()})


def _open_campaign(session: Session, campaign_id: int | None) -> Campaign:
    if campaign_id is None:
        campaign = current_campaign(session)
        if campaign is None:
            raise Conflict("There is no open census campaign to file a submission in.")
        return campaign
    campaign = get_campaign(session, campaign_id)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(f"Census campaign {campaign_id} is closed.")
    return campaign


def create_submission(session: Session, tenant_id: int, *, schema_key: str, schema_version: int,
                      answers: dict | None = None, campaign_id: int | None = None, actor: str) -> Submission:
    """Start a submission pinned to an approved schema version; an empty `answers` is a valid draft."""
    schema = session.scalar(select(SurveySchema).where(SurveySchema.key == schema_key,
                                                       SurveySchema.version == schema_version))
    if schema is None:
        raise Unprocessable("Unknown survey schema.", errors={
            "schema_version": [f"Survey schema {schema_key} has no version {schema_version}."]})
    if schema.status != SchemaStatus.APPROVED:
        raise Unprocessable("Only an approved survey schema can be answered.", errors={
            "schema_version": [f"Survey schema {schema_key} version {schema_version} is {schema.status}."]})
    campaign = _open_campaign(session, campaign_id)
    if schema_key not in campaign.schema_keys:
        raise Unprocessable("This campaign does not collect that survey schema.",
                            errors={"schema_key": [f"Expected one of: {', '.join(campaign.schema_keys)}."]})
    answers = answers or {}
    report = validate_answers(definition_of(schema), answers)
    _refuse_invalid(report, include_missing=False, detail="Some answers are not valid.")
    sub = Submission(tenant_id=tenant_id, campaign_id=campaign.id, schema_id=schema.id, schema_key=schema.key,
                     schema_version=schema.version, status=SubmissionStatus.DRAFT, answers=answers,
                     completeness=report.completeness, revision=1, comments={}, created_by=actor,
                     updated_by=actor)
    session.add(sub)
    session.flush()
    _keep_version(session, sub, "create", actor)
    _audit(session, "create", sub, actor)
    return sub


def _editable(session: Session, sub: Submission, verb: str) -> None:
    if sub.status not in EDITABLE:
        raise Conflict(f"Submission {sub.id} is {sub.status}: "
                       f"it can be {verb} only as a draft or once returned.")
    campaign = session.get(Campaign, sub.campaign_id)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict(f"The census campaign of submission {sub.id} is closed.")


def update_submission(session: Session, tenant_id: int, submission_id: int, answers: dict, *,
                      if_match: str | None, actor: str) -> Submission:
    """Save the draft's answers (all of them, replacing the previous ones)."""
    sub = get_submission(session, tenant_id, submission_id, for_update=True)
    check_etag(sub, if_match)
    _editable(session, sub, "edited")
    report = validate_answers(definition_of(sub.schema), answers)
    _refuse_invalid(report, include_missing=False, detail="Some answers are not valid.")
    before = submission_snapshot(sub)
    sub.answers, sub.completeness, sub.revision = answers, report.completeness, sub.revision + 1
    sub.updated_by, sub.updated_at = actor, datetime.now(UTC)
    session.flush()
    _keep_version(session, sub, "save", actor)
    _audit(session, "save", sub, actor, before)
    return sub


def submit_submission(session: Session, tenant_id: int, submission_id: int, *, if_match: str | None = None,
                      actor: str) -> Submission:
    """Hand the submission in: every required answer present and every answer valid (else 422)."""
    sub = get_submission(session, tenant_id, submission_id, for_update=True)
    check_etag(sub, if_match, required=False)
    _editable(session, sub, "submitted")
    report = report_of(sub)
    _refuse_invalid(report, include_missing=True,
                    detail="The submission is not complete: see the fields listed.")
    before = submission_snapshot(sub)
    now = datetime.now(UTC)
    sub.status, sub.revision = SubmissionStatus.SUBMITTED, sub.revision + 1
    sub.submitted_at, sub.submitted_by, sub.updated_by, sub.updated_at = now, actor, actor, now
    session.flush()
    _keep_version(session, sub, "submit", actor)
    _audit(session, "submit", sub, actor, before)
    return sub


def _field_path_pattern(sub: Submission) -> re.Pattern:
    templates = [path for path, _ in iter_fields(definition_of(sub.schema).fields)]
    alternatives = "|".join(re.escape(t).replace(r"\*", r"\d+") for t in templates)
    return re.compile(rf"^(?:{alternatives})$")


def _clean_comments(sub: Submission, comments: dict[str, Any]) -> dict[str, list[str]]:
    pattern = _field_path_pattern(sub)
    errors: dict[str, list[str]] = {}
    clean: dict[str, list[str]] = {}
    for path, value in comments.items():
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, list) or not texts or \
                not all(isinstance(t, str) and t.strip() for t in texts):
            errors[f"comments/{path}"] = ["A comment is a non-empty text, or a list of them."]
            continue
        if any(len(t) > MAX_COMMENT for t in texts):
            errors[f"comments/{path}"] = [f"A comment has at most {MAX_COMMENT} characters."]
            continue
        key = path if path.startswith("/") else f"/{path}"
        if key != "/" and not pattern.match(key):
            errors[f"comments/{path}"] = [
                "Not a field of this schema version (use paths like /projects/0/budget)."]
            continue
        clean[key] = [t.strip() for t in texts]
    if errors:
        raise Unprocessable("Some comments do not point to a field.", errors=errors)
    return clean


def return_submission(session: Session, tenant_id: int, submission_id: int, *, comments: dict[str, Any],
                      note: str | None = None, actor: str) -> Submission:
    """Send a submitted form back for correction (secretariat), with comments per field."""
    sub = get_submission(session, tenant_id, submission_id, for_update=True)
    if sub.status != SubmissionStatus.SUBMITTED:
        raise Conflict(f"Submission {sub.id} is {sub.status}: only a submitted one can be returned.")
    campaign = session.get(Campaign, sub.campaign_id)
    if campaign.status != CampaignStatus.OPEN:
        raise Conflict("The campaign is closed: a returned submission could not be corrected any more.")
    clean = _clean_comments(sub, comments or {})
    if not clean and not (note and note.strip()):
        raise Unprocessable("Say what to correct.",
                            errors={"comments": ["Give at least one comment or a note."]})
    if note and note.strip():
        clean.setdefault("/", []).insert(0, note.strip())
    before = submission_snapshot(sub)
    now = datetime.now(UTC)
    sub.status, sub.comments, sub.revision = SubmissionStatus.RETURNED, clean, sub.revision + 1
    sub.reviewed_at, sub.reviewed_by, sub.updated_at, sub.updated_by = now, actor, now, actor
    session.flush()
    _keep_version(session, sub, "return", actor, note=note)
    _audit(session, "return", sub, actor, before, {"comments": clean})
    return sub


def accept_submission(session: Session, tenant_id: int, submission_id: int, *, actor: str) -> Submission:
    """Accept a submitted form (secretariat); a draft that was never submitted cannot be (409)."""
    sub = get_submission(session, tenant_id, submission_id, for_update=True)
    if sub.status != SubmissionStatus.SUBMITTED:
        raise Conflict(f"Submission {sub.id} is {sub.status}: only a submitted one can be accepted.")
    before = submission_snapshot(sub)
    now = datetime.now(UTC)
    sub.status, sub.revision = SubmissionStatus.ACCEPTED, sub.revision + 1
    sub.reviewed_at, sub.reviewed_by, sub.updated_at, sub.updated_by = now, actor, now, actor
    session.flush()
    _keep_version(session, sub, "accept", actor)
    _audit(session, "accept", sub, actor, before)
    return sub


def submission_history(session: Session, tenant_id: int, submission_id: int) -> list[SubmissionVersion]:
    """Every kept state of a submission, oldest first."""
    get_submission(session, tenant_id, submission_id)
    return list(session.scalars(select(SubmissionVersion).where(
        SubmissionVersion.tenant_id == tenant_id, SubmissionVersion.submission_id == submission_id)
        .order_by(SubmissionVersion.revision)))
