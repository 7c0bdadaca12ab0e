"""What the matching engine knows of a project and of a funding line: plain, immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from funding.reference import ALL_DOMAINS_MASK, ALL_KINDS_MASK, FOR_PROFIT_MASK, DeadlineModel

# Criterion codes, in the order they are explained.
HARD_CRITERIA = ("deadline", "domain", "beneficiary", "territory", "grant_range", "trl")
SOFT_CRITERIA = ("domain_fit", "budget_fit", "cofinancing", "time_left", "partnership")
SOFT_WEIGHTS = {"domain_fit": 30, "budget_fit": 20, "cofinancing": 20, "time_left": 15, "partnership": 15}

# One bit per hard criterion that fails, then one bit per soft criterion that passes.
HARD_BIT = {name: 1 << i for i, name in enumerate(HARD_CRITERIA)}
SOFT_BIT = {name: 1 << (i + len(HARD_CRITERIA)) for i, name in enumerate(SOFT_CRITERIA)}
HARD_MASK = (1 << len(HARD_CRITERIA)) - 1

# Deadline states of a line on a given day.
DEADLINE_OPEN, DEADLINE_PASSED, DEADLINE_FORTHCOMING, DEADLINE_OPEN_ENDED = 0, 1, 2, 3
OPEN_ENDED_DAYS = 100_000


@dataclass(frozen=True, slots=True)
class ProjectProfile:
    """A smart-city project as the matching sees it. Money in cents."""

    id: int
    primary_domain: int
    domains: int
    applicant_kinds: int
    territories: tuple[str, ...]
    total_cost_cents: int
    requested_cents: int
    own_available_cents: int
    partners: int = 0
    trl: int | None = None

    @property
    def non_profit(self) -> bool:
        """Whether every applicant is a non-profit legal entity (municipalities, public bodies, universities)."""
        return self.applicant_kinds & FOR_PROFIT_MASK == 0


@dataclass(frozen=True, slots=True)
class LineProfile:
    """A funding line as the matching sees it. Money in cents, rates in basis points.

    ``domains`` or ``beneficiary_kinds`` of 0 and an empty ``territories`` mean "no restriction".
    """

    id: int
    domains: int
    beneficiary_kinds: int
    territories: tuple[str, ...]
    min_grant_cents: int | None
    max_grant_cents: int | None
    total_budget_cents: int | None
    cofinancing_rate_bp: int
    opening_date: date | None
    deadlines: tuple[date, ...]
    deadline_model: str = DeadlineModel.SINGLE_STAGE.value
    partnership_required: bool = False
    min_partners: int = 0
    trl_min: int | None = None
    trl_max: int | None = None
    non_profit_rate_bp: int | None = None

    def rate_for(self, project: ProjectProfile) -> int:
        """The co-financing rate this project would get: the non-profit one when it applies."""
        if self.non_profit_rate_bp is not None and project.non_profit:
            return self.non_profit_rate_bp
        return self.cofinancing_rate_bp

    @property
    def domains_effective(self) -> int:
        return self.domains or ALL_DOMAINS_MASK

    @property
    def kinds_effective(self) -> int:
        return self.beneficiary_kinds or ALL_KINDS_MASK


@dataclass(frozen=True, slots=True)
class LineTiming:
    """Where a line stands on a given day: the date to apply by and how many days are left."""

    state: int
    apply_by: date | None
    days_left: int
    opens_in: int = 0
    later: tuple[date, ...] = field(default_factory=tuple)


def line_timing(line: LineProfile, today: date) -> LineTiming:
    """The deadline that matters today.

    Two-stage lines are applied to by the first-stage deadline; with multiple cut-off dates the next
    cut-off not yet passed counts; a line without deadlines stays open until its funds run out.
    """
    deadlines = tuple(sorted(line.deadlines))
    opens_in = (line.opening_date - today).days if line.opening_date and line.opening_date > today else 0
    if not deadlines:
        return LineTiming(DEADLINE_OPEN_ENDED, None, OPEN_ENDED_DAYS, opens_in)
    if line.deadline_model == DeadlineModel.TWO_STAGE.value:
        apply_by, later = deadlines[0], deadlines[1:]
    elif line.deadline_model == DeadlineModel.MULTIPLE_CUTOFF.value:
        upcoming = [d for d in deadlines if d >= today]
        apply_by = upcoming[0] if upcoming else deadlines[-1]
        later = tuple(upcoming[1:])
    else:
        apply_by, later = deadlines[-1], ()
    days_left = (apply_by - today).days
    if days_left < 0:
        state = DEADLINE_PASSED
    elif opens_in > 0:
        state = DEADLINE_FORTHCOMING
    else:
        state = DEADLINE_OPEN
    return LineTiming(state, apply_by, days_left, opens_in, later)
