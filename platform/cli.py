"""The ``smartregion`` command: run, worker, scheduler, db upgrade, seed, import, audit verify, backup..."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys

import click
from smartregion.config import ROOT, Config

log = logging.getLogger("smartregion")

DEMO_LOGINS = [
    ("segreteria", "regional technical secretariat"),
    ("revisore", "auditor (read-only)"),
    ("firenze-comune", "municipality officer, Firenze"),
    ("prato-comune", "municipality officer, Prato"),
    ("firenze-utility", "utility operator, Firenze's lead company"),
    ("prato-utility", "utility operator, Prato's lead company"),
]


def _logging() -> None:
    from smartregion import logs

    logs.configure()


def ensure_services(config: Config) -> None:
    """Use DATABASE_URL / REDIS_URL when set; otherwise start the embedded servers and export them."""
    from smartregion import embedded

    if not os.environ.get("DATABASE_URL"):
        url = embedded.start_postgres(config.VAR_DIR)
        os.environ["DATABASE_URL"] = url
        click.echo(f"Embedded PostgreSQL: {url}")
    if not os.environ.get("REDIS_URL"):
        url = embedded.start_redis(config.VAR_DIR)
        os.environ["REDIS_URL"] = url
        click.echo(f"Embedded Redis: {url}")


def upgrade_database(url: str | None = None) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    alembic_config = AlembicConfig(str(ROOT / "alembic.ini"))
    alembic_config.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        alembic_config.attributes["database_url"] = url
    command.upgrade(alembic_config, "heads")


def seed_demo(app) -> bool:
    """Seed the demo region through each module's ``seed.demo``; True when something was loaded."""
    from smartregion import audit, tenancy
    from smartregion.db import db
    from smartregion.registry import Tenant
    from sqlalchemy import func, select

    with app.app_context(), tenancy.regional_scope(), audit.acting_as("system:seed"):
        session = db.new_session()
        try:
            for name in app.config["MODULES"]:
                try:
                    seed = importlib.import_module(f"{name}.seed")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{name}.seed":
                        raise
                    continue
                seed.demo(session)
                session.flush()
            loaded = session.scalar(select(func.count()).select_from(Tenant)) > 0
            session.commit()
            return loaded
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


@click.group()
def main() -> None:
    """smartregion: the regional smart-region delivery platform."""
    _logging()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--worker/--no-worker", default=True,
              help="Start an RQ worker and the scheduler beside the web server.")
def run(host: str, port: int, worker: bool) -> None:
    """Start everything: databases (embedded if none configured), migrations, demo, web, worker, scheduler."""
    from smartregion import memory
    from smartregion.app import create_app
    from smartregion.config import ConfigurationError
    from waitress import serve

    memory.limit_arenas()
    config = Config()
    if config.ENV == "production":
        # The embedded servers and the development identity provider are for development only: a
        # production start names what is missing instead of quietly starting them.
        try:
            config.check()
        except ConfigurationError as exc:
            raise click.ClickException(
                f"{exc} (for a local trial run `make run`, or set SMARTREGION_ENV=development)") from None
    # Stop cleanly on SIGTERM too, so that the embedded servers are shut down by their exit hooks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ensure_services(config)
    os.environ.setdefault("PUBLIC_URL", f"http://{host}:{port}")
    click.echo("Applying migrations...")
    upgrade_database()
    app = create_app()
    if not _has_tenants(app):
        click.echo("Seeding the demo region...")
        seed_demo(app)
    children = []
    if worker:
        for command in ("worker", "scheduler"):
            children.append(subprocess.Popen([sys.executable, "-m", "smartregion.cli", command],
                                             env=os.environ.copy()))
    click.echo(f"\nsmartregion is running on http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs)")
    if app.config_obj.uses_dev_identity:
        click.echo("Demo logins (development identity provider; the password is the username):")
        for username, role in DEMO_LOGINS:
            click.echo(f"  {username:<16} {role}")
    try:
        serve(app, host=host, port=port, threads=8, ident="smartregion")
    finally:
        _stop_children(children)


def _stop_children(children: list[subprocess.Popen], grace: float = 30.0) -> None:
    """SIGTERM every child at once (a worker finishes its job), then SIGKILL what outlives the grace period."""
    import time

    for child in children:
        child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0fs: killed", " ".join(child.args[2:]), grace)
            child.kill()
            child.wait()


def _has_tenants(app) -> bool:
    from smartregion.db import db
    from smartregion.registry import Tenant
    from sqlalchemy import func, select

    with app.app_context(), db.new_session() as session:
        return session.scalar(select(func.count()).select_from(Tenant)) > 0


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
# Accepted and ignored: periodic jobs belong to `smartregion scheduler`, never to a worker.
@click.option("--cron/--no-cron", default=False, hidden=True)
@click.argument("queues", nargs=-1)
def worker(burst: bool, cron: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker on the platform's queues (the periodic jobs are the scheduler's)."""
    from smartregion import jobs

    jobs.run_worker(jobs.worker_app(), list(queues or jobs.QUEUES), burst=burst)


@main.command()
def scheduler() -> None:
    """Start the periodic jobs and sweep the jobs table; run one or more (one leads, the others stand by)."""
    from smartregion import jobs

    app = jobs.worker_app()
    runner = jobs.Scheduler(app)
    runner.install_signal_handlers()
    runner.run()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (alembic upgrade heads) as the schema owner."""
    upgrade_database()
    click.echo("Database is up to date.")


@main.group()
def seed() -> None:
    """Load data."""


@seed.command("demo")
def seed_demo_command() -> None:
    """Load the demo region: the Tuscan protocol, its tenants and demo users (idempotent)."""
    from smartregion.app import create_app

    app = create_app()
    seed_demo(app)
    app.extensions["smartregion.db"].engine.dispose()
    click.echo("Demo region loaded.")


@main.group("import")
def import_group() -> None:
    """Import files (each module adds its own kinds)."""


@main.group()
def audit() -> None:
    """The audit chain."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain; exit status 1 when an event was edited or deleted."""
    from smartregion import audit as audit_log
    from smartregion import tenancy
    from smartregion.app import create_app
    from smartregion.db import db as database

    app = create_app()
    with app.app_context(), tenancy.regional_scope(), database.new_session() as session:
        result = audit_log.verify(session)
    app.extensions["smartregion.db"].engine.dispose()
    if result.ok:
        click.echo(f"Audit chains verified: {result.events} events in {result.chains} chains, intact.")
    else:
        click.echo(f"Audit chains BROKEN at event {result.first_bad_event_id}: {result.reason} "
                   f"({result.events} events verified before it).", err=True)
        sys.exit(1)


@main.command("realm")
@click.option("--development", is_flag=True, help="The development realm, with the demo users.")
@click.option("--output", type=click.File("w"), default="-", show_default=True)
def realm_command(development: bool, output) -> None:
    """Print the Keycloak realm export with this installation's addresses and secrets filled in."""
    import json

    from smartregion import realm

    try:
        rendered = realm.render(realm.values_from(Config()), development=development)
    except KeyError as exc:
        raise click.ClickException(f"{exc.args[0]} (set them in the environment)") from None
    json.dump(rendered, output, indent=2, ensure_ascii=False)
    output.write("\n")


def _load_kernel_commands() -> None:
    from smartregion import cli_ops

    for command in cli_ops.commands:
        main.add_command(command)


def _load_module_commands() -> None:
    for name in Config().MODULES:
        try:
            module = importlib.import_module(f"{name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.cli":
                raise
            continue
        for command in getattr(module, "import_commands", []):
            import_group.add_command(command)
        for command in getattr(module, "commands", []):
            main.add_command(command)


_load_kernel_commands()
_load_module_commands()

if __name__ == "__main__":
    main()
