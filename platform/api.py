"""flask-smorest Api and Blueprint as the platform uses them: 400 with a field map, problem+json."""

from __future__ import annotations

import http

import marshmallow as ma
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
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

    def documents_errors(self, *codes: int):
        """Document the error responses of an endpoint (401 and 403 are added everywhere)."""

        def decorator(func):
            for code in sorted({401, 403, *codes}):
                func = self.alt_response(code, response=http.HTTPStatus(code).name)(func)
            return func

        return decorator


def paginate_query(session, statement, page: int, page_size: int):
    """Run a paginated select; returns (rows, total)."""
    from sqlalchemy import func, select

    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    if (page - 1) * page_size >= total:
        return [], total
    rows = session.scalars(statement.limit(page_size).offset((page - 1) * page_size)).all()
    return rows, total


api = Api()


class EnumField(ma.fields.Enum):
    """A StrEnum field whose column is a plain string: loads the member, dumps its value."""

    def __init__(self, enum, **kwargs):
        super().__init__(enum, by_value=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return self.enum(value).value
