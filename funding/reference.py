"""Reference vocabularies of the funding domain; their labels are messages of the Babel catalogue."""

from __future__ import annotations

from enum import StrEnum

from smartregion.i18n import N_, Labelled


class LabelledEnum(Labelled, StrEnum):
    """A string enum whose members carry a label: an English message translated by the catalogue."""

    @property
    def message(self) -> str:
        """The label's message id (English)."""
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def parse(cls, value: str) -> LabelledEnum:
        """Accept the code, or either label, case-insensitively; raise ValueError otherwise."""
        text = _key(value)
        for member in cls:
            if text in (member.value, _key(member.label_it), _key(member.label_en)):
                return member
        raise ValueError(value)


def _key(value) -> str:
    return str(value).strip().lower().replace("-", "_").replace(" ", "_")


class Domain(LabelledEnum):
    """ANCI smart-city domain (dominio della città intelligente)."""

    ENERGY = "energy"
    ENVIRONMENT = "environment"
    MOBILITY = "mobility"
    GOVERNMENT = "government"
    ECONOMY = "economy"
    PEOPLE = "people"
    LIVING = "living"
    PLANNING = "planning"


class BeneficiaryKind(LabelledEnum):
    """Kind of organisation that can apply for a funding line (tipologia di beneficiario)."""

    MUNICIPALITY = "municipality"
    MUNICIPAL_UNION = "municipal_union"
    METROPOLITAN_CITY = "metropolitan_city"
    REGION = "region"
    PARTICIPATED_COMPANY = "participated_company"
    PUBLIC_BODY = "public_body"
    UNIVERSITY = "university"
    RESEARCH_CENTRE = "research_centre"
    ENTERPRISE = "enterprise"
    SME = "sme"
    NON_PROFIT = "non_profit"


class Level(LabelledEnum):
    """Management level of a funding programme."""

    EU_DIRECT = "eu_direct"
    EU_SHARED = "eu_shared"
    NATIONAL = "national"
    REGIONAL = "regional"


class Programme(LabelledEnum):
    """Funding programme; the 2014-2020 ones are those named by the original protocol."""

    HORIZON_EUROPE = "horizon_europe"
    LIFE = "life"
    DIGITAL_EUROPE = "digital_europe"
    CEF = "cef"
    INTERREG = "interreg"
    ERDF_REGIONAL = "erdf_regional"
    PNRR = "pnrr"
    FSC = "fsc"
    REGIONAL = "regional"
    H2020 = "h2020"
    AGENDA_DIGITALE = "agenda_digitale"
    POR_CREO = "por_creo"

    @property
    def default_level(self) -> Level:
        return PROGRAMME_LEVELS[self]


class DeadlineModel(LabelledEnum):
    """How a funding line closes: one deadline, two stages, or several cut-off dates."""

    SINGLE_STAGE = "single_stage"
    TWO_STAGE = "two_stage"
    MULTIPLE_CUTOFF = "multiple_cutoff"


class ProjectStatus(LabelledEnum):
    """Life-cycle state of a smart-city project."""

    PROPOSED = "proposed"
    IN_PLAN = "in_plan"
    FUNDED = "funded"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DROPPED = "dropped"


class TimeHorizon(LabelledEnum):
    """Time horizon of a masterplan action: short under 2 years, medium 2-4, long over 4."""

    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"

    @classmethod
    def from_months(cls, months: int) -> TimeHorizon:
        if months < 24:
            return cls.SHORT
        if months <= 48:
            return cls.MEDIUM
        return cls.LONG


class FundingSourceKind(LabelledEnum):
    """Kind of a source in a project's funding plan."""

    FUNDING_LINE = "funding_line"
    OWN = "own"
    PARTNER = "partner"
    PRIVATE = "private"
    OTHER_PUBLIC = "other_public"


PROGRAMME_LEVELS: dict[Programme, Level] = {
    Programme.HORIZON_EUROPE: Level.EU_DIRECT,
    Programme.LIFE: Level.EU_DIRECT,
    Programme.DIGITAL_EUROPE: Level.EU_DIRECT,
    Programme.CEF: Level.EU_DIRECT,
    Programme.INTERREG: Level.EU_SHARED,
    Programme.ERDF_REGIONAL: Level.EU_SHARED,
    Programme.PNRR: Level.NATIONAL,
    Programme.FSC: Level.NATIONAL,
    Programme.REGIONAL: Level.REGIONAL,
    Programme.H2020: Level.EU_DIRECT,
    Programme.AGENDA_DIGITALE: Level.NATIONAL,
    Programme.POR_CREO: Level.EU_SHARED,
}

_LABELS: dict[str, dict[str, str]] = {
    "Domain": {
        "energy": N_("Energy"),
        "environment": N_("Environment"),
        "mobility": N_("Mobility"),
        "government": N_("Government"),
        "economy": N_("Economy"),
        "people": N_("People"),
        "living": N_("Living"),
        "planning": N_("Planning"),
    },
    "BeneficiaryKind": {
        "municipality": N_("Municipality"),
        "municipal_union": N_("Union of municipalities"),
        "metropolitan_city": N_("Metropolitan city or province"),
        "region": N_("Region"),
        "participated_company": N_("Participated company"),
        "public_body": N_("Other public body"),
        "university": N_("University"),
        "research_centre": N_("Research centre"),
        "enterprise": N_("Enterprise"),
        "sme": N_("SME"),
        "non_profit": N_("Non-profit organisation"),
    },
    "Level": {
        "eu_direct": N_("EU direct management"),
        "eu_shared": N_("EU shared management"),
        "national": N_("National"),
        "regional": N_("Regional"),
    },
    "Programme": {
        "horizon_europe": N_("Horizon Europe"),
        "life": N_("LIFE"),
        "digital_europe": N_("Digital Europe"),
        "cef": N_("Connecting Europe Facility (CEF)"),
        "interreg": N_("Interreg"),
        "erdf_regional": N_("Tuscany ERDF programme 2021-2027"),
        "pnrr": N_("National Recovery and Resilience Plan (PNRR)"),
        "fsc": N_("Development and Cohesion Fund (FSC)"),
        "regional": N_("Regional line"),
        "h2020": N_("Horizon 2020"),
        "agenda_digitale": N_("Digital Agenda"),
        "por_creo": N_("POR CReO ERDF 2014-2020"),
    },
    "DeadlineModel": {
        "single_stage": N_("Single stage"),
        "two_stage": N_("Two stages"),
        "multiple_cutoff": N_("Multiple cut-off dates"),
    },
    "ProjectStatus": {
        "proposed": N_("Proposed"),
        "in_plan": N_("In the plan"),
        "funded": N_("Funded"),
        "in_progress": N_("In progress"),
        "completed": N_("Completed"),
        "dropped": N_("Dropped"),
    },
    "TimeHorizon": {
        "short": N_("Short (under 2 years)"),
        "medium": N_("Medium (2-4 years)"),
        "long": N_("Long (over 4 years)"),
    },
    "FundingSourceKind": {
        "funding_line": N_("Funding line"),
        "own": N_("Own co-financing"),
        "partner": N_("Partner"),
        "private": N_("Private"),
        "other_public": N_("Other public"),
    },
}

DOMAIN_BITS: dict[Domain, int] = {d: 1 << i for i, d in enumerate(Domain)}
KIND_BITS: dict[BeneficiaryKind, int] = {k: 1 << i for i, k in enumerate(BeneficiaryKind)}
ALL_DOMAINS_MASK = (1 << len(Domain)) - 1
ALL_KINDS_MASK = (1 << len(BeneficiaryKind)) - 1
PUBLIC_KINDS = frozenset(
    {
        BeneficiaryKind.MUNICIPALITY,
        BeneficiaryKind.MUNICIPAL_UNION,
        BeneficiaryKind.METROPOLITAN_CITY,
        BeneficiaryKind.REGION,
        BeneficiaryKind.PARTICIPATED_COMPANY,
        BeneficiaryKind.PUBLIC_BODY,
    }
)


# Applicants that are not non-profit legal entities: where a programme pays non-profit ones more (a Horizon
# Europe innovation action), a project with any of these among its applicants gets the general rate.
FOR_PROFIT_KINDS = frozenset({BeneficiaryKind.PARTICIPATED_COMPANY, BeneficiaryKind.ENTERPRISE, BeneficiaryKind.SME})
FOR_PROFIT_MASK = sum(KIND_BITS[k] for k in FOR_PROFIT_KINDS)


def domains_mask(domains) -> int:
    mask = 0
    for d in domains:
        mask |= DOMAIN_BITS[Domain(d)]
    return mask


def kinds_mask(kinds) -> int:
    mask = 0
    for k in kinds:
        mask |= KIND_BITS[BeneficiaryKind(k)]
    return mask


def domains_of(mask: int) -> list[Domain]:
    return [d for d, bit in DOMAIN_BITS.items() if mask & bit]


def kinds_of(mask: int) -> list[BeneficiaryKind]:
    return [k for k, bit in KIND_BITS.items() if mask & bit]
