"""Types of action of the EU programmes on the Funding & Tenders portal, and the rates they set.

The portal writes a topic's type of action as a code (``HORIZON-IA``), a label (``HORIZON Innovation
Actions``) or both (``HORIZON-IA HORIZON Innovation Actions``, as in the budget overview's
``action`` strings); joint undertakings add ``JU`` (``HORIZON-JU-RIA``). The portal never states the
funding rate: it is set by the programme's rules for each type of action, recorded here with its
source. ``rate`` is what any beneficiary gets; ``non_profit_rate`` what non-profit legal entities
(public bodies such as municipalities, universities, research centres) get where it is higher;
``partners`` the partners needed besides the applicant (None: no consortium required).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from smartregion.i18n import Labelled

from funding.importers.reasons import ACTION_RATE, NONE_GIVEN
from funding.reference import N_, Programme


@dataclass(frozen=True)
class ActionType(Labelled):
    code: str
    message: str  # its name, an English message of the catalogue
    rate: int
    non_profit_rate: int | None = None
    partners: int | None = None


# Horizon Europe: Regulation (EU) 2021/695, art. 22 (a consortium of at least three independent legal
# entities from three countries for collaborative actions) and art. 34 (funding rates), as set out in the
# Work Programme General Annexes, annex D "Types of action": research and innovation actions 100%;
# innovation actions 70%, 100% for non-profit legal entities; coordination and support actions 100%
# (one applicant suffices); programme co-fund actions 30%; pre-commercial procurement 100%; public
# procurement of innovative solutions 50%.
HORIZON = {
    "RIA": ActionType("HORIZON-RIA", N_("Research and innovation action"), 100,
                      partners=2),
    "IA": ActionType("HORIZON-IA", N_("Innovation action"), 70, 100, partners=2),
    "CSA": ActionType("HORIZON-CSA", N_("Coordination and support action"), 100),
    "COFUND": ActionType("HORIZON-COFUND", N_("Programme co-fund action"), 30,
                         partners=2),
    "PCP": ActionType("HORIZON-PCP", N_("Pre-commercial procurement"), 100, partners=2),
    "PPI": ActionType("HORIZON-PPI", N_("Public procurement of innovative solutions"), 50, partners=2),
}
# Digital Europe: Work Programme 2025-2027, section "Types of action": simple grants 50%; SME support
# actions 50% (75% for SMEs only, which municipalities are not); coordination and support actions 100%;
# grants for procurement 50%.
DIGITAL = {
    "SIMPLE": ActionType("DIGITAL-SIMPLE", N_("Simple grant"), 50),
    "SME": ActionType("DIGITAL-SME", N_("SME support action"), 50),
    "CSA": ActionType("DIGITAL-CSA", N_("Coordination and support action"), 100),
    "GFP": ActionType("DIGITAL-GFP", N_("Grant for procurement"), 50),
}
# LIFE: Regulation (EU) 2021/783, art. 9 and the LIFE calls for proposals: standard action projects,
# strategic nature projects and strategic integrated projects 60%; operating grants 70%; the Clean
# Energy Transition "other action grants" (LIFE-PJG) 95%.
LIFE = {
    "SAP": ActionType("LIFE-SAP", N_("Standard action project"), 60),
    "SNAP": ActionType("LIFE-SNAP", N_("Strategic nature project"), 60),
    "SIP": ActionType("LIFE-SIP", N_("Strategic integrated project"), 60),
    "OG": ActionType("LIFE-OG", N_("Operating grant"), 70),
    "PJG": ActionType("LIFE-PJG", N_("Project grant (clean energy transition)"), 95),
}
ACTIONS: dict[Programme, dict[str, ActionType]] = {
    Programme.HORIZON_EUROPE: HORIZON,
    Programme.DIGITAL_EUROPE: DIGITAL,
    Programme.LIFE: LIFE,
}
# The usual rate of a programme, for a type of action not recorded above: the import warns when it is used.
# CEF: Regulation (EU) 2021/1153, art. 15 (50% for studies; works vary by sector between 30% and 85%).
PROGRAMME_RATE = {
    Programme.HORIZON_EUROPE: 100,
    Programme.DIGITAL_EUROPE: 50,
    Programme.LIFE: 60,
    Programme.CEF: 50,
    Programme.H2020: 100,
}

# How the portal's labels name each type of action (lower case, most specific first: "research and
# innovation action" before "innovation action").
LABELS = (
    ("research and innovation action", "RIA"),
    ("innovation action", "IA"),
    ("coordination and support action", "CSA"),
    ("co-fund", "COFUND"),
    ("cofund", "COFUND"),
    ("pre-commercial procurement", "PCP"),
    ("procurement of innovative solutions", "PPI"),
    ("simple grant", "SIMPLE"),
    ("sme support action", "SME"),
    ("grants for procurement", "GFP"),
    ("grant for procurement", "GFP"),
    ("standard action project", "SAP"),
    ("strategic nature project", "SNAP"),
    ("strategic integrated project", "SIP"),
    ("operating grant", "OG"),
    ("project grant", "PJG"),
)
_CODE = re.compile(r"\b(HORIZON|DIGITAL|LIFE|CEF|EURATOM|H2020)((?:-[A-Z0-9]+)+)\b")


def _keys_of(text: str) -> list[str]:
    """The type-of-action keys a portal string names: from its code when there is one, else its label."""
    keys = []
    for match in _CODE.finditer(text.upper()):
        parts = [p for p in match.group(2).split("-") if p and p != "JU"]
        if parts:
            keys.append(parts[0])
    if keys:
        return keys
    lowered = re.sub(r"\s+", " ", text.lower())
    for fragment, key in LABELS:
        if fragment in lowered:
            return [key]
    return []


@dataclass(frozen=True)
class Resolved:
    """The type of action of a topic and the rates it gives; ``warning`` when the programme's rate was used."""

    action: ActionType | None
    rate: int
    non_profit_rate: int | None
    partners: int | None
    warning: str | None = None


def resolve(programme: Programme, texts: list[str]) -> Resolved:
    """The type of action named by the portal's strings (codes or labels) for a topic of a programme.

    When a topic names several types, the one with the lowest rate is kept: the line promises no more
    than the least generous of its actions. An unknown or missing type takes the programme's usual rate.
    """
    table = ACTIONS.get(programme, {})
    found: list[ActionType] = []
    unknown: list[str] = []
    for text in texts:
        keys = _keys_of(text)
        for key in keys:
            action = table.get(key)
            if action is not None and action not in found:
                found.append(action)
        if not any(key in table for key in keys) and text.strip():
            unknown.append(text.strip())
    if found:
        action = min(found, key=lambda a: (a.rate, a.non_profit_rate or a.rate))
        return Resolved(action, action.rate, action.non_profit_rate, action.partners)
    rate = PROGRAMME_RATE.get(programme, 100)
    named = "; ".join(dict.fromkeys(unknown)) or NONE_GIVEN
    return Resolved(None, rate, None, None, ACTION_RATE % {"actions": named, "rate": rate})
