"""Benchmark: validate 100,000 entities against a published regional standard (TOS-STREETLIGHT 1.0.0).

Target: at least 20,000 entities/s on one core and at least 10 times plain ``jsonschema.validate()``
per entity, measured in the same run. The baseline is slow, so it runs on a sample (``--baseline``
entities, the first ones of the same list) and its rate is compared. The last line printed is one JSON
object: ``{"entities", "entities_per_s", "baseline_per_s", "ratio", ...}``.

    python bench/validate.py [--entities 100000] [--baseline 2000] [--invalid-share 0.02]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jsonschema  # noqa: E402

from interoperability import ngsild  # noqa: E402
from interoperability.standards import shipped_definition  # noqa: E402
from interoperability.validation import compile_standard  # noqa: E402


def make_entities(count: int, invalid_share: float, seed: int = 7) -> list[dict]:
    """Streetlights around Tuscan towns, alternating key-values and normalized, some deliberately wrong."""
    rng = random.Random(seed)
    towns = [
        (11.2558, 43.7696),
        (11.0966, 43.8777),
        (10.4017, 43.7228),
        (11.1140, 42.7635),
        (11.3308, 43.3188),
    ]
    statuses = ["ok", "ok", "ok", "defectiveLamp", "columnIssue", "brokenLantern"]
    out = []
    for i in range(count):
        lon, lat = towns[i % len(towns)]
        entity = {
            "id": f"urn:ngsi-ld:Streetlight:tos:{i:07d}",
            "type": "Streetlight",
            "location": {
                "type": "Point",
                "coordinates": [
                    round(lon + rng.uniform(-0.05, 0.05), 6),
                    round(lat + rng.uniform(-0.05, 0.05), 6),
                ],
            },
            "status": rng.choice(statuses),
            "powerState": rng.choice(["on", "off", "low"]),
            "circuit": f"C-{i % 97:03d}",
            "lanternHeight": round(rng.uniform(4, 12), 1),
            "powerConsumption": round(rng.uniform(20, 150), 1),
            "illuminanceLevel": round(rng.random(), 2),
            "observationDateTime": "2026-11-21T18:00:00+01:00",
            "refStreetlightGroup": f"urn:ngsi-ld:StreetlightGroup:tos:{i % 500}",
        }
        if rng.random() < invalid_share:
            fault = rng.choice(["status", "location", "powerState", "lanternHeight"])
            if fault == "status":
                entity["status"] = "broken"
            elif fault == "location":
                entity["location"]["coordinates"] = [43.77, 191.2]
            elif fault == "powerState":
                del entity["powerState"]
            else:
                entity["lanternHeight"] = -3
        if i % 2:
            entity = ngsild.to_normalized(
                entity,
                relationships={"refStreetlightGroup"},
                units={"lanternHeight": "MTR", "powerConsumption": "WTT"},
                datetimes={"observationDateTime"},
            )
        out.append(entity)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--invalid-share", type=float, default=0.02)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    definition = shipped_definition("TOS-STREETLIGHT", "1.0.0")
    entities = make_entities(args.entities, args.invalid_share)

    started = time.perf_counter()
    compiled = compile_standard(definition)
    compile_s = time.perf_counter() - started

    started = time.perf_counter()
    report = compiled.validate(entities)
    elapsed = time.perf_counter() - started
    conforming = sum(1 for result in report.results if result.valid)

    sample = [ngsild.to_key_values(entity)[0] for entity in entities[: args.baseline]]
    baseline_invalid = 0
    started = time.perf_counter()
    for entity in sample:
        try:
            jsonschema.validate(entity, compiled.schema)
        except jsonschema.ValidationError:
            baseline_invalid += 1
    baseline_elapsed = time.perf_counter() - started

    rate = args.entities / elapsed
    baseline_rate = len(sample) / baseline_elapsed
    print(f"standard: {definition.label}; compiled in {compile_s * 1000:.1f} ms")
    print(
        f"validated {args.entities} entities in {elapsed:.2f} s: {conforming} conforming, "
        f"{args.entities - conforming} refused with a report"
    )
    print(
        f"baseline jsonschema.validate(): {len(sample)} entities in {baseline_elapsed:.2f} s "
        f"({baseline_invalid} invalid)"
    )
    print(
        json.dumps(
            {
                "entities": args.entities,
                "entities_per_s": round(rate),
                "baseline_per_s": round(baseline_rate, 1),
                "ratio": round(rate / baseline_rate, 1),
                "conforming": conforming,
                "baseline_sample": len(sample),
                "cores": 1,
            }
        )
    )


if __name__ == "__main__":
    main()
