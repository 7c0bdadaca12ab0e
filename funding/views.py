"""Pages of the funding module: funding lines and their imports, projects with their explained matches,
milestones and funding plans, and the operational plan editor.

The forms write through the same services as the API; a refused form comes back with the messages beside
its fields and what was typed still in them (400 for malformed input, else the service's status).
"""

from __future__ import annotations

import re
from collections import defaultdict

import marshmallow as ma
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from smartregion import auth, ratelimit, tenancy
from smartregion.db import get_session
from smartregion.errors import DomainError, Forbidden, NotFound
from smartregion.routes import visible_job
from smartregion.storage import storage
from smartregion.web import page_language, page_secretariat, page_user
from sqlalchemy import select

from funding.matching import line_timing
from funding.models import FundingLine, OperationalPlan, PlanMunicipality, PlanStatus, Project
from funding.money import MoneyError, format_eur, format_percent, parse_cents
from funding.reference import (
    BeneficiaryKind,
    DeadlineModel,
    Domain,
    FundingSourceKind,
    Level,
    Programme,
    ProjectStatus,
)
from funding.schemas import (
    OperationalPlanInputSchema,
    OperationalPlanMunicipalityInputSchema,
    OperationalPlanUpdateSchema,
    ProjectFundingPlanSchema,
    ProjectMilestonesSchema,
)
from funding.services import lines, matching, plans, projects
from funding.validation import clean_funding_line
from tenants.models import Organization, OrganizationKind, Tenant

bp = Blueprint("funding_pages", __name__, template_folder="templates")

SECRETARIAT_ONLY = "Only the regional technical secretariat can change funding lines and the operational plan."

# Who may edit a project's milestones and funding plan from its page.
PROJECT_EDITORS = ("municipality", "secretariat")
# Blank rows offered under the existing ones in the milestone and funding-plan forms.
SPARE_ROWS = 2
PLAN_STATUS_LABELS = {"draft": ("bozza", "draft"), "approved": ("approvato", "approved"),
                      "superseded": ("superato", "superseded")}

# The validator's fixed messages in Italian, the language the pages speak by default.
MESSAGES_IT = {
    "Missing data for required field.": "Campo obbligatorio.",
    "Must not be negative.": "Non può essere negativo.",
    "Amount is implausibly large (over 100 billion EUR).": "Importo non plausibile (oltre 100 miliardi di euro).",
    "Not a valid amount in EUR.": "Non è un importo in euro valido.",
    "Must be greater than zero.": "Deve essere maggiore di zero.",
    "Not a valid date (ISO 8601 expected).": "Data non valida (formato AAAA-MM-GG).",
    "Not a valid date.": "Data non valida (formato AAAA-MM-GG).",
    "Not a valid integer.": "Non è un numero intero valido.",
    "Not a valid http(s) URL.": "Non è un indirizzo http(s) valido.",
    "Not a valid percentage.": "Non è una percentuale valida.",
    "Must be more than 0% and at most 100%.": "Deve essere maggiore di 0% e al massimo 100%.",
    "The rate for non-profit applicants is below the line's rate.":
        "Il tasso per gli enti senza scopo di lucro è inferiore a quello della linea.",
    "The minimum grant is above the maximum grant.": "Il contributo minimo supera quello massimo.",
    "The maximum grant is above the line's total budget.": "Il contributo massimo supera la dotazione della linea.",
    "A deadline falls before the opening date.": "Una scadenza precede la data di apertura.",
    "A two-stage line has exactly two deadlines (first and second stage).":
        "Una linea a due fasi ha esattamente due scadenze (prima e seconda fase).",
    "A single-stage line has one deadline.": "Una linea a scadenza unica ha una sola scadenza.",
    "The minimum TRL is above the maximum TRL.": "Il TRL minimo supera il TRL massimo.",
    "Minimum partners given but no partnership is required.":
        "Numero minimo di partner indicato, ma il partenariato non è richiesto.",
    "A funding-line source names its funding line.": "Una fonte di tipo linea di finanziamento indica la linea.",
    "Only a funding-line source names a funding line.":
        "Solo una fonte di tipo linea di finanziamento indica una linea.",
    "Already in use.": "Già in uso.",
    "Not a participated company.": "Non è una società partecipata.",
    "Choose a file to upload.": "Scegliere un file da caricare.",
    "String does not match expected pattern.":
        "Lettere minuscole, cifre e trattini (almeno 2 caratteri), per esempio toscana-2026.",
    "Length must be between 1 and 300.": "Da 1 a 300 caratteri.",
    "Not a valid choice.": "Scelta non valida.",
    "Must be one of: csv, json, ft_portal.": "Uno tra: csv, json, ft_portal.",
    "No municipality in the plan.": "Nessun comune nel piano.",
    "A plan names at least one municipality with its projects.":
        "Un piano nomina almeno un comune con i suoi progetti: salvare prima i progetti di un comune.",
    "Some projects are not projects of this municipality.": "Alcuni progetti non sono progetti di questo comune.",
    "The lead company must be a participated company.": "La capofila deve essere una società partecipata.",
    "The funding line is not valid.": "La linea di finanziamento non è valida.",
    "The funding plan is not valid.": "Il piano di finanziamento non è valido.",
    "The standards adopted are not valid.": "Gli standard adottati non sono validi.",
    "The change was not saved.": "La modifica non è stata salvata.",
}
STATUS_FEMININE_IT = {"approved": "approvata", "superseded": "superata"}
PATTERNS_IT = [
    (re.compile(r"^Unknown value (.+); expected (?:one|any) of: (.+)$"), r"Valore sconosciuto \1; valori ammessi: \2"),
    (re.compile(r"^Longer than (\d+) characters\.$"), r"Più lungo di \1 caratteri."),
    (re.compile(r"^Must be between (\d+) and (\d+)\.$"), r"Deve essere tra \1 e \2."),
    (re.compile(r"^Unknown territory (.+)\.$"), r"Territorio sconosciuto \1."),
    (re.compile(r"^Not a valid date: (.+)\.$"), r"Data non valida: \1."),
    (re.compile(r"^No funding line (\d+)\.$"), r"Nessuna linea di finanziamento \1."),
    (re.compile(r"^Unknown project (\d+)\.$"), r"Progetto \1 sconosciuto."),
    (re.compile(r"^The funding plan totals (.+), above the project's cost of (.+)\.$"),
     lambda m: f"Il piano di finanziamento ammonta a {_eur_it(m[1])}, oltre il costo del progetto di {_eur_it(m[2])}."),
    (re.compile(r"^Version (\d+) of the plan is (\w+): start a new version to change it\.$"),
     lambda m: f"La versione {m[1]} del piano è {STATUS_FEMININE_IT.get(m[2], m[2])}: "
               "per cambiarla avviare una nuova versione."),
    (re.compile(r"^Version (\d+) is still a draft\.$"), r"La versione \1 è ancora in bozza: modificare quella."),
    (re.compile(r"^Plan (.+) exists: start a new version of it instead\.$"),
     r"Il piano \1 esiste già: avviarne una nuova versione."),
    (re.compile(r"^Funding line (\d+) already has identifier (.+)\.$"),
     r"La linea di finanziamento \1 ha già il codice \2."),
    (re.compile(r"^Operational plan (\d+) not found\.$"), r"Piano operativo \1 non trovato."),
]


def _eur_it(english: str) -> str:
    """An amount the services wrote in English (``EUR 1,234.50``) as Italian pages write it."""
    return format_eur(parse_cents(english.replace("EUR", "").strip(), decimal_comma=False), "it")


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


def _say(message: str, lang: str) -> str:
    if lang == "en":
        return message
    if message in MESSAGES_IT:
        return MESSAGES_IT[message]
    for pattern, replacement in PATTERNS_IT:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """A service's or marshmallow's (nested) messages as ``{"funding_plan.0.amount_cents": [...]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            for name, texts in _flatten(value, f"{prefix}.{key}" if prefix else str(key)).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix: list(messages)}
    return {prefix: [str(messages)]}


def _form_errors(messages, lang: str, rename: dict | None = None, rows: dict | None = None) -> dict[str, list[str]]:
    """Error messages keyed by the form's field names, in the page's language.

    ``rename`` maps API field names to the form's (``amount_cents`` -> ``amount``); ``rows`` maps each list
    (``milestones``) to the form rows its items came from, since blank rows are not sent to the service.
    """
    out: dict[str, list[str]] = {}
    for key, texts in _flatten(messages).items():
        parts = key.split(".")
        if rows and len(parts) > 1 and parts[0] in rows and parts[1].isdigit():
            index = int(parts[1])
            sent = rows[parts[0]]
            parts[1] = str(sent[index]) if index < len(sent) else parts[1]
        parts[-1] = (rename or {}).get(parts[-1], parts[-1])
        out.setdefault(".".join(parts), []).extend(_say(t, lang) for t in texts)
    return out


def _amount_text(cents: int | None, lang: str) -> str:
    return "" if cents is None else format_eur(cents, lang).replace("EUR", "").strip()


def _choices(enum, lang: str) -> list[tuple[str, str]]:
    return [(member.value, member.label(lang)) for member in enum]


def _can_write_region(user) -> bool:
    return bool(user) and user.is_secretariat and not user.read_only


# --- funding lines -------------------------------------------------------------------------------


@bp.get("/funding/lines")
def line_list():
    page_user()
    return _render_lines()


def _render_lines(*, import_errors: dict | None = None, import_format: str = "csv", status: int = 200):
    user = page_user()
    lang = page_language()
    day = matching.today()
    session = get_session()
    rows = [(line, line_timing(matching.line_profile(line), day)) for line in session.scalars(lines.lines_query())]
    visible = session.scalars(plans.plans_query()).all()
    if not user.is_regional:
        visible = [plan for plan in visible if plan.status != PlanStatus.DRAFT]
    return render_template(
        "funding/lines.html", lines=rows, plans=visible, can_edit=_can_write_region(user),
        import_errors=import_errors or {}, import_format=import_format, **_helpers(lang)
    ), status


@bp.get("/funding/lines/<int:line_id>")
def line_detail(line_id):
    user = page_user()
    auth.enter_regional()
    lang = page_language()
    session = get_session()
    result = matching.line_ranking(session, line_id, lang=lang)
    return render_template("funding/line.html", result=result, line=lines.get_line(session, line_id),
                           can_edit=_can_write_region(user), **_helpers(lang))


LINE_TEXT_FIELDS = (
    "programme", "level", "call_identifier", "topic_identifier", "title", "description", "opening_date",
    "deadline_model", "total_budget", "min_grant", "max_grant", "cofinancing_rate", "non_profit_rate",
    "action_type", "territories", "min_partners", "trl_min", "trl_max", "url", "external_id",
)
# The service's field names (cents, basis points) as the form's (EUR, percent).
LINE_FORM_NAMES = lines.MONEY_FIELDS | lines.RATE_FIELDS


def _line_form_values(form) -> dict:
    values = {name: form.get(name, "") for name in LINE_TEXT_FIELDS}
    values["deadlines"] = [d.strip() for d in form.getlist("deadlines") if d.strip()]
    values["beneficiary_kinds"] = form.getlist("beneficiary_kinds")
    values["domains"] = form.getlist("domains")
    values["partnership_required"] = bool(form.get("partnership_required"))
    return values


def _line_values(line: FundingLine, lang: str) -> dict:
    """The form's values of a stored line: amounts in EUR and the rate in percent, as people write them."""
    def text(value) -> str:
        return "" if value is None else str(value)

    return {
        "programme": line.programme, "level": line.level, "call_identifier": text(line.call_identifier),
        "topic_identifier": text(line.topic_identifier), "title": line.title, "description": text(line.description),
        "opening_date": line.opening_date.isoformat() if line.opening_date else "",
        "deadlines": [d.isoformat() for d in line.deadlines or []], "deadline_model": line.deadline_model,
        "total_budget": _amount_text(line.total_budget_cents, lang),
        "min_grant": _amount_text(line.min_grant_cents, lang), "max_grant": _amount_text(line.max_grant_cents, lang),
        "cofinancing_rate": format_percent(line.cofinancing_rate_bp, lang).rstrip("%"),
        "non_profit_rate": ("" if line.non_profit_rate_bp is None
                            else format_percent(line.non_profit_rate_bp, lang).rstrip("%")),
        "action_type": text(line.action_type),
        "beneficiary_kinds": list(line.beneficiary_kinds), "domains": list(line.domains),
        "territories": ", ".join(line.territories), "partnership_required": line.partnership_required,
        "min_partners": text(line.min_partners or ""), "trl_min": text(line.trl_min), "trl_max": text(line.trl_max),
        "url": text(line.url), "external_id": text(line.external_id),
    }


def _line_data(values: dict, *, new: bool) -> tuple[dict, dict]:
    """The service's data (cents, basis points) from the form, through the services' own validator."""
    clean, errors = clean_funding_line(values)
    if errors:
        return {}, errors
    kept = {"portal_status", "external_source"} | (set() if new else {"external_id"})
    return {name: clean[name] for name in lines.LINE_FIELDS if name not in kept}, {}


def _render_line_form(line: FundingLine | None, values: dict, *, errors=None, detail=None, status=200):
    lang = page_language()
    options = {
        "programmes": _choices(Programme, lang), "levels": _choices(Level, lang),
        "deadline_models": _choices(DeadlineModel, lang), "domains": _choices(Domain, lang),
        "beneficiary_kinds": _choices(BeneficiaryKind, lang),
    }
    return render_template("funding/line_form.html", line=line, values=values, errors=errors or {}, detail=detail,
                           options=options, spare=SPARE_ROWS, **_helpers(lang)), status


def _refused_line(line, values, error: DomainError | dict, status: int | None = None):
    lang = page_language()
    messages = error if isinstance(error, dict) else error.errors
    errors = _form_errors(messages, lang, LINE_FORM_NAMES)
    detail = (
        "The funding line was not saved: correct the fields marked below."
        if lang == "en" else "La linea non è stata salvata: correggere i campi segnalati."
    )
    if isinstance(error, DomainError) and not errors:
        detail = _say(error.detail, lang)
    return _render_line_form(line, values, errors=errors, detail=detail, status=status or error.status)


@bp.get("/funding/lines/new")
def line_new():
    page_secretariat(SECRETARIAT_ONLY)
    return _render_line_form(None, {"deadlines": [], "beneficiary_kinds": [], "domains": []})


@bp.post("/funding/lines/new")
def line_create():
    user = page_secretariat(SECRETARIAT_ONLY)
    session = get_session()
    values = _line_form_values(request.form)
    data, errors = _line_data(values, new=True)
    if errors:
        return _refused_line(None, values, errors, 422)
    try:
        line = lines.create_line(session, data, actor=user.username)
    except DomainError as error:
        session.rollback()
        return _refused_line(None, values, error)
    flash(_say_done("La linea di finanziamento è stata creata.", "The funding line was created."), "success")
    return redirect(url_for(".line_detail", line_id=line.id), 303)


@bp.get("/funding/lines/<int:line_id>/edit")
def line_edit(line_id):
    page_secretariat(SECRETARIAT_ONLY)
    line = lines.get_line(get_session(), line_id)
    return _render_line_form(line, _line_values(line, page_language()))


@bp.post("/funding/lines/<int:line_id>/edit")
def line_update(line_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    session = get_session()
    line = lines.get_line(session, line_id)
    values = _line_form_values(request.form)
    data, errors = _line_data(values, new=False)
    if errors:
        return _refused_line(line, values, errors, 422)
    try:
        lines.update_line(session, line_id, data, actor=user.username)
    except DomainError as error:
        session.rollback()
        return _refused_line(lines.get_line(session, line_id), values, error)
    flash(_say_done("La linea di finanziamento è stata aggiornata.", "The funding line was updated."), "success")
    return redirect(url_for(".line_detail", line_id=line_id), 303)


def _say_done(it: str, en: str) -> str:
    return en if page_language() == "en" else it


@bp.post("/funding/lines/import")
@ratelimit.upload
def line_import():
    """Store the file, refuse it at once if it cannot be read, else import it as a job (as the API does)."""
    page_secretariat(SECRETARIAT_ONLY)
    lang = page_language()
    file_format = request.form.get("format", "")
    upload = request.files.get("file")
    errors = {}
    if file_format not in lines.FORMATS:
        errors["format"] = ["Must be one of: csv, json, ft_portal."]
    if upload is None or not upload.filename:
        errors["file"] = ["Choose a file to upload."]
    if errors:
        return _render_lines(import_errors=_form_errors(errors, lang), import_format=file_format, status=400)
    data = upload.read()
    sha256 = storage().put_bytes(data).sha256
    try:
        job = lines.start_import(get_session(), data, sha256, file_format)
    except DomainError as error:
        return _render_lines(import_errors=_form_errors(error.errors, lang), import_format=file_format,
                             status=error.status)
    return redirect(url_for(".line_import_status", job_id=job.id), 303)


@bp.get("/funding/lines/imports/<job_id>")
def line_import_status(job_id):
    user = page_user()
    if not user.is_regional:
        raise Forbidden("Imports of funding lines are followed by the secretariat and auditors.")
    job = visible_job(job_id)
    if job.func != lines.IMPORT_JOB:
        raise NotFound(f"Job {job_id!r} not found.")
    lang = page_language()
    return render_template("funding/line_import.html", job=job, result=job.result or {}, **_helpers(lang))


# --- projects: the explained ranking, milestones and funding plan ---------------------------------


@bp.get("/funding/tenants/<slug>/projects")
def project_list(slug):
    page_user()
    tenant = auth.enter_tenant(slug)
    rows = get_session().scalars(projects.projects_query(tenant.id)).all()
    return render_template("funding/projects.html", tenant=tenant, projects=rows, **_helpers(page_language()))


@bp.get("/funding/tenants/<slug>/projects/<int:project_id>")
def project_detail(slug, project_id):
    page_user()
    tenant = auth.enter_tenant(slug)
    return _render_project(tenant, project_id)


def _project_editor(user) -> bool:
    return bool(user.roles & set(PROJECT_EDITORS)) and not user.read_only


def _milestone_values(project: Project) -> list[dict]:
    return [{"title": m.title, "due_on": m.due_on.isoformat(), "done_on": m.done_on.isoformat() if m.done_on else ""}
            for m in project.milestones]


def _plan_values(project: Project, lang: str) -> list[dict]:
    return [{"source_kind": i.source_kind, "funding_line_id": str(i.funding_line_id or ""), "label": i.label or "",
             "amount": _amount_text(i.amount_cents, lang)} for i in project.funding_items]


def _render_project(tenant, project_id: int, *, form: str | None = None, rows: list | None = None,
                    errors: dict | None = None, status: int = 200):
    user = page_user()
    session = get_session()
    lang = page_language()
    project = projects.get_project(session, tenant.id, project_id)
    result = matching.project_matches(session, tenant.id, project_id, lang=lang)
    milestones = rows if form == "milestones" else _milestone_values(project)
    funding_plan = rows if form == "funding_plan" else _plan_values(project, lang)
    all_lines = session.scalars(select(FundingLine).order_by(FundingLine.programme, FundingLine.title)).all()
    covered = sum(item.amount_cents for item in project.funding_items)
    return render_template(
        "funding/project.html", tenant=tenant, project=project, matches=result["matches"],
        can_edit=_project_editor(user), milestones=milestones, funding_plan=funding_plan, spare=SPARE_ROWS,
        errors=errors or {}, failed_form=form, funding_lines=all_lines, source_kinds=_choices(FundingSourceKind, lang),
        covered_cents=covered, **_helpers(lang)
    ), status


def _posted_rows(prefix: str, names: tuple[str, ...]) -> list[dict]:
    """The rows of a repeated form section (``milestones.3.title``), in their order on the page.

    Blank rows at the end are dropped, so that a refused form comes back with its spare rows only once.
    """
    indexes = sorted({int(m.group(1)) for key in request.form
                      if (m := re.fullmatch(rf"{prefix}\.(\d+)\.[a-z_]+", key))})
    rows = [{name: request.form.get(f"{prefix}.{i}.{name}", "").strip() for name in names} for i in indexes]
    while rows and not any(rows[-1].values()):
        rows.pop()
    return rows


def _enter_project_tenant(slug: str):
    page_user()
    return auth.enter_tenant(slug, write=True, roles=PROJECT_EDITORS)


def _refused_project(tenant, project_id, form, rows, error, lang, sent, rename=None, status=None):
    get_session().rollback()
    messages = error.messages if isinstance(error, ma.ValidationError) else getattr(error, "errors", error)
    errors = _form_errors(messages, lang, rename, {form: sent})
    if isinstance(error, DomainError) and not errors:
        errors = {form: [_say(error.detail, lang)]}
    return _render_project(tenant, project_id, form=form, rows=rows, errors=errors,
                           status=status or getattr(error, "status", 400))


@bp.post("/funding/tenants/<slug>/projects/<int:project_id>/milestones")
def project_milestones(slug, project_id):
    """Replace the milestones (the API's ``PUT .../milestones``); a cleared row is a milestone removed."""
    user = page_user()
    tenant = _enter_project_tenant(slug)
    lang = page_language()
    rows = _posted_rows("milestones", ("title", "due_on", "done_on"))
    sent = [i for i, row in enumerate(rows) if any(row.values())]
    items = [{k: v for k, v in rows[i].items() if v} for i in sent]
    try:
        data = ProjectMilestonesSchema().load({"milestones": items})
        projects.set_milestones(get_session(), tenant.id, project_id, data["milestones"], actor=user.username)
    except (ma.ValidationError, DomainError) as error:
        return _refused_project(tenant, project_id, "milestones", rows, error, lang, sent)
    flash(_say_done("Le fasi del progetto sono state salvate.", "The project's milestones were saved."), "success")
    return redirect(url_for(".project_detail", slug=slug, project_id=project_id) + "#milestones", 303)


@bp.post("/funding/tenants/<slug>/projects/<int:project_id>/funding-plan")
def project_funding_plan(slug, project_id):
    """Replace the funding plan (the API's ``PUT .../funding-plan``); amounts in EUR as people write them."""
    user = page_user()
    tenant = _enter_project_tenant(slug)
    lang = page_language()
    rows = _posted_rows("funding_plan", ("source_kind", "funding_line_id", "label", "amount"))
    sent = [i for i, row in enumerate(rows) if any(row.values())]
    items, errors = [], {}
    for position, index in enumerate(sent):
        row = rows[index]
        item = {"source_kind": row["source_kind"], "label": row["label"] or None,
                "funding_line_id": row["funding_line_id"] or None}
        if row["source_kind"] != FundingSourceKind.FUNDING_LINE.value and row["funding_line_id"]:
            # The table allows a line only on a funding-line source; say so instead of failing on the constraint.
            errors[f"funding_plan.{position}.funding_line_id"] = ["Only a funding-line source names a funding line."]
        try:
            item["amount_cents"] = parse_cents(row["amount"], allow_negative=True) if row["amount"] else None
        except MoneyError:
            errors[f"funding_plan.{position}.amount_cents"] = ["Not a valid amount in EUR."]
        items.append(item)
    rename = {"amount_cents": "amount"}
    if errors:
        return _refused_project(tenant, project_id, "funding_plan", rows, errors, lang, sent, rename, 422)
    try:
        data = ProjectFundingPlanSchema().load({"funding_plan": items})
        projects.set_funding_plan(get_session(), tenant.id, project_id, data["funding_plan"], actor=user.username)
    except (ma.ValidationError, DomainError) as error:
        return _refused_project(tenant, project_id, "funding_plan", rows, error, lang, sent, rename)
    flash(_say_done("Il piano di finanziamento è stato salvato.", "The funding plan was saved."), "success")
    return redirect(url_for(".project_detail", slug=slug, project_id=project_id) + "#funding-plan", 303)


# --- the operational plan --------------------------------------------------------------------------


@bp.get("/funding/plans")
def plan_list():
    page_user()
    return _render_plans()


def _render_plans(*, errors: dict | None = None, values: dict | None = None, detail: str | None = None,
                  status: int = 200):
    user = page_user()
    rows = get_session().scalars(plans.plans_query(drafts=user.is_regional)).all()
    return render_template("funding/plans.html", plans=rows, can_edit=_can_write_region(user), errors=errors or {},
                           values=values or {}, detail=detail, **_helpers(page_language())), status


@bp.post("/funding/plans")
def plan_create():
    user = page_secretariat(SECRETARIAT_ONLY)
    session = get_session()
    lang = page_language()
    values = {name: request.form.get(name, "").strip() for name in ("series", "title", "notes")}
    try:
        data = OperationalPlanInputSchema().load(values | {"notes": values["notes"] or None})
        plan = plans.create_plan(session, **data, actor=user.username)
    except (ma.ValidationError, DomainError) as error:
        session.rollback()
        messages = error.messages if isinstance(error, ma.ValidationError) else error.errors
        detail = "The plan was not created." if lang == "en" else "Il piano non è stato creato."
        return _render_plans(errors=_form_errors(messages, lang), values=values,
                             detail=f"{detail} {_say(getattr(error, 'detail', ''), lang)}".strip(),
                             status=getattr(error, "status", 400))
    flash(_say_done("Il piano è stato avviato in bozza.", "The plan was started as a draft."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan.id), 303)


def _visible_plan(user, plan_id: int) -> OperationalPlan:
    return plans.get_plan(get_session(), plan_id, drafts=user.is_regional)


@bp.get("/funding/plans/<int:plan_id>")
def plan_detail(plan_id):
    return _render_plan(plan_id)


def _standards_text(standards: list[dict]) -> str:
    return "\n".join(f"{s['code']}: {s['title']}" if s.get("title") else s["code"] for s in standards)


def _line_use(session, document: dict) -> list[dict]:
    """Per funding line, what the plan's projects ask of it against its maximum grant and its budget."""
    asked: dict[int, dict] = {}
    for municipality in document["municipalities"]:
        for project in municipality["projects"]:
            for source in project["funding_plan"]:
                if source["funding_line_id"] is None:
                    continue
                use = asked.setdefault(source["funding_line_id"], {"cents": 0, "above_max": []})
                use["cents"] += source["amount_cents"]
                use["above_max"].append((project["title"], source["amount_cents"]))
    found = {line.id: line for line in session.scalars(select(FundingLine).where(FundingLine.id.in_(asked)))}
    rows = []
    for line_id, use in sorted(asked.items()):
        line = found.get(line_id)
        if line is None:
            continue
        above = [(title, cents) for title, cents in use["above_max"]
                 if line.max_grant_cents is not None and cents > line.max_grant_cents]
        rows.append({"line": line, "cents": use["cents"], "above_max": above,
                     "over_budget": line.total_budget_cents is not None and use["cents"] > line.total_budget_cents})
    return rows


def _render_plan(plan_id: int, *, failed: str | None = None, errors: dict | None = None, values: dict | None = None,
                 detail: str | None = None, status: int = 200):
    """The plan as a page; a draft is an editor for the secretariat, with one form per municipality.

    ``failed`` names the form refused (``plan`` or a tenant's slug), whose ``values`` are shown again.
    """
    user = page_user()
    session = get_session()
    lang = page_language()
    plan = _visible_plan(user, plan_id)
    if user.is_regional:
        auth.enter_regional()
    with tenancy.regional_scope():  # an approved plan is shared with every signatory, as its export is
        document = plans.plan_document(session, plan_id)
        line_use = _line_use(session, document)
        editable = plan.status == PlanStatus.DRAFT and _can_write_region(user)
        candidates = _plan_candidates(session, plan) if editable else []
    versions = session.scalars(plans.plans_query(series=plan.series)).all()
    plan_values = values if failed == "plan" else {
        "title": plan.title, "notes": plan.notes or "", "standards": _standards_text(plan.standards)}
    return render_template(
        "funding/plan.html", plan=plan, document=document, line_use=line_use, editable=editable,
        can_edit=_can_write_region(user), candidates=candidates, versions=versions, failed=failed,
        errors=errors or {}, values=values or {}, plan_values=plan_values, detail=detail,
        has_draft=any(v.status == PlanStatus.DRAFT for v in versions), **_helpers(lang)
    ), status


def _plan_candidates(session, plan: OperationalPlan) -> list[dict]:
    """Every active municipality (or one already in the plan) with its projects and the plan's choice."""
    entries = {e.tenant_id: e for e in session.scalars(select(PlanMunicipality).where(
        PlanMunicipality.plan_id == plan.id))}
    companies = [(str(c.id), c.name) for c in session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.PARTICIPATED_COMPANY).order_by(Organization.name))]
    tenants = [t for t in session.scalars(select(Tenant).order_by(Tenant.name))
               if t.id in entries or t.status == "active"]
    # Every municipality's projects in one query (their sources are loaded with them), not one per municipality.
    cards: dict[int, list[Project]] = defaultdict(list)
    for project in session.scalars(select(Project).where(Project.tenant_id.in_([t.id for t in tenants]))
                                   .order_by(Project.id)):
        cards[project.tenant_id].append(project)
    return [{
        "tenant": tenant, "entry": entries.get(tenant.id), "projects": cards[tenant.id],
        "chosen": [str(pid) for pid in entries[tenant.id].project_ids] if tenant.id in entries else [],
        "lead_company_id": str(entries[tenant.id].lead_company_id if tenant.id in entries else tenant.lead_company_id),
        "companies": companies,
    } for tenant in tenants]


def _refused_plan(plan_id: int, error, *, failed: str | None = None, values: dict | None = None):
    get_session().rollback()
    lang = page_language()
    messages = error.messages if isinstance(error, ma.ValidationError) else error.errors
    detail = _say(getattr(error, "detail", None) or "The change was not saved.", lang)
    return _render_plan(plan_id, failed=failed, errors=_form_errors(messages, lang), values=values,
                        detail=detail, status=getattr(error, "status", 400))


@bp.post("/funding/plans/<int:plan_id>")
def plan_update(plan_id):
    """Title, notes and the regional standards adopted (one per line, ``CODE: title``) of a draft."""
    user = page_secretariat(SECRETARIAT_ONLY)
    values = {name: request.form.get(name, "").strip() for name in ("title", "notes", "standards")}
    standards = []
    for text in values["standards"].splitlines():
        code, _, title = text.partition(":")
        if code.strip():
            standards.append({"code": code.strip()} | ({"title": title.strip()} if title.strip() else {}))
    try:
        data = OperationalPlanUpdateSchema().load(
            {"title": values["title"], "notes": values["notes"] or None, "standards": standards})
        plans.update_plan(get_session(), plan_id, data, actor=user.username)
    except (ma.ValidationError, DomainError) as error:
        return _refused_plan(plan_id, error, failed="plan", values=values)
    flash(_say_done("Il piano è stato aggiornato.", "The plan was updated."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id), 303)


@bp.post("/funding/plans/<int:plan_id>/municipalities/<slug>")
def plan_municipality(plan_id, slug):
    """A municipality's first group of projects and its lead company (the API's ``PUT .../municipalities/<slug>``)."""
    user = page_secretariat(SECRETARIAT_ONLY)
    values = {"project_ids": request.form.getlist("project_ids"), "lead_company_id": request.form.get(
        "lead_company_id", "")}
    try:
        data = OperationalPlanMunicipalityInputSchema().load(
            {"project_ids": values["project_ids"], "lead_company_id": values["lead_company_id"] or None})
        plans.set_municipality(get_session(), plan_id, slug, project_ids=data["project_ids"],
                               lead_company_id=data.get("lead_company_id"), actor=user.username)
    except NotFound:
        abort(404)
    except (ma.ValidationError, DomainError) as error:
        return _refused_plan(plan_id, error, failed=slug, values=values)
    name = get_session().scalar(select(Tenant.name).where(Tenant.slug == slug))
    flash(_say_done(f"Progetti di {name} salvati nel piano.", f"The projects of {name} were saved in the plan."),
          "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id) + f"#municipality-{slug}", 303)


@bp.post("/funding/plans/<int:plan_id>/approve")
def plan_approve(plan_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    try:
        plans.approve_plan(get_session(), plan_id, actor=user.username)
    except DomainError as error:
        return _refused_plan(plan_id, error, failed="approve")
    flash(_say_done("Il piano è stato approvato: il documento è ora immutabile.",
                    "The plan was approved: its document is now frozen."), "success")
    return redirect(url_for(".plan_detail", plan_id=plan_id), 303)


@bp.post("/funding/plans/<int:plan_id>/versions")
def plan_new_version(plan_id):
    user = page_secretariat(SECRETARIAT_ONLY)
    try:
        plan = plans.new_version(get_session(), plan_id, actor=user.username)
    except DomainError as error:
        return _refused_plan(plan_id, error, failed="version")
    flash(_say_done(f"Versione {plan.version} aperta in bozza.", f"Version {plan.version} opened as a draft."),
          "success")
    return redirect(url_for(".plan_detail", plan_id=plan.id), 303)
