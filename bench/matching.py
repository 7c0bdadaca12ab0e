"""Matching benchmark: every project scored against every funding line, with its explanation codes.

    python bench/matching.py [--projects 5000] [--lines 1000] [--naive-projects 0]

Targets (issue 6): the full ranking under 2 s, re-ranking after one project changes under 50 ms.
The naive per-pair Python loop is measured in the same run on ``--naive-projects`` projects (all lines)
and scaled to the full set (``--naive-projects 0`` runs it on every project). The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from funding.matching import LineProfile, MatchMatrix, ProjectProfile, explain_pair  # noqa: E402
from funding.matching.naive import naive_rankings  # noqa: E402
from funding.reference import DOMAIN_BITS, KIND_BITS, BeneficiaryKind, Domain  # noqa: E402
from funding.territory import tokens_for_municipality  # noqa: E402

TUSCAN_MUNICIPALITIES = ["048017", "100005", "050026", "053011", "052032", "049009", "046017", "051002"]
OTHER_MUNICIPALITIES = ["058091", "063049", "015146", "082053", "037006"]
TERRITORY_CHOICES = [(), ("EU",), ("IT",), ("IT-R09",), ("IT-MZ",), ("IT-CN",), ("IT-P048", "IT-P100")]


def make_projects(count: int, rng: random.Random) -> list[ProjectProfile]:
    domains = list(Domain)
    projects = []
    for i in range(count):
        primary = rng.choice(domains)
        secondary = rng.sample(domains, rng.randint(0, 2))
        municipality = rng.choice(TUSCAN_MUNICIPALITIES if rng.random() < 0.8 else OTHER_MUNICIPALITIES)
        cost = rng.choice([40_000, 150_000, 600_000, 1_500_000, 4_000_000, 12_000_000]) * 100
        cost += rng.randint(0, 99_999) * 100
        requested = cost * rng.choice([50, 70, 80, 100]) // 100
        kinds = KIND_BITS[BeneficiaryKind.MUNICIPALITY]
        if rng.random() < 0.6:
            kinds |= KIND_BITS[BeneficiaryKind.PARTICIPATED_COMPANY]
        projects.append(
            ProjectProfile(
                id=i + 1,
                primary_domain=DOMAIN_BITS[primary],
                domains=DOMAIN_BITS[primary] | sum({DOMAIN_BITS[d] for d in secondary}),
                applicant_kinds=kinds,
                territories=tokens_for_municipality(municipality),
                total_cost_cents=cost,
                requested_cents=requested,
                own_available_cents=cost - requested,
                partners=rng.choice([0, 0, 1, 2, 3, 5]),
                trl=rng.choice([None, None, 5, 7, 9]),
            )
        )
    return projects


def make_lines(count: int, rng: random.Random, today: date) -> list[LineProfile]:
    domains = list(Domain)
    lines = []
    for j in range(count):
        admitted = rng.sample(domains, rng.choice([0, 1, 2, 3, 5]))
        kinds = rng.sample(list(BeneficiaryKind), rng.choice([0, 2, 4, 6]))
        low = rng.choice([None, 50_000, 200_000, 500_000]) if rng.random() < 0.7 else None
        high = rng.choice([None, 1_000_000, 3_000_000, 10_000_000, 20_000_000])
        opening = today + timedelta(days=rng.randint(-300, 60))
        model = rng.choice(["single_stage", "single_stage", "two_stage", "multiple_cutoff"])
        stages = {"single_stage": 1, "two_stage": 2, "multiple_cutoff": 4}[model]
        first = opening + timedelta(days=rng.randint(20, 400))
        deadlines = tuple(first + timedelta(days=120 * k) for k in range(stages))
        partnership = rng.random() < 0.3
        lines.append(
            LineProfile(
                id=j + 1,
                domains=sum(DOMAIN_BITS[d] for d in admitted),
                beneficiary_kinds=sum(KIND_BITS[k] for k in kinds),
                territories=rng.choice(TERRITORY_CHOICES),
                min_grant_cents=None if low is None else low * 100,
                max_grant_cents=None if high is None else high * 100,
                total_budget_cents=None if rng.random() < 0.2 else rng.choice([5, 50, 300]) * 100_000_000,
                cofinancing_rate_bp=rng.choice([5000, 6000, 7000, 8000, 10000]),
                opening_date=opening,
                deadlines=deadlines if rng.random() < 0.95 else (),
                deadline_model=model,
                partnership_required=partnership,
                min_partners=rng.choice([1, 3]) if partnership else 0,
                trl_min=rng.choice([None, None, 4, 6]),
                trl_max=rng.choice([None, 8]),
            )
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--naive-projects", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20171221)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    today = date(2026, 11, 22)
    projects = make_projects(args.projects, rng)
    lines = make_lines(args.lines, rng, today)

    full_times = []
    matrix = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        matrix = MatchMatrix(projects, lines, today)
        full_times.append(time.perf_counter() - started)
    full_s = min(full_times)

    rerank_times = []
    for k in range(50):
        changed = replace(
            projects[rng.randrange(len(projects))],
            requested_cents=rng.randint(10_000, 5_000_000) * 100,
            partners=k % 4,
        )
        started = time.perf_counter()
        matrix.update_project(changed)
        matrix.ranking(changed.id)
        rerank_times.append(time.perf_counter() - started)
    rerank_ms = statistics.median(rerank_times) * 1000

    sample = matrix.projects[0]
    started = time.perf_counter()
    explained = [explain_pair(*matrix.pair(sample.id, m.id)[:4]) for m in matrix.ranking(sample.id)]
    explain_ms = (time.perf_counter() - started) * 1000
    assert len(explained) == len(lines)

    naive_count = args.naive_projects or args.projects
    naive_sample = make_projects(args.projects, random.Random(args.seed))[:naive_count]
    started = time.perf_counter()
    naive = naive_rankings(naive_sample, lines, today)
    naive_measured = time.perf_counter() - started
    naive_full_s = naive_measured * args.projects / naive_count

    fresh = MatchMatrix(naive_sample, lines, today)
    agree = all([m.id for m in fresh.ranking(p.id)] == [row[0] for row in naive[p.id]] for p in naive_sample)

    pairs = args.projects * args.lines
    print(f"pairs scored with explanation codes: {pairs:,}")
    print(
        f"full ranking (vectorised): {full_s:.3f} s (best of {args.repeat}: "
        + ", ".join(f"{t:.3f}" for t in full_times)
        + ")"
    )
    print(f"re-rank after one project change: {rerank_ms:.2f} ms (median of {len(rerank_times)})")
    print(f"explanation of one project against every line: {explain_ms:.1f} ms")
    how = "scaled" if naive_count < args.projects else "measured"
    print(
        f"naive per-pair loop: {naive_measured:.2f} s for {naive_count} projects, "
        f"{naive_full_s:.1f} s for {args.projects} ({how})"
    )
    print(f"speed-up: {naive_full_s / full_s:.0f}x; rankings identical to the naive loop: {agree}")
    print(
        json.dumps(
            {
                "projects": args.projects,
                "lines": args.lines,
                "full_s": round(full_s, 3),
                "rerank_ms": round(rerank_ms, 2),
                "naive_full_s": round(naive_full_s, 2),
                "naive_projects_measured": naive_count,
                "explain_project_ms": round(explain_ms, 1),
                "rankings_agree": agree,
            }
        )
    )


if __name__ == "__main__":
    main()
