"""Guards on what a request may carry, applied before any handler sees it.

JSON bodies are parsed once here with a size and nesting limit, and refused when a string holds a lone
surrogate or a NUL (PostgreSQL can store neither: they would fail deep inside a write); NUL is refused
in the path, query and form fields too. Identifiers in paths are bounded to PostgreSQL's BIGINT.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request
from smartregion.errors import BadRequest, PayloadTooLarge
from werkzeug.exceptions import BadRequest as HTTPBadRequest
from werkzeug.routing import IntegerConverter

BIGINT_MAX = 2**63 - 1
# A UTF-16 surrogate that is not part of a pair; json.loads turns "\ud800" into one.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# In JSON text a surrogate or a NUL can only arrive escaped (raw ones are not valid UTF-8 or JSON): a body
# without such an escape needs no walk through its strings.
SUSPECT_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: a run of plain bytes, then escapes
# Brackets to +1/-1 (as int8), everything else to 0: the nesting depth is the running sum's maximum.
BRACKETS = bytes(1 if c in b"[{" else 255 if c in b"]}" else 0 for c in range(256))


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` limited to BIGINT: a larger identifier is a bad request, not a database error.

    ``max`` is set so that the OpenAPI document states the bound; the check itself answers 400 where
    werkzeug's own would answer 404.
    """

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        number = int(value)  # the rule's regex admits digits only
        if number > BIGINT_MAX or (self.min is not None and number < self.min):
            # An HTTP error raised while routing is kept by Flask and answered like any other (problem+json).
            raise HTTPBadRequest(f"The identifier {value[:30]} is out of range (at most {BIGINT_MAX}).")
        return number


def _problem_in_string(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character"
    if LONE_SURROGATE.search(value):
        return "contains a lone UTF-16 surrogate (not a character)"
    return None


def check_json_value(payload: Any, *, max_depth: int) -> None:
    """Walk a parsed JSON document without recursion: depth, and every key and string."""
    stack = [(payload, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > max_depth:
            raise BadRequest(f"The JSON body is nested deeper than {max_depth} levels.",
                             errors={"body": [f"nesting deeper than {max_depth} levels"]})
        if isinstance(node, dict):
            for key, child in node.items():
                path = f"{where}/{key}"
                if (problem := _problem_in_string(key)) is not None:
                    raise BadRequest(f"A key of the JSON body {problem}.", errors={where or "body": [problem]})
                stack.append((child, depth + 1, path))
        elif isinstance(node, list):
            stack.extend((child, depth + 1, f"{where}/{index}") for index, child in enumerate(node))
        elif isinstance(node, str) and (problem := _problem_in_string(node)) is not None:
            field = where.lstrip("/").replace("/", ".") or "body"
            raise BadRequest(f"The value of {field!r} {problem}.", errors={field: [problem]})


def _too_large(length: int, limit: int) -> str:
    return (f"The JSON body is {length} bytes; the limit is {limit} bytes ({limit // (1024 * 1024)} MB): "
            "split it into smaller requests.")


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of a JSON text, counted on its brackets outside strings, at C speed."""
    import numpy

    skeleton = STRING.sub(b"", raw).translate(BRACKETS)
    if not skeleton:
        return 0
    return int(numpy.frombuffer(skeleton, dtype=numpy.int8).cumsum(dtype=numpy.int64).max())


def parse_json(raw: bytes, *, max_bytes: int, max_depth: int) -> Any:
    """Parse a JSON body within the limits, or raise a problem the client can act on."""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(_too_large(len(raw), max_bytes))
    if nesting_depth(raw) > max_depth:
        raise BadRequest(f"The JSON body is nested deeper than {max_depth} levels.",
                         errors={"body": [f"nesting deeper than {max_depth} levels"]})
    try:
        payload = json.loads(raw)
    except RecursionError:
        raise BadRequest(f"The JSON body is nested deeper than {max_depth} levels.",
                         errors={"body": [f"nesting deeper than {max_depth} levels"]}) from None
    except (UnicodeDecodeError, ValueError) as exc:
        position = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise BadRequest(f"The request body is not valid JSON{position}.",
                         errors={"body": [f"not JSON{position}"]}) from None
    if SUSPECT_ESCAPE.search(raw):
        check_json_value(payload, max_depth=max_depth)  # finds the field to name in the answer
    return payload


def _has_nul(values) -> str | None:
    for key, value in values.items(multi=True):
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            return key.replace("\x00", "")
    return None


def guard_request() -> None:
    """Refuse NUL in the path, query and form fields, and JSON bodies beyond the limits."""
    if "\x00" in request.path:
        raise BadRequest("The address contains a NUL character.")
    if (name := _has_nul(request.args)) is not None:
        raise BadRequest(f"The query parameter {name!r} contains a NUL character.",
                         errors={name: ["contains a NUL character"]})
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.content_length:
        return
    if request.is_json:
        config = current_app.config
        length = request.content_length
        if length is not None and length > config["MAX_JSON_BYTES"]:
            raise PayloadTooLarge(_too_large(length, config["MAX_JSON_BYTES"]))
        raw = request.get_data(cache=True)
        if raw.strip():
            parse_json(raw, max_bytes=config["MAX_JSON_BYTES"], max_depth=config["MAX_JSON_DEPTH"])
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if (name := _has_nul(request.form)) is not None:
            raise BadRequest(f"The form field {name!r} contains a NUL character.",
                             errors={name: ["contains a NUL character"]})


def init_app(app: Flask) -> None:
    app.before_request(guard_request)


def install_converters(app: Flask) -> None:
    """Before any route is added: every ``<int:...>`` in the platform is bounded."""
    app.url_map.converters["int"] = BoundedIntConverter
