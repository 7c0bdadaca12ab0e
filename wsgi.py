"""WSGI entry point: ``gunicorn wsgi:app`` (DATABASE_URL and REDIS_URL must be set)."""

from smartregion.app import create_app

app = create_app()
