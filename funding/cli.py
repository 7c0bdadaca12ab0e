"""Command-line imports of the funding module: ``smartregion import funding-lines | opencoesione``."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _run(service, path: Path, **kwargs) -> dict:
    from smartregion import audit, tenancy
    from smartregion.app import create_app
    from smartregion.db import db
    from smartregion.storage import storage

    app = create_app()
    data = path.read_bytes()
    try:
        with app.app_context(), tenancy.regional_scope(), audit.acting_as("system:cli"):
            sha256 = storage().put_bytes(data).sha256
            with db.new_session() as session:
                report = service(session, data, file_sha256=sha256, **kwargs)
                session.commit()
    finally:
        # The command's own engine: its pooled connections would otherwise outlive it.
        app.extensions["smartregion.db"].engine.dispose()
    return report


@click.command("funding-lines")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "file_format", type=click.Choice(["csv", "json", "ft_portal"]), required=True)
def import_funding_lines(path: Path, file_format: str) -> None:
    """Import funding lines from CSV, JSON or a saved Funding & Tenders search answer."""
    from funding.services import lines

    report = _run(lines.import_lines, path, file_format=file_format)
    click.echo(json.dumps(report, indent=1, default=str))


@click.command("opencoesione")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_opencoesione(path: Path) -> None:
    """Join an OpenCoesione project file (zipped or plain CSV) to the projects with the same CUP."""
    from smartregion import audit, tenancy
    from smartregion.app import create_app
    from smartregion.db import db
    from smartregion.storage import storage

    from funding.services import cohesion

    app = create_app()
    try:
        with app.app_context(), tenancy.regional_scope(), audit.acting_as("system:cli"), path.open("rb") as handle:
            sha256 = storage().put(handle).sha256
            with db.new_session() as session:
                report = cohesion.import_cohesion(session, storage().path(sha256), file_sha256=sha256)
                session.commit()
    finally:
        app.extensions["smartregion.db"].engine.dispose()
    click.echo(json.dumps(report, indent=1, default=str))


import_commands = [import_funding_lines, import_opencoesione]
