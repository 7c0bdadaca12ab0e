"""Secure by default: without SMARTREGION_ENV the platform is in production, and production refuses to
start with the development identity provider, a default key or missing addresses, naming each."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from smartregion.config import DEFAULT_SECRET, Config, ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
SAFE = {
    "KEYCLOAK_URL": "https://id.regione.toscana.example",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql://smartregion@db.internal/smartregion",
    "REDIS_URL": "redis://queue.internal:6379/0",
    "PUBLIC_URL": "https://smartregion.regione.toscana.example",
}
SETTINGS = ("SMARTREGION_ENV", *SAFE, "KEYCLOAK_ADMIN_CLIENT_SECRET", "SESSION_COOKIE_SECURE")


@pytest.fixture
def bare_environment(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def test_without_smartregion_env_the_platform_is_in_production(bare_environment):
    config = Config(**SAFE)
    assert config.ENV == "production"
    assert config.SESSION_COOKIE_SECURE is True
    config.check()  # a complete production configuration starts


@pytest.mark.parametrize(("change", "named"), [
    ({"KEYCLOAK_URL": None}, "KEYCLOAK_URL is required: the development identity provider never runs in production"),
    ({"SECRET_KEY": DEFAULT_SECRET}, "SECRET_KEY must be set"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY must be set to a random value of at least 32 characters"),
    ({"DATABASE_URL": None}, "DATABASE_URL must be set"),
    ({"REDIS_URL": None}, "REDIS_URL must be set"),
    ({"PUBLIC_URL": "http://127.0.0.1:8000"}, "PUBLIC_URL must be set"),
    ({"PUBLIC_URL": "http://smartregion.example"}, "PUBLIC_URL must be set to the https:// address"),
    ({"KEYCLOAK_ADMIN_CLIENT_SECRET": "change-me-in-production"}, "KEYCLOAK_ADMIN_CLIENT_SECRET still has the example"),
    ({"SESSION_COOKIE_SAMESITE": "None"}, "SESSION_COOKIE_SAMESITE must be Lax or Strict"),
])
def test_each_unsafe_production_setting_is_refused_by_name(bare_environment, change, named):
    with pytest.raises(ConfigurationError, match=named.split(":")[0]) as refused:
        Config(**{**SAFE, **change}).check()
    assert named in str(refused.value)


def test_an_unknown_environment_name_is_refused(bare_environment):
    with pytest.raises(ConfigurationError, match="SMARTREGION_ENV must be one of production, development, test"):
        Config(**SAFE, ENV="prod").check()


def _run(code: list[str], **env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SETTINGS}
    return subprocess.run(code, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_a_wsgi_server_started_without_settings_refuses_and_names_them():
    result = _run([sys.executable, "-c", "import wsgi"])
    assert result.returncode != 0
    for name in ("KEYCLOAK_URL is required", "SECRET_KEY must be set", "DATABASE_URL must be set",
                 "REDIS_URL must be set", "PUBLIC_URL must be set"):
        assert name in result.stderr


def test_smartregion_run_in_production_starts_no_embedded_server_and_names_what_is_missing(tmp_path):
    result = _run([sys.executable, "-m", "smartregion.cli", "run"], VAR_DIR=str(tmp_path))
    assert result.returncode == 1
    assert "DATABASE_URL must be set" in result.stderr and "make run" in result.stderr
    assert not (tmp_path / "pg").exists()  # the embedded PostgreSQL was not started


def test_development_is_asked_for_explicitly(bare_environment, monkeypatch):
    monkeypatch.setenv("SMARTREGION_ENV", "development")
    config = Config()
    assert config.ENV == "development" and config.uses_dev_identity
    assert config.SESSION_COOKIE_SECURE is False
    config.check()
