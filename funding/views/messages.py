"""The validator's and services' messages as the pages show them, in the page's language.

The validator, the services and marshmallow write their messages in English; each one is a message id of the
Babel catalogue (marked below with ``N_`` so that the catalogue extracts it). A message that carries values
(a length, an amount, a version) has one pattern per English shape: the values are pulled out of the text and
put into the translated message, amounts written again for the page's locale.
"""

from __future__ import annotations

import marshmallow as ma
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from smartregion.i18n import N_, Shape, translate

from funding.importers import reasons
from funding.money import format_eur, parse_cents

# The fixed messages the funding pages receive from the validator, the services and marshmallow.
FIXED = (
    N_("Missing data for required field."),
    N_("Must not be negative."),
    N_("Amount is implausibly large (over 100 billion EUR)."),
    N_("Not a valid amount in EUR."),
    N_("Must be greater than zero."),
    N_("Not a valid date (ISO 8601 expected)."),
    N_("Not a valid date."),
    N_("Not a valid integer."),
    N_("Not a valid http(s) URL."),
    N_("Not a valid percentage."),
    N_("Must be more than 0% and at most 100%."),
    N_("The rate for non-profit applicants is below the line's rate."),
    N_("The minimum grant is above the maximum grant."),
    N_("The maximum grant is above the line's total budget."),
    N_("A deadline falls before the opening date."),
    N_("A two-stage line has exactly two deadlines (first and second stage)."),
    N_("A single-stage line has one deadline."),
    N_("The minimum TRL is above the maximum TRL."),
    N_("Minimum partners given but no partnership is required."),
    N_("A funding-line source names its funding line."),
    N_("Only a funding-line source names a funding line."),
    N_("Already in use."),
    N_("Not a participated company."),
    N_("String does not match expected pattern."),
    N_("Length must be between 1 and 300."),
    N_("Not a valid choice."),
    N_("Must be one of: csv, json, ft_portal."),
    N_("No municipality in the plan."),
    N_("A plan names at least one municipality with its projects."),
    N_("Some projects are not projects of this municipality."),
    N_("The lead company must be a participated company."),
    N_("The funding line is not valid."),
    N_("The funding plan is not valid."),
    N_("The standards adopted are not valid."),
    N_("The change was not saved."),
    # The OpenCoesione file's problems.
    N_("The file is empty."),
    N_("The file is binary, not a CSV table."),
    N_("This is a spreadsheet (XLSX), not OpenCoesione's CSV: send the CSV as published, or save the sheet as CSV."),
    N_("The first line has no ; or , between column names: not a CSV table."),
)


OR = N_("or")


def _amount(english: str, locale: str) -> str:
    """An amount the services wrote in English (``EUR 1,234.50``), as ``locale`` writes it."""
    return format_eur(parse_cents(english.replace("EUR", "").strip(), decimal_comma=False), locale)


def _alternatives(english: str, locale: str) -> str:
    """``A or B`` in ``locale``."""
    return english.replace(" or ", f" {translate(OR, locale)} ")


# The services' and validators' messages with values, read back from their English (``funding.importers.reasons``
# has the importers' own).
SHAPES = [Shape(message_id) for message_id in (
    N_("Unknown value %(value)s; expected one of: %(choices)s"),
    N_("Unknown value %(value)s; expected any of: %(choices)s"),
    N_("Longer than %(count)s characters."),
    N_("Must be between %(low)s and %(high)s."),
    N_("Unknown territory %(token)s."),
    N_("Not a valid date: %(value)s."),
    N_("No funding line %(id)s."),
    N_("Unknown project %(id)s."),
    N_("Version %(version)s of the plan is approved: start a new version to change it."),
    N_("Version %(version)s of the plan is superseded: start a new version to change it."),
    N_("Version %(version)s is still a draft."),
    N_("Plan %(series)s exists: start a new version of it instead."),
    N_("Funding line %(id)s already has identifier %(identifier)s."),
    N_("Operational plan %(id)s not found."),
    N_("The zip holds no CSV table (it holds: %(names)s)."),
    N_("The zip holds several CSV tables: %(names)s. Send one file of projects at a time."),
    N_("The zip cannot be read: %(reason)s"),
)] + [
    Shape(N_("The funding plan totals %(total)s, above the project's cost of %(cost)s."),
          total=_amount, cost=_amount),
    Shape(N_("Missing columns: %(columns)s (the header has %(header)s). Expected OpenCoesione's project file "
             "(progetti)."), columns=_alternatives),
]


def say(message: str) -> str:
    """``message`` in the page's language (a message the catalogue does not know is shown as it is).

    The importers' reasons and warnings with values have their shapes in ``funding.importers.reasons``.
    """
    if not message:
        return message or ""
    if message == "Choose a file to upload.":
        return pgettext("funding form", "Choose a file to upload.")  # the funding forms' own wording
    locale = str(get_locale() or "it")
    for shape in SHAPES:
        text = shape.read(message, locale)
        if text is not None:
            return text
    imported = reasons.shaped(message, locale)
    return _(message) if imported is None else imported


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """A service's or marshmallow's (nested) messages as ``{"funding_plan.0.amount_cents": [...]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            for name, texts in _flatten(value, f"{prefix}.{key}" if prefix else str(key)).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix: list(messages)}
    return {prefix: [str(messages)]}


def form_errors(messages, rename: dict | None = None, rows: dict | None = None) -> dict[str, list[str]]:
    """Error messages keyed by the form's field names, in the page's language.

    ``rename`` maps API field names to the form's (``amount_cents`` -> ``amount``); ``rows`` maps each list
    (``milestones``) to the form rows its items came from, since blank rows are not sent to the service.
    """
    out: dict[str, list[str]] = {}
    for key, texts in _flatten(messages).items():
        parts = key.split(".")
        if rows and len(parts) > 1 and parts[0] in rows and parts[1].isdigit():
            index = int(parts[1])
            sent = rows[parts[0]]
            parts[1] = str(sent[index]) if index < len(sent) else parts[1]
        parts[-1] = (rename or {}).get(parts[-1], parts[-1])
        out.setdefault(".".join(parts), []).extend(say(t) for t in texts)
    return out


def messages_of(error) -> dict:
    """The field messages of a refusal: marshmallow's for a malformed form, the service's otherwise."""
    if isinstance(error, ma.ValidationError):
        return error.messages
    return getattr(error, "errors", error)
