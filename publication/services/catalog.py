"""The DCAT-AP_IT catalogue of the open datasets, built with rdflib and paged for harvesters.

Resources carry both the DCAT-AP classes (``dcat:``, ``foaf:``, ``vcard:``) and the Italian profile's
(``dcatapit:``): the profile's ontology links its classes to an ``https`` DCAT namespace, so inference alone
would not make the DCAT-AP shapes apply. Values from the EU vocabularies carry their class (and their
scheme), as the shapes' range checks expect. Paging follows Hydra as CKAN's DCAT harvester reads it: a
``hydra:PagedCollection`` with ``hydra:nextPage`` (and the newer ``hydra:PartialCollectionView``/``next``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD
from smartregion.i18n import N_, in_both

from publication.services.datasets import Dataset

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
NDC = Namespace("https://w3id.org/italia/onto/NDC/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
THEME_SCHEME = URIRef(EU + "data-theme")
FREQUENCY_SCHEME = URIRef(EU + "frequency")
FILE_TYPE_SCHEME = URIRef(EU + "file-type")
LANGUAGE_SCHEME = URIRef(EU + "language")
ITALIAN = URIRef(EU + "language/ITA")
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
LICENCE_TYPE_SCHEME = URIRef("http://purl.org/adms/licencetype/1.0")
OGC_FEATURES = URIRef("http://www.opengis.net/spec/ogcapi-features-1/1.0")
NGSI_LD = URIRef("https://www.etsi.org/deliver/etsi_gs/CIM/001_099/009/01.08.01_60/gs_CIM009v010801p.pdf")
GEOJSON_RFC = URIRef("https://www.rfc-editor.org/rfc/rfc7946")

# The EU data themes, with their English names as messages of the catalogue (its Italian: the EU's own).
THEME_LABELS = {
    "AGRI": N_("Agriculture, fisheries, forestry and food"),
    "ECON": N_("Economy and finance"),
    "EDUC": N_("Education, culture and sport"),
    "ENER": N_("Energy"),
    "ENVI": N_("Environment"),
    "GOVE": N_("Government and public sector"),
    "HEAL": N_("Health"),
    "INTR": N_("International issues"),
    "JUST": N_("Justice, legal system and public safety"),
    "REGI": N_("Regions and cities"),
    "SOCI": N_("Population and society"),
    "TECH": N_("Science and technology"),
    "TRAN": N_("Transport"),
}
# Distribution formats: EU file type, IANA media type, file suffix, and title.
FORMATS = {
    "csv": ("CSV", "text/csv", "csv", "CSV"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "XLSX"),
    "geojson": ("GEOJSON", "application/geo+json", "geojson", "GeoJSON"),
    "ngsi-ld": ("JSON_LD", "application/ld+json", "ngsi-ld.json", "NGSI-LD"),
}
SERIALIZATIONS = {  # name -> (rdflib format, media type, suffix)
    "turtle": ("turtle", "text/turtle", "ttl"),
    "rdfxml": ("pretty-xml", "application/rdf+xml", "rdf"),
    "jsonld": ("json-ld", "application/ld+json", "jsonld"),
}


@dataclass(frozen=True)
class Publisher:
    """The catalogue's settings: where it lives, who publishes it, under which licence."""

    base_url: str
    region_name: str
    region_ipa: str
    region_geonames: str
    licence_url: str
    licence_title: str
    contact_name: str
    contact_email: str
    title_it: str
    title_en: str


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def _typed(graph: Graph, node: URIRef, *classes: URIRef) -> URIRef:
    for cls in classes:
        graph.add((node, RDF.type, cls))
    return node


def _texts(graph: Graph, node, predicate, it: str, en: str) -> None:
    graph.add((node, predicate, Literal(it, lang="it")))
    graph.add((node, predicate, Literal(en, lang="en")))


def _concept(graph: Graph, iri: URIRef, scheme: URIRef, labels: tuple[str, str], *classes: URIRef) -> URIRef:
    _typed(graph, iri, SKOS.Concept, *classes)
    graph.add((iri, SKOS.inScheme, scheme))
    _texts(graph, iri, SKOS.prefLabel, *labels)
    return iri


class CatalogBuilder:
    """One page of the catalogue as an rdflib graph."""

    def __init__(self, publisher: Publisher):
        self.p = publisher
        self.base = publisher.base_url.rstrip("/")
        self.g = Graph()
        for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD),
                                  ("dcatapit", DCATAPIT), ("hydra", HYDRA), ("skos", SKOS), ("owl", OWL),
                                  ("ndc", NDC), ("locn", LOCN)):
            self.g.bind(prefix, namespace)
        self._agents: dict[str, URIRef] = {}

    def uri(self, path: str) -> URIRef:
        return URIRef(f"{self.base}/{path.lstrip('/')}")

    # -- shared nodes ---------------------------------------------------------------------------
    def licence(self) -> URIRef:
        node = _typed(self.g, URIRef(self.p.licence_url), DCTERMS.LicenseDocument)
        self.g.add((node, DCTERMS.title, Literal(self.p.licence_title)))
        self.g.add((node, FOAF.name, Literal(self.p.licence_title)))
        self.g.add((node, DCTERMS.type, _concept(self.g, ATTRIBUTION, LICENCE_TYPE_SCHEME,
                                                 in_both(N_("Attribution")))))
        return node

    def contact(self) -> URIRef:
        node = _typed(self.g, self.uri("catalog/contact"), VCARD.Kind, VCARD.Organization, DCATAPIT.Organization)
        self.g.add((node, VCARD.fn, Literal(self.p.contact_name)))
        self.g.add((node, VCARD.hasEmail, URIRef(f"mailto:{self.p.contact_email}")))
        return node

    def agent(self, tenant: dict | None) -> URIRef:
        key = tenant["slug"] if tenant else "region"
        if key in self._agents:
            return self._agents[key]
        node = _typed(self.g, self.uri(f"catalog/agents/{key}"), FOAF.Agent, FOAF.Organization, DCATAPIT.Agent)
        if tenant:
            self.g.add((node, FOAF.name, Literal(tenant["municipality"], lang="it")))
            identifier = tenant.get("ipa_code") or tenant.get("istat_code") or tenant["slug"]
        else:
            self.g.add((node, FOAF.name, Literal(self.p.region_name, lang="it")))
            identifier = self.p.region_ipa
        self.g.add((node, DCTERMS.identifier, Literal(identifier)))
        self._agents[key] = node
        return node

    def place(self, tenant: dict | None) -> URIRef:
        if tenant is None or not tenant.get("istat_code"):
            node = _typed(self.g, URIRef(self.p.region_geonames), DCTERMS.Location)
            self.g.add((node, DCATAPIT.geographicalName, Literal(self.p.region_name, lang="it")))
            return node
        node = _typed(self.g, self.uri(f"catalog/places/istat/{tenant['istat_code']}"), DCTERMS.Location)
        self.g.add((node, DCATAPIT.geographicalIdentifier, Literal(tenant["istat_code"])))
        self.g.add((node, DCATAPIT.geographicalName, Literal(tenant["municipality"], lang="it")))
        return node

    def theme(self, code: str) -> URIRef:
        return _concept(self.g, URIRef(f"{EU}data-theme/{code}"), THEME_SCHEME, in_both(THEME_LABELS[code]))

    def frequency(self, code: str) -> URIRef:
        node = _typed(self.g, URIRef(f"{EU}frequency/{code}"), DCTERMS.Frequency)
        self.g.add((node, SKOS.inScheme, FREQUENCY_SCHEME))
        return node

    def language(self) -> URIRef:
        node = _typed(self.g, ITALIAN, DCTERMS.LinguisticSystem)
        self.g.add((node, SKOS.inScheme, LANGUAGE_SCHEME))
        return node

    def standard(self, iri: URIRef, title: str) -> URIRef:
        node = _typed(self.g, iri, DCTERMS.Standard)
        self.g.add((node, DCTERMS.title, Literal(title)))
        return node

    def ogc_service(self) -> URIRef:
        node = _typed(self.g, self.uri("ogcapi"), DCAT.DataService)
        _texts(self.g, node, DCTERMS.title, "OGC API - Features del catasto delle reti",
               "OGC API - Features of the network cadastre")
        self.g.add((node, DCAT.endpointURL, _typed(self.g, self.uri("ogcapi"), RDFS.Resource)))
        self.g.add((node, DCAT.endpointDescription, _typed(self.g, self.uri("ogcapi/api"), RDFS.Resource)))
        self.g.add((node, DCTERMS.conformsTo, self.standard(OGC_FEATURES, "OGC API - Features - Part 1: Core")))
        self.g.add((node, DCTERMS.license, self.licence()))
        return node

    # -- datasets -------------------------------------------------------------------------------
    def dataset(self, catalog: URIRef, item: Dataset) -> URIRef:
        g = self.g
        node = _typed(g, self.uri(f"catalog/datasets/{item.path}"), DCAT.Dataset, DCATAPIT.Dataset)
        g.add((catalog, DCAT.dataset, node))
        owner = self.agent(item.tenant)
        prefix = (item.tenant.get("ipa_code") or item.tenant.get("istat_code")) if item.tenant else self.p.region_ipa
        g.add((node, DCTERMS.identifier, Literal(f"{prefix}:{item.path}")))
        _texts(g, node, DCTERMS.title, item.title_it, item.title_en)
        _texts(g, node, DCTERMS.description, item.description_it, item.description_en)
        for code in item.themes:
            g.add((node, DCAT.theme, self.theme(code)))
        g.add((node, DCTERMS.accrualPeriodicity, self.frequency(item.frequency)))
        g.add((node, DCTERMS.modified, Literal(_utc(item.modified), datatype=XSD.dateTime)))
        g.add((node, DCTERMS.issued, Literal(_utc(item.opened_at), datatype=XSD.dateTime)))
        g.add((node, DCTERMS.publisher, owner))
        g.add((node, DCTERMS.rightsHolder, owner))
        g.add((node, DCAT.contactPoint, self.contact()))
        g.add((node, DCTERMS.spatial, self.place(item.tenant)))
        g.add((node, DCTERMS.language, self.language()))
        g.add((node, OWL.versionInfo, Literal(_utc(item.modified)[:10])))
        g.add((node, DCAT.landingPage, _typed(g, self.uri(f"open-data#{item.path}"), FOAF.Document)))
        for word in item.keywords:
            g.add((node, DCAT.keyword, Literal(word, lang="it")))
        g.add((node, NDC.keyConcept, Literal(item.keywords[0])))
        for fmt in item.formats:
            g.add((node, DCAT.distribution, self.distribution(node, item, fmt)))
        if item.collection:
            g.add((node, DCAT.distribution, self.collection_distribution(node, item)))
        return node

    def distribution(self, dataset: URIRef, item: Dataset, fmt: str) -> URIRef:
        g = self.g
        file_type, media_type, suffix, title = FORMATS[fmt]
        node = _typed(g, URIRef(f"{dataset}/distributions/{fmt}"), DCAT.Distribution, DCATAPIT.Distribution)
        url = _typed(g, self.uri(f"open-data/{item.path}.{suffix}"), RDFS.Resource)
        _texts(g, node, DCTERMS.title, f"{item.title_it} ({title})", f"{item.title_en} ({title})")
        file_node = _typed(g, URIRef(f"{EU}file-type/{file_type}"), DCTERMS.MediaTypeOrExtent)
        g.add((file_node, SKOS.inScheme, FILE_TYPE_SCHEME))
        g.add((node, DCTERMS.format, file_node))
        g.add((node, DCAT.mediaType, _typed(g, URIRef(f"https://www.iana.org/assignments/media-types/{media_type}"),
                                            DCTERMS.MediaType)))
        g.add((node, DCAT.accessURL, url))
        g.add((node, DCAT.downloadURL, url))
        g.add((node, DCTERMS.license, self.licence()))
        if fmt == "ngsi-ld":
            g.add((node, DCTERMS.conformsTo, self.standard(NGSI_LD, "ETSI GS CIM 009 NGSI-LD API")))
            if item.extra.get("data_model"):
                model = URIRef(item.extra["data_model"])
                g.add((node, DCTERMS.conformsTo, self.standard(model, f"Smart Data Models {item.extra['ngsi_type']}")))
        if fmt == "geojson":
            g.add((node, DCTERMS.conformsTo, self.standard(GEOJSON_RFC, "RFC 7946 GeoJSON")))
        return node

    def collection_distribution(self, dataset: URIRef, item: Dataset) -> URIRef:
        g = self.g
        node = _typed(g, URIRef(f"{dataset}/distributions/ogcapi"), DCAT.Distribution, DCATAPIT.Distribution)
        _texts(g, node, DCTERMS.title, f"{item.title_it} (OGC API - Features)", f"{item.title_en} (OGC API - Features)")
        file_node = _typed(g, URIRef(f"{EU}file-type/GEOJSON"), DCTERMS.MediaTypeOrExtent)
        g.add((file_node, SKOS.inScheme, FILE_TYPE_SCHEME))
        g.add((node, DCTERMS.format, file_node))
        query = urlencode({"category": item.category}) if item.category else ""
        url = self.uri(f"ogcapi/collections/{item.collection}/items" + (f"?{query}" if query else ""))
        g.add((node, DCAT.accessURL, _typed(g, url, RDFS.Resource)))
        service = self.ogc_service()
        g.add((node, DCAT.accessService, service))
        g.add((service, DCAT.servesDataset, dataset))
        g.add((node, DCTERMS.license, self.licence()))
        return node

    # -- the catalogue --------------------------------------------------------------------------
    def build(self, items: list[Dataset], page: Page, modified: datetime, serialization: str) -> Graph:
        g = self.g
        catalog = _typed(g, self.uri("catalog"), DCAT.Catalog, DCATAPIT.Catalog)
        _texts(g, catalog, DCTERMS.title, self.p.title_it, self.p.title_en)
        _texts(g, catalog, DCTERMS.description,
               "Dati aperti del protocollo smart city: censimento, catasto delle reti, banda ultra larga, "
               "standard regionali, conformità dei flussi, piano operativo.",
               "Open data of the smart-city protocol: census, network cadastre, ultra-broadband, regional "
               "standards, feed conformance, operational plan.")
        g.add((catalog, DCTERMS.publisher, self.agent(None)))
        g.add((catalog, DCTERMS.modified, Literal(_utc(modified), datatype=XSD.dateTime)))
        g.add((catalog, FOAF.homepage, _typed(g, self.uri("open-data"), FOAF.Document)))
        g.add((catalog, DCTERMS.language, self.language()))
        g.add((catalog, DCTERMS.license, self.licence()))
        g.add((catalog, DCTERMS.spatial, self.place(None)))
        _typed(g, THEME_SCHEME, SKOS.ConceptScheme)
        g.add((THEME_SCHEME, DCTERMS.title, Literal("Data theme", lang="en")))
        g.add((catalog, DCAT.themeTaxonomy, THEME_SCHEME))
        if any(item.collection for item in items):
            g.add((catalog, DCAT.service, self.ogc_service()))
        for item in items:
            self.dataset(catalog, item)
        self.paging(page, serialization)
        return g

    def paging(self, page: Page, serialization: str) -> None:
        suffix = SERIALIZATIONS[serialization][2]

        def url(number: int) -> str:
            return f"{self.base}/catalog.{suffix}?{urlencode({'page': number})}"

        node = URIRef(url(page.number))
        g = self.g
        _typed(g, node, HYDRA.PagedCollection, HYDRA.PartialCollectionView)
        g.add((node, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
        g.add((node, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer)))
        for literal_name, link_name, number in (("firstPage", "first", 1), ("lastPage", "last", page.last),
                                                ("previousPage", "previous", page.number - 1),
                                                ("nextPage", "next", page.number + 1)):
            if 1 <= number <= page.last:
                g.add((node, HYDRA[literal_name], Literal(url(number))))
                g.add((node, HYDRA[link_name], URIRef(url(number))))


def _utc(value: datetime) -> str:
    """An instant in UTC (naive values are taken as UTC), to the second."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def serialize(graph: Graph, serialization: str) -> bytes:
    """The graph in Turtle, RDF/XML or JSON-LD."""
    fmt = SERIALIZATIONS[serialization][0]
    if fmt == "json-ld":
        context = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
        return graph.serialize(format="json-ld", context=context, indent=1).encode()
    return graph.serialize(format=fmt, encoding="utf-8")


__all__ = ["FORMATS", "SERIALIZATIONS", "CatalogBuilder", "Page", "Publisher", "serialize"]
