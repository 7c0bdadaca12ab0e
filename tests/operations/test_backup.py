"""`smartregion backup` and `restore`: a round trip to an identical platform; refusals that lose nothing."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.census.inventories.inv_files import LIGHTING_HEADER
from tests.operations.servers import ROOT


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smartregion.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env=os.environ.copy() | (env or {}), timeout=300)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(_conninfo(url)) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _files(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def empty_database(test_env):
    admin = make_url(test_env["DATABASE_URL"])
    name = f"{test_env['name']}_restore"
    with psycopg.connect(_conninfo(admin.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_conninfo(admin.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _platform_with_files(as_user, wait_for_job):
    utility = as_user("firenze-utility")
    rows = [";".join(LIGHTING_HEADER)] + [f"FI-B{i:03d};43,77{i};11,25{i};LED;42,5;Via Maggio;2019-05-14;sì;no"
                                          for i in range(6)]
    data = ("\r\n".join(rows) + "\r\n").encode("cp1252")
    response = utility.post("/api/v1/tenants/firenze/inventories", content_type="multipart/form-data",
                            data={"kind": "public-lighting", "file": (io.BytesIO(data), "punti-luce.csv")})
    assert response.status_code == 202
    assert wait_for_job(response.json["job_id"])["state"] == "finished"


def test_backup_restores_to_an_identical_platform_and_refuses_what_would_lose_data(
        as_user, rq_worker, wait_for_job, test_env, empty_database, tmp_path):
    _platform_with_files(as_user, wait_for_job)
    archive = tmp_path / "smartregion.tar"
    made = _cli("backup", "-o", str(archive))
    assert made.returncode == 0, made.stderr
    assert "Backup written" in made.stdout

    restored_files = tmp_path / "restored-files"
    target = {"DATABASE_URL": empty_database, "STORAGE_DIR": str(restored_files)}
    done = _cli("restore", str(archive), env=target)
    assert done.returncode == 0, done.stderr
    source_counts = _counts(test_env["DATABASE_URL"])
    assert _counts(empty_database) == source_counts
    assert source_counts["inventory_assets"] == 6 and source_counts["audit_events"] > 0
    source_files = _files(Path(test_env["STORAGE_DIR"]))
    assert source_files and _files(restored_files) == source_files
    assert all(name == digest for name, digest in _files(restored_files).items())
    verified = _cli("audit", "verify", env=target)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr

    again = _cli("restore", str(archive), env=target)
    assert again.returncode == 1
    assert "not empty" in again.stderr
    _damaged_archives_are_refused(archive, empty_database, tmp_path)


def _damaged_archives_are_refused(archive: Path, database_url: str, tmp_path: Path) -> None:
    """A corrupted or truncated archive is refused, naming the damaged file, before anything is touched."""
    with psycopg.connect(_conninfo(database_url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    empty_database = database_url
    damaged = tmp_path / "damaged.tar"
    victim = None
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if victim is None and member.name.startswith("files/"):
                victim = member.name
                data = data[:-1] + bytes([data[-1] ^ 0x01])
            out.addfile(member, io.BytesIO(data))
    target = {"DATABASE_URL": empty_database, "STORAGE_DIR": str(tmp_path / "restored")}
    refused = _cli("restore", str(damaged), env=target)
    assert refused.returncode == 1
    assert victim in refused.stderr and "checksum differs" in refused.stderr
    assert _counts(empty_database) == {}, "nothing is restored from a damaged archive"
    assert not (tmp_path / "restored").exists()

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused = _cli("restore", str(truncated), env=target)
    assert refused.returncode == 1 and "Restore refused" in refused.stderr
    assert _counts(empty_database) == {}
