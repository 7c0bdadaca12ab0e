"""Files to download, for the API and the pages alike: named attachments and exports streamed on their own session."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote

from flask import Response, current_app
from smartregion import tenancy
from smartregion.db import db


def attachment(body: bytes | str | Iterable, mimetype: str, filename: str, *, inline: bool = False,
               **headers: str) -> Response:
    """A file for the browser to save under ``filename`` (or to show, ``inline``): bytes, text or chunks."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, "inline" if inline else "attachment")
    response.headers.update(headers)
    return response


def content_disposition(filename: str, kind: str = "attachment") -> str:
    """``attachment`` (or ``inline``) with the file's name; a name beyond ASCII is also given in RFC 5987 form."""
    plain = filename.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
    value = f'{kind}; filename="{plain}"'
    if plain != filename:
        value += f"; filename*=UTF-8''{quote(filename)}"
    return value


def streamed(tenant_id: int, make_chunks: Callable[..., Iterable], *args) -> Iterator:
    """``make_chunks(session, *args)`` run on its own session in the tenant's scope, as the response is sent.

    The request's session is gone by then: the stream opens one of its own, so no transaction outlives it.
    """
    app = current_app._get_current_object()

    def generate():
        with app.app_context(), tenancy.tenant_context(tenant_id):
            session = db.new_session()
            try:
                yield from make_chunks(session, *args)
            finally:
                session.close()

    return generate()
