"""Numbers, money, dates and labels on the pages, formatted through Babel for the page's locale.

One mechanism for every word a page shows that the data holds as a code (states, kinds, rules, slugs):
modules register their labels as lazy catalogue strings under a kind, and templates write
``{{ code|label("kind") }}``. An unknown code is shown as it is, so the pages' walk catches it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
)
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

# A date is written one way on every page ("27 giugno 2018", "June 27, 2018").
DATE_FORMAT = "long"
LABELS: dict[str, dict[str, object]] = {}


def register_labels(kind: str, labels: dict) -> None:
    """Add the words for the codes of ``kind`` (lazy strings: the page's language picks them)."""
    LABELS.setdefault(kind, {}).update({str(getattr(code, "value", code)): text for code, text in labels.items()})


def label(value, kind: str) -> str:
    """The word for ``value`` among the labels of ``kind``, in the page's language; an unknown code as it is."""
    code = str(getattr(value, "value", value)) if value is not None else ""
    text = LABELS.get(kind, {}).get(code)
    return str(text) if text is not None else code


def label_filter(blueprint, name: str, labels: dict) -> None:
    """Register ``labels`` as the kind ``name`` and a template filter of that name that shows them
    (``{{ tenant.status | tenant_status }}``)."""
    register_labels(name, labels)
    blueprint.add_app_template_filter(lambda value: label(value, name), name)


def number(value, digits: int | None = None) -> str:
    """``2270.75`` as "2.270,75" in Italian; ``digits`` fixes the decimals."""
    if value is None or value == "":
        return ""
    if digits is None:
        return format_decimal(value)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def euro(value, cents: bool = False) -> str:
    """An amount in euro, Italian style in Italian ("8.850.000,00 €"); ``cents=True`` for amounts in cents."""
    if value is None or value == "":
        return ""
    amount = Decimal(value) / 100 if cents else Decimal(str(value))
    return format_currency(amount, "EUR")


def percent(value, digits: int = 0) -> str:
    """``value`` in percent points (``42.5``) as the locale writes it: "42,5%" in Italian, "42.5%" in English."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "") + "%"
    return format_percent(Decimal(str(value)) / 100, format=pattern)


def day(value) -> Markup | str:
    """A date, the one way pages write dates, in a ``<time>`` element that keeps the ISO date for
    programs (``|striptags`` inside an attribute); a datetime is taken on its day in Europe/Rome."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = _aware(value)
        from flask_babel import to_user_timezone

        iso = to_user_timezone(value).date().isoformat()
    else:
        iso = value.isoformat()
    return Markup(f'<time datetime="{iso}">{escape(format_date(value, DATE_FORMAT))}</time>')


def day_text(value) -> str:
    """A date as ``|day`` writes it, as plain text: for a message that is not HTML (a flash, an e-mail)."""
    return format_date(value, DATE_FORMAT) if value else ""


def moment(value) -> Markup | str:
    """A date and time in Europe/Rome with its zone: "27 giugno 2018, 14:05 CEST"."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        return day(value)
    value = _aware(value)
    text = format_datetime(value, f"{_date_pattern()}, HH:mm zzz")
    return Markup(f'<time datetime="{value.isoformat(timespec="seconds")}">{escape(text)}</time>')


def _date_pattern() -> str:
    from babel.dates import get_date_format

    return get_date_format(DATE_FORMAT, locale=get_locale()).pattern


def _aware(value: datetime) -> datetime:
    # Naive datetimes in the database are UTC; flask-babel moves aware ones into BABEL_DEFAULT_TIMEZONE.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


GENERIC_STATES = {
    "draft": _l("draft"), "submitted": _l("submitted"), "returned": _l("returned"), "accepted": _l("accepted"),
    "approved": _l("approved"), "retired": _l("retired"), "superseded": _l("superseded"),
    "not-started": _l("not started"), "in-progress": _l("in progress"), "late": _l("late"), "open": _l("open"),
    "closed": _l("closed"), "missing": _l("missing"), "done": _l("done"), "due": _l("due"),
    "pending": _l("pending"), "active": _l("active"), "suspended": _l("suspended"), "waived": _l("waived"),
    "on-time": _l("on time"), "upcoming": _l("upcoming"), "failed": _l("failed"), "imported": _l("imported"),
    "queued": _l("queued"), "started": _l("running"), "finished": _l("done"), "rejected": _l("rejected"),
    "published": _l("published"), "deprecated": _l("deprecated"), "ended": _l("ended"),
}
# ISO 8601 durations the standards use for a feed's refresh frequency.
DURATIONS = {
    "PT1M": _l("every minute"), "PT5M": _l("every 5 minutes"), "PT10M": _l("every 10 minutes"),
    "PT15M": _l("every 15 minutes"), "PT30M": _l("every 30 minutes"), "PT1H": _l("hourly"),
    "P1D": _l("daily"), "P1W": _l("weekly"), "P7D": _l("weekly"), "P1M": _l("monthly"), "P1Y": _l("yearly"),
}


def init_app(app: Flask) -> None:
    register_labels("state", GENERIC_STATES)
    register_labels("duration", DURATIONS)
    for name, function in (("label", label), ("number", number), ("euro", euro), ("percent", percent),
                           ("day", day), ("moment", moment)):
        app.add_template_filter(function, name)
