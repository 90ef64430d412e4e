"""Where the corpus and the index live, and which backend serves: command-line flags win, then the environment, then
the defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "index"


def corpus_dir(value: str | os.PathLike[str] | None = None) -> Path:
    return Path(value or os.environ.get("SEARCHER_CORPUS") or DEFAULT_CORPUS)


def given_corpus(value: str | os.PathLike[str] | None = None) -> Path | None:
    """The corpus a person named (flag, then environment), or None: then the index's recorded corpus applies."""
    chosen = value or os.environ.get("SEARCHER_CORPUS")
    return Path(chosen) if chosen else None


def index_dir(value: str | os.PathLike[str] | None = None) -> Path:
    return Path(value or os.environ.get("SEARCHER_INDEX") or DEFAULT_INDEX)


def cache_dir() -> Path:
    """Where derived files that only save time are kept (jieba's dictionary): `$SEARCHER_CACHE`, else the user's
    cache directory (`$XDG_CACHE_HOME`, else ~/.cache) under `searcher`."""
    chosen = os.environ.get("SEARCHER_CACHE")
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "searcher"


DEFAULT_RESULT_CACHE_MB = 32


def result_cache_mb() -> int:
    """SEARCHER_RESULT_CACHE_MB: memory per process for the answers of searches asked again (searcher/search/engine.py);
    0 turns the cache off. Anything but a whole number leaves the default."""
    value = os.environ.get("SEARCHER_RESULT_CACHE_MB", "").strip()
    return int(value) if value.isdigit() else DEFAULT_RESULT_CACHE_MB


# Which engine serves searches: the embedded Whoosh index (default) or an OpenSearch cluster (issue 10).
BACKENDS = ("whoosh", "opensearch")
DEFAULT_OPENSEARCH_URL = "http://127.0.0.1:9200"
DEFAULT_OPENSEARCH_INDEX = "searcher"
# Each backend setting and the environment variable it is read from; the CLI's flags override them (`overridden`).
ENVIRONMENT = {
    "backend": "SEARCHER_BACKEND",
    "opensearch_url": "SEARCHER_OPENSEARCH_URL",
    "opensearch_index": "SEARCHER_OPENSEARCH_INDEX",
    "opensearch_user": "SEARCHER_OPENSEARCH_USER",
    "opensearch_password": "SEARCHER_OPENSEARCH_PASSWORD",
    "opensearch_ca_certs": "SEARCHER_OPENSEARCH_CA_CERTS",
}
_overrides: dict[str, str] = {}


@contextmanager
def overridden(**values: str | None) -> Iterator[None]:
    """Settings given on the command line win over the environment while the command runs (None: not given)."""
    unknown = set(values) - set(ENVIRONMENT)
    if unknown:
        raise TypeError(f"not a backend setting: {sorted(unknown)}")
    saved = dict(_overrides)
    _overrides.update({name: value for name, value in values.items() if value})
    try:
        yield
    finally:
        _overrides.clear()
        _overrides.update(saved)


def _setting(name: str) -> str | None:
    return _overrides.get(name) or os.environ.get(ENVIRONMENT[name]) or None


def backend() -> str:
    """SEARCHER_BACKEND: `whoosh` (the default) or `opensearch`; anything else is a clear error, not a fallback."""
    from .errors import SearcherError

    value = (_setting("backend") or BACKENDS[0]).strip().lower()
    if value not in BACKENDS:
        raise SearcherError(f"SEARCHER_BACKEND must be one of {', '.join(BACKENDS)}, got {value[:20]!r}")
    return value


def opensearch_url() -> str:
    """SEARCHER_OPENSEARCH_URL: the cluster's HTTP address (https: certificates are verified)."""
    return _setting("opensearch_url") or DEFAULT_OPENSEARCH_URL


def opensearch_index() -> str:
    """SEARCHER_OPENSEARCH_INDEX: the alias searches read and builds switch (its indexes are named after it)."""
    return _setting("opensearch_index") or DEFAULT_OPENSEARCH_INDEX


def opensearch_user() -> str | None:
    """SEARCHER_OPENSEARCH_USER: the basic-auth user (the OpenSearch security plugin's internal users)."""
    return _setting("opensearch_user")


def opensearch_password() -> str | None:
    """SEARCHER_OPENSEARCH_PASSWORD (or the CLI's prompt): never a flag, so it never shows in `ps`."""
    return _setting("opensearch_password")


@dataclass(frozen=True)
class OpenSearchSettings:
    """Where the cluster is and how to log in; the password is left out of the repr."""

    url: str = DEFAULT_OPENSEARCH_URL
    index: str = DEFAULT_OPENSEARCH_INDEX
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_certs: str | None = None  # a CA bundle for https; None: the system's (certifi's) bundle, still verified


def opensearch_settings() -> OpenSearchSettings:
    """The configured cluster. Raises SearcherError for a user without a password (or the reverse) and for a CA
    bundle that is not a file, rather than connecting without them."""
    from .errors import SearcherError

    user, password, ca_certs = opensearch_user(), opensearch_password(), _setting("opensearch_ca_certs")
    if user and not password:
        raise SearcherError(f"the OpenSearch user {user!r} needs a password: set SEARCHER_OPENSEARCH_PASSWORD "
                            "(or run the command in a terminal to be asked for it)")
    if password and not user:
        raise SearcherError("SEARCHER_OPENSEARCH_PASSWORD is set but no user: set SEARCHER_OPENSEARCH_USER "
                            "(or give --opensearch-user)")
    if ca_certs and not Path(ca_certs).is_file():
        raise SearcherError(f"SEARCHER_OPENSEARCH_CA_CERTS: {ca_certs}: no such file")
    return OpenSearchSettings(opensearch_url(), opensearch_index(), user, password, ca_certs)
