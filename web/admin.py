"""Adding articles and rebuilding the index over HTTP, for people (/admin) and for scripts (/api/...).

Off unless the app has an ADMIN_TOKEN (env SEARCHER_ADMIN_TOKEN): then the routes are not even registered,
so every admin path is an ordinary 404 in the ordinary shape. Scripts authenticate with
`Authorization: Bearer <token>`; a browser form cannot send that header, so the /admin page posts the token
as the form field `token` instead. Both are compared in constant time.

Uploads are checked and parsed one by one, and the good ones become corpus files (`searcher.corpus.uploads`) in the
corpus the index was built from and are indexed into the live index by `searcher.index.adding.ingest`, as `searcher add`
does, on either backend; a file that cannot be indexed is reported and never saved. A rebuild runs in the background
(`searcher.index.jobs.Rebuilder`, with the backend's build). The engine notices both on its next request, so searching
never stops.
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
    ServiceUnavailable,
    Unauthorized,
    UnprocessableEntity,
    UnsupportedMediaType,
)

from searcher import config
from searcher.backends import writable_index
from searcher.corpus import uploads
from searcher.errors import CorpusMismatch, DiskFull, IndexBusy, TooManyParagraphs
from searcher.index.adding import SKIPPED, FileOutcome, Incoming, ingest
from searcher.index.build import BuildReport, is_disk_full
from searcher.index.jobs import Rebuilder
from searcher.index.limits import Limits
from searcher.index.writable import WritableIndex

from . import security

bp = Blueprint("admin", __name__)

DEFAULT_LOCK_WAIT = 5.0  # seconds an upload or rebuild waits for another writer before answering 409
MAX_ARTICLES_PER_REQUEST = 1000
# A request may carry a few files at the per-file limit; anything larger is refused before it is read.
MAX_REQUEST_BYTES = 4 * uploads.MAX_UPLOAD_BYTES + 1024 * 1024
_REBUILDER = "searcher.rebuilder"
_rebuilder_lock = threading.Lock()
# The status a batch gets when none of its files could be indexed, by why the files were refused.
REFUSAL_STATUS = {"unsupported_type": 415, "too_large": 413, "too_many_paragraphs": 413, "empty": 400,
                  "unreadable": 422, "no_articles": 422}


class InsufficientStorage(HTTPException):
    code = 507
    description = "no space left on the server's disk（服务器磁盘已满）"
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


def _target() -> WritableIndex:
    """The configured backend's index (`searcher.backends.writable_index`), whose corpus uploads go into: the one
    the index was built from (so uploads survive the next rebuild), on OpenSearch the configured one. A configured
    corpus other than the recorded one, or a missing one, is a misconfiguration: 503 naming it, rather than files
    put where no build will look. The built-in default `corpus` counts as not configured."""
    index = Path(current_app.config["INDEX_DIR"])
    configured = current_app.config.get("CORPUS_DIR")
    given = None if not configured or Path(configured) == Path(config.DEFAULT_CORPUS) else Path(configured)
    with http_errors():
        return writable_index(index, given, config.corpus_dir(configured))


def lock_wait() -> float:
    return float(current_app.config.get("ADMIN_LOCK_WAIT", DEFAULT_LOCK_WAIT))


def get_rebuilder() -> Rebuilder:
    """The app's one Rebuilder, so "already running" means running anywhere in this process."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _rebuilder_lock:
        rebuilder = app.extensions.get(_REBUILDER)
        if rebuilder is None:
            target = _target()
            rebuilder = app.extensions[_REBUILDER] = Rebuilder(target.corpus, Path(app.config["INDEX_DIR"]),
                                                               wait=lock_wait(), build=target.build)
        return rebuilder


@contextmanager
def http_errors() -> Iterator[None]:
    """The library's refusals as HTTP statuses; `web.errors` gives them the one JSON error shape."""
    try:
        yield
    except (uploads.UploadTooLarge, TooManyParagraphs) as exc:
        raise RequestEntityTooLarge(str(exc)) from exc
    except uploads.UnsupportedUpload as exc:
        raise UnsupportedMediaType(str(exc)) from exc
    except uploads.UploadError as exc:  # an invalid JSON article
        raise BadRequest(str(exc)) from exc
    except CorpusMismatch as exc:
        raise ServiceUnavailable(str(exc)) from exc
    except IndexBusy as exc:
        raise Conflict(f"{exc}（已保存，请稍后重试）" if getattr(exc, "saved", None) else str(exc)) from exc
    except DiskFull as exc:
        raise InsufficientStorage(f"{exc}（服务器磁盘已满）") from exc
    except OSError as exc:  # the disk filled while the request itself was being received
        if not is_disk_full(exc):
            raise
        raise InsufficientStorage() from exc


def json_body() -> Any:
    """The request's JSON; nesting too deep for the parser is bad input like any other, not a crash."""
    try:
        return request.get_json()
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply（JSON 嵌套过深）") from None


def received_files(files: Sequence[FileStorage]) -> list[Incoming]:
    """The uploaded files, read up to one byte past the size limit: enough to know a file is too large without
    holding all of it. Each is checked and parsed later, on its own: one bad file never sinks the batch."""
    chosen = [f for f in files if f.filename]
    if not chosen:
        raise BadRequest("no file uploaded in the form field 'files'（没有选择文件）")
    limit = uploads.max_upload_bytes()
    folder = uploads.upload_dir(Path()).as_posix()
    return [Incoming(f.filename or "", folder, uploads.sanitize_filename(f.filename or ""), f.stream.read(limit + 1))
            for f in chosen]


def received_articles(body: Any) -> list[Incoming]:
    """One JSON article or a list of them. All are validated before any is saved: a script that sends a
    malformed record gets a 400 naming it and resends the corrected list, nothing half-done."""
    articles = body if isinstance(body, list) else [body]
    if not articles:
        raise BadRequest("the list of articles is empty")
    if len(articles) > MAX_ARTICLES_PER_REQUEST:
        raise BadRequest(f"at most {MAX_ARTICLES_PER_REQUEST} articles per request")
    folder = uploads.upload_dir(Path()).as_posix()
    incoming = []
    for n, article in enumerate(articles):
        try:
            name, data = uploads.json_article_file(article)
        except uploads.InvalidArticle as exc:
            where = f"article {n + 1}: " if isinstance(body, list) else ""
            raise uploads.InvalidArticle(where + str(exc)) from exc
        incoming.append(Incoming(name, folder, name, data))
    return incoming


def upload_result(report: BuildReport) -> dict[str, Any]:
    """The 201 body: `articles`, `files` and `skipped` as always, plus `outcomes`, one per file in the order sent.
    A batch in which no file could be indexed is an error instead (see `all_refused`)."""
    kept = [o for o in report.outcomes if o.status != SKIPPED]
    if not kept:
        raise all_refused(report.outcomes)
    return {"articles": list(dict.fromkeys(report.article_ids)), "files": [o.file for o in kept],
            "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
            "outcomes": [o.to_dict() for o in report.outcomes]}


def all_refused(outcomes: list[FileOutcome]) -> HTTPException:
    """Nothing could be indexed: the refusal's own status when every file was refused alike (415 unknown type,
    413 too large or too many paragraphs, 400 empty, 422 unreadable or without an article), else 400."""
    statuses = {REFUSAL_STATUS.get(o.code or "", 400) for o in outcomes}
    status = statuses.pop() if len(statuses) == 1 else 400
    detail = "; ".join(f"{o.name}: {o.reason}" for o in outcomes)
    kind = {413: RequestEntityTooLarge, 415: UnsupportedMediaType, 422: UnprocessableEntity}.get(status, BadRequest)
    return kind(f"no file could be indexed（没有可加入索引的文件）: {detail}")


def ingest_request() -> dict[str, Any]:
    """Check, save and index what this request carries: multipart files (field `files`) or JSON article(s)."""
    target = _target()
    with http_errors():
        if request.mimetype == "multipart/form-data":
            items = received_files(request.files.getlist("files"))
        elif request.is_json:
            items = received_articles(json_body())
        else:
            raise UnsupportedMediaType("send multipart/form-data with the field 'files', or a JSON article")
        report = ingest(target, items, wait=lock_wait(), limits=Limits.from_env())
    return upload_result(report)


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
