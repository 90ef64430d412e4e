"""Talking to the cluster: the client, and which failures are an outage (BackendUnavailable: a 503 from the web
app, a one-line error from the CLI) rather than a bug to see."""

from __future__ import annotations

from typing import Any, NoReturn

from ...errors import BackendUnavailable

DEFAULT_URL = "http://127.0.0.1:9200"


def connect(url: str = DEFAULT_URL) -> Any:
    """An opensearch-py client (the `opensearch` extra). No client-side retries: Session.search decides."""
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=[url], timeout=30, max_retries=0)


def transient(exc: BaseException) -> bool:
    """A failure worth one more try: the connection dropped, or a node answered 500 or 503."""
    from opensearchpy.exceptions import ConnectionError, TransportError

    return isinstance(exc, ConnectionError) or (isinstance(exc, TransportError) and exc.status_code in (500, 503))


def unavailable(where: str, exc: BaseException) -> BackendUnavailable | None:
    """A cluster that cannot be reached or refuses becomes BackendUnavailable (503); None for anything else (a
    query it rejects is a bug to see, not an outage)."""
    from opensearchpy.exceptions import ConnectionError, NotFoundError, TransportError

    if isinstance(exc, ConnectionError | NotFoundError):
        return BackendUnavailable(where, str(exc.__class__.__name__) + ": " + str(exc)[:200])
    if isinstance(exc, TransportError) and exc.status_code in (500, 503):
        return BackendUnavailable(where, str(exc)[:200])
    return None


def raise_unavailable(where: str, exc: BaseException) -> NoReturn:
    """Raise BackendUnavailable for an outage, else let `exc` (being handled) go on."""
    problem = unavailable(where, exc)
    if problem is None:
        raise exc
    raise problem from exc
