"""`make test` anywhere: with no PostgreSQL or Redis where the tests look and no URL set, the session starts
the embedded servers of `make run` and the tests pass on them (a real worker included)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.operations.servers import ROOT, free_port


def test_a_session_with_no_services_runs_on_the_embedded_servers():
    # Under the work tree, not pytest's private temporary directory: the embedded PostgreSQL runs as an
    # unprivileged user when the tests run as root, and must reach its data directory.
    (ROOT / "var").mkdir(exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="test-fallback-", dir=ROOT / "var"))
    try:
        _run_on_embedded(var)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def _run_on_embedded(var: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST"}}
    env |= {"SMARTREGION_TEST_PG_ADDRESS": f"127.0.0.1:{free_port()}",
            "SMARTREGION_TEST_REDIS_ADDRESS": f"127.0.0.1:{free_port()}", "SMARTREGION_TEST_VAR": str(var)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_smoke.py",
         "tests/test_jobs.py::test_a_failing_job_records_its_error"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "services: PostgreSQL from embedded, Redis from embedded" in output
    assert " passed" in output and "skipped" not in output
    assert (var / "pg" / "PG_VERSION").exists()
