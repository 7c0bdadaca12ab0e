"""The matching rules for one project and one funding line, written plainly.

This is the reference the vectorised engine must agree with, criterion by criterion; the explanation of
any pair is built from these values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from funding.matching.profiles import (
    DEADLINE_OPEN_ENDED,
    DEADLINE_PASSED,
    HARD_BIT,
    SOFT_BIT,
    LineProfile,
    LineTiming,
    ProjectProfile,
)

# How specific a line is to its domains, by the number of domains it admits (0: all of them).
SPECIFICITY = (0.6, 1.0, 0.9, 0.75, 0.75, 0.6, 0.6, 0.6, 0.6)
PASS_THRESHOLD = 0.5
COMFORTABLE_DAYS = 90
MINIMUM_DAYS = 30


@dataclass(frozen=True, slots=True)
class PairResult:
    """Hard failures and soft passes as bits, the five soft values in [0, 1], and the score (0-100)."""

    codes: int
    domain_fit: float
    budget_fit: float
    cofinancing: float
    time_left: float
    partnership: float
    score: float

    @property
    def eligible(self) -> bool:
        return self.codes & 0b111111 == 0


def popcount(mask: int) -> int:
    return bin(mask).count("1")


def trl_bounds(line: LineProfile) -> tuple[int, int] | None:
    if line.trl_min is None and line.trl_max is None:
        return None
    return (line.trl_min if line.trl_min is not None else 1, line.trl_max if line.trl_max is not None else 9)


def time_value(timing: LineTiming) -> float:
    if timing.state == DEADLINE_PASSED:
        return 0.0
    if timing.state == DEADLINE_OPEN_ENDED:
        return 1.0
    days = timing.days_left
    if days >= COMFORTABLE_DAYS:
        return 1.0
    if days >= MINIMUM_DAYS:
        return 0.5 + 0.5 * (days - MINIMUM_DAYS) / (COMFORTABLE_DAYS - MINIMUM_DAYS)
    return 0.5 * days / MINIMUM_DAYS


def funded_cents(project: ProjectProfile, line: LineProfile) -> int:
    """What this line would pay: the request, capped by the co-financing rate and the maximum grant."""
    funded = min(project.requested_cents, project.total_cost_cents * line.rate_for(project) // 10000)
    if line.max_grant_cents is not None:
        funded = min(funded, line.max_grant_cents)
    return funded


def budget_ceiling(line: LineProfile) -> int | None:
    if line.max_grant_cents is not None:
        return line.max_grant_cents
    return line.total_budget_cents


def evaluate(project: ProjectProfile, line: LineProfile, timing: LineTiming) -> PairResult:
    """Every criterion for one pair."""
    codes = 0
    if timing.state == DEADLINE_PASSED:
        codes |= HARD_BIT["deadline"]
    if project.primary_domain & line.domains_effective == 0:
        codes |= HARD_BIT["domain"]
    if project.applicant_kinds & line.kinds_effective == 0:
        codes |= HARD_BIT["beneficiary"]
    if line.territories and not set(line.territories) & set(project.territories):
        codes |= HARD_BIT["territory"]
    requested = project.requested_cents
    if (line.min_grant_cents is not None and requested < line.min_grant_cents) or (
        line.max_grant_cents is not None and requested > line.max_grant_cents
    ):
        codes |= HARD_BIT["grant_range"]
    bounds = trl_bounds(line)
    if bounds is not None and project.trl is not None and not bounds[0] <= project.trl <= bounds[1]:
        codes |= HARD_BIT["trl"]

    domains = project.domains | project.primary_domain
    domain_fit = popcount(domains & line.domains_effective) / popcount(domains)
    domain_fit = domain_fit * SPECIFICITY[popcount(line.domains)]

    ceiling = budget_ceiling(line)
    if ceiling is None:
        budget_fit = 1.0
    elif ceiling <= 0:
        budget_fit = 0.0
    else:
        ratio = requested / ceiling
        budget_fit = math.sqrt(ratio) if ratio <= 1.0 else 0.0
    if line.total_budget_cents is not None and requested * 2 > line.total_budget_cents:
        budget_fit = budget_fit * 0.5

    funded = funded_cents(project, line)
    cost = project.total_cost_cents
    cofinancing = funded / cost if cost > 0 else 0.0
    cofinancing_ok = cost - funded <= project.own_available_cents

    time_left = time_value(timing)
    time_ok = timing.state == DEADLINE_OPEN_ENDED or (
        timing.state != DEADLINE_PASSED and timing.days_left >= MINIMUM_DAYS
    )

    needed = max(line.min_partners, 1) if line.partnership_required else 0
    if project.partners < needed:
        partnership = 0.25 + 0.5 * project.partners / needed
    else:
        partnership = 1.0

    if domain_fit >= PASS_THRESHOLD:
        codes |= SOFT_BIT["domain_fit"]
    if budget_fit >= PASS_THRESHOLD:
        codes |= SOFT_BIT["budget_fit"]
    if cofinancing_ok:
        codes |= SOFT_BIT["cofinancing"]
    if time_ok:
        codes |= SOFT_BIT["time_left"]
    if project.partners >= needed:
        codes |= SOFT_BIT["partnership"]

    score = 30 * domain_fit + 20 * budget_fit + 20 * cofinancing + 15 * time_left + 15 * partnership
    return PairResult(codes, domain_fit, budget_fit, cofinancing, time_left, partnership, score)
