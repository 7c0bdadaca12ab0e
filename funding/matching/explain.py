"""Explanations of a match, criterion by criterion, in Italian or English."""

from __future__ import annotations

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
from funding.reference import ALL_DOMAINS_MASK, domains_of, kinds_of

CRITERION_LABELS: dict[str, tuple[str, str]] = {
    "deadline": ("Scadenza non passata", "Deadline not passed"),
    "domain": ("Dominio ammesso", "Eligible domain"),
    "beneficiary": ("Beneficiario ammesso", "Eligible beneficiary"),
    "territory": ("Territorio ammesso", "Eligible territory"),
    "grant_range": ("Importo nei limiti del contributo", "Amount inside the grant range"),
    "trl": ("Livello di maturità tecnologica (TRL)", "Technology readiness level (TRL)"),
    "domain_fit": ("Coerenza tematica", "Domain fit"),
    "budget_fit": ("Adeguatezza del budget", "Budget fit"),
    "cofinancing": ("Onere di cofinanziamento", "Co-financing burden"),
    "time_left": ("Tempo alla scadenza", "Time left before the deadline"),
    "partnership": ("Partenariato", "Partnership"),
}


def _t(lang: str, it: str, en: str) -> str:
    return en if lang == "en" else it


def _names(items, lang: str) -> str:
    return ", ".join(item.label(lang) for item in items)


def _deadline(line: LineProfile, timing: LineTiming, lang: str) -> str:
    if timing.state == DEADLINE_OPEN_ENDED:
        return _t(lang, "Sportello aperto fino a esaurimento dei fondi", "Open until the funds run out")
    when = timing.apply_by.isoformat()
    if timing.state == DEADLINE_PASSED:
        return _t(lang, f"Scadenza passata il {when}", f"Deadline passed on {when}")
    text = _t(
        lang,
        f"Scadenza {when}, tra {timing.days_left} giorni",
        f"Deadline {when}, in {timing.days_left} days",
    )
    if line.deadline_model == "two_stage":
        text = _t(lang, "Prima fase: ", "First stage: ") + text
        if timing.later:
            second = timing.later[0].isoformat()
            text += _t(lang, f" (seconda fase {second})", f" (second stage {second})")
    elif line.deadline_model == "multiple_cutoff" and timing.later:
        text += _t(
            lang,
            f"; altre {len(timing.later)} scadenze successive",
            f"; {len(timing.later)} later cut-off dates",
        )
    if timing.state == DEADLINE_FORTHCOMING:
        opens = line.opening_date.isoformat()
        text = _t(lang, f"Apre il {opens}. ", f"Opens on {opens}. ") + text
    return text


def _detail(name: str, passed: bool, project: ProjectProfile, line: LineProfile, timing: LineTiming, lang: str) -> str:
    if name == "deadline":
        return _deadline(line, timing, lang)
    if name == "domain":
        primary = _names(domains_of(project.primary_domain), lang)
        if line.domains in (0, ALL_DOMAINS_MASK):
            return _t(lang, "La linea ammette tutti i domini", "The line admits every domain")
        admitted = _names(domains_of(line.domains), lang)
        if passed:
            return _t(lang, f"Dominio {primary} ammesso dalla linea", f"Domain {primary} admitted by the line")
        return _t(
            lang,
            f"Dominio {primary} non ammesso (ammessi: {admitted})",
            f"Domain {primary} not admitted (admitted: {admitted})",
        )
    if name == "beneficiary":
        if line.beneficiary_kinds == 0:
            return _t(lang, "La linea ammette ogni beneficiario", "The line admits every beneficiary")
        if passed:
            common = _names(kinds_of(project.applicant_kinds & line.beneficiary_kinds), lang)
            return _t(lang, f"Può presentare domanda: {common}", f"May apply: {common}")
        admitted = _names(kinds_of(line.beneficiary_kinds), lang)
        return _t(
            lang,
            f"Nessun soggetto del progetto è ammesso (ammessi: {admitted})",
            f"No applicant of the project is admitted (admitted: {admitted})",
        )
    if name == "territory":
        if not line.territories:
            return _t(lang, "Nessun vincolo territoriale", "No territorial restriction")
        if passed:
            common = sorted(set(line.territories) & set(project.territories))
            return _t(lang, "Territorio ammesso: ", "Eligible territory: ") + ", ".join(
                territory.label(t, lang) for t in common
            )
        admitted = ", ".join(territory.label(t, lang) for t in line.territories)
        return _t(
            lang,
            f"Progetto fuori dal territorio della linea ({admitted})",
            f"Project outside the line's territory ({admitted})",
        )
    if name == "grant_range":
        requested = format_eur(project.requested_cents, lang)
        low = format_eur(line.min_grant_cents, lang) if line.min_grant_cents is not None else None
        high = format_eur(line.max_grant_cents, lang) if line.max_grant_cents is not None else None
        if low is not None and project.requested_cents < line.min_grant_cents:
            return _t(
                lang,
                f"Richiesta di {requested} sotto il minimo di {low}",
                f"Request of {requested} below the minimum of {low}",
            )
        if high is not None and project.requested_cents > line.max_grant_cents:
            return _t(
                lang,
                f"Richiesta di {requested} sopra il massimo di {high}",
                f"Request of {requested} above the maximum of {high}",
            )
        if low is None and high is None:
            return _t(
                lang,
                f"Richiesta di {requested}; nessun limite di contributo",
                f"Request of {requested}; no grant limits",
            )
        span = f"{low or '0'} - {high or _t(lang, 'senza massimo', 'no maximum')}"
        return _t(lang, f"Richiesta di {requested} tra {span}", f"Request of {requested} within {span}")
    if name == "trl":
        bounds = trl_bounds(line)
        if bounds is None:
            return _t(lang, "La linea non fissa un TRL", "The line sets no TRL")
        if project.trl is None:
            return _t(
                lang,
                f"TRL richiesto {bounds[0]}-{bounds[1]}; il progetto non lo dichiara",
                f"TRL {bounds[0]}-{bounds[1]} required; the project declares none",
            )
        inside = _t(lang, "nell'intervallo", "within") if passed else _t(lang, "fuori dall'intervallo", "outside")
        return f"TRL {project.trl} {inside} {bounds[0]}-{bounds[1]}"
    if name == "domain_fit":
        covered = popcount(project.domains & line.domains_effective)
        total = popcount(project.domains)
        breadth = popcount(line.domains)
        scope = (
            _t(lang, "linea aperta a tutti i domini", "line open to every domain")
            if breadth == 0
            else _t(lang, f"linea dedicata a {breadth} domini", f"line dedicated to {breadth} domains")
        )
        return _t(
            lang,
            f"{covered} domini del progetto su {total} coperti; {scope}",
            f"{covered} of the project's {total} domains covered; {scope}",
        )
    if name == "budget_fit":
        ceiling = budget_ceiling(line)
        if ceiling is None:
            return _t(lang, "Nessun massimale di contributo", "No grant ceiling")
        share = format_percent(round(project.requested_cents * 10000 / ceiling) if ceiling else 0, lang)
        text = _t(
            lang,
            f"La richiesta vale il {share} del massimale di {format_eur(ceiling, lang)}",
            f"The request is {share} of the ceiling of {format_eur(ceiling, lang)}",
        )
        if line.total_budget_cents is not None and project.requested_cents * 2 > line.total_budget_cents:
            text += _t(
                lang,
                "; assorbirebbe oltre metà della dotazione",
                "; it would absorb over half of the line's budget",
            )
        return text
    if name == "cofinancing":
        funded = funded_cents(project, line)
        own = project.total_cost_cents - funded
        rate = format_percent(line.rate_for(project), lang)
        non_profit = line.non_profit_rate_bp is not None and project.non_profit
        return _t(
            lang,
            f"Copertura fino al {rate}{' (enti senza scopo di lucro)' if non_profit else ''}: contributo "
            f"{format_eur(funded, lang)}, quota propria "
            f"{format_eur(own, lang)}, disponibile {format_eur(project.own_available_cents, lang)}",
            f"Covers up to {rate}{' (non-profit applicants)' if non_profit else ''}: grant "
            f"{format_eur(funded, lang)}, own share {format_eur(own, lang)}, "
            f"available {format_eur(project.own_available_cents, lang)}",
        )
    if name == "time_left":
        if timing.state == DEADLINE_OPEN_ENDED:
            return _t(lang, "Nessuna scadenza", "No deadline")
        if timing.state == DEADLINE_PASSED:
            return _t(lang, "Scadenza passata", "Deadline passed")
        return _t(
            lang,
            f"{timing.days_left} giorni per preparare la domanda (consigliati almeno 30)",
            f"{timing.days_left} days to prepare the application (at least 30 advised)",
        )
    if name == "partnership":
        if not line.partnership_required:
            return _t(lang, "Partenariato non richiesto", "No partnership required")
        needed = max(line.min_partners, 1)
        return _t(
            lang,
            f"Partenariato richiesto (almeno {needed} partner): il progetto ne ha {project.partners}",
            f"Partnership required (at least {needed} partners): the project has {project.partners}",
        )
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
                "label": CRITERION_LABELS[name][lang == "en"],
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
                "label": CRITERION_LABELS[name][lang == "en"],
                "passed": passed,
                "detail": _detail(name, passed, project, line, timing, lang),
                "weight": SOFT_WEIGHTS[name],
                "points": round(SOFT_WEIGHTS[name] * values[name], 1),
            }
        )
    return items
