"""Vectorised matching of many projects against many funding lines.

Each criterion is computed for a block of projects against every line at once with NumPy. Per pair the
engine keeps the score and a 16-bit code (one bit per failed hard criterion, one per passed soft
criterion); the explanation of any pair is built on demand from that code and the two profiles
(``explain.explain_pair``), so every pair stays explainable without holding millions of texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from funding.matching.profiles import (
    DEADLINE_OPEN_ENDED,
    DEADLINE_PASSED,
    HARD_BIT,
    HARD_MASK,
    SOFT_BIT,
    LineProfile,
    LineTiming,
    ProjectProfile,
    line_timing,
)
from funding.matching.rules import MINIMUM_DAYS, PASS_THRESHOLD, SPECIFICITY, time_value

BLOCK = 128
_POPCOUNT = np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.int64)
_SPECIFICITY = np.array(SPECIFICITY + (0.6,) * (17 - len(SPECIFICITY)), dtype=np.float64)
_NONE_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True, slots=True)
class Match:
    """One line in a project's ranking (or one project in a line's ranking)."""

    index: int
    id: int
    eligible: bool
    score: float
    codes: int


class _Lines:
    """The lines as column arrays, with their timing on the matching day."""

    def __init__(self, lines: Sequence[LineProfile], today: date):
        self.profiles = list(lines)
        self.timings: list[LineTiming] = [line_timing(line, today) for line in self.profiles]
        self.ids = np.array([line.id for line in self.profiles], dtype=np.int64)
        self.domains = np.array([line.domains_effective for line in self.profiles], dtype=np.uint16)
        self.domains_raw = np.array([line.domains for line in self.profiles], dtype=np.uint16)
        self.kinds = np.array([line.kinds_effective for line in self.profiles], dtype=np.uint16)
        self.vocabulary = sorted({t for line in self.profiles for t in line.territories})
        self.territory = _territory_words(self.vocabulary, [line.territories for line in self.profiles])
        self.territory_any = np.array([not line.territories for line in self.profiles])
        self.min_grant = np.array([line.min_grant_cents or 0 for line in self.profiles], dtype=np.int64)
        self.max_grant = np.array(
            [_NONE_MAX if line.max_grant_cents is None else line.max_grant_cents for line in self.profiles],
            dtype=np.int64,
        )
        # requested * 2 > budget  <=>  requested > budget // 2, for integers.
        self.half_budget = np.array(
            [_NONE_MAX if line.total_budget_cents is None else line.total_budget_cents // 2 for line in self.profiles],
            dtype=np.int64,
        )
        ceilings = [
            line.max_grant_cents if line.max_grant_cents is not None else line.total_budget_cents
            for line in self.profiles
        ]
        self.has_ceiling = np.array([c is not None for c in ceilings])
        # A ceiling of zero gives a budget fit of zero, as an infinite one would.
        self.ceiling_or_inf = np.array([c if c else np.inf for c in ceilings], dtype=np.float64)
        self.rate = np.array([line.cofinancing_rate_bp for line in self.profiles], dtype=np.int64)
        self.non_profit_rate = np.array(
            [line.cofinancing_rate_bp if line.non_profit_rate_bp is None else line.non_profit_rate_bp
             for line in self.profiles], dtype=np.int64)
        self.has_non_profit_rate = bool((self.non_profit_rate != self.rate).any())
        self.partners_needed = np.array(
            [max(line.min_partners, 1) if line.partnership_required else 0 for line in self.profiles],
            dtype=np.int64,
        )
        bounds = [_trl_bounds(line) for line in self.profiles]
        self.has_trl = np.array([b is not None for b in bounds])
        self.trl_min = np.array([b[0] if b else 0 for b in bounds], dtype=np.int64)
        self.trl_max = np.array([b[1] if b else 99 for b in bounds], dtype=np.int64)
        # Criteria that depend on the line alone are settled once.
        self.passed = np.array([t.state == DEADLINE_PASSED for t in self.timings])
        self.time_points = 15 * np.array([time_value(t) for t in self.timings], dtype=np.float64)
        self.time_ok = np.array(
            [
                t.state == DEADLINE_OPEN_ENDED or (t.state != DEADLINE_PASSED and t.days_left >= MINIMUM_DAYS)
                for t in self.timings
            ]
        )
        self.line_codes = (
            np.where(self.passed, HARD_BIT["deadline"], 0) | np.where(self.time_ok, SOFT_BIT["time_left"], 0)
        ).astype(np.uint16)

    def __len__(self) -> int:
        return len(self.profiles)


def _territory_words(vocabulary: list[str], token_sets) -> list[np.ndarray]:
    """Territory tokens as bit masks, 64 tokens per word (a line's vocabulary is usually a handful)."""
    position = {token: i for i, token in enumerate(vocabulary)}
    words = [np.zeros(len(token_sets), dtype=np.uint64) for _ in range((len(vocabulary) + 63) // 64)]
    for row, tokens in enumerate(token_sets):
        for token in tokens:
            index = position.get(token)
            if index is not None:
                words[index // 64][row] |= np.uint64(1 << (index % 64))
    return words


def _trl_bounds(line: LineProfile) -> tuple[int, int] | None:
    if line.trl_min is None and line.trl_max is None:
        return None
    return (line.trl_min if line.trl_min is not None else 1, line.trl_max if line.trl_max is not None else 9)


class _Projects:
    """A block of projects as column arrays (shape ``(n, 1)`` to broadcast against the lines)."""

    def __init__(self, projects: Sequence[ProjectProfile], vocabulary: list[str]):
        def column(values, dtype=np.int64):
            return np.array(values, dtype=dtype).reshape(-1, 1)

        self.primary = column([p.primary_domain for p in projects], np.uint16)
        self.domains = column([p.domains | p.primary_domain for p in projects], np.uint16)
        self.kinds = column([p.applicant_kinds for p in projects], np.uint16)
        self.non_profit = column([p.non_profit for p in projects], bool)
        self.territory = [
            word.reshape(-1, 1) for word in _territory_words(vocabulary, [p.territories for p in projects])
        ]
        self.requested = column([p.requested_cents for p in projects])
        self.cost = column([p.total_cost_cents for p in projects])
        self.own = column([p.own_available_cents for p in projects])
        self.partners = column([p.partners for p in projects])
        self.trl = column([-1 if p.trl is None else p.trl for p in projects])


def _domain_tables() -> tuple[np.ndarray, np.ndarray]:
    """Domain fit of every (project domains, line domains) pair of 8-bit masks, computed as the rules do."""
    project = np.arange(256, dtype=np.int64).reshape(-1, 1)
    line = np.arange(256, dtype=np.int64).reshape(1, -1)
    effective = np.where(line == 0, 255, line)
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = _POPCOUNT[project & effective] / _POPCOUNT[project]
    fit = np.nan_to_num(fit) * _SPECIFICITY[_POPCOUNT[line]]
    bits = np.where(fit >= PASS_THRESHOLD, SOFT_BIT["domain_fit"], 0).astype(np.uint16)
    return fit.reshape(-1), bits.reshape(-1)


_DOMAIN_FIT, _DOMAIN_FIT_BITS = _domain_tables()
_U16 = np.uint16
_SMALL = 256


def _partnership_tables() -> tuple[np.ndarray, np.ndarray]:
    """15 x partnership value and pass bit of every (partners, partners needed) pair below 256."""
    partners = np.arange(_SMALL, dtype=np.int64).reshape(-1, 1)
    needed = np.arange(_SMALL, dtype=np.int64).reshape(1, -1)
    short = partners < needed
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(short, 0.25 + 0.5 * partners / needed, 1.0)
    bits = np.where(short, 0, SOFT_BIT["partnership"]).astype(np.uint16)
    return (15 * value).reshape(-1), bits.reshape(-1)


_PARTNERSHIP_POINTS, _PARTNERSHIP_BITS = _partnership_tables()


def _set(codes: np.ndarray, condition: np.ndarray, bit: int) -> None:
    np.bitwise_or(codes, _U16(bit), out=codes, where=condition)


def _evaluate_block(block: _Projects, lines: _Lines) -> tuple[np.ndarray, np.ndarray]:
    """Codes (uint16) and scores (float64) of a block of projects against every line.

    Every value is computed with the same floating-point operations, in the same order, as
    ``rules.evaluate``, so that scores and rankings are identical to the per-pair reference.
    """
    codes = np.broadcast_to(lines.line_codes, (block.primary.shape[0], len(lines))).copy()
    _set(codes, (block.primary & lines.domains) == 0, HARD_BIT["domain"])
    _set(codes, (block.kinds & lines.kinds) == 0, HARD_BIT["beneficiary"])
    if lines.vocabulary:
        inside = np.zeros(codes.shape, dtype=bool)
        for project_word, line_word in zip(block.territory, lines.territory, strict=True):
            inside |= (project_word & line_word) != 0
        _set(codes, ~(inside | lines.territory_any), HARD_BIT["territory"])
    requested = block.requested
    _set(codes, (requested < lines.min_grant) | (requested > lines.max_grant), HARD_BIT["grant_range"])
    if lines.has_trl.any():
        outside = lines.has_trl & (block.trl >= 0) & ((block.trl < lines.trl_min) | (block.trl > lines.trl_max))
        _set(codes, outside, HARD_BIT["trl"])

    key = (block.domains << 8) | lines.domains_raw
    score = _DOMAIN_FIT[key]
    codes |= _DOMAIN_FIT_BITS[key]
    score *= 30

    budget = requested / lines.ceiling_or_inf
    over = budget > 1.0
    np.sqrt(budget, out=budget)
    np.copyto(budget, 0.0, where=over)
    if not lines.has_ceiling.all():
        np.copyto(budget, 1.0, where=~lines.has_ceiling)
    np.multiply(budget, 0.5, out=budget, where=requested > lines.half_budget)
    _set(codes, budget >= PASS_THRESHOLD, SOFT_BIT["budget_fit"])
    budget *= 20
    score += budget

    rate = np.where(block.non_profit, lines.non_profit_rate, lines.rate) if lines.has_non_profit_rate else lines.rate
    funded = np.minimum(np.minimum(requested, block.cost * rate // 10000), lines.max_grant)
    _set(codes, funded >= block.cost - block.own, SOFT_BIT["cofinancing"])
    if (block.cost > 0).all():
        cofinancing = funded / block.cost
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            cofinancing = np.where(block.cost > 0, funded / block.cost, 0.0)
    cofinancing *= 20
    score += cofinancing

    score += lines.time_points

    if lines.partners_needed.max(initial=0) < _SMALL:
        pair = np.minimum(block.partners, _SMALL - 1) * _SMALL + lines.partners_needed
        score += _PARTNERSHIP_POINTS[pair]
        codes |= _PARTNERSHIP_BITS[pair]
    else:
        short = block.partners < lines.partners_needed
        with np.errstate(divide="ignore", invalid="ignore"):
            score += 15 * np.where(short, 0.25 + 0.5 * block.partners / lines.partners_needed, 1.0)
        _set(codes, ~short, SOFT_BIT["partnership"])
    return codes, score


def _order(codes: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Eligible lines first, then by score, best first; ties keep the line order.

    Non-negative float32 scores sort like their bit patterns, so one integer per pair (eligibility,
    score, position) gives the whole order with a plain sort.
    """
    width = score.shape[-1]
    shift = max(1, int(width - 1).bit_length())
    bits = score.astype(np.float32).view(np.uint32).astype(np.int64)
    bits |= ((codes & HARD_MASK) == 0).astype(np.int64) << 31
    keys = ((np.int64(2**32 - 1) - bits) << shift) | np.arange(width, dtype=np.int64)
    keys.sort(axis=-1)
    return (keys & ((1 << shift) - 1)).astype(np.int32)


class MatchMatrix:
    """Scores, codes and rankings of every project against every line, on one day."""

    def __init__(
        self,
        projects: Sequence[ProjectProfile],
        lines: Sequence[LineProfile],
        today: date,
        block: int = BLOCK,
    ):
        self.today = today
        self.lines = _Lines(lines, today)
        self.projects = list(projects)
        self.project_position = {p.id: i for i, p in enumerate(self.projects)}
        self.line_position = {line.id: j for j, line in enumerate(self.lines.profiles)}
        count, width = len(self.projects), len(self.lines)
        self.codes = np.empty((count, width), dtype=np.uint16)
        self.score = np.empty((count, width), dtype=np.float32)
        self.order = np.empty((count, width), dtype=np.int32)
        for start in range(0, count, block):
            chunk = self.projects[start : start + block]
            codes, score = _evaluate_block(_Projects(chunk, self.lines.vocabulary), self.lines)
            stop = start + len(chunk)
            self.codes[start:stop] = codes
            self.score[start:stop] = score
            self.order[start:stop] = _order(codes, score.astype(np.float32))

    @property
    def eligible(self) -> np.ndarray:
        return (self.codes & HARD_MASK) == 0

    def update_project(self, project: ProjectProfile) -> int:
        """Re-score and re-rank one project (new or changed) against every line; return its row."""
        row = self.project_position.get(project.id)
        codes, score = _evaluate_block(_Projects([project], self.lines.vocabulary), self.lines)
        score32 = score.astype(np.float32)
        if row is None:
            row = len(self.projects)
            self.projects.append(project)
            self.project_position[project.id] = row
            self.codes = np.vstack([self.codes, codes])
            self.score = np.vstack([self.score, score32])
            self.order = np.vstack([self.order, _order(codes, score32)])
        else:
            self.projects[row] = project
            self.codes[row] = codes[0]
            self.score[row] = score32[0]
            self.order[row] = _order(codes, score32)[0]
        return row

    def ranking(self, project_id: int, limit: int | None = None) -> list[Match]:
        """The lines for one project, best first."""
        row = self.project_position[project_id]
        indexes = self.order[row] if limit is None else self.order[row, :limit]
        codes, score = self.codes[row], self.score[row]
        return [
            Match(
                int(j),
                int(self.lines.ids[j]),
                bool(codes[j] & HARD_MASK == 0),
                float(score[j]),
                int(codes[j]),
            )
            for j in indexes
        ]

    def line_ranking(self, line_id: int, limit: int | None = None) -> list[Match]:
        """The projects for one line, best first (the same ordering rule as for a project)."""
        column = self.line_position[line_id]
        codes, score = self.codes[:, column], self.score[:, column]
        order = _order(codes, score)
        if limit is not None:
            order = order[:limit]
        return [
            Match(int(i), self.projects[i].id, bool(codes[i] & HARD_MASK == 0), float(score[i]), int(codes[i]))
            for i in order
        ]

    def pair(self, project_id: int, line_id: int) -> tuple[ProjectProfile, LineProfile, LineTiming, int, float]:
        row, column = self.project_position[project_id], self.line_position[line_id]
        return (
            self.projects[row],
            self.lines.profiles[column],
            self.lines.timings[column],
            int(self.codes[row, column]),
            float(self.score[row, column]),
        )


def rank_project(project: ProjectProfile, lines: Sequence[LineProfile], today: date) -> MatchMatrix:
    """Convenience: the matrix of a single project."""
    return MatchMatrix([project], lines, today)
