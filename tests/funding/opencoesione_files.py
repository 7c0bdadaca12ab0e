"""OpenCoesione project files as the portal publishes them (``progetti_esteso``), made by the tests.

The columns are OpenCoesione's own, in its order (a selection of the ~200 of the full table, kept wide
on purpose); text in double quotes, ``;`` between cells, decimal commas, dates as ``YYYYMMDD``, places
joined by ``:::`` and ``COD_COMUNE`` written as region (3 digits) + municipality (6). ``rewrite`` gives
the same table as a spreadsheet or a script re-saves it: ``,``-separated with decimal points.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import date, timedelta

COLUMNS = (
    "COD_LOCALE_PROGETTO", "CUP", "OC_TITOLO_PROGETTO", "OC_SINTESI_PROGETTO", "OC_LINK", "OC_COD_CICLO",
    "OC_DESCR_CICLO", "OC_COD_TEMA_SINTETICO", "OC_TEMA_SINTETICO", "COD_GRANDE_PROGETTO",
    "DESCRIZIONE_GRANDE_PROGETTO", "OC_COD_FONTE", "OC_DESCR_FONTE", "FONDO_COMUNITARIO", "OC_CODICE_PROGRAMMA",
    "OC_DESCRIZIONE_PROGRAMMA", "COD_OB_TEMATICO", "DESCR_OB_TEMATICO", "COD_PRIORITA_INVEST",
    "DESCR_PRIORITA_INVEST", "COD_RISULTATO_ATTESO", "DESCR_RISULTATO_ATTESO", "OC_COD_CATEGORIA_SPESA",
    "OC_DESCR_CATEGORIA_SPESA", "OC_ARTICOLAZIONE_PROGRAMMA", "OC_SUBARTICOLAZIONE_PROGRAMMA",
    "OC_COD_ARTICOLAZ_PROGRAMMA", "OC_DESCR_ARTICOLAZ_PROGRAMMA", "OC_COD_SUBARTICOLAZ_PROGRAMMA",
    "OC_DESCR_SUBARTICOLAZ_PROGRAMMA", "COD_STRUMENTO", "DESCR_STRUMENTO", "DESCR_TIPO_STRUMENTO",
    "COD_PROGETTO_COMPLESSO", "DESCRIZIONE_PROGETTO_COMPLESSO", "COD_TIPO_COMPLESSITA", "DESCR_TIPO_COMPLESSITA",
    "CUP_COD_NATURA", "CUP_DESCR_NATURA", "CUP_COD_TIPOLOGIA", "CUP_DESCR_TIPOLOGIA", "CUP_COD_SETTORE",
    "CUP_DESCR_SETTORE", "CUP_COD_SOTTOSETTORE", "CUP_DESCR_SOTTOSETTORE", "CUP_COD_CATEGORIA",
    "CUP_DESCR_CATEGORIA", "COD_ATECO", "DESCRIZIONE_ATECO", "OC_COD_TIPO_AIUTO", "OC_DESCR_TIPO_AIUTO",
    "COD_REGIONE", "DEN_REGIONE", "COD_PROVINCIA", "DEN_PROVINCIA", "COD_COMUNE", "DEN_COMUNE", "OC_COD_SLL",
    "OC_DENOMINAZIONE_SLL", "FINANZ_UE", "FINANZ_UE_FESR", "FINANZ_UE_FSE", "FINANZ_UE_FEASR", "FINANZ_UE_FEAMP",
    "FINANZ_UE_IOG", "FINANZ_STATO_FONDO_DI_ROTAZIONE", "FINANZ_STATO_FSC", "FINANZ_STATO_PAC",
    "FINANZ_STATO_COMPLETAMENTI", "FINANZ_STATO_ALTRI_PROVVEDIMENTI", "FINANZ_REGIONE", "FINANZ_PROVINCIA",
    "FINANZ_COMUNE", "FINANZ_RISORSE_LIBERATE", "FINANZ_ALTRO_PUBBLICO", "FINANZ_STATO_ESTERO", "FINANZ_PRIVATO",
    "FINANZ_DA_REPERIRE", "FINANZ_TOTALE_PUBBLICO", "ECONOMIE_TOTALI", "ECONOMIE_TOTALI_PUBBLICHE",
    "OC_FINANZ_UE_NETTO", "OC_FINANZ_STATO_FSC_NETTO", "OC_FINANZ_TOT_PUB_NETTO", "IMPEGNI", "TOT_PAGAMENTI",
    "COSTO_REALIZZATO", "OC_COSTO_COESIONE", "OC_IMPEGNI_COESIONE", "OC_PAGAMENTI_COESIONE",
    "OC_DATA_INIZIO_PROGETTO", "OC_DATA_FINE_PROGETTO_PREVISTA", "OC_DATA_FINE_PROGETTO_EFFETTIVA",
    "DATA_INIZIO_PREV_STUDIO_FATT", "DATA_INIZIO_EFF_STUDIO_FATT", "DATA_FINE_PREV_STUDIO_FATT",
    "DATA_FINE_EFF_STUDIO_FATT", "DATA_INIZIO_PREV_ESECUZIONE", "DATA_INIZIO_EFF_ESECUZIONE",
    "DATA_FINE_PREV_ESECUZIONE", "DATA_FINE_EFF_ESECUZIONE", "OC_STATO_FINANZIARIO", "OC_STATO_PROGETTO",
    "OC_STATO_PROCEDURALE", "OC_COD_FASE_CORRENTE", "OC_DESCR_FASE_CORRENTE", "COD_PROCED_ATTIVAZIONE",
    "DESCR_PROCED_ATTIVAZIONE", "OC_CODFISC_PROGRAMMATORE", "OC_DENOM_PROGRAMMATORE", "OC_CODFISC_ATTUATORE",
    "OC_DENOM_ATTUATORE", "OC_CODFISC_BENEFICIARIO", "OC_DENOM_BENEFICIARIO", "OC_TOTALE_BENEFICIARI",
    "OC_FLAG_VISUALIZZAZIONE", "OC_FLAG_PAC", "DATA_AGGIORNAMENTO",
)
AMOUNT_COLUMNS = frozenset(c for c in COLUMNS if c.startswith(("FINANZ_", "OC_FINANZ_", "ECONOMIE_", "OC_COSTO",
                                                               "OC_IMPEGNI", "OC_PAGAMENTI"))) | {
    "IMPEGNI", "TOT_PAGAMENTI", "COSTO_REALIZZATO"}
# Municipalities outside the demo region's tenants, with their region and province codes and names.
ELSEWHERE = [
    ("003", "LOMBARDIA", "015", "MILANO", "015146", "MILANO"),
    ("012", "LAZIO", "058", "ROMA", "058091", "ROMA"),
    ("015", "CAMPANIA", "063", "NAPOLI", "063049", "NAPOLI"),
    ("009", "TOSCANA", "046", "LUCCA", "046017", "LUCCA"),
    ("009", "TOSCANA", "047", "PISTOIA", "047014", "PISTOIA"),
    ("019", "SICILIA", "082", "PALERMO", "082053", "PALERMO"),
]
TUSCANY = {"048017": ("048", "FIRENZE", "FIRENZE"), "100005": ("100", "PRATO", "PRATO"),
           "050026": ("050", "PISA", "PISA"), "053011": ("053", "GROSSETO", "GROSSETO"),
           "052032": ("052", "SIENA", "SIENA")}
STATES = ("In corso", "Concluso", "Non avviato", "Liquidato")


def place(istat: str) -> dict:
    """The place columns of a Tuscan municipality of the demo (COD_* as OpenCoesione writes them)."""
    province, province_name, name = TUSCANY[istat]
    return {"COD_REGIONE": "009", "DEN_REGIONE": "TOSCANA", "COD_PROVINCIA": "009" + province,
            "DEN_PROVINCIA": province_name, "COD_COMUNE": "009" + istat, "DEN_COMUNE": name}


def project(local_code: str, cup: str, title: str, *, public: str, payments: str = "0", eu: str = "0",
            fsc: str = "0", net: str | None = None, state: str = "In corso", start: str = "", end: str = "",
            programme: str = "PR TOSCANA FESR 2021-2027", **places) -> dict:
    """One row; amounts as OpenCoesione writes them (decimal comma), places given by ``place()``."""
    return {"COD_LOCALE_PROGETTO": local_code, "CUP": cup, "OC_TITOLO_PROGETTO": title,
            "OC_SINTESI_PROGETTO": title.capitalize(), "OC_COD_CICLO": "3", "OC_DESCR_CICLO": "Ciclo 2021-2027",
            "OC_DESCRIZIONE_PROGRAMMA": programme, "FINANZ_TOTALE_PUBBLICO": public, "TOT_PAGAMENTI": payments,
            "FINANZ_UE": eu, "FINANZ_STATO_FSC": fsc, "OC_FINANZ_TOT_PUB_NETTO": net if net is not None else public,
            "OC_STATO_PROGETTO": state, "OC_DATA_INIZIO_PROGETTO": start, "OC_DATA_FINE_PROGETTO_PREVISTA": end,
            "DATA_AGGIORNAMENTO": "20261031", "OC_FLAG_VISUALIZZAZIONE": "0", **places}


def filler(rng: random.Random, number: int) -> dict:
    """A project elsewhere in Italy (most rows of a national or regional file are someone else's)."""
    region, region_name, province, province_name, istat, name = ELSEWHERE[number % len(ELSEWHERE)]
    year = 17 + number % 9
    cup = f"{'BCDEFGHIJ'[number % 9]}{rng.randint(10, 99)}{'ABCDEFGHIJ'[number % 10]}{year:02d}{number:09d}"
    start = date(2015, 1, 1) + timedelta(days=number % 3000)
    # The descriptive columns a real row carries (a published row is one to two kilobytes).
    described = {
        "OC_LINK": f"https://opencoesione.gov.it/it/progetti/{number % 7}fesr{region}-{number:07d}/",
        "OC_COD_TEMA_SINTETICO": "10", "OC_TEMA_SINTETICO": "Istruzione", "OC_COD_FONTE": "FS1420",
        "OC_DESCR_FONTE": "Fondi Strutturali 2014-2020", "FONDO_COMUNITARIO": "FESR",
        "OC_CODICE_PROGRAMMA": f"2014IT16RFOP0{region[1:]}", "COD_OB_TEMATICO": "10",
        "DESCR_OB_TEMATICO": "INVESTIRE NELL'ISTRUZIONE, NELLA FORMAZIONE E NELLA FORMAZIONE PROFESSIONALE",
        "COD_RISULTATO_ATTESO": "10.7", "DESCR_RISULTATO_ATTESO": "AUMENTO DELLA PROPENSIONE DEI GIOVANI A "
        "PERMANERE NEI CONTESTI FORMATIVI, ATTRAVERSO IL MIGLIORAMENTO DELLA SICUREZZA E DELLA FRUIBILITÀ DEGLI "
        "AMBIENTI SCOLASTICI", "CUP_COD_NATURA": "03", "CUP_DESCR_NATURA": "REALIZZAZIONE DI LAVORI PUBBLICI "
        "(OPERE ED IMPIANTISTICA)", "CUP_COD_TIPOLOGIA": "07", "CUP_DESCR_TIPOLOGIA": "MANUTENZIONE STRAORDINARIA",
        "CUP_COD_SETTORE": "05", "CUP_DESCR_SETTORE": "INFRASTRUTTURE SOCIALI", "CUP_COD_SOTTOSETTORE": "08",
        "CUP_DESCR_SOTTOSETTORE": "SOCIALI E SCOLASTICHE", "CUP_COD_CATEGORIA": "086",
        "CUP_DESCR_CATEGORIA": "SCUOLE PRIMARIE", "OC_STATO_PROCEDURALE": "In esecuzione",
        "OC_CODFISC_BENEFICIARIO": f"{80000000000 + number:011d}",
        "OC_DENOM_BENEFICIARIO": f"COMUNE DI {name}", "OC_DENOM_PROGRAMMATORE": f"REGIONE {region_name}",
    }
    return described | project(f"{number % 7}FESR{region}-{number:07d}", cup if number % 23 else "",
                   f"RIQUALIFICAZIONE EDIFICIO SCOLASTICO N. {number} - {name}",
                   public=f"{rng.randint(10_000, 9_000_000)},{rng.randint(0, 99):02d}",
                   payments=f"{rng.randint(0, 10_000)},{rng.randint(0, 99):02d}", state=STATES[number % 4],
                   start=start.strftime("%Y%m%d"), end=(start + timedelta(days=700)).strftime("%Y%m%d"),
                   COD_REGIONE=region, DEN_REGIONE=region_name, COD_PROVINCIA=region + province,
                   DEN_PROVINCIA=province_name, COD_COMUNE=region + istat, DEN_COMUNE=name)


def table(rows, *, delimiter: str = ";", decimal: str = ",") -> str:
    """The CSV text of the rows: every column present, text quoted, amounts with the given decimal mark."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = []
        for column in COLUMNS:
            value = row.get(column, "")
            if decimal != "," and column in AMOUNT_COLUMNS:
                value = value.replace(",", decimal)
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue()


def zipped(name: str, text: str | bytes, *, encoding: str = "utf-8", extra: dict[str, bytes] | None = None) -> bytes:
    """A zip as OpenCoesione publishes it: the table alone (or with ``extra`` members)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text.encode(encoding) if isinstance(text, str) else text)
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    return buffer.getvalue()


def write_large(path, rows: int, *, known: list[dict], seed: int = 2017) -> None:
    """A regional file of ``rows`` rows written as it streams (for the benchmark): the ``known`` rows spread
    through many others, zipped like OpenCoesione's."""
    rng = random.Random(seed)
    step = max(rows // max(len(known), 1), 1)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("progetti_esteso_TOS.csv", "w") as member:
        text = io.TextIOWrapper(member, encoding="utf-8", newline="")
        writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for number in range(rows):
            row = known[number // step] if number % step == 0 and number // step < len(known) else filler(rng, number)
            writer.writerow([row.get(column, "") for column in COLUMNS])
        text.flush()
        text.detach()
