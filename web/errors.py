"""Every failure becomes one response: `{"error": {"code", "message"}}` under /api/, a Chinese page elsewhere.

The JSON `message` is the library's English followed by the Chinese in full-width brackets; the page shows
only the Chinese (`web.messages` decides both).

Handlers are registered on the app rather than the API blueprint because routing errors (unknown path, wrong
method) happen before any blueprint is chosen; the path decides which shape the client gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searcher.errors import BackendUnavailable, BadQuery, IndexBusy, IndexCorrupt, IndexMissing, NotFound, SearcherError

from .messages import STATUS_MESSAGES, bilingual, for_page


@dataclass(frozen=True)
class Failure:
    status: int
    code: str
    message: str


def init_app(app: Flask) -> None:
    app.register_error_handler(SearcherError, _handle)
    app.register_error_handler(HTTPException, _handle)
    app.register_error_handler(Exception, _handle)


def describe(exc: BaseException) -> Failure:
    """Map an exception to status, a stable machine-readable code and a message safe to show anyone."""
    if isinstance(exc, BadQuery):
        return Failure(400, "bad_request", str(exc))
    if isinstance(exc, NotFound):
        return Failure(404, "not_found", str(exc) or "no such article")
    if isinstance(exc, IndexCorrupt):
        return Failure(503, "index_corrupt", str(exc))
    if isinstance(exc, BackendUnavailable):
        return Failure(503, "backend_unavailable", str(exc))
    if isinstance(exc, IndexMissing):
        return Failure(503, "index_missing", str(exc))
    if isinstance(exc, IndexBusy):
        return Failure(503, "index_busy", str(exc))
    if isinstance(exc, HTTPException) and exc.code is not None:
        code = (exc.name or "error").lower().replace(" ", "_")
        return Failure(exc.code, code, exc.description or exc.name)
    # Anything else is a bug: the details go to the log, never to the client.
    return Failure(500, "internal_error", "internal server error")


def is_api_request() -> bool:
    """The JSON API and the feeds (read by programs, documented with the JSON error shape)."""
    return request.path == "/api" or request.path.startswith(("/api/", "/feeds/"))


def _handle(exc: Exception) -> Response | tuple[Response | str, int]:
    failure = describe(exc)
    if failure.status >= 500 and not isinstance(exc, IndexMissing | IndexBusy):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        response = jsonify(error={"code": failure.code, "message": bilingual(failure.message, failure.status)})
        response.status_code = failure.status
        _keep_protocol_headers(exc, response)
        return response
    page = render_template(
        "error.html",
        status=failure.status,
        message=_page_message(exc, failure),
        index_dir=exc.index_dir if isinstance(exc, IndexMissing) else None,
    )
    response = Response(page, status=failure.status, mimetype="text/html")
    _keep_protocol_headers(exc, response)
    return response


def _page_message(exc: Exception, failure: Failure) -> str:
    """A bad parameter is explained precisely; anything else gets the page's sentence for its status."""
    if isinstance(exc, BadQuery):
        return for_page(failure.message, failure.status)
    return STATUS_MESSAGES.get(failure.status) or for_page(failure.message, failure.status)


def _keep_protocol_headers(exc: Exception, response: Response) -> None:
    """Headers such as Allow on a 405 or Retry-After on a 429 belong to the protocol, not to the body."""
    if isinstance(exc, HTTPException):
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
