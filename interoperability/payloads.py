"""Guards for raw JSON bodies: size (413 before parsing), JSON syntax, nesting depth."""

from __future__ import annotations

import json
from typing import Any

from flask import Request
from smartregion.errors import BadRequest, PayloadTooLarge

MAX_BODY_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 32
MAX_ENTITIES = 10_000
JSON_TYPES = ("application/json", "application/ld+json")


def depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed JSON value, iteratively (stops counting past ``limit``)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values() if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node if isinstance(child, (dict, list)))
    return deepest


def read_json(
    request: Request,
    *,
    max_bytes: int = MAX_BODY_BYTES,
    max_depth: int = MAX_DEPTH,
    max_entities: int = MAX_ENTITIES,
) -> Any:
    """The JSON body of ``request``, refused with problem+json when too large, not JSON or too deep."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise PayloadTooLarge(
            f"The body is {length} bytes; the limit is {max_bytes} bytes "
            f"({max_bytes // (1024 * 1024)} MB). Split the batch into smaller requests."
        )
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES:
        raise BadRequest(
            f"Send the entities as application/json or application/ld+json (got {mimetype or 'none'}).",
            errors={"Content-Type": ["must be application/json or application/ld+json"]},
        )
    # The kernel's input guard has read (and checked) a JSON body already; the cached bytes are reused.
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The body exceeds {max_bytes} bytes; split the batch into smaller requests.")
    try:
        payload = json.loads(raw)
    except RecursionError:
        raise BadRequest(
            f"The body is nested deeper than {max_depth} levels.",
            errors={"body": [f"nesting deeper than {max_depth} levels"]},
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        position = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise BadRequest(
            f"The body is not valid JSON{position}: {exc}.", errors={"body": [f"not JSON{position}"]}
        ) from None
    if depth(payload, max_depth) > max_depth:
        raise BadRequest(
            f"The body is nested deeper than {max_depth} levels; NGSI-LD entities need far fewer.",
            errors={"body": [f"nesting deeper than {max_depth} levels"]},
        )
    if isinstance(payload, list) and len(payload) > max_entities:
        raise PayloadTooLarge(f"The batch has {len(payload)} entities; send at most {max_entities} per request.")
    return payload
