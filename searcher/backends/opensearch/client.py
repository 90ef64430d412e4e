"""Talking to the cluster: the client (URL, credentials and CA bundle from searcher/config.py), and which failures
are an outage (BackendUnavailable: a 503 from the web app, a one-line error from the CLI, never showing a password)
rather than a bug to see."""

from __future__ import annotations

from typing import Any, NoReturn

from ... import config
from ...errors import BackendUnavailable

DEFAULT_URL = "http://127.0.0.1:9200"


def connect(settings: config.OpenSearchSettings | str | None = None) -> Any:
    """An opensearch-py client (the `opensearch` extra) for `settings` (the configured cluster when None; a bare
    URL: that cluster, with any user:password@ in it). Basic auth when a user is set; an https URL always has
    its certificate verified, against `ca_certs` or the system's bundle, never silently not. No client-side
    retries: Session.search decides."""
    from opensearchpy import OpenSearch

    if settings is None:
        settings = config.opensearch_settings()
    elif isinstance(settings, str):
        settings = config.OpenSearchSettings(url=settings)
    auth = (settings.user, settings.password) if settings.user else None
    return OpenSearch(hosts=[settings.url], http_auth=auth, verify_certs=True, ca_certs=settings.ca_certs,
                      ssl_show_warn=True, timeout=30, max_retries=0)


def transient(exc: BaseException) -> bool:
    """A failure worth one more try: the connection dropped, or a node answered 500 or 503."""
    from opensearchpy.exceptions import ConnectionError, TransportError

    return isinstance(exc, ConnectionError) or (isinstance(exc, TransportError) and exc.status_code in (500, 503))


def unavailable(where: str, exc: BaseException) -> BackendUnavailable | None:
    """A cluster that cannot be reached or refuses becomes BackendUnavailable (503); None for anything else (a
    query it rejects is a bug to see, not an outage)."""
    from opensearchpy.exceptions import (
        AuthenticationException,
        AuthorizationException,
        ConnectionError,
        NotFoundError,
        TransportError,
    )

    if isinstance(exc, AuthenticationException | AuthorizationException):
        return BackendUnavailable(where, f"the cluster refused the credentials ({exc.status_code}): check "
                                         "SEARCHER_OPENSEARCH_USER and SEARCHER_OPENSEARCH_PASSWORD")
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
