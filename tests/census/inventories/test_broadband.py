"""The national ultra-broadband table as published today: about 7,700 municipalities by name and province."""

from __future__ import annotations

import io

from census.inventories import broadband, municipalities

HEADER = ("Regione;Provincia;Citta;Stato Fibra;Stato FWA;PCN_route;Nome sede PCN;Fibra;FWA;Piano fibra (anno);"
          "Piano FWA (anno)")
FIBRE = ["in programmazione", "in progettazione definitiva", "in progettazione esecutiva", "in esecuzione",
         "in collaudo", "terminato", "Lavori chiusi", ""]
FWA = ["", "in progettazione", "in esecuzione", "terminato", "In commercializzazione"]


def _agency_name(name: str) -> str:
    """The agency writes names in capitals with an apostrophe for a final accent: FORLI', CANTU'."""
    accents = str.maketrans("ÀÈÉÌÒÙàèéìòù", "AEEIOUAEEIOU")
    upper = name.upper()
    return upper[:-1].translate(accents) + upper[-1].translate(accents) + "'" \
        if upper[-1] in "ÀÈÉÌÒÙ" else upper.translate(accents)


def _today_table() -> tuple[bytes, int]:
    """Every municipality of eight regions, in today's layout and with its quirks; a few former names."""
    by_code, _, _ = municipalities.listing()
    regions = {"Toscana", "Lombardia", "Piemonte", "Veneto", "Emilia-Romagna", "Sicilia", "Campania", "Lazio"}
    lines = [HEADER]
    chosen = [m for m in by_code.values() if m.region in regions]
    for number, m in enumerate(chosen):
        fibre, fwa = FIBRE[number % len(FIBRE)], FWA[number % len(FWA)]
        lines.append(";".join([m.region.upper(), m.province_name, _agency_name(m.name), fibre, fwa,
                               f"PCN-{number:05d}" if fibre else "", f"Sede {m.province}" if fibre else "",
                               "1" if fibre else "0", "1" if fwa else "0", "2021" if fibre else "",
                               "2022" if fwa else ""]))
    extra = [
        "LOMBARDIA;Varese;BREGANO;in esecuzione;;;;1;0;2020;",                # merged in 2023
        "PIEMONTE;Asti;CALLIANO;terminato;;;;1;0;2019;",                       # renamed Calliano Monferrato
        ";;SAMONE;in esecuzione;;;;1;0;2020;",                                 # Samone (TO) or Samone (TN)?
        "TOSCANA;Firenze;BORGO SAN ROCCO;in esecuzione;;;;1;0;2020;",          # no such municipality
        "TOSCANA;Prato;VERNIO;in attesa di permessi ANAS;;;;1;0;2020;",        # a status not seen before
    ]
    return ("\r\n".join(lines + extra) + "\r\n").encode("cp1252", errors="replace"), len(chosen)


def test_todays_table_resolves_names_and_reports_the_rest(tmp_path):
    data, regular = _today_table()
    path = tmp_path / "bul_stato_lavori.csv"
    path.write_bytes(data)
    table = broadband.read_status_table(path, path.name)
    assert table.layout == "today" and table.rows == regular + 5
    lines_with_records = {r.line for r in table.records}
    rejected = {r.line for r in table.rejections}
    # Every row is either imported or reported: none silently dropped.
    assert len(lines_with_records | rejected) == table.rows - sum(
        1 for n in range(regular) if not FIBRE[n % len(FIBRE)] and not FWA[n % len(FWA)])
    by_line = {r.line: r for r in table.rejections}
    assert by_line[regular + 4].code == "ambiguous_municipality" and "Samone (TO" in by_line[regular + 4].reason
    assert by_line[regular + 5].code == "unknown_municipality"
    notes = {r["name"]: r for r in table.resolved}
    assert notes["BREGANO"]["istat_code"] == "012144" and "merged into" in notes["BREGANO"]["note"]
    assert notes["CALLIANO"]["istat_code"] == "005014"
    vernio = [r for r in table.records if r.line == regular + 6]
    assert vernio and vernio[0].status == "in attesa di permessi ANAS"
    assert any("in attesa di permessi ANAS" in w for w in table.warnings)
    statuses = {r.status for r in table.records}
    assert {"programmed", "in-final-design", "in-executive-design", "works-in-progress", "in-testing",
            "completed", "works-closed", "in-design", "in-service"} <= statuses
    forli = [r for r in table.records if r.municipality == "Forlì"]
    assert forli and forli[0].istat_code == "040012" and forli[0].plan_year in (2021, 2022)


def test_secretariat_imports_todays_table_through_the_api(as_user, tmp_path):
    data, regular = _today_table()
    secretariat = as_user("segreteria")
    answer = secretariat.post("/api/v1/broadband/imports", data={"as_of": "2026-11-30", "file": (
        io.BytesIO(data), "Stato_lavori_BUL.csv")}, content_type="multipart/form-data")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["layout"] == "today" and body["rows"] == regular + 5
    assert [u["code"] for u in body["unmatched"]] == ["ambiguous_municipality", "unknown_municipality"]
    assert {r["istat_code"] for r in body["resolved"]} == {"012144", "005014"}
    assert body["warnings"] and body["municipalities"] > 3000
    florence = secretariat.get("/api/v1/tenants/firenze/broadband").json
    assert florence and {r["project_type"] for r in florence} <= {"FTTH", "FWA"}
    vernio = secretariat.get("/api/v1/broadband?istat_code=100007").json
    assert {"status": "in attesa di permessi ANAS", "status_label_it": "in attesa di permessi ANAS",
            "plan_year": 2020}.items() <= vernio[-1].items()
