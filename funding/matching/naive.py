"""The straightforward per-pair loop: the yardstick for the vectorised engine (tests and benchmark)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from funding.matching.profiles import LineProfile, ProjectProfile, line_timing
from funding.matching.rules import evaluate


def naive_rankings(
    projects: Sequence[ProjectProfile],
    lines: Sequence[LineProfile],
    today: date,
) -> dict[int, list[tuple[int, bool, float, int]]]:
    """For each project id, ``(line_id, eligible, score, codes)`` best first, one pair at a time."""
    timings = [line_timing(line, today) for line in lines]
    rankings = {}
    for project in projects:
        rows = []
        for position, (line, timing) in enumerate(zip(lines, timings, strict=True)):
            result = evaluate(project, line, timing)
            score = float(np.float32(result.score))
            key = score + 1000.0 if result.eligible else score
            rows.append((-key, position, line.id, result.eligible, score, result.codes))
        rows.sort()
        rankings[project.id] = [(line_id, eligible, score, codes) for _, _, line_id, eligible, score, codes in rows]
    return rankings
