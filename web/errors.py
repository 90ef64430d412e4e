"""Every failure becomes one response: `{"error": {"code", "message"}}` under /api/, a Chinese page elsewhere.

Handlers are registered on the app rather than the API blueprint because routing errors (unknown path, wrong
method) happen before any blueprint is chosen; the path decides which shape the client gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searcher.errors import BadQuery, IndexBusy, IndexCorrupt, IndexMissing, NotFound, SearcherError


@dataclass(frozen=True)
class Failure:
    status: int
    code: str
    message: str


# What a reader of the HTML page is told, by status; API clients get the precise English/Chinese message.
PAGE_MESSAGES = {
    400: "请求参数有误。",
    404: "找不到这个页面或文章。",
    405: "不支持这种请求方式。",
    503: "检索服务暂时不可用。",
    500: "服务器出了点问题，请稍后再试。",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(SearcherError, _handle)
    app.register_error_handler(HTTPException, _handle)
    app.register_error_handler(Exception, _handle)


def describe(exc: BaseException) -> Failure:
    """Map an exception to status, a stable machine-readable code and a message safe to show anyone."""
    if isinstance(exc, BadQuery):
        return Failure(400, "bad_request", str(exc))
    if isinstance(exc, NotFound):
        return Failure(404, "not_found", str(exc) or "no such article（没有这篇文章）")
    if isinstance(exc, IndexCorrupt):
        return Failure(503, "index_corrupt", str(exc))
    if isinstance(exc, IndexMissing):
        return Failure(503, "index_missing", str(exc))
    if isinstance(exc, IndexBusy):
        return Failure(503, "index_busy", str(exc))
    if isinstance(exc, HTTPException) and exc.code is not None:
        code = (exc.name or "error").lower().replace(" ", "_")
        return Failure(exc.code, code, exc.description or exc.name)
    # Anything else is a bug: the details go to the log, never to the client.
    return Failure(500, "internal_error", "internal server error（服务器内部错误）")


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _handle(exc: Exception) -> Response | tuple[Response | str, int]:
    failure = describe(exc)
    if failure.status >= 500 and not isinstance(exc, IndexMissing | IndexBusy):
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        response = jsonify(error={"code": failure.code, "message": failure.message})
        response.status_code = failure.status
        if isinstance(exc, HTTPException):
            # Keep protocol headers such as Allow on a 405.
            for name, value in exc.get_headers():
                if name.lower() != "content-type":
                    response.headers[name] = value
        return response
    page = render_template(
        "error.html",
        status=failure.status,
        message=PAGE_MESSAGES.get(failure.status, failure.message),
        detail=failure.message if isinstance(exc, IndexMissing) else None,
    )
    response = Response(page, status=failure.status, mimetype="text/html")
    if isinstance(exc, HTTPException):
        for name, value in exc.get_headers():
            if name.lower() == "allow":
                response.headers[name] = value
    return response
