"""flask-smorest Api and Blueprint as the platform uses them: 400 with a field map, problem+json."""

from __future__ import annotations

import http
import json
from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, current_app, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from flask_smorest.pagination import PaginationParameters
from flask_smorest.utils import prepare_response
from smartregion.errors import PROBLEM_JSON
from webargs.flaskparser import FlaskParser


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, with the field map of validation errors."""

    type = ma.fields.String(metadata={"example": "about:blank"})
    title = ma.fields.String(metadata={"example": "Bad request"})
    status = ma.fields.Integer(metadata={"example": 400})
    detail = ma.fields.String()
    instance = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(), metadata={"description": "Field name to the list of its error messages"}
    )


class Parser(FlaskParser):
    # A body that does not match its schema is a bad request, answered with the field map.
    DEFAULT_VALIDATION_STATUS = 400


class PaginationParser(FlaskParser):
    """flask-smorest's parser of ``page`` and ``page_size``, with one schema per class for the process.

    webargs instantiates a schema given as a class on every request, and a schema's ``__init__`` deep-copies
    its fields: a cost paid by every paginated read for nothing, since loading does not change the schema.
    """

    _schemas: dict[type, ma.Schema] = {}
    _defaults: dict[type, tuple[int, int]] = {}

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        # Most paginated reads ask for the first page at the default size: the parameters are the
        # schema's defaults, built without a pass through webargs and marshmallow.
        args = request.args
        if (location == "query" and isinstance(argmap, type) and issubclass(argmap, ma.Schema)
                and "page" not in args and "page_size" not in args and not kwargs):
            defaults = self._defaults.get(argmap)
            if defaults is None:
                fields = argmap._declared_fields
                defaults = self._defaults.setdefault(
                    argmap, (fields["page"].load_default, fields["page_size"].load_default))
            return PaginationParameters(*defaults)
        return super().parse(argmap, req, location=location, **kwargs)

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)


class Api(_Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # smartregion.errors renders every error as problem+json; see errors.init_app.
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON if status >= 400 else "application/json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class Blueprint(_Blueprint):
    """A Blueprint that documents the errors every endpoint may answer."""

    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = PaginationParser()

    def _set_pagination_metadata(self, page_params, result, headers):
        headers = dict(headers or {})
        headers.update(pagination_headers(page_params.page, page_params.page_size, page_params.item_count,
                                          getattr(page_params, "has_next", None)))
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        super()._document_pagination_metadata(spec, resp_doc)
        resp_doc["headers"]["Link"] = {
            "description": "RFC 8288 links to the first, previous, next and (when counted) last page",
            "schema": {"type": "string"}}

    def _prepare_pagination_doc(self, doc, doc_info, *, spec, **kwargs):
        doc = super()._prepare_pagination_doc(doc, doc_info, spec=spec, **kwargs)
        if doc_info.get("pagination"):
            doc.setdefault("parameters", []).append({
                "in": "query", "name": "count", "required": False, "schema": {"type": "boolean"},
                "description": "Also count every row and report `total` (costs a scan; off by default)"})
        return doc

    def documents_errors(self, *codes: int):
        """Document the error responses of an endpoint (401 and 403 are added everywhere)."""

        def decorator(func):
            # ``alt_response`` documents through a wrapper that only calls the view; the view itself
            # takes the documentation instead, and each request goes through three wrappers fewer.
            documented = func
            for code in sorted({401, 403, *codes}):
                documented = self.alt_response(code, response=http.HTTPStatus(code).name)(documented)
            func._apidoc = documented._apidoc
            return func

        return decorator


def count_of(session, statement) -> int:
    """How many rows ``statement`` selects, counted by the database."""
    from sqlalchemy import func, select

    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def paginate_query(session, statement, page: int, page_size: int):
    """Run a paginated select with its count; returns (rows, total). Pages that show "page x of y" use it."""
    total = count_of(session, statement)
    if (page - 1) * page_size >= total:
        return [], total
    rows = session.scalars(statement.limit(page_size).offset((page - 1) * page_size)).all()
    return rows, total


def wants_count() -> bool:
    """Whether the caller asked for the total (``?count=true``): it costs a count over every row."""
    return request.args.get("count", "").lower() in {"1", "true", "yes"}


def one_page(session, statement, page: int, page_size: int) -> tuple[list, bool]:
    """The rows of page ``page`` (from 1) and whether another follows, read with one row more, no count."""
    rows = session.scalars(statement.limit(page_size + 1).offset((page - 1) * page_size)).all()
    return rows[:page_size], len(rows) > page_size


def requested_page() -> int:
    """The page a page's address asks for (``?page=3``), the first when it asks for none or nonsense."""
    return max(1, request.args.get("page", 1, type=int) or 1)


def paginate(statement, pagination_parameters, *, session=None) -> list:
    """One page of a select, for every paginated endpoint of the API.

    It reads one row more than the page to know whether another page follows, and runs no count
    unless asked: the total is reported when the caller asks for it (``?count=true``) or when the
    page itself tells it (a last page, the first included, that is not full).
    """
    from smartregion.db import get_session

    session = session or get_session()
    rows, has_next = one_page(session, statement, pagination_parameters.page, pagination_parameters.page_size)
    return _paged(rows, has_next, pagination_parameters, lambda: count_of(session, statement))


def _paged(rows: list, has_next: bool, pagination_parameters, count) -> list:
    """Tell the pagination the total when it is asked for or known without a count, and whether a page follows."""
    page, size = pagination_parameters.page, pagination_parameters.page_size
    total = None
    if wants_count():
        total = count()
    elif not has_next and (rows or page == 1):
        total = (page - 1) * size + len(rows)
    pagination_parameters.item_count = UNCOUNTED if total is None else total
    pagination_parameters.has_next = has_next
    return rows


def paginate_compiled(compiled, params: dict | None, pagination_parameters, *, session=None) -> list:
    """``paginate`` of a ``smartregion.db.CompiledSelect``: one page of rows (tuples in column order).

    Without a session, the page is read in the request's transaction if one is open, else alone; a page
    counted too is read in the request's transaction with its count."""
    from smartregion.db import get_session

    if session is None and wants_count():
        session = get_session()
    page, size = pagination_parameters.page, pagination_parameters.page_size
    rows = compiled.rows(session, params, limit=size + 1, offset=(page - 1) * size)
    return _paged(rows[:size], len(rows) > size, pagination_parameters, lambda: compiled.count(session, params))


def dumped(data) -> Response:
    """A 200 JSON answer of data already in its schema's shape (the endpoint's schema documents it):
    returned as a response, it is not dumped a second time."""
    return current_app.response_class(current_app.json.dumps(data) + "\n", mimetype="application/json")


class _Uncounted(int):
    """The item count of a page whose total was not counted (flask-smorest wants a number)."""


UNCOUNTED = _Uncounted(-1)


def _page_linker():
    """The link to a page of this list: the request's address with ``page`` set, its other arguments kept."""
    base = request.base_url
    if not request.args:  # the common case, without copying and encoding the arguments per link
        return lambda page: f"<{base}?page={page}>"

    def link(page: int) -> str:
        args = request.args.copy()
        args["page"] = str(page)
        return f"<{base}?{urlencode(list(args.items(multi=True)))}>"

    return link


def pagination_headers(page: int, page_size: int, item_count: int, has_next: bool | None) -> dict:
    """``X-Pagination`` (flask-smorest's shape, without the totals when not counted) and RFC 8288 ``Link``."""
    counted = not isinstance(item_count, _Uncounted)
    if counted:
        last_page = max(1, (item_count - 1) // page_size + 1) if item_count else 1
        has_next = page < last_page
        metadata = {"total": item_count, "total_pages": (item_count - 1) // page_size + 1 if item_count else 0}
        if item_count:
            metadata |= {"first_page": 1, "last_page": last_page}
            if page <= last_page:
                metadata["page"] = page
                if page > 1:
                    metadata["previous_page"] = page - 1
                if has_next:
                    metadata["next_page"] = page + 1
    else:
        metadata = {"first_page": 1, "page": page}
        if page > 1:
            metadata["previous_page"] = page - 1
        if has_next:
            metadata["next_page"] = page + 1
    link = _page_linker()
    links = [f'{link(1)}; rel="first"']
    if page > 1:
        links.append(f'{link(page - 1)}; rel="prev"')
    if has_next:
        links.append(f'{link(page + 1)}; rel="next"')
    if counted and item_count:
        links.append(f'{link(last_page)}; rel="last"')
    return {"X-Pagination": json.dumps(metadata), "Link": ", ".join(links)}


api = Api()


class EnumField(ma.fields.Enum):
    """A StrEnum field whose column is a plain string: loads the member, dumps its value."""

    def __init__(self, enum, **kwargs):
        super().__init__(enum, by_value=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return self.enum(value).value
