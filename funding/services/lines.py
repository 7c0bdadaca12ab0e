"""Funding lines: kept by the secretariat, one by one or imported from files."""

from __future__ import annotations

from decimal import Decimal

from smartregion import audit, jobs
from smartregion.errors import Conflict, Unprocessable, get_or_404
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from funding.importers import FileFormatError, ImportResult, ft_portal, lines, reasons
from funding.models import FundingLine
from funding.money import cents_to_decimal
from funding.validation import clean_funding_line

LINE_FIELDS = (
    "programme",
    "level",
    "call_identifier",
    "topic_identifier",
    "title",
    "description",
    "opening_date",
    "deadlines",
    "deadline_model",
    "total_budget_cents",
    "min_grant_cents",
    "max_grant_cents",
    "cofinancing_rate_bp",
    "non_profit_rate_bp",
    "action_type",
    "beneficiary_kinds",
    "domains",
    "territories",
    "partnership_required",
    "min_partners",
    "trl_min",
    "trl_max",
    "url",
    "portal_status",
    "external_source",
    "external_id",
)
# API field (cents, basis points) -> the field the validator reads (EUR, percent).
MONEY_FIELDS = {
    "total_budget_cents": "total_budget",
    "min_grant_cents": "min_grant",
    "max_grant_cents": "max_grant",
}
FORMATS = ("csv", "json", "ft_portal")
# Past this many changed lines one full recomputation is cheaper than one per line.
BULK_REFRESH = 20
UPLOAD_SOURCE = "upload"


def line_snapshot(line: FundingLine) -> dict:
    return {"id": line.id, **{name: getattr(line, name) for name in LINE_FIELDS}}


# API field (basis points) -> the field the validator reads (percent).
RATE_FIELDS = {"cofinancing_rate_bp": "cofinancing_rate", "non_profit_rate_bp": "non_profit_rate"}


def to_raw(data: dict) -> dict:
    """API values (cents, basis points) as the validator's input (EUR, percent)."""
    raw = {key: value for key, value in data.items() if key not in MONEY_FIELDS and key not in RATE_FIELDS}
    for field, name in MONEY_FIELDS.items():
        if field in data:
            raw[name] = None if data[field] is None else cents_to_decimal(data[field])
    for field, name in RATE_FIELDS.items():
        if field in data:
            raw[name] = None if data[field] is None else str(Decimal(data[field]) / 100)
    return raw


def api_errors(errors: dict) -> dict:
    """Validator field names back to API field names."""
    back = {name: field for field, name in (MONEY_FIELDS | RATE_FIELDS).items()}
    return {back.get(key, key): messages for key, messages in errors.items()}


def lines_query(*, programme: str | None = None, domain: str | None = None, q: str | None = None) -> Select:
    statement = select(FundingLine).order_by(FundingLine.id)
    if programme:
        statement = statement.where(FundingLine.programme == programme)
    if domain:
        statement = statement.where(FundingLine.domains.contains([domain]) | (FundingLine.domains == []))
    if q:
        statement = statement.where(FundingLine.title.ilike(f"%{q}%"))
    return statement


def get_line(session: Session, line_id: int) -> FundingLine:
    return get_or_404(session, FundingLine, line_id, f"Funding line {line_id} not found.")


def _apply(line: FundingLine, clean: dict) -> None:
    for name in LINE_FIELDS:
        setattr(line, name, clean[name])


def create_line(session: Session, data: dict, *, actor: str | None = None) -> FundingLine:
    """Add a funding line; refused field by field when invalid."""
    clean, errors = clean_funding_line(to_raw(data))
    if errors:
        raise Unprocessable("The funding line is not valid.", errors=api_errors(errors))
    _check_external(session, None, clean)
    line = FundingLine()
    _apply(line, clean)
    session.add(line)
    session.flush()
    audit.record(
        session,
        action="funding.line.create",
        entity_type="funding_line",
        entity_id=line.id,
        after=line_snapshot(line),
        actor=actor,
    )
    from funding.services.matching import refresh_line_matches

    refresh_line_matches(session, line)
    return line


def update_line(session: Session, line_id: int, changes: dict, *, actor: str | None = None) -> FundingLine:
    """Change a funding line; its matches with every project are recomputed."""
    line = get_line(session, line_id)
    before = line_snapshot(line)
    merged = {name: getattr(line, name) for name in LINE_FIELDS} | changes
    clean, errors = clean_funding_line(to_raw(merged))
    if errors:
        raise Unprocessable("The funding line is not valid.", errors=api_errors(errors))
    _check_external(session, line.id, clean)
    _apply(line, clean)
    line.revision += 1
    session.flush()
    audit.record(
        session,
        action="funding.line.update",
        entity_type="funding_line",
        entity_id=line.id,
        before=before,
        after=line_snapshot(line),
        actor=actor,
    )
    from funding.services.matching import refresh_line_matches

    refresh_line_matches(session, line)
    return line


def _check_external(session: Session, line_id: int | None, clean: dict) -> None:
    if not clean["external_id"]:
        return
    other = session.scalar(
        select(FundingLine).where(
            FundingLine.external_source == clean["external_source"],
            FundingLine.external_id == clean["external_id"],
        )
    )
    if other is not None and other.id != line_id:
        raise Conflict(
            f"Funding line {other.id} already has identifier {clean['external_id']}.",
            errors={"external_id": ["Already in use."]},
        )


def parse_file(data: bytes, file_format: str) -> ImportResult:
    """Read a file of funding lines; a file that cannot be read at all is refused as a whole."""
    try:
        if file_format == "csv":
            return lines.parse_csv(data)
        if file_format == "json":
            return lines.parse_json(data)
        if file_format == "ft_portal":
            return ft_portal.parse(data)
    except FileFormatError as exc:
        raise Unprocessable(str(exc), errors={exc.field: [str(exc)]}) from exc
    raise Unprocessable(f"Unknown format {file_format!r}.", errors={"format": [f"One of: {', '.join(FORMATS)}."]})


IMPORT_JOB = "funding.jobs.import_lines"


def start_import(session: Session, data: bytes, sha256: str, file_format: str) -> jobs.Job:
    """Check a stored file of funding lines and import it as a job; one that cannot be read is refused (422)."""
    parse_file(data, file_format)
    return jobs.enqueue(session, "imports", IMPORT_JOB, sha256=sha256, file_format=file_format,
                        description=f"Funding lines import ({file_format})")


def import_lines(
    session: Session,
    data: bytes,
    file_format: str,
    *,
    file_sha256: str | None = None,
    actor: str | None = None,
) -> dict:
    """Create or update lines from a file, keyed by the source's identifiers; bad rows are reported.

    Good rows are written even when others are bad; the report lists each bad row's line, field and reason.
    """
    from funding.services.matching import refresh_all, refresh_line_matches

    result = parse_file(data, file_format)
    created, updated, unchanged = [], [], []
    for row, clean in result.records:
        if not clean["external_id"] and file_sha256:
            # Rows without an identifier are keyed by file and row, so importing a file again updates them.
            clean["external_source"], clean["external_id"] = UPLOAD_SOURCE, f"{file_sha256[:16]}:{row}"
        existing = None
        if clean["external_id"]:
            existing = session.scalar(
                select(FundingLine).where(
                    FundingLine.external_source == clean["external_source"],
                    FundingLine.external_id == clean["external_id"],
                )
            )
        if existing is None:
            line = FundingLine()
            _apply(line, clean)
            session.add(line)
            session.flush()
            created.append(line)
            audit.record(
                session,
                action="funding.line.import",
                entity_type="funding_line",
                entity_id=line.id,
                after=line_snapshot(line),
                actor=actor,
            )
            continue
        before = line_snapshot(existing)
        _apply(existing, clean)
        if line_snapshot(existing) == before:
            unchanged.append(existing)
            continue
        existing.revision += 1
        session.flush()
        updated.append(existing)
        audit.record(
            session,
            action="funding.line.reimport",
            entity_type="funding_line",
            entity_id=existing.id,
            before=before,
            after=line_snapshot(existing),
            actor=actor,
        )
    changed = created + updated
    if len(changed) > BULK_REFRESH:
        refresh_all(session)
    else:
        for line in changed:
            refresh_line_matches(session, line)
    return {
        "format": file_format,
        "file_sha256": file_sha256,
        "created": [line.id for line in created],
        "updated": [line.id for line in updated],
        "unchanged": [line.id for line in unchanged],
        # The API's answer says each reason and warning in Italian too, from the catalogue.
        "skipped": [{"line": line, "reason": reason, "motivo": reasons.translated(reason, "it")}
                    for line, reason in result.skipped],
        "warnings": [{"line": line, "message": message, "messaggio": reasons.translated(message, "it")}
                     for line, message in result.warnings],
        "errors": [error.as_dict() for error in result.errors],
    }
