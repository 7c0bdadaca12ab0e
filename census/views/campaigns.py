"""Campaigns: the secretariat opens and closes the census of a protocol."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from smartregion.db import get_session
from smartregion.errors import Conflict, Unprocessable
from smartregion.web import page_language, page_secretariat, page_user
from sqlalchemy import select

from census import services
from census.surveys.shipped import SHIPPED_KEYS
from census.views import bp
from census.views.common import _actor, _tr
from protocol.models import Protocol

# ---------------------------------------------------------------------------------------------------
# Campaigns: the secretariat opens the census of a protocol with the survey schemas it collects, and
# closes it (which starts the operational plan's window). Auditors read the page.

def _approved_versions(session) -> dict[str, int]:
    """Each key's latest approved version: the one a municipality's new submission is pinned to."""
    out: dict[str, int] = {}
    for stored in session.scalars(services.schemas_query(status="approved")):
        out[stored.key] = max(out.get(stored.key, 0), stored.version)
    return out


def _render_campaigns(*, status: int = 200, form: dict | None = None, errors: dict | None = None,
                      close_errors: dict | None = None):
    user = page_user()
    session = get_session()
    campaigns = session.scalars(services.campaigns_query()).all()
    taken = {c.protocol_id for c in campaigns}
    protocols = session.scalars(select(Protocol).order_by(Protocol.signed_on.desc(), Protocol.id.desc())).all()
    approved = _approved_versions(session)
    openable = [{"protocol": p, "due_on": services.add_months(p.signed_on, p.census_months)}
                for p in protocols if p.id not in taken]
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


@bp.post("/census/campaigns")
def open_campaign_page():
    user = page_secretariat()
    session = get_session()
    form = {"protocol_id": request.form.get("protocol_id", "").strip(), "title": request.form.get("title", "").strip(),
            "schema_keys": [k for k in request.form.getlist("schema_keys") if k]}
    errors: dict[str, list[str]] = {}
    if not form["protocol_id"].isdigit():
        errors["protocol_id"] = [_tr("Scegli il protocollo.", "Choose the protocol.")]
    if not form["schema_keys"]:
        errors["schema_keys"] = [_tr("Scegli almeno uno schema di rilevazione.", "Choose at least one survey schema.")]
    approved = _approved_versions(session)
    unapproved = [key for key in form["schema_keys"] if key not in approved]
    if unapproved:
        errors.setdefault("schema_keys", []).extend(
            _tr(f"{key}: nessuna versione approvata, i comuni non potrebbero compilarlo.",
                f"{key}: no approved version, municipalities could not fill it in.") for key in unapproved)
    if len(form["title"]) > 300:
        errors["title"] = [_tr("Al massimo 300 caratteri.", "At most 300 characters.")]
    if errors:
        return _render_campaigns(status=422, form=form, errors=errors)
    try:
        campaign = services.create_campaign(session, int(form["protocol_id"]), title=form["title"] or None,
                                            schema_keys=form["schema_keys"], actor=_actor(user))
    except Unprocessable as error:
        session.rollback()
        return _render_campaigns(status=422, form=form, errors=error.errors)
    except Conflict as error:
        session.rollback()
        return _render_campaigns(status=409, form=form, errors={"protocol_id": [error.detail]})
    flash(_tr(f"Campagna aperta: scadenza {campaign.due_on}.", f"Campaign opened: due on {campaign.due_on}."),
          "success")
    return redirect(url_for(".campaigns_page") + f"#campaign-{campaign.id}")


@bp.post("/census/campaigns/<int:campaign_id>/close")
def close_campaign_page(campaign_id):
    user = page_secretariat()
    session = get_session()
    raw = request.form.get("closed_on", "").strip()
    try:
        closed_on = date.fromisoformat(raw) if raw else None
    except ValueError:
        return _render_campaigns(status=422, close_errors={campaign_id: [
            _tr("Data non valida (AAAA-MM-GG).", "Not a valid date (YYYY-MM-DD).")]})
    try:
        campaign = services.close_campaign(session, campaign_id, closed_on=closed_on, actor=_actor(user))
    except Unprocessable as error:
        session.rollback()
        return _render_campaigns(status=422, close_errors={
            campaign_id: [m for messages in error.errors.values() for m in messages] or [error.detail]})
    except Conflict as error:
        session.rollback()
        return _render_campaigns(status=409, close_errors={campaign_id: [error.detail]})
    flash(_tr(f"Campagna chiusa il {campaign.closed_on}: si apre la finestra del piano operativo.",
              f"Campaign closed on {campaign.closed_on}: the operational plan's window opens."), "success")
    return redirect(url_for(".campaigns_page") + f"#campaign-{campaign.id}")
