"""Explanations of a match, criterion by criterion, in Italian or English."""

from __future__ import annotations

from smartregion.i18n import translate

from funding import territory
from funding.matching.profiles import (
    DEADLINE_FORTHCOMING,
    DEADLINE_OPEN_ENDED,
    DEADLINE_PASSED,
    HARD_BIT,
    HARD_CRITERIA,
    SOFT_BIT,
    SOFT_CRITERIA,
    SOFT_WEIGHTS,
    LineProfile,
    LineTiming,
    ProjectProfile,
)
from funding.matching.rules import budget_ceiling, evaluate, funded_cents, popcount, trl_bounds
from funding.money import format_eur, format_percent
from funding.reference import ALL_DOMAINS_MASK, N_, domains_of, kinds_of

CRITERION_LABELS: dict[str, str] = {
    "deadline": N_("Deadline not passed"),
    "domain": N_("Eligible domain"),
    "beneficiary": N_("Eligible beneficiary"),
    "territory": N_("Eligible territory"),
    "grant_range": N_("Amount inside the grant range"),
    "trl": N_("Technology readiness level (TRL)"),
    "domain_fit": N_("Domain fit"),
    "budget_fit": N_("Budget fit"),
    "cofinancing": N_("Co-financing burden"),
    "time_left": N_("Time left before the deadline"),
    "partnership": N_("Partnership"),
}


def _names(items, lang: str) -> str:
    return ", ".join(item.label_in(lang) for item in items)


def _deadline(line: LineProfile, timing: LineTiming, lang: str) -> str:
    if timing.state == DEADLINE_OPEN_ENDED:
        return translate(N_("Open until the funds run out"), lang)
    when = timing.apply_by.isoformat()
    if timing.state == DEADLINE_PASSED:
        return translate(N_("Deadline passed on %(date)s"), lang, date=when)
    text = translate(N_("Deadline %(date)s, in %(days)s days"), lang, date=when, days=timing.days_left)
    if line.deadline_model == "two_stage":
        text = translate(N_("First stage: %(deadline)s"), lang, deadline=text)
        if timing.later:
            text += translate(N_(" (second stage %(date)s)"), lang, date=timing.later[0].isoformat())
    elif line.deadline_model == "multiple_cutoff" and timing.later:
        text += translate(N_("; %(count)s later cut-off dates"), lang, count=len(timing.later))
    if timing.state == DEADLINE_FORTHCOMING:
        text = translate(N_("Opens on %(date)s. %(deadline)s"), lang, date=line.opening_date.isoformat(),
                         deadline=text)
    return text


def _eligibility(name: str, passed: bool, project: ProjectProfile, line: LineProfile, lang: str) -> str:
    if name == "domain":
        primary = _names(domains_of(project.primary_domain), lang)
        if line.domains in (0, ALL_DOMAINS_MASK):
            return translate(N_("The line admits every domain"), lang)
        if passed:
            return translate(N_("Domain %(domain)s admitted by the line"), lang, domain=primary)
        return translate(N_("Domain %(domain)s not admitted (admitted: %(admitted)s)"), lang, domain=primary,
                         admitted=_names(domains_of(line.domains), lang))
    if name == "beneficiary":
        if line.beneficiary_kinds == 0:
            return translate(N_("The line admits every beneficiary"), lang)
        if passed:
            common = _names(kinds_of(project.applicant_kinds & line.beneficiary_kinds), lang)
            return translate(N_("May apply: %(applicants)s"), lang, applicants=common)
        return translate(N_("No applicant of the project is admitted (admitted: %(admitted)s)"), lang,
                         admitted=_names(kinds_of(line.beneficiary_kinds), lang))
    if not line.territories:
        return translate(N_("No territorial restriction"), lang)
    if passed:
        common = sorted(set(line.territories) & set(project.territories))
        return translate(N_("Eligible territory: %(territories)s"), lang,
                         territories=", ".join(territory.label(t, lang) for t in common))
    return translate(N_("Project outside the line's territory (%(territories)s)"), lang,
                     territories=", ".join(territory.label(t, lang) for t in line.territories))


def _grant_range(project: ProjectProfile, line: LineProfile, lang: str) -> str:
    requested = format_eur(project.requested_cents, lang)
    low = format_eur(line.min_grant_cents, lang) if line.min_grant_cents is not None else None
    high = format_eur(line.max_grant_cents, lang) if line.max_grant_cents is not None else None
    if low is not None and project.requested_cents < line.min_grant_cents:
        return translate(N_("Request of %(requested)s below the minimum of %(low)s"), lang, requested=requested,
                         low=low)
    if high is not None and project.requested_cents > line.max_grant_cents:
        return translate(N_("Request of %(requested)s above the maximum of %(high)s"), lang, requested=requested,
                         high=high)
    if low is None and high is None:
        return translate(N_("Request of %(requested)s; no grant limits"), lang, requested=requested)
    span = f"{low or '0'} - {high or translate(N_('no maximum'), lang)}"
    return translate(N_("Request of %(requested)s within %(span)s"), lang, requested=requested, span=span)


def _trl(passed: bool, project: ProjectProfile, line: LineProfile, lang: str) -> str:
    bounds = trl_bounds(line)
    if bounds is None:
        return translate(N_("The line sets no TRL"), lang)
    if project.trl is None:
        return translate(N_("TRL %(low)s-%(high)s required; the project declares none"), lang, low=bounds[0],
                         high=bounds[1])
    if passed:
        return translate(N_("TRL %(trl)s within %(low)s-%(high)s"), lang, trl=project.trl, low=bounds[0],
                         high=bounds[1])
    return translate(N_("TRL %(trl)s outside %(low)s-%(high)s"), lang, trl=project.trl, low=bounds[0], high=bounds[1])


def _domain_fit(project: ProjectProfile, line: LineProfile, lang: str) -> str:
    breadth = popcount(line.domains)
    scope = (translate(N_("line open to every domain"), lang) if breadth == 0
             else translate(N_("line dedicated to %(count)s domains"), lang, count=breadth))
    return translate(N_("%(covered)s of the project's %(total)s domains covered; %(scope)s"), lang,
                     covered=popcount(project.domains & line.domains_effective), total=popcount(project.domains),
                     scope=scope)


def _budget_fit(project: ProjectProfile, line: LineProfile, lang: str) -> str:
    ceiling = budget_ceiling(line)
    if ceiling is None:
        return translate(N_("No grant ceiling"), lang)
    share = format_percent(round(project.requested_cents * 10000 / ceiling) if ceiling else 0, lang)
    text = translate(N_("The request is %(share)s of the ceiling of %(ceiling)s"), lang, share=share,
                     ceiling=format_eur(ceiling, lang))
    if line.total_budget_cents is not None and project.requested_cents * 2 > line.total_budget_cents:
        text += translate(N_("; it would absorb over half of the line's budget"), lang)
    return text


def _cofinancing(project: ProjectProfile, line: LineProfile, lang: str) -> str:
    funded = funded_cents(project, line)
    values = {"rate": format_percent(line.rate_for(project), lang), "grant": format_eur(funded, lang),
              "own": format_eur(project.total_cost_cents - funded, lang),
              "available": format_eur(project.own_available_cents, lang)}
    if line.non_profit_rate_bp is not None and project.non_profit:
        return translate(N_("Covers up to %(rate)s (non-profit applicants): grant %(grant)s, own share %(own)s, "
                            "available %(available)s"), lang, **values)
    return translate(N_("Covers up to %(rate)s: grant %(grant)s, own share %(own)s, available %(available)s"),
                     lang, **values)


def _time_left(timing: LineTiming, lang: str) -> str:
    if timing.state == DEADLINE_OPEN_ENDED:
        return translate(N_("No deadline"), lang)
    if timing.state == DEADLINE_PASSED:
        return translate(N_("Deadline passed"), lang)
    return translate(N_("%(days)s days to prepare the application (at least 30 advised)"), lang,
                     days=timing.days_left)


def _partnership(project: ProjectProfile, line: LineProfile, lang: str) -> str:
    if not line.partnership_required:
        return translate(N_("No partnership required"), lang)
    return translate(N_("Partnership required (at least %(needed)s partners): the project has %(partners)s"), lang,
                     needed=max(line.min_partners, 1), partners=project.partners)


def _detail(name: str, passed: bool, project: ProjectProfile, line: LineProfile, timing: LineTiming, lang: str) -> str:
    """The explanation of one criterion, in ``lang`` (the API names its language; pages pass theirs)."""
    if name == "deadline":
        return _deadline(line, timing, lang)
    if name in ("domain", "beneficiary", "territory"):
        return _eligibility(name, passed, project, line, lang)
    if name == "grant_range":
        return _grant_range(project, line, lang)
    if name == "trl":
        return _trl(passed, project, line, lang)
    if name == "domain_fit":
        return _domain_fit(project, line, lang)
    if name == "budget_fit":
        return _budget_fit(project, line, lang)
    if name == "cofinancing":
        return _cofinancing(project, line, lang)
    if name == "time_left":
        return _time_left(timing, lang)
    if name == "partnership":
        return _partnership(project, line, lang)
    raise KeyError(name)


def explain_pair(
    project: ProjectProfile, line: LineProfile, timing: LineTiming, codes: int, lang: str = "it"
) -> list[dict]:
    """``[{criterion, kind, label, passed, detail, weight?, points?}]`` for one project and one line."""
    result = evaluate(project, line, timing)
    values = {
        "domain_fit": result.domain_fit,
        "budget_fit": result.budget_fit,
        "cofinancing": result.cofinancing,
        "time_left": result.time_left,
        "partnership": result.partnership,
    }
    items = []
    for name in HARD_CRITERIA:
        passed = not codes & HARD_BIT[name]
        items.append(
            {
                "criterion": name,
                "kind": "hard",
                "label": translate(CRITERION_LABELS[name], lang),
                "passed": passed,
                "detail": _detail(name, passed, project, line, timing, lang),
            }
        )
    for name in SOFT_CRITERIA:
        passed = bool(codes & SOFT_BIT[name])
        items.append(
            {
                "criterion": name,
                "kind": "soft",
                "label": translate(CRITERION_LABELS[name], lang),
                "passed": passed,
                "detail": _detail(name, passed, project, line, timing, lang),
                "weight": SOFT_WEIGHTS[name],
                "points": round(SOFT_WEIGHTS[name] * values[name], 1),
            }
        )
    return items
