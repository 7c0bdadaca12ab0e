"""Code lists (liste di codici) that survey-schema choice fields refer to by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One entry of a code list: a stable code and its Italian and English labels."""

    code: str
    it: str
    en: str

    def to_dict(self) -> dict:
        return {"code": self.code, "label": {"it": self.it, "en": self.en}}


@dataclass(frozen=True)
class CodeList:
    key: str
    it: str
    en: str
    codes: tuple[Code, ...]

    def codes_set(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes)


def _list(key: str, it: str, en: str, *rows: tuple[str, str, str]) -> CodeList:
    return CodeList(key, it, en, tuple(Code(*row) for row in rows))


ANCI_DOMAINS = _list(
    "anci-domains", "Domini smart city (classificazione ANCI)", "Smart-city domains (ANCI classification)",
    ("energy", "Energia", "Energy"),
    ("environment", "Ambiente", "Environment"),
    ("mobility", "Mobilità", "Mobility"),
    ("government", "Governo", "Government"),
    ("economy", "Economia", "Economy"),
    ("people", "Persone", "People"),
    ("living", "Qualità della vita", "Living"),
    ("planning", "Pianificazione", "Planning"),
)

# The network categories of the national federated infrastructure information system (SINFI,
# DM 11 May 2016), which the regional cadastre of L.R. 48/2015 aligns with.
SINFI_NETWORK_CATEGORIES = _list(
    "sinfi-network-categories", "Categorie di rete del catasto SINFI", "SINFI cadastre network categories",
    ("electricity", "Rete elettrica", "Electricity"),
    ("gas", "Rete del gas", "Gas"),
    ("water_supply", "Rete di approvvigionamento idrico (acquedotto)", "Water supply"),
    ("sewerage", "Rete di smaltimento delle acque (fognatura)", "Sewerage"),
    ("district_heating", "Rete di teleriscaldamento", "District heating"),
    ("telecommunications", "Rete di telecomunicazioni", "Telecommunications"),
    ("public_lighting", "Rete di pubblica illuminazione", "Public lighting"),
    ("oil_pipelines", "Oleodotti", "Oil pipelines"),
    ("radio_sites", "Siti radio (telecomunicazioni e radiotelevisivi)",
     "Radio sites (telecom and broadcast)"),
    ("shared_ducts", "Infrastrutture di posa ad uso promiscuo (cavidotti, polifore)",
     "Shared-use ducts and conduits"),
)

SERVICE_STATUSES = _list(
    "service-statuses", "Stato del servizio", "Service status",
    ("operational", "In esercizio", "Operational"),
    ("pilot", "Sperimentazione", "Pilot"),
    ("planned", "Programmato", "Planned"),
    ("discontinued", "Dismesso", "Discontinued"),
)

OPERATOR_KINDS = _list(
    "operator-kinds", "Soggetto gestore", "Operator",
    ("municipality", "Comune", "Municipality"),
    ("participated_company", "Società partecipata", "Participated company"),
    ("private_concessionaire", "Concessionario privato", "Private concessionaire"),
    ("public_private_partnership", "Partenariato pubblico-privato", "Public-private partnership"),
    ("university_research", "Università o centro di ricerca", "University or research centre"),
    ("other", "Altro", "Other"),
)

SERVICE_CHANNELS = _list(
    "service-channels", "Canali di erogazione", "Delivery channels",
    ("web", "Portale web", "Web portal"),
    ("app", "App per smartphone", "Mobile app"),
    ("desk", "Sportello fisico", "Front desk"),
    ("kiosk", "Totem o chiosco", "Kiosk"),
    ("iot", "Sensori e dispositivi IoT", "Sensors and IoT devices"),
    ("contact_center", "Contact center", "Contact centre"),
    ("open_data", "Open data e API", "Open data and APIs"),
)

SENSOR_KINDS = _list(
    "sensor-kinds", "Tipi di sensori", "Sensor kinds",
    ("air_quality", "Qualità dell'aria", "Air quality"),
    ("traffic", "Flussi di traffico", "Traffic flow"),
    ("parking", "Occupazione parcheggi", "Parking occupancy"),
    ("noise", "Rumore", "Noise"),
    ("weather", "Meteo", "Weather"),
    ("water_level", "Livello idrometrico", "Water level"),
    ("waste_fill", "Riempimento cassonetti", "Waste-bin fill level"),
    ("energy_meter", "Contatori energia", "Energy meters"),
    ("water_meter", "Contatori acqua", "Water meters"),
    ("lighting", "Illuminazione adattiva", "Adaptive lighting"),
    ("people_counting", "Conteggio persone", "People counting"),
)

NETWORK_POSITIONS = _list(
    "network-positions", "Posa della rete", "Network placement",
    ("underground", "Interrata", "Underground"),
    ("overhead", "Aerea", "Overhead"),
    ("mixed", "Mista", "Mixed"),
)

GIS_FORMATS = _list(
    "gis-formats", "Formato dei dati cartografici", "Map data format",
    ("shapefile", "Shapefile", "Shapefile"),
    ("geopackage", "GeoPackage", "GeoPackage"),
    ("geojson", "GeoJSON", "GeoJSON"),
    ("gml_inspire", "GML / INSPIRE", "GML / INSPIRE"),
    ("cad", "DXF / DWG (CAD)", "DXF / DWG (CAD)"),
    ("paper", "Solo cartaceo", "Paper only"),
    ("none", "Nessun dato cartografico", "No map data"),
)

BROADBAND_WORK_STATUSES = _list(
    "broadband-work-statuses", "Stato dei lavori banda ultra larga (Infratel)",
    "Ultra-broadband works status (Infratel)",
    ("final_design", "In progettazione definitiva", "Final design in progress"),
    ("design_review", "Verifica/correzione definitivo", "Final design under review"),
    ("design_approval", "In approvazione progetto definitivo", "Final design awaiting approval"),
    ("design_approved", "Progetto definitivo approvato", "Final design approved"),
    ("awaiting_permits", "In attesa di autorizzazioni", "Awaiting permits"),
    ("works", "In esecuzione", "Works in progress"),
    ("completed", "Completato", "Completed"),
)

PROJECT_STATUSES = _list(
    "project-statuses", "Stato del progetto", "Project status",
    ("idea", "Idea progettuale", "Idea"),
    ("design", "In progettazione", "In design"),
    ("in_progress", "In corso", "In progress"),
    ("completed", "Concluso", "Completed"),
    ("suspended", "Sospeso", "Suspended"),
)

FUNDING_SOURCES = _list(
    "funding-sources", "Fonti di finanziamento", "Funding sources",
    ("municipal_budget", "Bilancio comunale", "Municipal budget"),
    ("company_budget", "Risorse della società partecipata", "Participated company's own funds"),
    ("regional", "Fondi regionali", "Regional funds"),
    ("erdf", "FESR (programma regionale)", "ERDF (regional programme)"),
    ("national", "Fondi nazionali", "National funds"),
    ("pnrr", "PNRR", "Recovery and Resilience Plan (PNRR)"),
    ("fsc", "Fondo Sviluppo e Coesione", "Development and Cohesion Fund"),
    ("horizon", "Horizon 2020 / Horizon Europe", "Horizon 2020 / Horizon Europe"),
    ("life", "LIFE", "LIFE"),
    ("digital_europe_cef", "Digital Europe / CEF", "Digital Europe / CEF"),
    ("private", "Capitali privati", "Private capital"),
    ("other", "Altro", "Other"),
)

CODE_LISTS: Mapping[str, CodeList] = {
    cl.key: cl
    for cl in (
        ANCI_DOMAINS, SINFI_NETWORK_CATEGORIES, SERVICE_STATUSES, OPERATOR_KINDS, SERVICE_CHANNELS,
        SENSOR_KINDS, NETWORK_POSITIONS, GIS_FORMATS, BROADBAND_WORK_STATUSES, PROJECT_STATUSES,
        FUNDING_SOURCES,
    )
}


def get_code_list(key: str) -> CodeList:
    """The code list named `key`; KeyError when unknown."""
    return CODE_LISTS[key]
