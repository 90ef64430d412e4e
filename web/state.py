"""The one `Engine` an app shares between its request threads, created on first use."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from searcher.backends import open_engine
from searcher.search.engine import Engine

_KEY = "searcher.engine"
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Reserve the slot; the Engine waits for the first request so that startup never opens an index."""
    app.extensions[_KEY] = None


def forget_engine(app: Flask) -> None:
    """Drop the app's Engine, so that the next request opens another: a server's worker process does this first,
    so that it reads nothing through files or connections its parent opened (and its siblings share)."""
    app.extensions[_KEY] = None


def get_engine() -> Engine:
    """The app's Engine (of the backend SEARCHER_BACKEND names). Engine is thread-safe and cheap, but one per app
    keeps its caches warm."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = app.extensions.get(_KEY)
    if engine is None:
        with _lock:
            engine = app.extensions.get(_KEY)
            if engine is None:
                engine = open_engine(app.config["INDEX_DIR"])
                app.extensions[_KEY] = engine
    return engine
