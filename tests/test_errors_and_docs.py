"""problem+json everywhere, the OpenAPI document, health, and the production guards."""

import pytest
from smartregion.config import Config, ConfigurationError


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    for path in ("/api/v1/tenants", "/api/v1/tenants/{slug}", "/api/v1/organizations", "/api/v1/jobs/{job_id}",
                 "/api/v1/audit/verify"):
        assert path in paths
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"/static/vendor/swagger-ui/" in docs.data  # served locally, no CDN
    asset = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_unknown_route_and_method_are_problems(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    wrong = client.delete("/api/v1/tenants")
    assert wrong.status_code == 405
    assert wrong.json["status"] == 405


def test_pages_get_html_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"404" in response.data


def test_too_large_body_is_413(as_user, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = as_user("segreteria").post("/api/v1/organizations", data=b"x" * (limit + 1),
                                          content_type="application/json")
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"


def test_healthz_is_503_when_redis_is_down(test_env):
    from smartregion.app import create_app

    broken = create_app(Config(REDIS_URL="redis://127.0.0.1:1/0"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("error")
    broken.extensions["smartregion.db"].engine.dispose()


def test_healthz_is_503_when_the_database_is_down(test_env):
    from smartregion.app import create_app

    broken = create_app(Config(DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "ok"


@pytest.mark.parametrize("overrides, message", [
    ({"KEYCLOAK_URL": None, "SECRET_KEY": "s3cret", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x"},
     "development identity provider"),
    ({"KEYCLOAK_URL": "https://sso.example", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x"},
     "SECRET_KEY"),
    ({"KEYCLOAK_URL": "https://sso.example", "SECRET_KEY": "s3cret", "DATABASE_URL": None, "REDIS_URL": "redis://x"},
     "DATABASE_URL"),
])
def test_production_refuses_unsafe_configuration(overrides, message):
    config = Config(ENV="production", **overrides)
    with pytest.raises(ConfigurationError, match=message):
        config.check()


def test_development_identity_provider_refuses_production():
    from flask import Flask
    from smartregion import devauth

    app = Flask(__name__)
    app.config["ENV"] = "production"
    with pytest.raises(RuntimeError, match="refuses to run in production"):
        devauth.init_app(app)
