"""The pages people read: the regional standards and the conformance tables."""

from tests.interoperability.test_api import register_feed, streetlight


def test_standards_page_lists_the_published_standards(demo, as_user):
    page = as_user("firenze-comune").get("/standards")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for code in ("TOS-STREETLIGHT", "TOS-AIRQUALITY", "TOS-WEATHER"):
        assert code in html
    assert "1.0.0" in html


def test_conformance_page_counts_refused_entities_for_the_region_and_for_the_tenant(demo, as_user):
    utility = as_user("firenze-utility")
    feed_id = register_feed(utility).json["id"]
    utility.post(
        f"/api/v1/tenants/firenze/feeds/{feed_id}/entities",
        json=[streetlight(2), streetlight(3, status="broken")],
    )
    regional = as_user("revisore").get("/conformance").get_data(as_text=True)
    assert "Punti luce centro" in regional and "50%" in regional and "regional.code-list" in regional
    assert as_user("revisore").get("/api/v1/conformance").status_code == 200
    assert "Punti luce centro" in utility.get("/conformance").get_data(as_text=True)
    assert "Punti luce centro" not in as_user("prato-utility").get("/conformance").get_data(as_text=True)
    assert as_user("firenze-utility").get("/api/v1/conformance").status_code == 403
