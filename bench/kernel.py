"""Single-node figures of the kernel: authenticated API reads, and audited writes through the chain.

Creates its own database on DATABASE_URL's server (dropped at the end), serves the app with waitress
on a free port, then measures:
  - GET /api/v1/tenants with a verified bearer token, from several client threads (req/s, p50, p95);
  - audited writes (PATCH /api/v1/tenants/<slug>): every one takes the audit chain's lock.
Last line: one JSON object.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/kernel.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._platform import demo_app, hammer, serving  # noqa: E402


def main() -> None:
    with demo_app() as served, serving(served, threads=8):
        headers = served.bearer("segreteria")
        tenants = f"{served.base}/api/v1/tenants"
        hammer(tenants, headers, 2, 4)  # warm-up
        reads = hammer(tenants, headers, 10, 8)
        writes = hammer(f"{tenants}/siena", headers, 10, 8, method="PATCH", body="Siena")
    print(f"reads:  {reads}")
    print(f"writes: {writes}")
    print(json.dumps({"read_per_s": reads["per_s"], "read_p95_ms": reads["p95_ms"],
                      "audited_write_per_s": writes["per_s"], "write_p95_ms": writes["p95_ms"]}))


if __name__ == "__main__":
    main()
