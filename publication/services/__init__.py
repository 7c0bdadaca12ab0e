"""The publication module's behaviour: open datasets, the DCAT-AP_IT catalogue, the OGC API and downloads."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from smartregion.errors import BadRequest, NotFound
from sqlalchemy.orm import Session

from publication.services import catalog, features
from publication.services.catalog import SERIALIZATIONS, CatalogBuilder, Page, Publisher
from publication.services.datasets import (
    Dataset,
    census_standing,
    find,
    published,
    region_dataset_keys,
    tenant_dataset_keys,
)
from publication.services.downloads import Download, file_of
from publication.services.harvests import harvesters, record_harvest
from publication.services.settings import (
    close_region_dataset,
    close_tenant_dataset,
    open_region_dataset,
    open_tenant_dataset,
    region_settings,
    set_ipa_code,
    tenant_settings,
)


def publisher(session: Session, config=None) -> Publisher:
    """The catalogue's settings from the configuration and the Region's organization."""
    from tenants.services import organizations_query

    config = config or current_app.config
    region = session.scalar(organizations_query(kind="region").limit(1))
    return Publisher(
        base_url=config["PUBLIC_URL"], region_name=region.name if region else config["PUBLICATION_REGION_NAME"],
        region_ipa=config["PUBLICATION_REGION_IPA"], region_geonames=config["PUBLICATION_REGION_GEONAMES"],
        licence_url=config["PUBLICATION_LICENSE_URL"], licence_title=config["PUBLICATION_LICENSE_TITLE"],
        contact_name=config["PUBLICATION_CONTACT_NAME"], contact_email=config["PUBLICATION_CONTACT_EMAIL"],
        title_it=config["PUBLICATION_CATALOG_TITLE_IT"], title_en=config["PUBLICATION_CATALOG_TITLE_EN"])


def catalog_document(session: Session, serialization: str, page: int, page_size: int) -> bytes:
    """One page of the catalogue in Turtle, RDF/XML or JSON-LD; a page beyond the end is not found."""
    if page < 1:
        raise BadRequest("page counts from 1.", errors={"page": ["page counts from 1"]})
    items = published(session)
    paging = Page(page, page_size, len(items))
    if page > paging.last:
        raise NotFound(f"Page {page} is beyond the end: the catalogue has {paging.last} page(s) of {page_size} "
                       "datasets.")
    chosen = items[(page - 1) * page_size: page * page_size]
    modified = max((item.modified for item in items), default=datetime(2017, 12, 27, tzinfo=UTC))
    graph = CatalogBuilder(publisher(session)).build(chosen, paging, modified, serialization)
    return catalog.serialize(graph, serialization)


def open_file(session: Session, path: str, fmt: str) -> Download:
    """The file of one distribution of an open dataset; closed and unknown datasets look the same."""
    dataset = find(session, path)
    if dataset is None:
        raise NotFound(f"No open dataset {path!r}.")
    return file_of(session, dataset, fmt)


__all__ = [
    "SERIALIZATIONS", "Dataset", "Download", "catalog_document", "census_standing", "close_region_dataset",
    "close_tenant_dataset", "features", "find", "harvesters", "open_file", "open_region_dataset",
    "open_tenant_dataset", "published", "publisher", "record_harvest", "region_dataset_keys", "region_settings",
    "set_ipa_code", "tenant_dataset_keys", "tenant_settings",
]
