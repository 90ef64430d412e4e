"""Adding articles and rebuilding the index over HTTP, for people (/admin) and for scripts (/api/...).

Off unless the app has an ADMIN_TOKEN (env SEARCHER_ADMIN_TOKEN): then the routes are not even registered,
so every admin path is an ordinary 404 in the ordinary shape. Scripts authenticate with
`Authorization: Bearer <token>`; a browser form cannot send that header, so the /admin page posts the token
as the form field `token` instead. Both are compared in constant time.

Uploads become corpus files (`searcher.uploads`) and are then indexed into the live generation
(`searcher.indexing.add_files`); a rebuild runs in the background (`searcher.jobs.Rebuilder`). The engine
notices both on its next request, so searching never stops.
"""

from __future__ import annotations

import hmac  # noqa: F401  (tests patch hmac.compare_digest through this module)
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request
from werkzeug.datastructures import FileStorage, WWWAuthenticate
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    HTTPException,
    RequestEntityTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)

from searcher import uploads
from searcher.errors import IndexBusy, UnreadableFile
from searcher.indexing import BuildReport, add_files
from searcher.jobs import Rebuilder
from searcher.reading import load_file

from . import security

bp = Blueprint("admin", __name__)

DEFAULT_LOCK_WAIT = 5.0  # seconds an upload or rebuild waits for another writer before answering 409
MAX_ARTICLES_PER_REQUEST = 1000
# A request may carry a few files at the per-file limit; anything larger is refused before it is read.
MAX_REQUEST_BYTES = 4 * uploads.MAX_UPLOAD_BYTES + 1024 * 1024
_REBUILDER = "searcher.rebuilder"
_rebuilder_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Register the admin routes only when a token is configured."""
    if not security.admin_token_usable(app):  # none, or too short (logged)
        return
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.register_blueprint(bp)


# --- authentication -----------------------------------------------------------------------------------------


def token_matches(given: str | None) -> bool:
    """Constant-time comparison, so response timing does not reveal how much of a guess was right; too many
    wrong guesses from one address are refused with 429 (`web.security`)."""
    return security.check_admin_token(given)


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def require_bearer() -> None:
    if not token_matches(bearer_token()):
        raise Unauthorized("missing or wrong admin token（管理令牌缺失或错误）",
                           www_authenticate=WWWAuthenticate("Bearer"))


@bp.before_request
def _still_enabled() -> None:
    """The token may be removed from a running app's config; the routes then vanish again."""
    if not current_app.config.get("ADMIN_TOKEN"):
        abort(404)


@bp.after_request
def _no_store(response: Response) -> Response:
    """Admin answers (statuses, upload results) are for the one who asked, never for a shared cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- shared work --------------------------------------------------------------------------------------------


def _dirs() -> tuple[Path, Path]:
    return Path(current_app.config["CORPUS_DIR"]), Path(current_app.config["INDEX_DIR"])


def lock_wait() -> float:
    return float(current_app.config.get("ADMIN_LOCK_WAIT", DEFAULT_LOCK_WAIT))


def get_rebuilder() -> Rebuilder:
    """The app's one Rebuilder, so "already running" means running anywhere in this process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _rebuilder_lock:
        rebuilder = app.extensions.get(_REBUILDER)
        if rebuilder is None:
            corpus, index = _dirs()
            rebuilder = app.extensions[_REBUILDER] = Rebuilder(corpus, index, wait=lock_wait())
        return rebuilder


@contextmanager
def http_errors() -> Iterator[None]:
    """The library's refusals as HTTP statuses; `web.errors` gives them the one JSON error shape."""
    try:
        yield
    except uploads.UploadTooLarge as exc:
        raise RequestEntityTooLarge(str(exc)) from exc
    except uploads.UnsupportedUpload as exc:
        raise UnsupportedMediaType(str(exc)) from exc
    except uploads.UploadError as exc:  # empty file, invalid article
        raise BadRequest(str(exc)) from exc
    except IndexBusy as exc:
        raise Conflict(str(exc)) from exc


def save_files(corpus: Path, files: Sequence[FileStorage]) -> list[Path]:
    """Check every file before saving any, so one bad file in a batch leaves the corpus untouched."""
    chosen = [f for f in files if f.filename]
    if not chosen:
        raise BadRequest("no file uploaded in the form field 'files'（没有选择文件）")
    limit = uploads.max_upload_bytes()
    # Read one byte past the limit: enough to know a file is too large without holding all of it.
    received = [(f.filename or "", f.stream.read(limit + 1)) for f in chosen]
    for name, data in received:
        uploads.check_upload(name, len(data))
    return [uploads.save_upload(corpus, name, data) for name, data in received]


def save_articles(corpus: Path, body: Any) -> list[Path]:
    """One JSON article or a list of them; all are validated before any is saved."""
    articles = body if isinstance(body, list) else [body]
    if not articles:
        raise BadRequest("the list of articles is empty")
    if len(articles) > MAX_ARTICLES_PER_REQUEST:
        raise BadRequest(f"at most {MAX_ARTICLES_PER_REQUEST} articles per request")
    for n, article in enumerate(articles):
        try:
            uploads.validate_article(article)
        except uploads.InvalidArticle as exc:
            where = f"article {n + 1}: " if isinstance(body, list) else ""
            raise uploads.InvalidArticle(where + str(exc)) from exc
    return [uploads.save_json_article(corpus, article) for article in articles]


def _relative(path: str | Path, corpus: Path) -> str:
    """Corpus-relative, so responses never show the server's directory layout."""
    try:
        return Path(path).resolve().relative_to(corpus.resolve()).as_posix()
    except ValueError:
        return Path(path).name


def index_saved(corpus: Path, index: Path, paths: list[Path]) -> dict[str, Any]:
    """Index the saved files into the live generation and describe the outcome.

    A saved file the reader cannot use (a PDF without a text layer, say) is removed again: kept, it would
    only be skipped by every later build. A file already indexed with the same content is reported with its
    articles' ids all the same, so sending something twice gives the same answer.
    """
    try:
        report = add_files(paths, corpus, index, wait=lock_wait())
    except IndexBusy as exc:
        # The files stay in the corpus: a rebuild that starts later includes them, and sending them again
        # (which stores nothing twice) indexes them as soon as the other writer is done.
        saved = ", ".join(_relative(p, corpus) for p in paths)
        raise Conflict(f"{exc}. Saved in the corpus as {saved}; send again to index now（已保存，请稍后重试）") from exc
    skipped = [{"path": _relative(s.path, corpus), "reason": s.reason} for s in report.skipped]
    unusable = {s["path"] for s in skipped}
    kept = [p for p in paths if _relative(p, corpus) not in unusable]
    for path in paths:
        if path not in kept:
            path.unlink(missing_ok=True)
    return {"articles": _article_ids(report, kept, corpus), "files": [_relative(p, corpus) for p in kept],
            "skipped": skipped}


def _article_ids(report: BuildReport, kept: list[Path], corpus: Path) -> list[str]:
    if not report.unchanged:
        return list(report.article_ids)
    ids = list(report.article_ids)
    for path in kept:  # add_files does not say which files were unchanged; their ids are cheap to re-derive
        try:
            ids += [a.id for a in load_file(path.resolve(), corpus.resolve()).articles if a.id not in ids]
        except UnreadableFile:
            continue
    return ids


def ingest_request() -> dict[str, Any]:
    """Save and index what this request carries: multipart files (field `files`) or JSON article(s)."""
    corpus, index = _dirs()
    with http_errors():
        if request.mimetype == "multipart/form-data":
            paths = save_files(corpus, request.files.getlist("files"))
        elif request.is_json:
            paths = save_articles(corpus, request.get_json())
        else:
            raise UnsupportedMediaType("send multipart/form-data with the field 'files', or a JSON article")
        return index_saved(corpus, index, paths)


def start_rebuild() -> dict[str, Any]:
    rebuilder = get_rebuilder()
    if not rebuilder.start():
        raise Conflict("a rebuild is already running（索引正在重建）")
    return rebuilder.status()


# --- JSON API -----------------------------------------------------------------------------------------------


@bp.post("/api/articles")
def add_articles() -> Any:
    require_bearer()
    return jsonify(ingest_request()), 201


@bp.post("/api/rebuild")
def rebuild() -> Any:
    require_bearer()
    return jsonify(start_rebuild()), 202


@bp.get("/api/rebuild/status")
def rebuild_status() -> Any:
    require_bearer()
    return jsonify(get_rebuilder().status())


# --- the page for people ------------------------------------------------------------------------------------
# CSRF: every form post must carry the admin token in the `token` field. Another site cannot know it, so a
# forged cross-site post is refused like any other wrong token; no separate CSRF token is needed. The page
# never writes the token back into its HTML.


@bp.get("/admin")
def page() -> Any:
    return _page()


def _page(code: int = 200, **context: Any) -> tuple[str, int]:
    """The page, told the limits the library enforces so that its hints cannot drift from them."""
    return render_template("admin.html", allowed=sorted(uploads.ALLOWED_SUFFIXES),
                           max_mb=uploads.max_upload_bytes() // (1024 * 1024), **context), code


def _form_action(action: str) -> tuple[str, int]:
    """Run one form's action after checking its token; failures are shown on the page, not as JSON."""
    try:
        if not token_matches(request.form.get("token")):
            return _page(401, error="管理令牌错误，请重新输入。")
        if action == "upload":
            return _page(upload=ingest_request(), status=get_rebuilder().status())
        if action == "rebuild":
            return _page(status=start_rebuild(), started=True)
        return _page(status=get_rebuilder().status())
    except HTTPException as exc:
        return _page(exc.code or 500, error=exc.description)


@bp.post("/admin/upload")
def page_upload() -> Any:
    return _form_action("upload")


@bp.post("/admin/rebuild")
def page_rebuild() -> Any:
    return _form_action("rebuild")


@bp.post("/admin/status")
def page_status() -> Any:
    return _form_action("status")
