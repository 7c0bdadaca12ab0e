"""Inventory kinds (tipi di inventario): their columns in English and Italian, and how a row is checked.

A label is an English message of the catalogue: its Italian (the templates' headers, the import's header
recognition, the API's ``label_it``) is the catalogue's translation, read with or without a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext, pgettext
from smartregion.i18n import N_, NC_, translate

from .values import fold, normalize_header


class _Labelled:
    """``label_en`` is the message id (within ``context`` when one English word has two Italian ones)."""

    label_en: str
    context: str | None

    @property
    def label_it(self) -> str:
        return translate(self.label_en, "it", context=self.context)

    @property
    def label(self) -> str:
        """The label in the page's language."""
        return pgettext(self.context, self.label_en) if self.context else gettext(self.label_en)


@dataclass(frozen=True)
class Field(_Labelled):
    """One column of an inventory kind."""

    name: str
    label_en: str
    type: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: dict[str, str] = field(default_factory=dict)
    positive: bool = False
    example: str = ""
    context: str | None = None


@dataclass(frozen=True)
class SmartDataModel:
    """The Smart Data Models entity an inventory kind is published as, and which field feeds which attribute.

    Declarative on purpose: the NGSI-LD export reads it, so a new kind needs no export code.
    """

    entity_type: str
    subject: str
    attributes: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind(_Labelled):
    """An inventory kind: a point or line layer of the network cadastre."""

    slug: str
    label_en: str
    geometry: str
    fields: tuple[Field, ...]
    category: str
    category_field: str | None = None
    aliases: tuple[str, ...] = ()
    smart_data_model: SmartDataModel | None = None
    context: str | None = None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def template_fields(self) -> tuple[Field, ...]:
        """The columns offered in the template: projected x/y are accepted but not suggested."""
        return tuple(f for f in self.fields if f.type not in ("x", "y"))


def _choices(mapping: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, words in mapping.items():
        for word in (canonical, *words):
            table[fold(word)] = canonical
    return table


ASSET_ID = Field("asset_id", N_("Asset id"), "id", True,
                 ("id", "codice", "codice_asset", "id_asset", "codice_punto_luce", "id_punto_luce",
                  "punto_luce", "matricola", "identificativo", "codice_identificativo", "cod", "asset",
                  "fid_gestore", "codice_tratta", "id_tratta", "codice_sensore", "id_sensore",
                  "codice_unita", "id_unita", "codice_albero", "id_albero", "numero_albero", "n_albero",
                  "codice_pianta", "id_pianta", "stop_id", "codice_fermata", "id_fermata", "id_colonnina",
                  "codice_colonnina", "id_stazione", "codice_stazione", "id_pdr", "evse_id"),
                 example="PL-000001")
LATITUDE = Field("latitude", N_("Latitude (WGS84)"), "latitude", False,
                 ("lat", "latitudine", "lat_wgs84", "y_wgs84", "stop_lat", "lat_dd", "latitude_wgs84"),
                 example="43.5486")
LONGITUDE = Field("longitude", N_("Longitude (WGS84)"), "longitude", False,
                  ("lon", "lng", "long", "longitudine", "lon_wgs84", "x_wgs84", "stop_lon", "lon_dd",
                   "longitude_wgs84"), example="10.3106")
X = Field("x", N_("Easting"), "x", False,
          ("x", "e", "est", "east", "easting", "coord_x", "coordx", "coordinata_x", "x_coord", "x_gb", "est_gb",
           "x_utm", "utm_x", "coord_est", "gauss_boaga_x"))
Y = Field("y", N_("Northing"), "y", False,
          ("y", "n", "nord", "north", "northing", "coord_y", "coordy", "coordinata_y", "y_coord", "y_gb",
           "nord_gb", "y_utm", "utm_y", "coord_nord", "gauss_boaga_y"))
OPERATOR = Field("operator", N_("Operator"), "text", False,
                 ("gestore", "operatore", "societa", "ente_gestore", "owner", "proprietario"),
                 example="ASA S.p.A.")
INSTALLED_ON = Field("installed_on", N_("Installed on"), "date", False,
                     ("installation_date", "installed", "data_installazione", "installato_il",
                      "data_posa", "installazione", "anno_posa_data"), example="2019-05-14")
STREET = Field("street", N_("Street"), "text", False,
               ("via", "indirizzo", "address", "strada", "toponimo", "ubicazione"), example="Via Roma")
WKT = Field("wkt", N_("Geometry (WKT)"), "wkt", False, ("geometry", "geometria", "geom", "the_geom"),
            example="LINESTRING(10.3106 43.5486, 10.3120 43.5490)")

LAMP_TECHNOLOGIES = _choices({
    "LED": ("led", "diodi", "diodi led"),
    "HPS": ("sap", "sodio alta pressione", "sodio ad alta pressione", "high pressure sodium", "sodium"),
    "MH": ("jm", "ioduri metallici", "alogenuri metallici", "metal halide", "metal-halide"),
    "CFL": ("fluorescente", "fluorescente compatta", "compact fluorescent", "fluorescent"),
    "other": ("altro", "altra", "other", "mercurio", "hg", "sbp", "incandescenza"),
})

NETWORKS = _choices({
    "water": ("acqua", "acquedotto", "idrica", "rete idrica", "idrico"),
    "sewer": ("fognatura", "fogna", "fognaria", "acque reflue", "wastewater"),
    "gas": ("metano", "gas naturale", "rete gas"),
    "electricity": ("elettrica", "energia elettrica", "rete elettrica", "power", "electric"),
    "district-heating": ("teleriscaldamento", "district heating", "heating"),
    "telecom": ("telecomunicazioni", "tlc", "fibra", "fibra ottica", "fibre", "fiber", "broadband"),
    "public-lighting": ("illuminazione pubblica", "illuminazione", "lighting", "ip"),
})

SEGMENT_STATUS = _choices({
    "in-service": ("in esercizio", "attivo", "active", "in service", "esercizio"),
    "out-of-service": ("dismesso", "fuori servizio", "abandoned", "out of service", "inattivo"),
    "planned": ("in progetto", "progetto", "pianificato", "planned", "previsto"),
    "under-construction": ("in costruzione", "in realizzazione", "cantiere", "under construction"),
})

SENSOR_TYPES = _choices({
    "air-quality": ("qualita aria", "qualita dell'aria", "aria", "air quality", "pm10", "inquinamento"),
    "noise": ("rumore", "acustico", "fonometro"),
    "traffic": ("traffico", "spire", "contatraffico"),
    "parking": ("parcheggio", "stallo", "sosta"),
    "weather": ("meteo", "stazione meteo", "meteorologico"),
    "water-level": ("livello idrometrico", "idrometro", "livello acqua", "water level"),
    "water-meter": ("contatore acqua", "contatore idrico", "smart meter acqua"),
    "energy-meter": ("contatore energia", "contatore elettrico", "smart meter"),
    "waste-fill": ("riempimento cassonetto", "cassonetto", "rifiuti", "waste"),
    "people-counter": ("contapersone", "conta persone", "people counter"),
    "other": ("altro", "altra"),
})

BROADBAND_TECHNOLOGIES = _choices({
    "FTTH": ("fibra", "fibra ottica", "ftth", "fibre to the home", "bul fibra"),
    "FTTB": ("fttb",),
    "FTTC": ("fttc", "vdsl", "misto fibra rame", "fibra misto rame"),
    "FWA": ("fwa", "fixed wireless", "wireless", "radio"),
    "ADSL": ("adsl", "rame", "xdsl"),
    "satellite": ("satellite", "satellitare"),
    "other": ("altro", "altra"),
})


PUBLIC_LIGHTING = Kind(
    "public-lighting", N_("Public lighting points"), "point",
    (
        ASSET_ID, LATITUDE, LONGITUDE, X, Y,
        Field("lamp_technology", N_("Lamp technology"), "choice", False,
              ("technology", "tecnologia", "tecnologia_lampada", "tipo_lampada", "lamp_type", "lampada",
               "sorgente", "sorgente_luminosa"), LAMP_TECHNOLOGIES, example="LED"),
        Field("power_w", N_("Power (W)"), "number", False,
              ("power", "potenza", "potenza_w", "watt", "w", "potenza_watt"), positive=True, example="42,5"),
        STREET, INSTALLED_ON,
        Field("dimmable", N_("Dimmable"), "bool", False,
              ("dimmerabile", "regolabile", "dimming", "riduzione_flusso"), example="sì"),
        Field("smart_node", N_("Smart node"), "bool", False,
              ("nodo_smart", "telecontrollo", "smart", "telegestione", "nodo_telegestione"), example="no"),
        OPERATOR,
    ),
    category="public-lighting",
)

NETWORK_SEGMENTS = Kind(
    "network-segments", N_("Network segments"), "line",
    (
        ASSET_ID,
        Field("network", N_("Network"), "choice", True,
              ("rete", "tipo_rete", "servizio", "category", "categoria", "network_type", "layer"),
              NETWORKS, example="water"),
        WKT,
        Field("material", N_("Material"), "text", False, ("materiale",), example="PEAD"),
        Field("diameter_mm", N_("Diameter (mm)"), "number", False,
              ("diametro", "diametro_mm", "dn", "diameter"), positive=True, example="110"),
        Field("depth_m", N_("Depth (m)"), "number", False,
              ("profondita", "profondita_m", "depth", "profondita_di_posa"), positive=True, example="1,2"),
        Field("status", N_("Status"), "choice", False, ("stato", "stato_esercizio"), SEGMENT_STATUS,
              example="in-service"),
        INSTALLED_ON, OPERATOR,
    ),
    category="network",
    category_field="network",
)

SENSORS = Kind(
    "sensors", N_("Sensors"), "point",
    (
        ASSET_ID, LATITUDE, LONGITUDE, X, Y,
        Field("sensor_type", N_("Sensor type"), "choice", True,
              ("tipo_sensore", "tipo", "type", "grandezza", "categoria_sensore"), SENSOR_TYPES,
              example="air-quality"),
        Field("model", N_("Model"), "text", False, ("modello", "produttore_modello"), example="AQ-200"),
        Field("connectivity", N_("Connectivity"), "text", False,
              ("connettivita", "protocollo", "protocol", "rete_dati"), example="LoRaWAN"),
        Field("data_feed_url", N_("Data feed URL"), "url", False,
              ("feed_url", "url", "url_dati", "endpoint", "data_url"), example="https://example.org/feed"),
        STREET, INSTALLED_ON, OPERATOR,
    ),
    category="sensors",
)

BROADBAND_COVERAGE = Kind(
    "broadband-coverage", N_("Broadband coverage units"), "point",
    (
        ASSET_ID, LATITUDE, LONGITUDE, X, Y,
        Field("istat_code", N_("ISTAT municipality code"), "istat", False,
              ("codice_istat", "istat", "cod_istat", "pro_com_t", "codice_comune"), example="049008"),
        Field("technology", N_("Technology"), "choice", True,
              ("tecnologia", "tipo_progetto", "tipo_copertura", "access_technology"), BROADBAND_TECHNOLOGIES,
              example="FTTH"),
        Field("download_mbps", N_("Download (Mbit/s)"), "number", True,
              ("velocita", "velocita_download", "mbps", "download", "velocita_mbps", "banda_mbps"),
              positive=True, example="1000"),
        Field("housing_units", N_("Housing units"), "integer", False,
              ("unita_immobiliari", "ui", "numero_ui", "civici", "units"), example="12"),
        STREET, OPERATOR,
    ),
    category="broadband",
)

TREE_CONDITION = _choices({
    "good": ("buono", "buona", "ottimo", "vigoroso", "sano"),
    "fair": ("discreto", "discreta", "medio", "mediocre", "sufficiente"),
    "poor": ("scarso", "scarsa", "cattivo", "pessimo", "deperiente", "sofferente", "compromesso"),
    "dead": ("morto", "secco", "seccaggine", "deceased"),
})
# Failure propensity classes (classi di propensione al cedimento, FRC) of Italian tree surveys.
TREE_RISK = _choices({"A": ("classe a",), "B": ("classe b",), "C": ("classe c",), "C-D": ("cd", "c/d", "classe c-d"),
                      "D": ("classe d",)})
CHARGER_STATUS = _choices({
    "available": ("attivo", "attiva", "disponibile", "in servizio", "in esercizio", "operativo", "working",
                  "operational", "in service"),
    "out-of-service": ("fuori servizio", "guasto", "non disponibile", "inattivo", "outofservice", "out of order"),
    "planned": ("in progetto", "previsto", "pianificato", "planned", "in programma"),
    "under-construction": ("in costruzione", "in realizzazione", "in installazione", "under construction"),
})

URBAN_TREES = Kind(
    "urban-trees", N_("Urban trees"), "point",
    (
        ASSET_ID, LATITUDE, LONGITUDE, X, Y,
        Field("species", N_("Species"), "text", True,
              ("specie", "specie_botanica", "nome_scientifico", "nome_latino", "essenza", "genere_specie",
               "species_name", "scientific_name", "taxon", "nome_specie", "specie_arborea"),
              example="Tilia cordata"),
        Field("common_name", N_("Common name"), "text", False,
              ("nome_comune", "nome_volgare", "nome_italiano", "common_name"), example="Tiglio"),
        Field("height_m", N_("Height (m)"), "number", False,
              ("altezza", "altezza_m", "h_m", "h", "height", "altezza_metri"), positive=True, example="12,5"),
        Field("height_class", N_("Height class"), "text", False,
              ("classe_altezza", "classe_h", "cl_altezza", "height_class"), example="12-18 m"),
        Field("trunk_circumference_cm", N_("Trunk circumference (cm)"), "number", False,
              ("circonferenza", "circonferenza_cm", "circ_fusto", "circonferenza_fusto", "circonferenza_tronco",
               "circumference"), positive=True, example="145"),
        Field("trunk_class", N_("Trunk class"), "text", False,
              ("classe_circonferenza", "classe_diametro", "classe_fusto", "cl_circonferenza", "trunk_class",
               "classe_dbh"), example="100-150 cm"),
        Field("planted_on", N_("Planted on"), "date", False,
              ("data_impianto", "data_messa_a_dimora", "data_piantagione", "planting_date", "planted"),
              example="2015-03-21"),
        Field("surveyed_on", N_("Surveyed on"), "date", False,
              ("data_rilievo", "data_censimento", "data_ril", "data_sopralluogo", "survey_date", "census_date"),
              example="2024-10-02"),
        Field("condition", N_("Condition"), "choice", False,
              ("stato_vegetativo", "condizione", "condizioni", "stato_fitosanitario", "vigore", "stato"),
              TREE_CONDITION, example="good"),
        Field("risk_class", N_("Failure propensity class (FRC)"), "choice",
              False, ("classe_frc", "frc", "classe_di_rischio", "classe_rischio", "propensione_cedimento"),
              TREE_RISK, example="B"),
        STREET, OPERATOR,
    ),
    category="urban-trees",
    aliases=("alberi", "catasto alberi", "alberature", "verde urbano", "trees", "tree register"),
    # No Smart Data Model describes a single tree (ParksAndGardens covers gardens and flower beds).
    smart_data_model=None,
)

# A charging station's "Name" is its «Denominazione», not the pages' «Nome»: a message in its own context.
CHARGING_STATION = "charging station"

EV_CHARGING = Kind(
    "ev-charging", N_("EV charging points"), "point",
    (
        ASSET_ID, LATITUDE, LONGITUDE, X, Y,
        Field("name", NC_("charging station", "Name"), "text", False,
              ("nome", "denominazione", "nome_stazione", "station_name", "title"), example="Piazza della Libertà",
              context=CHARGING_STATION),
        Field("power_kw", N_("Power (kW)"), "number", False,
              ("potenza", "potenza_kw", "kw", "potenza_max", "potenza_massima", "max_power", "power"),
              positive=True, example="22"),
        Field("connectors", N_("Connectors"), "text", False,
              ("connettori", "prese", "tipo_presa", "tipi_presa", "socket_type", "plug_type", "connector_type",
               "tipo_connettore"), example="Type 2; CCS"),
        Field("sockets", N_("Number of sockets"), "integer", False,
              ("numero_prese", "n_prese", "num_prese", "socket_number", "punti_ricarica", "n_punti"),
              example="2"),
        Field("status", N_("Status"), "choice", False, ("stato", "stato_esercizio", "disponibilita"),
              CHARGER_STATUS, example="available"),
        STREET, OPERATOR,
    ),
    category="ev-charging",
    aliases=("colonnine", "ricarica", "colonnine di ricarica", "charging points", "ev chargers"),
    smart_data_model=SmartDataModel(
        "EVChargingStation", "dataModel.Transportation",
        {"name": "name", "connectors": "socketType", "sockets": "socketNumber", "status": "status",
         "operator": "operator", "street": "address"},
        {"status": {"available": "working", "out-of-service": "outOfService", "planned": "outOfService",
                    "under-construction": "outOfService"}}),
)

TRANSIT_STOPS = Kind(
    "transit-stops", N_("Public transport stops"), "point",
    (
        ASSET_ID, LATITUDE, LONGITUDE, X, Y,
        Field("name", N_("Stop name"), "text", True,
              ("stop_name", "nome", "nome_fermata", "denominazione", "fermata", "denominazione_fermata"),
              example="Stazione Leopolda"),
        Field("stop_code", N_("Stop code shown to riders"), "text", False,
              ("stop_code", "codice_palina", "palina", "numero_palina"), example="FM0123"),
        Field("lines", N_("Lines"), "text", False,
              ("linee", "linea", "routes", "route_short_name", "lines", "linee_servite"), example="6; 11; T1"),
        Field("wheelchair_accessible", N_("Wheelchair accessible"), "bool", False,
              ("accessibile", "wheelchair_boarding", "accessibilita", "disabili"), example="sì"),
        STREET, OPERATOR,
    ),
    category="transit-stops",
    aliases=("fermate", "fermate tpl", "paline", "stops", "bus stops"),
    smart_data_model=SmartDataModel(
        "GtfsStop", "dataModel.UrbanMobility",
        {"name": "name", "stop_code": "code", "wheelchair_accessible": "wheelChairAccessible"}),
)

KINDS: dict[str, Kind] = {k.slug: k for k in (PUBLIC_LIGHTING, NETWORK_SEGMENTS, SENSORS, BROADBAND_COVERAGE,
                                               URBAN_TREES, EV_CHARGING, TRANSIT_STOPS)}


def get_kind(slug: str) -> Kind:
    """The kind for a slug, or for one of its Italian or English names; raises KeyError with the accepted slugs."""
    if slug in KINDS:
        return KINDS[slug]
    word = fold(str(slug)).replace("-", " ").replace("_", " ")
    for kind in KINDS.values():
        if word in {fold(a) for a in (*kind.aliases, kind.label_en, kind.label_it, kind.slug.replace("-", " "))}:
            return kind
    raise KeyError(f"unknown inventory kind {slug!r}; use one of {', '.join(KINDS)}")


def alias_table(kind: Kind) -> dict[str, str]:
    """Normalised header word -> field name, English and Italian."""
    table: dict[str, str] = {}
    for item in kind.fields:
        for word in (item.name, *item.aliases, item.label_en, item.label_it):
            table.setdefault(normalize_header(word), item.name)
    return table


def match_header(kind: Kind, header: str, table: dict[str, str] | None = None) -> str | None:
    """The field a column header stands for, or None; DBF's 10-character truncation is recognised."""
    table = table if table is not None else alias_table(kind)
    word = normalize_header(header)
    if word in table:
        return table[word]
    if len(word) == 10:
        found = {name for alias, name in table.items() if alias.startswith(word)}
        if len(found) == 1:
            return found.pop()
    return None
