"""What the funding pages share: labels and formatting for templates, who may write."""

from __future__ import annotations

from smartregion.web import page_language

from funding.money import format_eur, format_percent
from funding.reference import Domain, Programme, ProjectStatus
from funding.services import plans

SECRETARIAT_ONLY = "Only the regional technical secretariat can change funding lines and the operational plan."

# Blank rows offered under the existing ones in the milestone and funding-plan forms.
SPARE_ROWS = 2
PLAN_STATUS_LABELS = {"draft": ("bozza", "draft"), "approved": ("approvato", "approved"),
                      "superseded": ("superato", "superseded")}


def _helpers(lang: str) -> dict:
    return {
        "lang": lang,
        "eur": lambda cents: "" if cents is None else format_eur(cents, lang),
        "pct": lambda bp: format_percent(bp, lang),
        "domain_label": lambda code: Domain(code).label(lang),
        "status_label": lambda code: ProjectStatus(code).label(lang),
        "programme_label": lambda code: Programme(code).label(lang),
        "source_label": lambda key: plans.source_label(key, lang),
        "plan_status": lambda code: PLAN_STATUS_LABELS.get(code, (code, code))[lang == "en"],
        "t": lambda it, en: en if lang == "en" else it,
    }


def _amount_text(cents: int | None, lang: str) -> str:
    return "" if cents is None else format_eur(cents, lang).replace("EUR", "").strip()


def _choices(enum, lang: str) -> list[tuple[str, str]]:
    return [(member.value, member.label(lang)) for member in enum]


def _can_write_region(user) -> bool:
    return bool(user) and user.is_secretariat and not user.read_only


def _say_done(it: str, en: str) -> str:
    return en if page_language() == "en" else it

