"""Demo funding data: lines of the programmes named by the protocol, project cards for Firenze and Prato.

Dates are relative to today, so that a new user sees open, forthcoming and closed lines and explained
matches at once. The project cards follow the spirit of a masterplan's action cards (La Spezia 20.20):
one ANCI domain each, a time horizon, an investment and a funding plan.
"""

from __future__ import annotations

from datetime import date, timedelta

from smartregion.registry import Tenant
from sqlalchemy import select
from sqlalchemy.orm import Session

from funding.models import FundingLine, OperationalPlan, Project
from funding.services import lines, plans, projects

SOURCE = "demo"


def _lines(today: date) -> list[dict]:
    def d(days: int) -> date:
        return today + timedelta(days=days)

    municipal = ["municipality", "municipal_union"]
    return [
        {
            "external_id": "FESR-TOS-2.1.1",
            "programme": "erdf_regional",
            "call_identifier": "PR FESR 2021-2027 Az. 2.1.1",
            "title": "Efficientamento energetico degli edifici pubblici",
            "opening_date": d(-45),
            "deadlines": [d(75)],
            "total_budget_cents": 30_000_000_00,
            "min_grant_cents": 200_000_00,
            "max_grant_cents": 3_500_000_00,
            "cofinancing_rate_bp": 8000,
            "beneficiary_kinds": municipal,
            "domains": ["energy", "planning"],
            "territories": ["IT-R09"],
            "url": "https://www.regione.toscana.it/pr-fesr-2021-2027",
        },
        {
            "external_id": "PNRR-M1C1-1.4.1",
            "programme": "pnrr",
            "call_identifier": "PNRR M1C1 Investimento 1.4",
            "topic_identifier": "Misura 1.4.1",
            "title": "Esperienza del cittadino nei servizi pubblici digitali",
            "opening_date": d(-60),
            "deadlines": [d(25)],
            "total_budget_cents": 400_000_000_00,
            "max_grant_cents": 500_000_00,
            "cofinancing_rate_bp": 10000,
            "beneficiary_kinds": ["municipality"],
            "domains": ["government"],
            "territories": ["IT"],
            "url": "https://padigitale2026.gov.it",
        },
        {
            "external_id": "PNRR-M2C4-2.2",
            "programme": "pnrr",
            "call_identifier": "PNRR M2C4 Investimento 2.2",
            "title": "Resilienza del territorio ed efficienza energetica dei comuni",
            "opening_date": d(-200),
            "deadlines": [d(-40)],
            "total_budget_cents": 6_000_000_000_00,
            "max_grant_cents": 5_000_000_00,
            "cofinancing_rate_bp": 10000,
            "beneficiary_kinds": ["municipality"],
            "domains": ["energy", "environment", "planning"],
            "territories": ["IT"],
        },
        {
            "external_id": "FSC-TOS-MOB",
            "programme": "fsc",
            "call_identifier": "FSC Toscana 2021-2027 Mobilità",
            "title": "Mobilità sostenibile e sistemi di trasporto intelligenti",
            "opening_date": d(-20),
            "deadlines": [d(50), d(140)],
            "deadline_model": "two_stage",
            "total_budget_cents": 40_000_000_00,
            "min_grant_cents": 300_000_00,
            "max_grant_cents": 3_000_000_00,
            "cofinancing_rate_bp": 7000,
            "beneficiary_kinds": ["municipality", "participated_company"],
            "domains": ["mobility"],
            "territories": ["IT-R09"],
        },
        {
            "external_id": "HORIZON-MISS-CIT-DEMO",
            "programme": "horizon_europe",
            "call_identifier": "HORIZON-MISS-CIT",
            "topic_identifier": "HORIZON-MISS-CIT-02-01",
            "title": "Positive clean energy districts and zero-emission mobility in Mission cities",
            "opening_date": d(-30),
            "deadlines": [d(120), d(300)],
            "deadline_model": "two_stage",
            "total_budget_cents": 24_000_000_00,
            "min_grant_cents": 2_000_000_00,
            "max_grant_cents": 8_000_000_00,
            "cofinancing_rate_bp": 7000,
            "domains": ["energy", "mobility", "planning"],
            "territories": ["EU"],
            "partnership_required": True,
            "min_partners": 2,
            "trl_min": 5,
            "trl_max": 8,
            "url": "https://ec.europa.eu/info/funding-tenders/opportunities/portal/",
        },
        {
            "external_id": "DIGITAL-LDT-DEMO",
            "programme": "digital_europe",
            "topic_identifier": "DIGITAL-CLOUD-AI-LDT",
            "title": "Local digital twins towards the data space for smart communities",
            "opening_date": d(-10),
            "deadlines": [d(95)],
            "total_budget_cents": 18_000_000_00,
            "min_grant_cents": 1_000_000_00,
            "max_grant_cents": 6_000_000_00,
            "cofinancing_rate_bp": 5000,
            "domains": ["government", "planning"],
            "territories": ["EU"],
            "partnership_required": True,
            "min_partners": 1,
        },
        {
            "external_id": "LIFE-CCA-DEMO",
            "programme": "life",
            "topic_identifier": "LIFE-SAP-CLIMA-CCA",
            "title": "Adattamento delle città al cambiamento climatico",
            "opening_date": d(30),
            "deadlines": [d(180)],
            "total_budget_cents": 38_000_000_00,
            "cofinancing_rate_bp": 6000,
            "domains": ["environment", "living"],
            "territories": ["EU"],
        },
        {
            "external_id": "CEF-5G-DEMO",
            "programme": "cef",
            "topic_identifier": "CEF-DIG-5GSMARTCOM",
            "title": "5G per le comunità intelligenti",
            "opening_date": d(-150),
            "deadlines": [d(-60), d(12), d(100)],
            "deadline_model": "multiple_cutoff",
            "total_budget_cents": 40_000_000_00,
            "max_grant_cents": 2_000_000_00,
            "cofinancing_rate_bp": 5000,
            "domains": ["government", "mobility"],
            "territories": ["EU"],
        },
        {
            "external_id": "INTERREG-MARITTIMO-DEMO",
            "programme": "interreg",
            "call_identifier": "Interreg Italia-Francia Marittimo 2021-2027",
            "title": "Porti e coste resilienti: monitoraggio ambientale",
            "opening_date": d(-30),
            "deadlines": [d(60)],
            "total_budget_cents": 12_000_000_00,
            "max_grant_cents": 1_500_000_00,
            "cofinancing_rate_bp": 8000,
            "domains": ["environment"],
            "territories": ["IT-P045", "IT-P046", "IT-P049", "IT-P050", "IT-P053"],
            "partnership_required": True,
            "min_partners": 3,
        },
        {
            "external_id": "RT-SICUREZZA-DEMO",
            "programme": "regional",
            "title": "Bando regionale per la sicurezza urbana integrata",
            "opening_date": d(-15),
            "deadlines": [d(40)],
            "total_budget_cents": 5_000_000_00,
            "max_grant_cents": 300_000_00,
            "cofinancing_rate_bp": 7000,
            "beneficiary_kinds": municipal,
            "domains": ["living"],
            "territories": ["IT-R09"],
        },
        {
            "external_id": "RT-COWORKING-DEMO",
            "programme": "regional",
            "title": "Spazi di coworking e incubatori d'impresa nei distretti",
            "opening_date": d(-5),
            "deadlines": [d(70)],
            "total_budget_cents": 8_000_000_00,
            "max_grant_cents": 1_000_000_00,
            "cofinancing_rate_bp": 6000,
            "beneficiary_kinds": municipal + ["participated_company"],
            "domains": ["economy", "people"],
            "territories": ["IT-R09"],
        },
        {
            "external_id": "POR-CREO-4.6-2018",
            "programme": "por_creo",
            "call_identifier": "POR CReO FESR 2014-2020",
            "title": "Asse 4 - Mobilità urbana sostenibile (bando 2018)",
            "opening_date": date(2018, 3, 1),
            "deadlines": [date(2018, 7, 31)],
            "total_budget_cents": 20_000_000_00,
            "cofinancing_rate_bp": 8000,
            "beneficiary_kinds": ["municipality"],
            "domains": ["mobility"],
            "territories": ["IT-R09"],
        },
        {
            "external_id": "H2020-SCC-01-2019",
            "programme": "h2020",
            "topic_identifier": "LC-SC3-SCC-1-2018-2019-2020",
            "title": "Smart Cities and Communities lighthouse projects",
            "opening_date": date(2018, 11, 6),
            "deadlines": [date(2019, 4, 4)],
            "total_budget_cents": 56_000_000_00,
            "max_grant_cents": 18_000_000_00,
            "cofinancing_rate_bp": 7000,
            "domains": ["energy", "mobility", "government"],
            "territories": ["EU"],
            "partnership_required": True,
            "min_partners": 2,
        },
        {
            "external_id": "AGID-AD-2018",
            "programme": "agenda_digitale",
            "title": "Agenda Digitale: piattaforme abilitanti per i comuni (2018)",
            "opening_date": date(2018, 2, 1),
            "deadlines": [date(2018, 6, 30)],
            "cofinancing_rate_bp": 10000,
            "beneficiary_kinds": ["municipality"],
            "domains": ["government"],
            "territories": ["IT"],
        },
    ]


def _projects(today: date, line_ids: dict[str, int]) -> dict[str, list[dict]]:
    def d(days: int) -> date:
        return today + timedelta(days=days)

    both = ["municipality", "participated_company"]
    return {
        "firenze": [
            {
                "title": "Illuminazione pubblica intelligente e nodi sensoristici sui pali",
                "domain": "energy",
                "secondary_domains": ["environment", "mobility"],
                "applicant_kinds": both,
                "description": "Sostituzione dei corpi illuminanti con LED telegestiti e installazione di "
                "sensori di qualità dell'aria e traffico sui pali della luce.",
                "total_cost_cents": 4_800_000_00,
                "requested_cents": 3_200_000_00,
                "start_date": d(120),
                "end_date": d(120 + 900),
                "status": "proposed",
                "reusable": True,
                "funding_plan": [
                    {
                        "source_kind": "own",
                        "label": "Bilancio della società capofila",
                        "amount_cents": 1_600_000_00,
                    }
                ],
                "milestones": [
                    {"title": "Progetto esecutivo", "due_on": d(200)},
                    {"title": "Prima zona illuminata", "due_on": d(480)},
                ],
            },
            {
                "title": "Banca dati unica della mobilità e servizi MaaS",
                "domain": "mobility",
                "secondary_domains": ["government"],
                "applicant_kinds": both,
                "partners": ["Università di Firenze"],
                "description": "Base dati unica di trasporto pubblico, sosta e traffico, con vendita "
                "integrata dei titoli di viaggio.",
                "total_cost_cents": 1_600_000_00,
                "requested_cents": 1_120_000_00,
                "start_date": d(90),
                "end_date": d(90 + 600),
                "status": "proposed",
                "funding_plan": [{"source_kind": "own", "label": "Bilancio comunale", "amount_cents": 480_000_00}],
            },
            {
                "title": "Monitoraggio della qualità dell'aria e del rischio idrogeologico",
                "domain": "environment",
                "secondary_domains": ["living"],
                "applicant_kinds": ["municipality"],
                "total_cost_cents": 900_000_00,
                "requested_cents": 540_000_00,
                "start_date": d(60),
                "end_date": d(60 + 500),
                "status": "proposed",
                "funding_plan": [{"source_kind": "own", "amount_cents": 360_000_00}],
            },
            {
                "title": "Gemello digitale urbano e piattaforma dati della città",
                "domain": "government",
                "secondary_domains": ["planning"],
                "applicant_kinds": ["municipality"],
                "partners": ["Università di Firenze", "Consorzio LaMMA"],
                "trl": 6,
                "cup": "H11B17000350004",
                "total_cost_cents": 2_200_000_00,
                "requested_cents": 1_100_000_00,
                "start_date": d(-400),
                "end_date": d(700),
                "status": "in_progress",
                "reusable": True,
                "funding_plan": [
                    {"source_kind": "own", "label": "Bilancio comunale", "amount_cents": 700_000_00},
                    {
                        "source_kind": "funding_line",
                        "funding_line_id": line_ids["AGID-AD-2018"],
                        "amount_cents": 400_000_00,
                    },
                ],
                "milestones": [
                    {"title": "Piattaforma dati in esercizio", "due_on": d(-100), "done_on": d(-110)},
                    {"title": "Modello 3D del centro storico", "due_on": d(200)},
                ],
            },
        ],
        "prato": [
            {
                "title": "Efficientamento energetico degli edifici scolastici",
                "domain": "energy",
                "secondary_domains": ["planning"],
                "applicant_kinds": ["municipality"],
                "total_cost_cents": 3_200_000_00,
                "requested_cents": 2_560_000_00,
                "start_date": d(150),
                "end_date": d(150 + 1000),
                "status": "proposed",
                "funding_plan": [{"source_kind": "own", "label": "Bilancio comunale", "amount_cents": 640_000_00}],
                "milestones": [{"title": "Diagnosi energetiche", "due_on": d(220)}],
            },
            {
                "title": "Wi-Fi cittadino e sportello digitale del cittadino",
                "domain": "government",
                "applicant_kinds": ["municipality"],
                "total_cost_cents": 450_000_00,
                "requested_cents": 450_000_00,
                "start_date": d(45),
                "end_date": d(45 + 400),
                "status": "proposed",
            },
            {
                "title": "Videosorveglianza intelligente nei quartieri",
                "domain": "living",
                "applicant_kinds": ["municipality"],
                "total_cost_cents": 700_000_00,
                "requested_cents": 280_000_00,
                "start_date": d(80),
                "end_date": d(80 + 365),
                "status": "proposed",
                "funding_plan": [{"source_kind": "own", "amount_cents": 420_000_00}],
            },
            {
                "title": "Coworking e incubatore per il distretto tessile",
                "domain": "economy",
                "secondary_domains": ["people"],
                "applicant_kinds": ["municipality", "participated_company"],
                "partners": ["Confindustria Toscana Nord", "PIN Polo universitario"],
                "total_cost_cents": 1_100_000_00,
                "requested_cents": 660_000_00,
                "start_date": d(100),
                "end_date": d(100 + 1800),
                "status": "proposed",
                "reusable": True,
                "funding_plan": [
                    {"source_kind": "own", "amount_cents": 240_000_00},
                    {"source_kind": "private", "label": "Imprese del distretto", "amount_cents": 200_000_00},
                ],
            },
        ],
    }


def demo(session: Session) -> None:
    """Funding lines, project cards for Firenze and Prato, and a draft operational plan (idempotent)."""
    today = date.today()
    line_ids = {}
    for data in _lines(today):
        existing = session.scalar(
            select(FundingLine).where(
                FundingLine.external_source == SOURCE, FundingLine.external_id == data["external_id"]
            )
        )
        if existing is None:
            existing = lines.create_line(session, data | {"external_source": SOURCE})
        line_ids[data["external_id"]] = existing.id
    session.flush()
    groups = {}
    for slug, cards in _projects(today, line_ids).items():
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            continue
        ids = []
        for card in cards:
            project = session.scalar(
                select(Project).where(Project.tenant_id == tenant.id, Project.title == card["title"])
            )
            if project is None:
                project = projects.create_project(session, tenant.id, card)
            ids.append(project.id)
        groups[slug] = ids[:3]
    if groups and session.scalar(select(OperationalPlan).where(OperationalPlan.series == "toscana-2026")) is None:
        plan = plans.create_plan(
            session,
            series="toscana-2026",
            title="Piano operativo del protocollo smart city toscano",
            notes="Primo gruppo di progetti da realizzare con le società partecipate, coordinati a livello regionale.",
            standards=[
                {"code": "TOS-STREETLIGHT", "title": "Illuminazione pubblica 1.0.0"},
                {"code": "TOS-AIRQUALITY", "title": "Qualità dell'aria 1.0.0"},
                {"code": "TOS-TRAFFICFLOW", "title": "Flussi di traffico 1.0.0"},
            ],
            best_practices=[],
            actor="system:seed",
        )
        for slug, ids in groups.items():
            plans.set_municipality(session, plan.id, slug, project_ids=ids, actor="system:seed")
