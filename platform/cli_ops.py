"""Operators' commands: backup, restore and a tenant's data package."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from smartregion.config import Config


def _database_url(config: Config) -> str:
    from smartregion.cli import ensure_services

    ensure_services(config)
    import os

    return os.environ["DATABASE_URL"]


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write (default: var/backups/smartregion-<UTC time>.tar).")
def backup(output: Path | None) -> None:
    """Write one archive: the PostgreSQL dump, the file store and a manifest with checksums."""
    from smartregion.backup import BackupError
    from smartregion.backup import backup as make_backup

    config = Config()
    url = _database_url(config)
    output = output or Path(config.VAR_DIR) / "backups" / f"smartregion-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar"
    try:
        manifest = make_backup(url, Config().STORAGE_DIR, output)
    except BackupError as exc:
        click.echo(f"Backup failed: {exc}", err=True)
        sys.exit(1)
    files = sum(1 for name in manifest["members"] if name.startswith("files/"))
    click.echo(f"Backup written to {output}: {len(manifest['tables'])} tables, "
               f"{sum(manifest['tables'].values())} rows, {files} files.")


@click.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(archive: Path) -> None:
    """Restore an archive into an empty database (DATABASE_URL) and an empty file store (STORAGE_DIR)."""
    from smartregion.backup import BackupError
    from smartregion.backup import restore as restore_backup

    config = Config()
    url = _database_url(config)
    try:
        done = restore_backup(archive, url, Config().STORAGE_DIR)
    except BackupError as exc:
        click.echo(f"Restore refused: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Restored {done.tables} tables ({done.rows} rows) and {done.files} files from {archive}.")


@click.command("export-tenant")
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_tenant(slug: str, output: Path) -> None:
    """Write one tenant's data package (CSV and JSON per entity, its files, its audit events, a manifest)."""
    from smartregion import audit, tenancy
    from smartregion.app import create_app
    from smartregion.db import db
    from smartregion.registry import Tenant
    from smartregion.storage import storage
    from smartregion.tenant_export import export_tenant as export
    from sqlalchemy import select

    app = create_app()
    with app.app_context(), tenancy.regional_scope(), audit.acting_as("system:cli"), db.new_session() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            click.echo(f"No tenant {slug!r}.", err=True)
            sys.exit(1)
        with tenancy.tenant_context(tenant_id):
            summary = export(session, tenant_id, storage=storage(), actor="system:cli")
            session.commit()
        output.parent.mkdir(parents=True, exist_ok=True)
        storage().copy_to(summary["sha256"], output)
    app.extensions["smartregion.db"].engine.dispose()
    click.echo(f"Data package of {slug} written to {output} ({summary['size']} bytes, sha256 {summary['sha256']}).")


commands = [backup, restore, export_tenant]
