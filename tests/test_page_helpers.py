"""The kernel's helpers for thin pages: a refusal rolled back and answered, downloads, lookups, ETags, paging."""

import pytest
from flask import get_flashed_messages
from smartregion.api import one_page, requested_page
from smartregion.db import get_session
from smartregion.errors import Conflict, NotFound, Unprocessable, found, get_or_404
from smartregion.etags import entity_tag, if_match_offers
from smartregion.web.downloads import attachment, content_disposition
from smartregion.web.pages import back_to, on_refusal
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from tenants.models import Organization, OrganizationKind, Tenant


def test_a_refusal_rolls_back_what_the_block_wrote_and_answers_the_page(app):
    with app.test_request_context("/", method="POST"):
        session = get_session()
        with pytest.raises(HTTPException) as raised:
            with on_refusal(lambda error: (f"refused: {error.detail}", error.status)):
                session.add(Organization(kind=OrganizationKind.ASSOCIATION, name="Scritta e poi annullata"))
                session.flush()
                raise Conflict("Already there.")
        response = raised.value.get_response()
        assert response.status_code == 409
        assert response.get_data(as_text=True) == "refused: Already there."
        assert session.scalar(select(Organization).where(Organization.name == "Scritta e poi annullata")) is None


def test_only_the_errors_named_are_answered_the_others_reach_the_error_pages(app):
    with app.test_request_context("/", method="POST"), pytest.raises(NotFound):
        with on_refusal(lambda error: ("never", 200), Conflict, Unprocessable):
            raise NotFound("Nothing here.")


def test_back_to_flashes_the_reason_and_redirects(app):
    with app.test_request_context("/", method="POST"):
        with pytest.raises(HTTPException) as raised:
            with on_refusal(back_to("/census", lambda error: f"Not done: {error.detail}")):
                raise Conflict("closed")
        response = raised.value.get_response()
        assert (response.status_code, response.location) == (302, "/census")
        assert get_flashed_messages(with_categories=True) == [("error", "Not done: closed")]


def test_an_attachment_is_named_for_the_browser_in_ascii_and_in_full():
    response = attachment(b"a;b\r\n", "text/csv", "report.csv", **{"X-Rows": "1"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert (response.mimetype, response.headers["X-Rows"], response.get_data()) == ("text/csv", "1", b"a;b\r\n")
    assert content_disposition('città "nuova".csv') == (
        "attachment; filename=\"citt? 'nuova'.csv\"; filename*=UTF-8''citt%C3%A0%20%22nuova%22.csv")


def test_lookups_answer_the_row_or_a_404_that_says_what_is_missing(factories, db):
    tenant = factories.TenantFactory(slug="lucca")
    assert get_or_404(db, Tenant, tenant.id, "Tenant not found.") is tenant
    assert found(db.scalar(select(Tenant).where(Tenant.slug == "lucca")), "Tenant lucca not found.") is tenant
    with pytest.raises(NotFound, match="Tenant 0 not found."):
        get_or_404(db, Tenant, 0, "Tenant 0 not found.")
    with pytest.raises(NotFound, match="No such tenant."):
        found(db.scalar(select(Tenant).where(Tenant.slug == "nowhere")), "No such tenant.")


def test_entity_tags_and_if_match():
    tag = entity_tag(12, 3)
    assert tag == '"12.3"'
    assert if_match_offers('"12.3"', tag) and if_match_offers('W/"12.2", W/"12.3"', tag)
    assert not if_match_offers('"12.2"', tag) and not if_match_offers(None, tag) and not if_match_offers("", tag)


def test_one_page_reads_a_row_more_to_know_whether_another_follows(factories, db):
    made = [factories.MunicipalityFactory().id for _ in range(5)]
    statement = select(Organization.id).where(Organization.id.in_(made)).order_by(Organization.id)
    assert one_page(db, statement, 1, 2) == (made[:2], True)
    assert one_page(db, statement, 2, 2) == (made[2:4], True)
    assert one_page(db, statement, 3, 2) == (made[4:], False)
    assert one_page(db, statement, 4, 2) == ([], False)


@pytest.mark.parametrize(("query", "page"), [("", 1), ("?page=3", 3), ("?page=0", 1), ("?page=-2", 1),
                                             ("?page=abc", 1)])
def test_the_page_asked_for_is_a_positive_number(app, query, page):
    with app.test_request_context(f"/jobs{query}"):
        assert requested_page() == page
