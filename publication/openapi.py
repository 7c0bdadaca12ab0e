"""The OGC API's own definition (OpenAPI 3.0), served at /ogcapi/api for GIS clients that read it."""

from __future__ import annotations


def _parameter(name: str, description: str, schema: dict, style: str | None = None) -> dict:
    body = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if style:
        body.update(style=style, explode=False)
    return body


def document(base: str, max_limit: int) -> dict:
    """A compact OpenAPI 3.0 document of the OGC API - Features endpoints."""
    feature_collection = {"type": "object", "required": ["type", "features"],
                          "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                                         "features": {"type": "array", "items": {"type": "object"}},
                                         "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
                                         "links": {"type": "array", "items": {"type": "object"}}}}
    exception = {"type": "object", "required": ["code"],
                 "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}
    errors = {"400": {"description": "Bad request",
                      "content": {"application/problem+json": {"schema": exception}}},
              "404": {"description": "Not found", "content": {"application/problem+json": {"schema": exception}}}}
    collection_id = {"name": "collectionId", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "<tenant>-<inventory kind>, e.g. firenze-public-lighting"}
    items_parameters = [
        collection_id,
        _parameter("limit", f"Features per page (1-{max_limit})",
                   {"type": "integer", "minimum": 1, "maximum": max_limit, "default": 100}),
        _parameter("offset", "Features to skip", {"type": "integer", "minimum": 0, "default": 0}),
        _parameter("bbox", "minx,miny,maxx,maxy in bbox-crs (CRS84 by default)",
                   {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}, "form"),
        _parameter("bbox-crs", "CRS of bbox", {"type": "string", "format": "uri"}),
        _parameter("crs", "CRS of the geometries returned", {"type": "string", "format": "uri"}),
        _parameter("datetime", "Installation date: an instant or an interval with '..' for open ends",
                   {"type": "string"}),
        _parameter("category", "Only one cadastre category (e.g. water)", {"type": "string"}),
        _parameter("f", "Output format", {"type": "string", "enum": ["json", "geojson"]}),
    ]
    plain = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "smartregion OGC API - Features", "version": "1.0.0",
                 "description": "Network cadastre per municipality and inventory kind."},
        "servers": [{"url": base}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "paths": {
            "/": {"get": {"operationId": "getLandingPage", "responses": plain}},
            "/conformance": {"get": {"operationId": "getConformance", "responses": plain}},
            "/collections": {"get": {"operationId": "getCollections", "responses": plain}},
            "/collections/{collectionId}": {"get": {"operationId": "describeCollection",
                                                    "parameters": [collection_id],
                                                    "responses": {**plain, **errors}}},
            "/collections/{collectionId}/items": {"get": {
                "operationId": "getFeatures", "parameters": items_parameters,
                "responses": {"200": {"description": "Features",
                                      "content": {"application/geo+json": {"schema": feature_collection}}},
                              **errors}}},
            "/collections/{collectionId}/items/{featureId}": {"get": {
                "operationId": "getFeature",
                "parameters": [collection_id, {"name": "featureId", "in": "path", "required": True,
                                               "schema": {"type": "string"}}],
                "responses": {"200": {"description": "A feature",
                                      "content": {"application/geo+json": {"schema": {"type": "object"}}}},
                              **errors}}},
        },
    }
