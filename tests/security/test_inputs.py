"""Bad input gets a clear 400/401/413/422 problem and never a 500: the probe's eight 500s (deep JSON, a lone
surrogate, CR/LF in `next`, an identifier beyond BIGINT), NUL characters, sizes, and open redirects."""

from __future__ import annotations

import json

import pytest

PROBLEM = "application/problem+json"


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == PROBLEM
    return response.get_json()


@pytest.mark.parametrize("path", ["/api/v1/organizations", "/api/v1/tenants/firenze/projects",
                                  "/api/v1/tenants/firenze/feeds/1/entities", "/api/v1/funding-lines"])
def test_an_anonymous_body_is_never_parsed_the_answer_is_401(client, path):
    for body in (_deep(100_000), '{"a": "\\ud800"}', "{not json", '{"a":' * 5000):
        response = client.post(path, data=body, content_type="application/json")
        assert _is_problem(response, 401)["status"] == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_deep_json_is_a_400_for_a_signed_in_caller_too(as_user):
    secretariat = as_user("segreteria")
    for levels in (65, 1_000, 100_000):
        body = _is_problem(secretariat.post("/api/v1/organizations", data=_deep(levels),
                                            content_type="application/json"), 400)
        assert "nested deeper than 64 levels" in body["detail"]
    # An NGSI-LD body is guarded the same way.
    response = secretariat.post("/api/v1/standards/TOS-STREETLIGHT/versions/1.0.0/validate",
                                data='{"a":' * 3000 + "1" + "}" * 3000, content_type="application/ld+json")
    _is_problem(response, 400)


@pytest.mark.parametrize("value", ["\\ud800", "Via Roma \\udfff", "\\ud83d", "nul\\u0000here"])
def test_lone_surrogates_and_nul_in_strings_are_refused(as_user, value):
    secretariat = as_user("segreteria")
    raw = '{"kind": "association", "name": "' + value + '"}'
    body = _is_problem(secretariat.post("/api/v1/organizations", data=raw, content_type="application/json"), 400)
    assert body["errors"]["name"]
    # In a key, and in a nested value, too.
    nested = '{"kind": "association", "name": "Ente", "extra": {"' + value + '": ["x"]}}'
    _is_problem(secretariat.post("/api/v1/organizations", data=nested, content_type="application/json"), 400)
    # A real pair of surrogates is a character (an emoji) and passes this check.
    fine = secretariat.post("/api/v1/organizations", json={"kind": "association", "name": "Ente \U0001f333"})
    assert fine.status_code == 201, fine.json


def test_nul_in_the_path_query_and_form_is_refused(as_user, page_client):
    secretariat = as_user("segreteria")
    _is_problem(secretariat.get("/api/v1/tenants/fir%00enze"), 400)
    _is_problem(secretariat.get("/api/v1/organizations?q=a%00b"), 400)
    page = page_client("segreteria")
    response = page.post("/tenants/new", data={"slug": "a\x00b", "municipality_istat_code": "049008"},
                         headers={"Accept": PROBLEM})
    _is_problem(response, 400)


def test_an_identifier_beyond_bigint_is_a_400_not_a_database_error(as_user):
    secretariat = as_user("segreteria")
    for big in (2**63, 10**30):
        body = _is_problem(secretariat.get(f"/api/v1/funding-lines/{big}/ranking"), 400)
        assert "out of range" in body["detail"]
    assert secretariat.get(f"/api/v1/funding-lines/{2**63 - 1}/ranking").status_code == 404
    # In a body, an identifier beyond BIGINT is refused by its schema.
    refused = as_user("firenze-comune").post("/api/v1/tenants/firenze/projects",
                                             json={"title": "x", "domain": "energy", "total_cost_cents": 100,
                                                   "lead_company_id": 2**64})
    assert refused.status_code in (400, 422) and "lead_company_id" in refused.json["errors"]


def test_a_json_body_beyond_the_limit_is_413(app, as_user):
    secretariat = as_user("segreteria")
    limit = app.config["MAX_JSON_BYTES"]
    app.config["MAX_JSON_BYTES"] = 1024
    try:
        big = json.dumps({"kind": "association", "name": "x" * 2000})
        _is_problem(secretariat.post("/api/v1/organizations", data=big, content_type="application/json"), 413)
    finally:
        app.config["MAX_JSON_BYTES"] = limit


OFFSITE = ["/%09/evil.example", "/\t/evil.example", "//evil.example", "///evil.example", "/\\evil.example",
           "\\\\evil.example", "https://evil.example/", "http:evil.example", "javascript:alert(1)",
           "/ok\r\nSet-Cookie: x=1", "/ok%0d%0aLocation:%20https://evil.example", " //evil.example", "/\x00/evil"]


def test_redirects_after_language_and_tenant_switch_stay_on_this_site(page_client):
    from urllib.parse import unquote

    page = page_client("segreteria")
    for target in OFFSITE:
        for action, field in (("/language", {"lang": "en"}), ("/tenant", {"tenant": "firenze"})):
            response = page.post(action, data={**field, "next": unquote(target)})
            assert response.status_code in (302, 400), (action, target, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"] == "/", (action, target, response.headers["Location"])


def test_the_login_next_cannot_leave_the_site(client, live_server, demo):
    from tests.conftest import log_in_through_the_provider

    for target in ("/%09/evil.example", "//evil.example", "https://evil.example", "/ok%0d%0aX:%20y"):
        fresh = client.application.test_client()
        done = log_in_through_the_provider(fresh, "segreteria", next_url=target)
        assert done.status_code == 302, target
        assert done.headers["Location"] == "/", (target, done.headers["Location"])
    kept = log_in_through_the_provider(client.application.test_client(), "segreteria",
                                       next_url="/tenants/firenze?tab=members")
    assert kept.headers["Location"] == "/tenants/firenze?tab=members"
