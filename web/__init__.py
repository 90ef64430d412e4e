"""The web front end: an HTML search page and a JSON API over `searcher.search.engine.Engine`.

`create_app` only reads configuration and registers blueprints; the index is opened on the first request
that needs it, so importing this package or creating an app never touches the disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from searcher.search.facets import month_end

DEFAULTS: dict[str, Any] = {
    "INDEX_DIR": "index",
    "CORPUS_DIR": "corpus",
    "ADMIN_TOKEN": None,
}

# Environment names are SEARCHER_INDEX / SEARCHER_CORPUS (shared with the CLI), config keys end in _DIR.
_ENV_KEYS = {"INDEX": "INDEX_DIR", "CORPUS": "CORPUS_DIR"}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app: defaults, then SEARCHER_* environment variables, then `config` (which wins)."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    _load_env(app)
    if config:
        app.config.update(config)
    # The Werkzeug debugger runs code for whoever sees a traceback: never, whatever FLASK_DEBUG says.
    app.debug = False
    app.config["DEBUG"] = False
    # Keep JSON readable for Chinese text and in the field order of the dataclasses it comes from.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from . import admin, api, discovery, discovery_pages, errors, messages, pages, security, state

    app.add_template_filter(messages.for_page, "zh")
    app.add_template_filter(month_end, "month_end")
    state.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(discovery.bp)
    app.register_blueprint(discovery_pages.bp)
    admin.init_app(app)  # only when ADMIN_TOKEN is set
    return app


def _load_env(app: Flask) -> None:
    """Read SEARCHER_* variables; values stay strings because paths like `2024` must not become ints."""
    before = set(app.config)
    app.config.from_prefixed_env("SEARCHER", loads=str)
    for env_key, key in _ENV_KEYS.items():
        if env_key in app.config and env_key not in before:
            app.config[key] = app.config.pop(env_key)


def serve(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = 8, workers: int = 1) -> None:
    """Serve with waitress, a production WSGI server (Flask's own is for development only), configured by
    `web.server` so that waitress's own error responses carry the security headers too. With several `workers`,
    each process opens its own engine and warms it before serving."""
    from . import server
    from .state import forget_engine, get_engine

    def own_engine() -> None:
        forget_engine(app)
        with app.app_context():
            get_engine().warm_up()

    server.serve(app, host=host, port=port, threads=threads, workers=workers,
                 on_start=own_engine if workers > 1 else None)
