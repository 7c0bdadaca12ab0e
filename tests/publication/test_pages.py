"""The pages of open data: the secretariat opens and closes datasets and sees who harvests; anybody reads
the region's landing page with the catalogue, the OGC API and the licence, in Italian or English."""

from __future__ import annotations

import re


def test_the_secretariat_opens_a_dataset_and_sees_the_harvesters(region, page_client, client):
    client.get("/catalog.rdf", headers={"User-Agent": "ckanext-dcat/2.1 (dati.toscana.it)"})
    secretariat = page_client("segreteria")
    page = secretariat.get("/publication")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Dati aperti" in html and "Pubblicati ora" in html
    assert "ckanext-dcat/2.1 (dati.toscana.it)" in html and "/catalog.rdf" in html
    assert re.search(r'data-path="firenze/cadastre/public-lighting"', html)

    opened = secretariat.post_form("/publication", "/publication/tenants/prato/datasets",
                                   {"dataset": "cadastre:public-lighting", "action": "open"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/publication#tenant-prato")
    after = secretariat.get("/publication").get_data(as_text=True)
    assert "Catasto delle reti: Punti luce di illuminazione pubblica di Prato è aperto." in after
    assert 'data-path="prato/cadastre/public-lighting"' in after

    refused = secretariat.post_form("/publication", "/publication/tenants/pisa/datasets",
                                    {"dataset": "cadastre:public-lighting", "action": "open"})
    assert refused.status_code == 302
    message = secretariat.get("/publication").get_data(as_text=True)
    assert "Non modificato: il censimento del comune non è ancora accettato" in message
    assert 'data-path="pisa/' not in message

    secretariat.post_form("/publication", "/publication/tenants/firenze/ipa-code", {"ipa_code": "C D612!"})
    assert "codice IPA" in secretariat.get("/publication").get_data(as_text=True)


def test_the_page_in_english_and_for_auditors_read_only(region, page_client):
    english = page_client("segreteria", lang="en").get("/publication").get_data(as_text=True)
    assert "Open data" in english and "Published now" in english and "Harvesters" in english
    auditor = page_client("revisore").get("/publication")
    assert auditor.status_code == 200
    assert 'action="/publication/region/datasets"' not in auditor.get_data(as_text=True)
    assert page_client("revisore").post("/publication/region/datasets",
                                        data={"dataset": "plan", "action": "open"}).status_code == 403
    assert page_client("firenze-comune").get("/publication").status_code == 403


def test_the_public_landing_page_lists_catalogue_ogc_api_and_licence(region, client):
    page = client.get("/open-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Dati aperti di Regione Toscana" in html
    for needle in ("/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/ogcapi",
                   "https://creativecommons.org/licenses/by/4.0/", "open-data/firenze/cadastre/water.geojson"):
        assert needle in html, needle
    assert "pisa" not in html.lower()
    assert "<script>" not in html.split("</main>")[0] and "style=" not in html and "onclick" not in html
    english = client.get("/open-data?lang=en").get_data(as_text=True)
    assert "Open data of Regione Toscana" in english and "Licence" in english
