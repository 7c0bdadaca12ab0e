"""What the pages' forms share: posted values, the API's schemas' errors keyed by the form's fields,
and the small reads every page of the regional roles makes.

A page posts to the same service as the API and checks its input with the API's schema; a refusal
(a domain error or a validation error) is shown on the form again, next to the fields it names.
"""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from smartregion import auth, tenancy
from smartregion.errors import DomainError, NotFound
from smartregion.jobs import Job

Refusal = DomainError | ma.ValidationError


def posted(name: str) -> str:
    """A posted field, stripped ("" when absent)."""
    return (request.form.get(name) or "").strip()


def given(**values) -> dict:
    """The values that are not empty: an empty required field is then reported as missing."""
    return {name: value for name, value in values.items() if value not in ("", None)}


def parse_day(value: str | None) -> date | None:
    """An ISO date from a query or a form, or None when absent or not a date."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def field_errors(error: Refusal, rename: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The refusal's field map, flattened (`new_organization.name`) and keyed by the form's field names."""
    raw = error.messages if isinstance(error, ma.ValidationError) else (error.errors or {})
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
            return
        name = (rename or {}).get(prefix, prefix)
        flat.setdefault(name, []).extend([value] if isinstance(value, str) else [str(m) for m in value])

    walk("", raw if isinstance(raw, dict) else {"_schema": raw})
    return flat


def refusal_detail(error: Refusal) -> str:
    """The message above the form."""
    if isinstance(error, DomainError):
        return error.detail
    return _("Nothing was saved: correct the fields marked below.")


def refusal_status(error: Refusal) -> int:
    """The status of the form answered again: the domain error's, 400 for a schema's refusal."""
    return error.status if isinstance(error, DomainError) else 400


def regional_reader() -> auth.User:
    """A signed-in user reading region-wide rows; the page filters members' rows to their tenants."""
    from smartregion.web import page_user

    user = page_user()
    tenancy.set_regional(True)
    return user


def followable_job(job_id: str | None) -> Job | None:
    """A job the user may follow (the rule of GET /api/v1/jobs/<id>), or None."""
    from smartregion.routes import visible_job

    if not job_id:
        return None
    try:
        return visible_job(job_id)
    except NotFound:
        return None
