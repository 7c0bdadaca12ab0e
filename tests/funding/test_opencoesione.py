"""OpenCoesione project files as published: zipped, `;` or `,`, read as a stream against the region's scope."""

from __future__ import annotations

import random
from datetime import date

import pytest

from funding.importers import FileFormatError, opencoesione, reasons
from tests.funding import opencoesione_files as oc

LIGHTING, PLATFORM, BRIDGE = "D11B21000440006", "J31F22000980006", "G17H20001230001"
SCOPE = opencoesione.Scope(frozenset(oc.TUSCANY), frozenset({LIGHTING, PLATFORM, BRIDGE, "H11B17000350004"}))


def published_rows() -> list[dict]:
    """A page of a regional file: our projects among others, and the mistakes such files carry."""
    rng = random.Random(7)
    firenze, prato, siena = oc.place("048017"), oc.place("100005"), oc.place("052032")
    both = {**firenze, "COD_COMUNE": "009048017:::009100005", "DEN_COMUNE": "FIRENZE:::PRATO"}
    lucca = oc.filler(rng, 3)
    return [
        oc.filler(rng, 1),
        oc.project("1MISE22-FI001", LIGHTING, "SMART LIGHTING E SENSORI AMBIENTALI - LOTTO 1", public="600000,00",
                   payments="245000,25", eu="480000,00", state="In corso", start="20220301", end="20241231",
                   **firenze),
        oc.filler(rng, 2),
        oc.project("1MISE22-FI002", LIGHTING, "SMART LIGHTING E SENSORI AMBIENTALI - LOTTO 2", public="200000,00",
                   payments="80000,10", eu="160000,00", state="In corso", start="20220915", end="20250630",
                   **firenze),
        oc.project("PNRR-M1C1-PO17", PLATFORM, "PIATTAFORMA DATI URBANI; CITTÀ DI PRATO", public="350000,00",
                   payments="350000,00", state="Concluso", start="20221001", end="20240331",
                   programme="PNRR", **prato),
        oc.project("FSC-PO-0099", "E71H20000120001", "CICLABILE DEL BISENZIO", public="90000,00", **prato),
        oc.project("FSC-FI-0001", "", "MANUTENZIONE STRAORDINARIA PONTI", public="50000,00", **firenze),
        oc.project("BAD-CUP-01", "D11B2100", "PROGETTO CON CUP TRONCATO", public="1000,00", **siena),
        oc.project("BAD-AMOUNT-01", LIGHTING, "IMPORTO ILLEGGIBILE", public="mille euro", **firenze),
        oc.project("BAD-DATE-01", PLATFORM, "DATA ILLEGGIBILE", public="10,00", start="20221301", **prato),
        # A regional project placed in two municipalities, and one of ours placed where OpenCoesione puts it.
        oc.project("1FESR-TOS-0042", BRIDGE, "PASSERELLA CICLOPEDONALE", public="1200000,00", payments="0",
                   state="Non avviato", **both),
        {**lucca, "CUP": "H11B17000350004", "OC_TITOLO_PROGETTO": "GEMELLO DIGITALE - QUOTA REGIONALE"},
        oc.filler(rng, 23),  # a row elsewhere without CUP: outside the region first
    ]


def report_of(data: bytes, tmp_path, name: str = "progetti_esteso_TOS.zip", **kwargs):
    path = tmp_path / name
    path.write_bytes(data)
    return opencoesione.read(path, SCOPE, **kwargs)


def test_a_zipped_regional_file_keeps_our_projects_and_says_why_every_other_row_is_not_kept(tmp_path):
    text = oc.table(published_rows())
    # Two rows whose cells are misaligned (a ; in unquoted text): only the one naming our project is an error.
    lines = text.split("\r\n")
    lines.insert(3, lines[1].replace('"', "").replace("RIQUALIFICAZIONE", "RIQUALIFICAZIONE; LOTTO"))
    lines.insert(4, f"MISALIGNED-01;{BRIDGE};PASSERELLA; SECONDO LOTTO;;;3")
    report = report_of(oc.zipped("progetti_esteso_TOS.csv", "\r\n".join(lines)), tmp_path)
    assert report.layout.describe() == {"archive_member": "progetti_esteso_TOS.csv", "encoding": "utf-8",
                                        "delimiter": ";", "columns": len(oc.COLUMNS)}
    lighting = report.records[LIGHTING]
    assert lighting.local_codes == ["1MISE22-FI001", "1MISE22-FI002"]
    assert (lighting.public_funding_cents, lighting.payments_cents, lighting.eu_funding_cents) == (
        800_000_00, 325_000_35, 640_000_00)
    assert lighting.net_public_funding_cents == 800_000_00
    assert (lighting.start_date, lighting.expected_end_date) == (date(2022, 3, 1), date(2025, 6, 30))
    assert lighting.municipalities == ["048017"] and lighting.state == "In corso"
    platform = report.records[PLATFORM]
    assert platform.title == "PIATTAFORMA DATI URBANI; CITTÀ DI PRATO" and platform.state == "Concluso"
    assert report.records[BRIDGE].municipalities == ["048017", "100005"]
    assert report.records["H11B17000350004"].municipalities == ["046017"]
    assert report.kept == 5 and report.rows == 15
    assert report.skipped == {"outside_region": 3, "no_cup": 1, "unknown_cup": 1, "malformed": 1}
    assert report.skipped_lines["no_cup"] == [10] and report.skipped_lines["malformed"] == [4]
    assert report.unknown_cups == {"E71H20000120001": 9}
    assert {(e.line, e.field) for e in report.errors} == {
        (5, "row"), (11, "CUP"), (12, "FINANZ_TOTALE_PUBBLICO"), (12, "OC_FINANZ_TOT_PUB_NETTO"),
        (13, "OC_DATA_INIZIO_PROGETTO")}
    by_field = {e.field: e for e in report.errors}
    assert by_field["CUP"].message == "A CUP has 15 characters, this has 8: 'D11B2100'."
    italian = {name: reasons.translated(error.message, "it") for name, error in by_field.items()}
    assert italian["CUP"] == "Il CUP deve avere 15 caratteri, ne ha 8: 'D11B2100'."
    assert italian["FINANZ_TOTALE_PUBBLICO"] == "Importo non valido: 'mille euro'."
    assert report.errors_total == 5


def test_the_same_table_re_saved_with_commas_decimal_points_and_windows_1252_gives_the_same_records(tmp_path):
    zipped = report_of(oc.zipped("progetti.csv", oc.table(published_rows())), tmp_path)
    text = oc.table(published_rows(), delimiter=",", decimal=".")
    resaved = report_of(text.encode("cp1252"), tmp_path, "progetti_toscana.csv")
    assert resaved.layout.describe() == {"archive_member": None, "encoding": "cp1252", "delimiter": ",",
                                         "columns": len(oc.COLUMNS)}
    assert {cup: r.as_dict() for cup, r in resaved.records.items()} == {
        cup: r.as_dict() for cup, r in zipped.records.items()}
    assert resaved.skipped == zipped.skipped and len(resaved.errors) == len(zipped.errors)


def test_a_file_that_looks_like_utf_8_at_first_is_read_again_as_windows_1252(tmp_path):
    rows = [oc.filler(random.Random(1), n) for n in range(1, 400)]
    rows.append(oc.project("PNRR-M1C1-PO17", PLATFORM, "PIAZZA DELL'UNITÀ E CITTÀ", public="1,00",
                           **oc.place("100005")))
    report = report_of(oc.table(rows).encode("cp1252"), tmp_path, "progetti.csv")
    assert report.layout.encoding == "cp1252"
    assert report.records[PLATFORM].title == "PIAZZA DELL'UNITÀ E CITTÀ"


def test_the_progress_follows_the_share_of_the_file_read(tmp_path, monkeypatch):
    monkeypatch.setattr(opencoesione, "PROGRESS_ROWS", 50)
    monkeypatch.setattr(opencoesione, "READ_BUFFER", 4096)
    rng = random.Random(3)
    shares = []
    report_of(oc.zipped("p.csv", oc.table([oc.filler(rng, n) for n in range(1, 400)])), tmp_path,
              progress=shares.append)
    assert len(shares) == 7 and shares == sorted(shares) and 0 < shares[0] < 0.3 and 0.8 < shares[-1] <= 1.0


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    (b"\n\n", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is binary, not a CSV table."),
    (b"Progetti finanziati dalla coesione\nvedi allegato\n",
     "The first line has no ; or , between column names: not a CSV table."),
    (oc.zipped("xl/workbook.xml", b"<workbook/>", extra={"[Content_Types].xml": b"<Types/>"}),
     "This is a spreadsheet (XLSX)"),
    (oc.zipped("progetti_esteso_TOS.csv", "a;b\n", extra={"soggetti_esteso_TOS.csv": b"a;b\n"}),
     "The zip holds several CSV tables: progetti_esteso_TOS.csv, soggetti_esteso_TOS.csv."),
    (oc.zipped("LEGGIMI.pdf", b"%PDF-1.4"), "The zip holds no CSV table (it holds: LEGGIMI.pdf)."),
    (oc.zipped("pagamenti_esteso.csv", "COD_LOCALE_PROGETTO;DATA_AGGIORNAMENTO;TOT_PAGAMENTI\nX;20261031;1\n"),
     "Missing columns: CUP, COD_COMUNE, FINANZ_TOTALE_PUBBLICO or OC_FINANZ_TOT_PUB_NETTO (the header has "
     "COD_LOCALE_PROGETTO, DATA_AGGIORNAMENTO, TOT_PAGAMENTI)."),
])
def test_files_that_are_not_opencoesione_projects_are_refused_at_once_with_the_reason(tmp_path, content, message):
    path = tmp_path / "upload.zip"
    path.write_bytes(content)
    with pytest.raises(FileFormatError) as refused:
        opencoesione.inspect(path)
    assert str(refused.value).startswith(message)


def test_a_zip_cut_short_in_transfer_is_refused_whole(tmp_path):
    rng = random.Random(5)
    data = oc.zipped("progetti.csv", oc.table([oc.filler(rng, n) for n in range(1, 3000)]))
    path = tmp_path / "cut.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError):
        opencoesione.read(path, SCOPE)
