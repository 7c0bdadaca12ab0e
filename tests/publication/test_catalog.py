"""The DCAT-AP_IT catalogue: valid against the official shapes, negotiated, paged as CKAN reads it, and
never showing what the secretariat has not opened or what a tenant's census has not earned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH
from smartregion import audit, tenancy

from census.inventories import cadastre
from census.inventories.models import CensusReviewStatus
from publication import services

ROOT = Path(__file__).resolve().parents[2]
# The official shapes and vocabularies live in the shared folder beside the repository (or beside the folder
# of its worktrees); the first one found going up is used, and none found fails the tests below.
REFERENCE = next((parent / "shared" / "reference" / "dcat-ap" for parent in ROOT.parents
                  if (parent / "shared" / "reference" / "dcat-ap" / "SOURCES.md").exists()),
                 ROOT.parent / "shared" / "reference" / "dcat-ap")
DCATAPIT = rdflib.Namespace("http://dati.gov.it/onto/dcatapit#")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")


def _graph(data: bytes, fmt: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=data, format=fmt)
    return graph


def _violations(report: rdflib.Graph) -> list[tuple[str, str, str]]:
    """The report's own results of severity Violation (not the details nested under a warning)."""
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    return [(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)),
             str(report.value(r, SH.resultMessage)))
            for r in report.objects(node, SH.result) if report.value(r, SH.resultSeverity) == SH.Violation]


@pytest.fixture(scope="module")
def vocabularies() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((REFERENCE / "vocabularies").glob("*.rdf")):
        graph.parse(path, format="xml")
    return graph


def test_the_catalogue_conforms_to_dcat_ap_and_the_italian_rules(region, client, vocabularies):
    response = client.get("/catalog.ttl")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    data = _graph(response.data, "turtle")
    assert len(set(data.subjects(RDF.type, DCAT.Dataset))) == 7

    # DCAT-AP 3.0.0, the self-contained shapes: cardinalities, literal and class ranges.
    conforms, report, text = validate(data, shacl_graph=str(REFERENCE / "dcat-ap-3.0.0/shacl/dcat-ap-SHACL.ttl"),
                                      inference="rdfs")
    assert _violations(report) == [], text
    # The controlled vocabularies, with the EU tables as extra data graphs (warnings allowed, as -w).
    _, report, text = validate(data + vocabularies,
                               shacl_graph=str(REFERENCE / "dcat-ap-3.0.1/html/shacl/mdr-vocabularies.shape.ttl"),
                               inference="rdfs")
    assert _violations(report) == [], text
    # DCAT-AP_IT's own rules in advanced mode, as its repository's check runs them...
    conforms, report, text = validate(data, shacl_graph=str(REFERENCE / "dcat-ap_it/rules.shacl"), advanced=True)
    assert conforms, text
    # ...and the same required properties aimed at every dataset (the rules' SPARQL target only matches
    # vocabularies that are also datasets).
    rules = rdflib.Graph().parse(REFERENCE / "dcat-ap_it/rules.shacl", format="turtle")
    shape = next(rules.subjects(RDF.type, SH.NodeShape))
    rules.remove((shape, SH.target, None))
    rules.add((shape, SH.targetClass, DCATAPIT.Dataset))
    conforms, report, text = validate(data, shacl_graph=rules)
    assert conforms, text

    # The same checks catch a dataset without its title.
    dataset = next(data.subjects(RDF.type, DCAT.Dataset))
    data.remove((dataset, DCTERMS.title, None))
    _, report, _text = validate(data, shacl_graph=str(REFERENCE / "dcat-ap-3.0.0/shacl/dcat-ap-SHACL.ttl"),
                                inference="rdfs")
    assert [(focus, path) for focus, path, _ in _violations(report)] == [(str(dataset), str(DCTERMS.title))]
    conforms, _report, _text = validate(data, shacl_graph=rules)
    assert not conforms


def test_datasets_carry_publisher_licence_themes_and_spatial_coverage(region, client):
    data = _graph(client.get("/catalog.ttl").data, "turtle")
    base = "http://" + client.application.config["PUBLIC_URL"].split("://")[1]
    lights = rdflib.URIRef(f"{base}/catalog/datasets/firenze/cadastre/public-lighting")
    assert (lights, RDF.type, DCATAPIT.Dataset) in data
    publisher = data.value(lights, DCTERMS.publisher)
    assert str(data.value(publisher, DCTERMS.identifier)) == "c_d612"
    assert data.value(lights, DCTERMS.rightsHolder) == publisher
    assert str(data.value(data.value(lights, DCTERMS.spatial), DCATAPIT.geographicalIdentifier)) == "048017"
    themes = {str(t).rsplit("/", 1)[1] for t in data.objects(lights, DCAT.theme)}
    assert themes == {"ENER"}
    formats = {str(data.value(d, DCTERMS.format)).rsplit("/", 1)[1]: d for d in data.objects(lights, DCAT.distribution)}
    assert set(formats) == {"CSV", "GEOJSON", "JSON_LD"}
    assert all(str(data.value(d, DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
               for d in formats.values())
    # Every distribution's download answers with the file it announces.
    for name, distribution in formats.items():
        url = str(data.value(distribution, DCAT.accessURL))
        answer = client.get(url.split(base, 1)[1])
        assert answer.status_code == 200, (name, answer.data[:300])
        if name == "GEOJSON":
            assert len(json.loads(answer.data)["features"]) == 7
        if name == "JSON_LD":
            assert {e["type"] for e in json.loads(answer.data)} == {"Streetlight"}
    region_broadband = rdflib.URIRef(f"{base}/catalog/datasets/region/broadband")
    assert str(data.value(data.value(region_broadband, DCTERMS.publisher), DCTERMS.identifier)) == "r_toscan"


NEGOTIATION = [
    ("text/turtle", "turtle", "text/turtle", "ttl"),
    ("application/rdf+xml", "xml", "application/rdf+xml", "rdf"),
    ("application/ld+json", "json-ld", "application/ld+json", "jsonld"),
    ("application/rdf+xml;q=0.5, application/ld+json;q=0.9", "json-ld", "application/ld+json", "jsonld"),
]


def _without_paging(graph: rdflib.Graph) -> rdflib.Graph:
    # Paging links name the serialization they come from; the rest must be the same graph.
    for node in list(graph.subjects(RDF.type, HYDRA.PagedCollection)):
        graph.remove((node, None, None))
    return graph


def test_content_negotiation_and_suffixed_urls_give_the_same_graph(region, client):
    reference = _without_paging(_graph(client.get("/catalog.ttl").data, "turtle"))
    for accept, fmt, media_type, suffix in NEGOTIATION:
        negotiated = client.get("/catalog", headers={"Accept": accept})
        assert negotiated.status_code == 200 and negotiated.mimetype == media_type, accept
        assert "Accept" in negotiated.headers["Vary"] and "Set-Cookie" not in negotiated.headers
        by_suffix = client.get(f"/catalog.{suffix}")
        assert by_suffix.mimetype == media_type
        for body in (negotiated.data, by_suffix.data):
            assert isomorphic(reference, _without_paging(_graph(body, fmt))), accept
    assert client.get("/catalog").mimetype == "text/turtle"
    assert client.get("/catalog?format=jsonld").mimetype == "application/ld+json"


def test_a_harvester_pages_through_the_whole_catalogue_as_ckan_does(region, client):
    client.application.config["CATALOG_PAGE_SIZE"] = 3
    try:
        url, seen, pages = "/catalog.rdf", [], 0
        while url:
            response = client.get(url, headers={"User-Agent": "ckanext-dcat/2.1 (+https://dati.toscana.it)"})
            assert response.status_code == 200
            graph = _graph(response.data, "xml")
            seen += [str(d) for d in graph.subjects(RDF.type, DCAT.Dataset)]
            pages += 1
            # ckanext-dcat's RDFParser.next_page(): hydra:nextPage of the hydra:PagedCollection.
            node = next(graph.subjects(RDF.type, HYDRA.PagedCollection))
            assert int(graph.value(node, HYDRA.totalItems)) == 7
            following = graph.value(node, HYDRA.nextPage)
            url = str(following).split("://", 1)[1].split("/", 1)[1] if following else None
            url = "/" + url if url else None
    finally:
        client.application.config["CATALOG_PAGE_SIZE"] = 100
    assert pages == 3 and len(seen) == len(set(seen)) == 7


def test_bad_requests_of_a_harvester_get_problem_details(region, client):
    beyond = client.get("/catalog.ttl?page=9")
    assert beyond.status_code == 404 and beyond.mimetype == "application/problem+json"
    assert "beyond the end" in beyond.json["detail"]
    assert client.get("/catalog.ttl?page=0").status_code == 400
    assert client.get("/catalog.ttl?page=two").json["errors"] == {"page": ["page must be a whole number"]}
    unknown = client.get("/catalog?format=pdf")
    assert unknown.status_code == 400 and unknown.json["errors"]["format"]
    suffix = client.get("/catalog.csv")
    assert suffix.status_code == 404 and suffix.mimetype == "application/problem+json"
    refused = client.get("/catalog", headers={"Accept": "application/pdf"})
    assert refused.status_code == 406 and refused.mimetype == "application/problem+json"
    assert client.get("/open-data/firenze/cadastre/public-lighting.xlsx").status_code == 404
    assert client.get("/open-data/firenze/cadastre/public-lighting.exe").status_code == 404


def test_nothing_of_a_tenant_before_its_census_is_accepted(region, client, db, as_user):
    secretariat = as_user("segreteria")
    refused = secretariat.put("/api/v1/publication/tenants/pisa/datasets/cadastre:public-lighting")
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    census = secretariat.put("/api/v1/publication/tenants/prato/datasets/census")
    assert census.status_code == 409  # the survey census of Prato is not accepted
    everything = b"".join(client.get(u).data for u in ("/catalog.ttl", "/catalog.rdf", "/catalog.jsonld", "/open-data"))
    assert b"pisa" not in everything.lower() and b"PI-PL" not in everything
    assert client.get("/open-data/pisa/cadastre/public-lighting.geojson").status_code == 404
    assert client.get("/open-data/prato/cadastre/public-lighting.csv").status_code == 404

    # A census sent back withdraws what was open, without losing the secretariat's choice.
    with audit.acting_as("segreteria"), tenancy.tenant_context(region.firenze.id):
        cadastre.review_network_census(db, region.firenze.id, status=CensusReviewStatus.RETURNED, note="coordinate",
                                       actor="segreteria")
        db.commit()
    paths = [d.path for d in services.published(db)]
    assert paths == ["region/broadband", "region/standards"]
    assert client.get("/open-data/firenze/cadastre/public-lighting.csv").status_code == 404
    settings = secretariat.get("/api/v1/publication/tenants/firenze").json
    lights = next(d for d in settings["datasets"] if d["dataset"] == "cadastre:public-lighting")
    assert lights["open"] is True and lights["census_accepted"] is False


def test_opening_and_closing_is_audited_and_for_the_secretariat_only(region, as_user, db):
    from smartregion.audit import AuditEvent
    from sqlalchemy import select

    assert as_user("firenze-comune").put("/api/v1/publication/tenants/firenze/datasets/census").status_code == 403
    assert as_user("revisore").delete("/api/v1/publication/region/datasets/standards").status_code == 403
    secretariat = as_user("segreteria")
    closed = secretariat.delete("/api/v1/publication/tenants/firenze/datasets/broadband")
    assert closed.status_code == 200
    assert secretariat.delete("/api/v1/publication/tenants/firenze/datasets/broadband").status_code == 404
    assert secretariat.put("/api/v1/publication/tenants/firenze/datasets/weather").status_code == 422
    bad_ipa = secretariat.put("/api/v1/publication/tenants/firenze/ipa-code", json={"ipa_code": "C D612!"})
    assert bad_ipa.status_code == 422 and "ipa_code" in bad_ipa.json["errors"]
    actions = [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.action.like("publication.%")))]
    assert actions.count("publication.dataset.open") == 6 and actions.count("publication.dataset.close") == 1
    assert "publication.ipa_code.set" in actions
