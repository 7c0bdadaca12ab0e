"""Campaigns: the secretariat opens the census of a protocol with the survey schemas it collects, and closes
it (which starts the operational plan's window). Auditors read the page."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from smartregion.db import get_session
from smartregion.errors import Conflict, Unprocessable
from smartregion.web import page_language, page_secretariat, page_user
from smartregion.web.pages import on_refusal

from census import services
from census.surveys.shipped import SHIPPED_KEYS
from census.views import bp


def _render_campaigns(*, status: int = 200, form: dict | None = None, errors: dict | None = None,
                      close_errors: dict | None = None):
    user = page_user()
    session = get_session()
    campaigns = session.scalars(services.campaigns_query()).all()
    protocols = services.protocols_newest_first(session)
    approved = services.approved_versions(session)
    openable = services.openable_campaigns(protocols, campaigns)
    default_keys = [key for key in SHIPPED_KEYS if key in approved] or sorted(approved)
    return render_template(
        "census/campaigns.html", campaigns=campaigns, openable=openable, approved=approved,
        protocols={p.id: p for p in protocols}, can_manage=user.is_secretariat and not user.read_only,
        plan_due={c.id: services.plan_due_on(session, c) for c in campaigns},
        form=form or {"protocol_id": str(openable[0]["protocol"].id) if openable else "", "title": "",
                      "schema_keys": default_keys},
        errors=errors or {}, close_errors=close_errors or {}, lang=page_language()), status


@bp.get("/census/campaigns")
def campaigns_page():
    if not page_user().is_regional:
        abort(403)
    return _render_campaigns()


def _campaign_form_errors(form: dict) -> dict[str, list[str]]:
    """What the page checks before asking the services: a protocol, approved schemas, a short title."""
    errors: dict[str, list[str]] = {}
    if not form["protocol_id"].isdigit():
        errors["protocol_id"] = [_("Choose the protocol.")]
    if not form["schema_keys"]:
        errors["schema_keys"] = [_("Choose at least one survey schema.")]
    approved = services.approved_versions(get_session())
    unapproved = [key for key in form["schema_keys"] if key not in approved]
    if unapproved:
        errors.setdefault("schema_keys", []).extend(
            _("%(key)s: no approved version, municipalities could not fill it in.", key=key) for key in unapproved)
    if len(form["title"]) > 300:
        errors["title"] = [_("At most 300 characters.")]
    return errors


def _refused_campaign(form: dict, error):
    if isinstance(error, Unprocessable):
        return _render_campaigns(status=422, form=form, errors=error.errors)
    return _render_campaigns(status=409, form=form, errors={"protocol_id": [error.detail]})


@bp.post("/census/campaigns")
def open_campaign_page():
    user = page_secretariat()
    form = {"protocol_id": request.form.get("protocol_id", "").strip(), "title": request.form.get("title", "").strip(),
            "schema_keys": [k for k in request.form.getlist("schema_keys") if k]}
    errors = _campaign_form_errors(form)
    if errors:
        return _render_campaigns(status=422, form=form, errors=errors)
    with on_refusal(lambda error: _refused_campaign(form, error), Unprocessable, Conflict):
        campaign = services.create_campaign(get_session(), int(form["protocol_id"]), title=form["title"] or None,
                                            schema_keys=form["schema_keys"], actor=user.username)
    flash(_("Campaign opened: due on %(date)s.", date=campaign.due_on), "success")
    return redirect(url_for(".campaigns_page") + f"#campaign-{campaign.id}")


def _refused_closing(campaign_id: int, error):
    if isinstance(error, Unprocessable):
        messages = [m for messages in error.errors.values() for m in messages] or [error.detail]
        return _render_campaigns(status=422, close_errors={campaign_id: messages})
    return _render_campaigns(status=409, close_errors={campaign_id: [error.detail]})


@bp.post("/census/campaigns/<int:campaign_id>/close")
def close_campaign_page(campaign_id):
    user = page_secretariat()
    raw = request.form.get("closed_on", "").strip()
    try:
        closed_on = date.fromisoformat(raw) if raw else None
    except ValueError:
        return _render_campaigns(status=422, close_errors={campaign_id: [
            _("Not a valid date (YYYY-MM-DD).")]})
    with on_refusal(lambda error: _refused_closing(campaign_id, error), Unprocessable, Conflict):
        campaign = services.close_campaign(get_session(), campaign_id, closed_on=closed_on, actor=user.username)
    flash(_("Campaign closed on %(date)s: the operational plan's window opens.", date=campaign.closed_on), "success")
    return redirect(url_for(".campaigns_page") + f"#campaign-{campaign.id}")
