"""waitress, configured for this app: the security headers also on waitress's own error responses.

waitress answers some requests itself, before Flask sees them: a malformed request (400), headers over
`max_request_header_size` (431), a body over `max_request_body_size` (413), and a 500 when the app fails
before starting its response. Its error task is a documented class attribute of its channel, so a channel whose
error task adds `web.security.HEADERS` (and a Chinese line above waitress's English one) covers every one of
them without touching the request parsing.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.server import create_server as waitress_server
from waitress.task import ErrorTask

from .messages import STATUS_MESSAGES
from .security import HEADERS

DEFAULT_THREADS = 8


class SecureErrorTask(ErrorTask):
    """waitress's error response with our security headers, and the reason in Chinese first."""

    def execute(self) -> None:
        request: Any = self.request  # the parser of the refused request: its `error` says why
        error = request.error
        status, headers, body = error.to_response(self.channel.server.adj.ident)
        chinese = STATUS_MESSAGES.get(error.code, "请求有误。")
        body = f"{chinese}\r\n\r\n".encode() + body
        self.status = status
        response_headers = cast(list[tuple[str, str]], self.response_headers)  # a list (the stubs say Sequence)
        response_headers.extend(headers)
        response_headers.extend(HEADERS.items())
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class SecureChannel(HTTPChannel):
    error_task_class = SecureErrorTask


def request_body_limit(app: Flask) -> int:
    """waitress buffers a whole body before the app sees it: never more than the app would accept."""
    from .admin import MAX_REQUEST_BYTES

    return int(app.config.get("MAX_CONTENT_LENGTH") or MAX_REQUEST_BYTES)


def create_server(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS,
                  **adjustments: Any) -> Any:
    """A waitress server for `app` (not yet running); port 0 picks a free port (`server.effective_port`)."""
    adjustments.setdefault("max_request_body_size", request_body_limit(app))
    server = waitress_server(app, host=host, port=port, threads=threads, ident="searcher", **adjustments)
    # One listening socket gives a server; several (a host name with IPv4 and IPv6) a map of them.
    for listener in [server, *getattr(server, "map", {}).values()]:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = SecureChannel
    return server


def serve(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS) -> None:
    """Serve until interrupted, logging where, as `waitress.serve` does."""
    logging.basicConfig()
    server = create_server(app, host=host, port=port, threads=threads)
    server.print_listen("Serving on http://{}:{}")
    server.run()
