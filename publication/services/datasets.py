"""The open datasets of the platform: what each family is, and which ones are open right now.

A tenant's datasets open only when the secretariat has opened them *and* the tenant's census stands
accepted (the network census for the cadastre, the broadband status and the feeds; the survey census for
the census figures). A census returned later closes them again without losing the secretariat's choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from smartregion import tenancy
from smartregion.i18n import N_, in_both, translate
from sqlalchemy import select
from sqlalchemy.orm import Session

from publication.models import RegionDataset, TenantDataset, TenantPublication

CADASTRE = "cadastre:"


@dataclass(frozen=True)
class Family:
    """A family of datasets: how it is described and distributed (titles in Italian and English)."""

    key: str
    scope: str  # "tenant" or "region"
    title_it: str
    title_en: str
    description_it: str
    description_en: str
    themes: tuple[str, ...]
    frequency: str
    formats: tuple[str, ...]
    keywords: tuple[str, ...]
    gate: str = "network"  # which census must stand accepted: "network" or "survey"


def _family(key: str, scope: str, title: str, description: str, *details, **options) -> Family:
    """A family whose title and description are messages of the catalogue (``{name}``: the tenant)."""
    return Family(key, scope, *in_both(title), *in_both(description), *details, **options)


TENANT_FAMILIES: dict[str, Family] = {f.key: f for f in (
    _family("census", "tenant", N_("Smart-city census, aggregate figures – {name}"),
            N_("Smart services by ANCI domain, projects by domain and budget band, declared network km, "
               "from the survey forms accepted by the regional technical secretariat."),
            ("GOVE", "TECH"), "IRREG", ("csv", "xlsx"), ("smart city", "censimento", "census"), gate="survey"),
    _family("broadband", "tenant", N_("Ultra-broadband plan status – {name}"),
            N_("Projects of the ultra-broadband plan in the municipality: tender, phase, type "
               "(FTTH/FWA), works."),
            ("TECH",), "IRREG", ("csv",), ("banda ultra larga", "broadband", "BUL")),
    _family("conformance", "tenant", N_("Conformance of the data feeds to the regional standards – {name}"),
            N_("Per feed: entities received, accepted and refused, conforming share, last observation."),
            ("TECH",), "DAILY", ("csv",), ("interoperabilità", "interoperability", "NGSI-LD")),
)}
REGION_FAMILIES: dict[str, Family] = {f.key: f for f in (
    _family("census", "region", N_("Regional smart-city census: aggregate figures"),
            N_("Census indicators of every participating municipality, from accepted forms only."),
            ("GOVE", "TECH"), "IRREG", ("csv", "xlsx"), ("smart city", "censimento", "census")),
    _family("standards", "region", N_("Regional sensor and data standards"),
            N_("The published regional standards: code, version, Smart Data Models entity type, status."),
            ("TECH", "GOVE"), "IRREG", ("csv",), ("standard", "Smart Data Models", "NGSI-LD")),
    _family("plan", "region", N_("Approved operational plan"),
            N_("The approved operational plan: projects per municipality, lead companies, funding plan."),
            ("GOVE", "ECON"), "IRREG", ("csv", "xlsx"), ("piano operativo", "operational plan", "fondi")),
    _family("broadband", "region", N_("Ultra-broadband plan status in the region"),
            N_("Latest status of the ultra-broadband plan per municipality, from the national agency's "
               "tables."),
            ("TECH",), "IRREG", ("csv",), ("banda ultra larga", "broadband", "BUL")),
)}

# The EU data theme of each cadastre category.
CATEGORY_THEMES = {"public-lighting": ("ENER",), "water": ("ENVI",), "sewer": ("ENVI",), "gas": ("ENER",),
                   "electricity": ("ENER",), "district-heating": ("ENER",), "telecom": ("TECH",),
                   "broadband": ("TECH",), "sensors": ("TECH", "ENVI"), "trees": ("ENVI",),
                   "urban-trees": ("ENVI",), "ev-charging": ("TRAN", "ENER"), "transit-stops": ("TRAN",),
                   "transport": ("TRAN",)}


@dataclass
class Dataset:
    """One open dataset, as the catalogue and the pages show it."""

    path: str  # e.g. "firenze/cadastre/water", "region/plan"
    family: str
    scope: str
    title_it: str
    title_en: str
    description_it: str
    description_en: str
    themes: tuple[str, ...]
    frequency: str
    formats: tuple[str, ...]
    keywords: tuple[str, ...]
    opened_at: datetime
    modified: datetime
    tenant: dict | None = None
    kind: str | None = None
    category: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def collection(self) -> str | None:
        """The OGC API collection that serves this dataset's features, if any."""
        return f"{self.tenant['slug']}-{self.kind}" if self.kind and self.tenant else None


def tenant_dataset_keys() -> list[str]:
    """The dataset families the secretariat can open for a tenant: one per inventory kind, and the others."""
    from census.services import KINDS

    return [*TENANT_FAMILIES, *(CADASTRE + slug for slug in KINDS)]


def region_dataset_keys() -> list[str]:
    return list(REGION_FAMILIES)


def census_standing(session: Session, tenant_id: int, gates: tuple[str, ...] = ("network", "survey")
                    ) -> dict[str, bool]:
    """Whether the tenant's network census and its survey census stand accepted (only the gates asked for
    are looked up; the others read False)."""
    from census import services as census
    from census.services import TenantCampaignState, cadastre

    standing = {"network": False, "survey": False}
    if "network" in gates:
        review = cadastre.review_status(session, tenant_id)
        standing["network"] = bool(review and review["status"] == "accepted")
    if "survey" in gates:
        campaign = census.current_campaign(session)
        if campaign is not None:
            (state,) = census.standings(session, campaign, tenant_ids=[tenant_id]) or (None,)
            standing["survey"] = bool(state and state.state == TenantCampaignState.ACCEPTED)
    return standing


def gate_of(key: str) -> str:
    return TENANT_FAMILIES[key].gate if key in TENANT_FAMILIES else "network"


def _tenants(session: Session) -> dict[int, dict]:
    from smartregion.registry import Tenant

    profiles = {p.tenant_id: p.ipa_code for p in session.scalars(select(TenantPublication))}
    rows = session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    return {t.id: {"id": t.id, "slug": t.slug, "name": t.name, "status": t.status,
                   "municipality": t.municipality.name if t.municipality else t.name,
                   "istat_code": t.municipality.istat_code if t.municipality else None,
                   "ipa_code": profiles.get(t.id)} for t in rows}


def open_tenant_keys(session: Session, tenant_ids: list[int] | None = None) -> dict[int, dict[str, datetime]]:
    """Per tenant id (of those given, or all): the datasets opened by the secretariat whose census gate is
    passed now."""
    opened: dict[int, dict[str, datetime]] = {}
    statement = select(TenantDataset).order_by(TenantDataset.tenant_id, TenantDataset.dataset)
    if tenant_ids is not None:
        statement = statement.where(TenantDataset.tenant_id.in_(tenant_ids))
    for row in session.scalars(statement):
        opened.setdefault(row.tenant_id, {})[row.dataset] = row.opened_at
    result = {}
    for tenant_id, keys in opened.items():
        standing = census_standing(session, tenant_id, tuple({gate_of(key) for key in keys}))
        passed = {key: at for key, at in keys.items() if standing[gate_of(key)]}
        if passed:
            result[tenant_id] = passed
    return result


def published(session: Session) -> list[Dataset]:
    """Every dataset open right now, regional first, then per tenant in slug order.

    Runs in the regional scope: it reads every tenant's publication rows, and hands out only what is open.
    """
    with tenancy.regional_scope():
        return _published(session)


def _published(session: Session) -> list[Dataset]:
    from census.services import features

    now = datetime.now(UTC)
    datasets: list[Dataset] = []
    for row in session.scalars(select(RegionDataset).order_by(RegionDataset.dataset)):
        family = REGION_FAMILIES.get(row.dataset)
        if family is None:
            continue
        modified = _region_modified(session, family.key)
        if family.key == "plan" and modified is None:
            continue  # opened, but no plan is approved yet: drafts are never published
        datasets.append(_dataset(f"region/{family.key}", family, row.opened_at, modified or row.opened_at))
    tenants = _tenants(session)
    open_keys = open_tenant_keys(session)
    summaries = features.kinds_summary(session, list(open_keys)) if open_keys else []
    by_kind = {(s["tenant_id"], s["kind"]): s for s in summaries}
    for tenant_id in sorted(open_keys, key=lambda i: tenants[i]["slug"]):
        tenant = tenants[tenant_id]
        for key, opened_at in open_keys[tenant_id].items():
            if key.startswith(CADASTRE):
                kind = key[len(CADASTRE):]
                summary = by_kind.get((tenant_id, kind))
                if summary is None:
                    continue
                datasets.extend(_cadastre_datasets(tenant, kind, summary, opened_at))
            elif key in TENANT_FAMILIES:
                family = TENANT_FAMILIES[key]
                datasets.append(_dataset(f"{tenant['slug']}/{key}", family, opened_at, opened_at or now,
                                         tenant=tenant))
    return datasets


def _dataset(path: str, family: Family, opened_at: datetime, modified: datetime, *, tenant: dict | None = None,
             **kwargs) -> Dataset:
    name = tenant["municipality"] if tenant else ""
    return Dataset(path=path, family=family.key, scope=family.scope,
                   title_it=family.title_it.format(name=name), title_en=family.title_en.format(name=name),
                   description_it=family.description_it, description_en=family.description_en,
                   themes=family.themes, frequency=family.frequency, formats=family.formats,
                   keywords=family.keywords, opened_at=opened_at, modified=max(opened_at, modified),
                   tenant=tenant, **kwargs)


def _cadastre_datasets(tenant: dict, kind: str, summary: dict, opened_at: datetime) -> list[Dataset]:
    from census.services import KINDS
    from interoperability.services import assets

    spec = KINDS.get(kind)
    ngsi = assets.asset_type(kind)
    result = []
    for category in summary["categories"]:
        texts = {locale: _cadastre_texts(locale, category, kind, spec) for locale in ("it", "en")}
        family = Family(
            f"{CADASTRE}{kind}", "tenant", texts["it"][0], texts["en"][0], texts["it"][1], texts["en"][1],
            CATEGORY_THEMES.get(category) or CATEGORY_THEMES.get(kind) or ("REGI",), "IRREG",
            ("csv", "geojson", "ngsi-ld"),
            ("catasto delle reti", "network cadastre", "SINFI", texts["it"][2]))
        result.append(_dataset(f"{tenant['slug']}/cadastre/{category}", family, opened_at, summary["updated_at"],
                               tenant=tenant, kind=kind, category=category,
                               extra={"assets": summary["assets"], "bbox": summary["bbox"],
                                      "ngsi_type": ngsi.entity_type, "data_model": ngsi.data_model}))
    return result


def _cadastre_texts(locale: str, category: str, kind: str, spec) -> tuple[str, str, str]:
    """Title, description and category name of a cadastre dataset in ``locale``."""
    from census.services import CATEGORY_LABELS

    label = CATEGORY_LABELS.get(category)
    category_name = (translate(label, locale) if label is not None else category).lower()
    kind_name = translate(spec.label_en, locale, context=spec.context) if spec else kind
    title = translate(N_("Network cadastre, %(category)s – {name}"), locale, category=category_name)
    description = translate(N_("%(kind)s of the regional infrastructure cadastre (L.R. 48/2015, SINFI), category "
                               "%(category)s: WGS84 position, operator and technical attributes."),
                            locale, kind=kind_name, category=category_name)
    return title, description, category_name


def _region_modified(session: Session, key: str) -> datetime | None:
    if key == "plan":
        plan = approved_plan(session)
        return plan.approved_at if plan else None
    return None


def approved_plan(session: Session):
    """The latest approved operational plan, or None."""
    from funding.services import OperationalPlan, PlanStatus, plans_query

    return session.scalar(plans_query().where(OperationalPlan.status == PlanStatus.APPROVED)
                          .order_by(None).order_by(OperationalPlan.approved_at.desc()).limit(1))


def find(session: Session, path: str) -> Dataset | None:
    """An open dataset by its path, or None (closed, unknown or not yet accepted look the same)."""
    return next((d for d in published(session) if d.path == path), None)
