"""Explained matching of smart-city projects against funding lines."""

from funding.matching.engine import Match, MatchMatrix, rank_project
from funding.matching.explain import CRITERION_LABELS, explain_pair
from funding.matching.profiles import (
    HARD_CRITERIA,
    SOFT_CRITERIA,
    SOFT_WEIGHTS,
    LineProfile,
    LineTiming,
    ProjectProfile,
    line_timing,
)

__all__ = [
    "CRITERION_LABELS",
    "HARD_CRITERIA",
    "SOFT_CRITERIA",
    "SOFT_WEIGHTS",
    "LineProfile",
    "LineTiming",
    "Match",
    "MatchMatrix",
    "ProjectProfile",
    "explain_pair",
    "line_timing",
    "rank_project",
]
