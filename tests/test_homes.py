"""Homes that tell each person what to do next, read from the data: the officer's open and returned
forms (of their own municipality only), the submissions waiting for the secretariat's review."""

from __future__ import annotations

import re

from sqlalchemy import select


def _section(html: str, testid: str) -> str:
    found = re.search(rf'<section[^>]*data-testid="{testid}"[\s\S]*?</section>', html)
    assert found, f"no {testid} block"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def _submissions(app, slug: str, status: str) -> list:
    from smartregion import tenancy
    from smartregion.db import db
    from smartregion.registry import Tenant

    from census.models import Submission

    with app.app_context(), tenancy.regional_scope(), db.new_session() as session:
        return session.execute(select(Submission.id, Submission.comments).join(
            Tenant, Tenant.id == Submission.tenant_id).where(Tenant.slug == slug, Submission.status == status)).all()


def test_the_officers_home_lists_the_forms_returned_with_comments_and_only_its_own(app, page_client):
    returned = _submissions(app, "firenze", "returned")
    assert returned, "the demo region has a form returned to Firenze"
    html = page_client("firenze-comune").client.get("/").get_data(as_text=True)
    todo = _section(html, "home-todo")
    assert "1 scheda è tornata con i commenti della segreteria" in todo
    comments = sum(len(v) if isinstance(v, list) else 1 for v in (returned[0].comments or {}).values())
    assert f"{comments} commenti" in todo
    assert f'/submissions/{returned[0].id}' in html

    other = page_client("prato-comune").client.get("/").get_data(as_text=True)
    assert f'/submissions/{returned[0].id}' not in other


def test_the_secretariats_home_lists_each_submission_waiting_for_review(app, page_client):
    waiting = {slug: _submissions(app, slug, "submitted") for slug in ("firenze", "prato")}
    html = page_client("segreteria", lang="en").client.get("/").get_data(as_text=True)
    review = _section(html, "home-review")
    count = sum(len(rows) for rows in waiting.values())
    assert count == 2, waiting
    assert "2 submissions wait for your review" in review, review
    for slug, rows in waiting.items():
        for row in rows:
            assert f"/submissions/{row.id}" in html, (slug, row.id)
