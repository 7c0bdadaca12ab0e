"""Census benchmark: validate and export submissions of the shipped `projects` schema across two versions.

    python bench/census_export.py [--submissions 2000] [--projects 10]

Each submission answers version 1 or 2 (version 2 drops a field and reorders others) with
`--projects` entries. Measured: answer validation (submissions/s), flattening to stable columns,
CSV and XLSX writing. No target is set by the issue; the figures size the export endpoints. The
last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from census.surveys import parse_definition, shipped_definition, validate_answers  # noqa: E402
from census.surveys.export import ExportRecord, flatten, to_csv, to_xlsx  # noqa: E402

DOMAINS = ["energy", "environment", "mobility", "government", "economy", "people", "living", "planning"]


def version_two():
    raw = copy.deepcopy(shipped_definition("projects").to_dict())
    raw["version"] = 2
    group = raw["sections"][1]["fields"][0]
    group["fields"] = [f for f in group["fields"] if f["key"] != "reusable"]
    group["fields"].reverse()
    return parse_definition(raw)


def answers(rng: random.Random, entries: int) -> dict:
    return {
        "respondent_name": "Ufficio smart city",
        "respondent_email": "smartcity@comune.example.it",
        "projects": [{
            "title": f"Progetto {i}", "domain": rng.choice(DOMAINS), "other_domains": rng.sample(DOMAINS, 2),
            "promoter_kind": "municipality", "status": "in_progress", "start_on": "2018-01-15",
            "end_on": "2020-06-30", "budget": f"{rng.randint(10_000, 9_000_000)}.00",
            "funded_amount": "5000.00", "funding_sources": ["erdf", "municipal_budget"],
            "description": "Descrizione del progetto " * 5,
            "location": {"type": "Point", "coordinates": [11.25 + rng.random() / 10, 43.77]},
        } for i in range(entries)],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--projects", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(7)
    v1, v2 = shipped_definition("projects"), version_two()
    records = []
    for n in range(args.submissions):
        body = answers(rng, args.projects)
        version = 1 if n % 2 else 2
        if version == 1:
            for item in body["projects"]:
                item["reusable"] = True
        records.append(ExportRecord(version, body, meta={"submission_id": n, "tenant": f"t{n % 40}"}))

    start = time.perf_counter()
    for record in records:
        report = validate_answers(v1 if record.version == 1 else v2, record.answers)
        assert report.is_complete, report.field_errors()
    validation_s = time.perf_counter() - start

    start = time.perf_counter()
    table = flatten([v1, v2], records)
    flatten_s = time.perf_counter() - start
    start = time.perf_counter()
    csv_bytes = len(to_csv(table).encode())
    csv_s = time.perf_counter() - start
    start = time.perf_counter()
    xlsx_bytes = len(to_xlsx(table))
    xlsx_s = time.perf_counter() - start
    result = {
        "submissions": args.submissions, "entries_per_submission": args.projects,
        "columns": len(table.columns),
        "validations_per_s": round(args.submissions / validation_s),
        "flatten_s": round(flatten_s, 3), "csv_s": round(csv_s, 3), "csv_bytes": csv_bytes,
        "xlsx_s": round(xlsx_s, 3), "xlsx_bytes": xlsx_bytes,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
