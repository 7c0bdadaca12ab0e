"""Indicators computed from the census, region-wide or per tenant, for the API and the report.

Figures come from submitted and accepted submissions (drafts on request). Where the utilities have
loaded their inventories, the network cadastre (`census.inventories.cadastre.summary`) adds its
kilometres per category and its assets per kind.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from smartregion.registry import Tenant
from sqlalchemy import select
from sqlalchemy.orm import Session

from census.models import Campaign, Submission, SubmissionStatus
from census.services.campaigns import standings
from census.surveys.codelists import ANCI_DOMAINS, SINFI_NETWORK_CATEGORIES
from census.surveys.validation import as_decimal

BUDGET_BANDS = (
    ("under-100k", Decimal("100000")),
    ("100k-1m", Decimal("1000000")),
    ("1m-5m", Decimal("5000000")),
    ("over-5m", None),
)
ASSET_FIELDS = ("public_wifi_hotspots", "iot_sensors", "smart_lighting_points", "ev_charging_points")
# The cadastre's category codes, as SINFI categories where they are one.
CADASTRE_CATEGORIES = {"water": "water_supply", "sewer": "sewerage", "gas": "gas",
                       "electricity": "electricity",
                       "district-heating": "district_heating", "telecom": "telecommunications",
                       "public-lighting": "public_lighting"}


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _km(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.001")))


def _band(amount: Decimal) -> str:
    for name, ceiling in BUDGET_BANDS:
        if ceiling is None or amount < ceiling:
            return name
    return BUDGET_BANDS[-1][0]


def _items(answers: dict, key: str) -> list[dict]:
    value = answers.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def inventory_figures(session: Session, tenant_ids: list[int]) -> dict[str, dict]:
    """The network cadastre's figures of these tenants, when the inventories sub-package is there."""
    from census.inventories import cadastre

    km: dict[str, Decimal] = defaultdict(Decimal)
    assets: Counter[str] = Counter()
    for tenant_id in tenant_ids:
        for row in cadastre.summary(session, tenant_id)["categories"]:
            category = CADASTRE_CATEGORIES.get(row["category"], row["category"])
            if row["km"]:
                km[category] += Decimal(str(row["km"]))
            assets[row["kind"]] += row["assets"]
    return {"network_km_by_category": {k: _km(v) for k, v in km.items()}, "assets_by_kind": dict(assets)}


def _submissions(session: Session, campaign: Campaign, tenant_ids: list[int] | None,
                 include_drafts: bool) -> list[Submission]:
    statuses = [SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED]
    if include_drafts:
        statuses += [SubmissionStatus.DRAFT, SubmissionStatus.RETURNED]
    statement = select(Submission).where(Submission.campaign_id == campaign.id,
                                         Submission.status.in_(statuses))
    if tenant_ids is not None:
        statement = statement.where(Submission.tenant_id.in_(tenant_ids))
    return list(session.scalars(statement.order_by(Submission.tenant_id, Submission.id)))


def indicators(session: Session, campaign: Campaign, *, tenant_ids: list[int] | None = None,
               include_drafts: bool = False, today: date | None = None) -> dict[str, Any]:
    """Services by domain, projects by domain and budget, network km, assets, broadband, completeness."""
    subs = _submissions(session, campaign, tenant_ids, include_drafts)
    slugs = {tenant_id: slug for tenant_id, slug in session.execute(select(Tenant.id, Tenant.slug))}
    services_by_domain: Counter[str] = Counter()
    services_by_status: Counter[str] = Counter()
    projects_by_domain: dict[str, dict] = defaultdict(_project_totals)
    projects_by_band: Counter[str] = Counter()
    projects_by_status: Counter[str] = Counter()
    km_by_category: dict[str, Decimal] = defaultdict(Decimal)
    assets: Counter[str] = Counter()
    broadband: dict[str, dict] = {}
    per_tenant: dict[str, dict] = defaultdict(_tenant_totals)
    for sub in subs:
        slug = slugs.get(sub.tenant_id, str(sub.tenant_id))
        answers = sub.answers or {}
        tenant = per_tenant[slug]
        if sub.schema_key == "smart-services":
            for item in _items(answers, "services"):
                services_by_domain[str(item.get("domain"))] += 1
                services_by_status[str(item.get("status"))] += 1
                tenant["services"] += 1
            for name in ASSET_FIELDS:
                if isinstance(answers.get(name), int) and not isinstance(answers.get(name), bool):
                    assets[name] += answers[name]
        elif sub.schema_key == "projects":
            for item in _items(answers, "projects"):
                budget = as_decimal(item.get("budget")) or Decimal(0)
                funded = as_decimal(item.get("funded_amount")) or Decimal(0)
                entry = projects_by_domain[str(item.get("domain"))]
                entry["count"] += 1
                entry["budget"] += budget
                entry["funded"] += funded
                projects_by_band[_band(budget)] += 1
                projects_by_status[str(item.get("status"))] += 1
                tenant["projects"] += 1
                tenant["projects_budget"] += budget
        elif sub.schema_key == "networks":
            for item in _items(answers, "networks"):
                length = as_decimal(item.get("length")) or Decimal(0)
                km_by_category[str(item.get("category"))] += length
                tenant["network_km"] += length
            coverage = {name: answers.get(name) for name in
                        ("coverage_100mbps", "coverage_30mbps", "infratel_agreement", "works_status",
                         "white_areas")}
            if any(v is not None for v in coverage.values()):
                broadband[slug] = {k: _coverage(k, v) for k, v in coverage.items()}
    ultra = [as_decimal(b["coverage_100mbps"]) for b in broadband.values() if b["coverage_100mbps"]]
    basic = [as_decimal(b["coverage_30mbps"]) for b in broadband.values() if b["coverage_30mbps"]]
    states = standings(session, campaign, tenant_ids=tenant_ids, today=today)
    inventory = inventory_figures(session, [s.tenant_id for s in states])
    for kind, count in inventory.get("assets_by_kind", {}).items():
        assets[kind] += count
    domains = _ordered([c.code for c in ANCI_DOMAINS.codes],
                       set(services_by_domain) | set(projects_by_domain))
    categories = _ordered([c.code for c in SINFI_NETWORK_CATEGORIES.codes], set(km_by_category))
    total_budget = sum((e["budget"] for e in projects_by_domain.values()), Decimal(0))
    return {
        "campaign": {"id": campaign.id, "title": campaign.title, "due_on": campaign.due_on.isoformat(),
                     "status": campaign.status,
                     "closed_on": campaign.closed_on.isoformat() if campaign.closed_on else None},
        "submissions_counted": len(subs),
        "services_by_domain": {d: services_by_domain.get(d, 0) for d in domains},
        "services_by_status": dict(services_by_status),
        "projects_by_domain": {d: _project_dump(projects_by_domain.get(d) or _project_totals())
                               for d in domains},
        "projects_by_budget_band": {name: projects_by_band.get(name, 0) for name, _ in BUDGET_BANDS},
        "projects_by_status": dict(projects_by_status),
        "projects_total_budget": _money(total_budget),
        "network_km_by_category": {c: _km(km_by_category[c]) for c in categories if c in km_by_category},
        "cadastre_km_by_category": inventory.get("network_km_by_category", {}),
        "assets_by_kind": dict(assets),
        "broadband": {
            "by_tenant": broadband,
            "average_coverage_100mbps": _average(ultra),
            "average_coverage_30mbps": _average(basic),
        },
        "completeness": {
            "tenants": len(states),
            "by_state": dict(Counter(s.state.value for s in states)),
            "average": round(sum(s.completeness for s in states) / len(states)) if states else 0,
            "late": [s.slug for s in states if s.late],
        },
        "by_tenant": {slug: {"services": t["services"], "projects": t["projects"],
                             "projects_budget": _money(t["projects_budget"]),
                             "network_km": _km(t["network_km"])}
                      for slug, t in sorted(per_tenant.items())},
    }


def _project_totals() -> dict:
    return {"count": 0, "budget": Decimal(0), "funded": Decimal(0)}


def _tenant_totals() -> dict:
    return {"services": 0, "projects": 0, "projects_budget": Decimal(0), "network_km": Decimal(0)}


def _project_dump(entry: dict) -> dict:
    return {"count": entry["count"], "budget": _money(entry["budget"]), "funded": _money(entry["funded"])}


def _coverage(name: str, value: Any) -> Any:
    if name.startswith("coverage") and value is not None:
        number = as_decimal(value)
        return None if number is None else str(number)
    return value


def _average(values: list[Decimal | None]) -> str | None:
    numbers = [v for v in values if v is not None]
    return str(round(sum(numbers) / len(numbers), 1)) if numbers else None


def _ordered(known: list[str], seen: set[str]) -> list[str]:
    """The code list's order, then any other code met in the answers."""
    return known + sorted(seen - set(known))
