"""The `searcher` command: parses arguments, calls the library, prints results; errors become one-line messages."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, config
from .errors import SearcherError, Terminated, redact
from .index.build import BuildReport

F = TypeVar("F", bound=Callable[..., Any])

corpus_option = click.option("--corpus", "corpus", type=click.Path(file_okay=False, path_type=Path),
                             default=None, help="Corpus directory [env SEARCHER_CORPUS, default corpus/].")
index_option = click.option("--index", "index", type=click.Path(file_okay=False, path_type=Path),
                            default=None, help="Index directory [env SEARCHER_INDEX, default index/].")
wait_option = click.option("--wait", type=float, default=0.0, show_default=True,
                           help="Seconds to wait for another build or add to finish.")

# The backend settings of searcher/config.py as flags, on every command that talks to the backend (`backend_options`).
# The password has no flag (it would show in `ps`): SEARCHER_OPENSEARCH_PASSWORD, or a prompt in a terminal.
BACKEND_OPTIONS = (
    click.option("--backend", type=click.Choice(config.BACKENDS), default=None,
                 help="Search backend [env SEARCHER_BACKEND, default whoosh]."),
    click.option("--opensearch-url", default=None,
                 help=f"OpenSearch cluster URL [env SEARCHER_OPENSEARCH_URL, default {config.DEFAULT_OPENSEARCH_URL}]; "
                      "https is verified (CA bundle: env SEARCHER_OPENSEARCH_CA_CERTS)."),
    click.option("--opensearch-index", default=None,
                 help=f"OpenSearch alias [env SEARCHER_OPENSEARCH_INDEX, default {config.DEFAULT_OPENSEARCH_INDEX}]."),
    click.option("--opensearch-user", default=None,
                 help="OpenSearch basic-auth user [env SEARCHER_OPENSEARCH_USER]; the password comes from env "
                      "SEARCHER_OPENSEARCH_PASSWORD or a prompt, never a flag."),
)


def backend_options(func: F) -> F:
    """The backend flags, overriding the environment while the command runs (searcher/config.py)."""

    @wraps(func)
    def wrapper(*args: Any, backend: str | None, opensearch_url: str | None, opensearch_index: str | None,
                opensearch_user: str | None, **kwargs: Any) -> Any:
        with config.overridden(backend=backend, opensearch_url=opensearch_url, opensearch_index=opensearch_index,
                               opensearch_user=opensearch_user):
            with config.overridden(opensearch_password=_asked_password()):
                return func(*args, **kwargs)

    for option in reversed(BACKEND_OPTIONS):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def _asked_password() -> str | None:
    """The OpenSearch password typed at a hidden prompt, when a user is set without one and a terminal can ask;
    else None (and config.opensearch_settings says what is missing)."""
    user = config.opensearch_user()
    if not user or config.opensearch_password() or not sys.stdin.isatty():
        return None
    try:
        if config.backend() != "opensearch":
            return None
    except SearcherError:
        return None  # the command reports the bad SEARCHER_BACKEND itself
    return str(click.prompt(f"OpenSearch password for {user}", hide_input=True, err=True))


def clean_errors(func: F) -> F:
    """Library errors become one line on stderr and exit status 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Terminated as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(128 + signal.SIGTERM)
        except SearcherError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None
        except EOFError:  # click would print only "Aborted!"
            raise click.ClickException("the index could not be read (unexpected end of file); rebuild it with "
                                       "`searcher build`") from None

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="searcher")
def cli() -> None:
    """Full-text search for Chinese news archives."""


def _progress_bar(total: int, label: str) -> Any:
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                             item_show_func=lambda p: (p or "")[-40:])


def _summary(report: BuildReport, verb: str) -> None:
    click.echo(f"{verb} {report.articles} articles, {report.paragraphs} paragraphs from {report.files} files "
               f"in {report.seconds:.1f} s (generation {report.generation})")
    if report.unchanged:
        click.echo(f"{report.unchanged} unchanged files skipped (same content hash)")
    for skipped in report.skipped:
        click.echo(f"skipped {skipped.path}: {skipped.reason}", err=True)


@contextmanager
def stop_on_sigterm(outcome: str) -> Iterator[None]:
    """SIGTERM becomes an exception, so a build or add cleans up (stops its workers, removes its unfinished
    generation or the files it copied, releases the lock) instead of vanishing mid-write."""

    def terminate(signum: int, frame: Any) -> None:
        raise Terminated(f"stopped by SIGTERM: {outcome}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _build_corpus(corpus: Path | None, index_dir: Path) -> Path:
    """The corpus named, else the one the index was built from, else the default: an index is never silently
    rebuilt from whatever ./corpus the current directory holds."""
    from .index.store import recorded_corpus

    recorded = recorded_corpus(index_dir)
    chosen = config.given_corpus(corpus) or recorded or config.corpus_dir()
    if recorded is not None and chosen.resolve() != recorded.resolve():
        click.echo(f"note: {index_dir} was built from {recorded}; it will now hold {chosen}", err=True)
    return chosen


@cli.command()
@corpus_option
@index_option
@click.option("--procs", type=click.IntRange(1, 16), default=min(2, os.cpu_count() or 1), show_default=True,
              help="Writer processes (two were 1.85x faster than one here: docs/performance.md); on the "
                   "OpenSearch backend, the processes that analyse the text.")
@wait_option
@click.option("--shards", type=click.IntRange(1, 1024), default=1, show_default=True,
              help="OpenSearch backend: primary shards of the new index (docs/scale-out.md sizes them).")
@click.option("--replicas", type=click.IntRange(0, 16), default=0, show_default=True,
              help="OpenSearch backend: replicas of each shard (1 or more on a cluster of several nodes).")
@backend_options
@clean_errors
def build(corpus: Path | None, index: Path | None, procs: int, wait: float, shards: int, replicas: int) -> None:
    """Index the whole corpus into a new generation, then switch to it atomically."""
    from .index.build import build_index, count_files

    if config.backend() == "opensearch":
        _build_opensearch(config.corpus_dir(corpus), wait, procs=procs, shards=shards, replicas=replicas)
        return
    index_dir = config.index_dir(index)
    corpus_dir = _build_corpus(corpus, index_dir)
    stopped = "the unfinished generation was removed and the previous index, if any, is still serving"
    with stop_on_sigterm(stopped), _progress_bar(count_files(corpus_dir), "indexing") as bar:
        report = build_index(corpus_dir, index_dir, progress=_by_file(bar), procs=procs, wait=wait)
    _summary(report, "indexed")
    if report.skipped:
        sys.exit(2)


def _by_file(bar: Any) -> Callable[[str], None]:
    """A build's progress callback: one step of the bar per corpus file."""
    def advance(path: str) -> None:
        if not re.search(r":\d+$", path):  # a bad jsonl line is not a file
            bar.update(1, path)
    return advance


def _build_opensearch(corpus_dir: Path, wait: float, **layout: int) -> None:
    """`build` with SEARCHER_BACKEND=opensearch: a new index behind the configured alias, under the corpus's writer
    lock (see backends.opensearch.adding); `layout` is its shards, replicas and analysing processes."""
    from .backends import writable_index
    from .index.build import count_files

    alias = config.opensearch_index()
    stopped = f"the unfinished index was deleted and the alias {alias!r}, if any, still names the previous one"
    with stop_on_sigterm(stopped), _progress_bar(count_files(corpus_dir), "indexing") as bar:
        report = writable_index(config.index_dir(), corpus_dir).build(corpus_dir, None, progress=_by_file(bar),
                                                                       wait=wait, **layout)
    _summary(report, "indexed")
    if report.skipped:
        sys.exit(2)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@corpus_option
@index_option
@wait_option
@backend_options
@clean_errors
def add(paths: tuple[Path, ...], corpus: Path | None, index: Path | None, wait: float) -> None:
    """Index new or changed article files. Files from outside the corpus the index was built from are copied into
    it (corpus/added/, keeping a directory's relative paths, never over another file); a file that cannot be
    indexed is reported and not copied."""
    from .backends import writable_index
    from .index.adding import SKIPPED, add_paths

    target = writable_index(config.index_dir(index), config.given_corpus(corpus))
    with stop_on_sigterm("nothing was added and the files copied for it were removed"):
        report = add_paths(target, paths, wait=wait)
    _summary(report, "added")
    for outcome in report.outcomes:
        if outcome.status != SKIPPED:
            click.echo(f"{outcome.status} {outcome.name} as {outcome.file}")
    for article_id in report.article_ids:
        click.echo(f"article {article_id}")
    if report.skipped:
        sys.exit(2)


@cli.command()
@click.argument("article_ids", nargs=-1, required=True)
@corpus_option
@index_option
@wait_option
@backend_options
@clean_errors
def remove(article_ids: tuple[str, ...], corpus: Path | None, index: Path | None, wait: float) -> None:
    """Remove articles from the live index by id."""
    from .backends import writable_index

    removed = writable_index(config.index_dir(index), config.given_corpus(corpus)).remove(article_ids, wait)
    for article_id, count in removed.items():
        click.echo(f"{article_id}: {count} paragraphs removed" if count else f"{article_id}: not in the index")
    if not all(removed.values()):
        sys.exit(1)


@cli.command()
@click.argument("query")
@corpus_option
@index_option
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--size", type=int, default=10, show_default=True)
@click.option("--source", default=None, help="Only this source.")
@click.option("--author", default=None, help="Only articles whose byline holds this name.")
@click.option("--date-from", default=None, help="Earliest date, YYYY-MM-DD.")
@click.option("--date-to", default=None, help="Latest date, YYYY-MM-DD.")
@click.option("--range", "range_", type=click.Choice(["day", "week", "month", "year"]), default=None,
              help="Only the last day, week, month (30 days) or year (365 days).")
@click.option("--sort", type=click.Choice(["relevance", "newest"]), default="relevance", show_default=True)
@click.option("--newest", is_flag=True, help="Same as --sort newest.")
@click.option("--per-article", type=int, default=None, help="At most N paragraphs from one article.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly what GET /api/search returns.")
@backend_options
@clean_errors
def search(query: str, corpus: Path | None, index: Path | None, page: int, size: int, source: str | None,
           author: str | None, date_from: str | None, date_to: str | None, range_: str | None, sort: str,
           newest: bool, per_article: int | None, as_json: bool) -> None:
    """Search the index; Baidu-style syntax: "phrase", -exclude, a OR b, title:, source:, author:, date:."""
    from .backends import open_engine
    from .render import render_result

    if not query.strip():
        raise click.UsageError("the query is empty: give the words to search for, e.g. searcher search '嘉兴 光伏'")
    engine = open_engine(config.index_dir(index))
    options: dict[str, Any] = {"page": page, "size": size, "source": source, "author": author,
                               "date_from": date_from, "date_to": date_to, "range": range_,
                               "sort": "newest" if newest else sort, "per_article": per_article}
    if as_json:  # the API's answer: written dates, did you mean (builds the index vocabulary), folded reprints
        from .discovery.search import search_with_discovery

        answer = search_with_discovery(engine, query, fold=True, **options)
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    result = engine.search(query, **options)
    click.echo(render_result(result, color=sys.stdout.isatty()))


@cli.command()
@corpus_option
@index_option
@click.option("--json", "as_json", is_flag=True)
@backend_options
@clean_errors
def stats(corpus: Path | None, index: Path | None, as_json: bool) -> None:
    """Backend, generation, article and paragraph counts, sources and date range of the live index; on OpenSearch
    also the cluster (name, status, nodes) and the index behind the alias (status, shards, replicas, documents)."""
    from .backends import open_engine

    engine = open_engine(config.index_dir(index))
    info = engine.health() | {"sources": engine.sources(), "dates": engine.date_range()}
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    for key, value in info.items():
        for name, inner in value.items() if isinstance(value, dict) else [(None, value)]:
            click.echo(f"{key}.{name}: {inner}" if name else f"{key}: {value}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@clean_errors
def inspect(file: Path, as_json: bool) -> None:
    """Show how a file is parsed: articles, numbered paragraphs, and what was dropped and why."""
    from .corpus.reading import load_file
    from .page.inspecting import inspect_to_dict, inspect_to_text

    parsed = load_file(file, file.parent)
    if as_json:
        click.echo(json.dumps(inspect_to_dict(parsed), ensure_ascii=False, indent=2))
    else:
        click.echo(inspect_to_text(parsed))


@cli.command()
@corpus_option
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True, help="threads per process")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="server processes sharing the port: more use more cores")
@backend_options
@clean_errors
def serve(corpus: Path | None, index: Path | None, host: str, port: int, threads: int, workers: int) -> None:
    """Serve the web app and JSON API under waitress (a production WSGI server), in one process or several."""
    from web import create_app
    from web import serve as run_server
    from web.state import get_engine

    from .analysis.tokenizers import segment
    from .errors import IndexMissing

    given = config.given_corpus(corpus)  # else uploads go to the corpus the index records
    app = create_app({"INDEX_DIR": str(config.index_dir(index))} | ({"CORPUS_DIR": str(given)} if given else {}))
    with app.app_context():
        engine = get_engine()  # the app's own engine, so that what the warm-up loads stays loaded
    try:
        engine.check()
    except IndexMissing as exc:
        click.echo(f"warning: {exc}; answering 503 until then", err=True)
    if workers == 1:
        engine.warm_up()
    else:
        engine.close()  # each worker opens the index itself
        segment("预热")  # jieba's dictionary, loaded once here and shared with the workers
    click.echo(f"serving http://{host}:{port}/ ({_serving(index)})", err=True)
    run_server(app, host=host, port=port, threads=threads, workers=workers)


def _serving(index: Path | None) -> str:
    """What `serve` reads, for its start-up line (a URL's password redacted)."""
    if config.backend() == "opensearch":
        return f"OpenSearch alias {config.opensearch_index()!r} at {redact(config.opensearch_url())}"
    return f"index {config.index_dir(index)}"


# --- discovery (issue 11): growing the dictionary, autocomplete --------------------------------------------


@cli.group()
def words() -> None:
    """Find runs of the corpus that jieba splits, and add chosen ones to corpus/userdict.txt."""


def _existing_corpus(corpus: Path | None) -> Path:
    corpus_dir = config.corpus_dir(corpus)
    if not corpus_dir.is_dir():
        raise click.ClickException(f"{corpus_dir}: no such corpus directory")
    return corpus_dir


@words.command("suggest")
@corpus_option
@click.option("--min-count", type=click.IntRange(1), default=3, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@clean_errors
def words_suggest(corpus: Path | None, min_count: int, limit: int, as_json: bool) -> None:
    """List frequent runs that jieba splits into pieces (PMI and neighbour entropy), with an example each."""
    from dataclasses import asdict

    from .discovery.wordfind import paragraphs_of, suggest_words

    found = suggest_words(paragraphs_of(_existing_corpus(corpus)), min_count=min_count, limit=limit)
    if as_json:
        click.echo(json.dumps([asdict(c) for c in found], ensure_ascii=False, indent=2))
        return
    for c in found:
        click.echo(f"{c.word}\t{c.count}\t{'/'.join(c.pieces)}\tPMI {c.pmi}\t{c.example[:60]}")
    if not found:
        click.echo(f"no run found at least {min_count} times", err=True)


@words.command("add")
@click.argument("new_words", nargs=-1, required=True)
@corpus_option
@clean_errors
def words_add(new_words: tuple[str, ...], corpus: Path | None) -> None:
    """Append words to corpus/userdict.txt; `searcher build` applies them to the index."""
    from .analysis.resources import USERDICT
    from .discovery.wordfind import add_words

    corpus_dir = _existing_corpus(corpus)
    added, present = add_words(corpus_dir, new_words)
    for word in present:
        click.echo(f"{word}: already in {corpus_dir / USERDICT}")
    if added:
        click.echo(f"added {len(added)} to {corpus_dir / USERDICT}: {' '.join(added)}")
        click.echo("run `searcher build` to apply them to the index")


@cli.command("suggest")
@click.argument("prefix")
@index_option
@clean_errors
def suggest_cmd(prefix: str, index: Path | None) -> None:
    """Autocomplete PREFIX from the index (words, names, titles; pinyin letters too), one a line."""
    from .discovery.autocomplete import suggest
    from .discovery.vocabulary import cached_vocabulary
    from .search.engine import Engine

    index_dir = config.index_dir(index)
    generation, searcher = Engine(index_dir).whoosh_searcher()
    for word in suggest(prefix, cached_vocabulary(str(index_dir), generation, searcher)):
        click.echo(word)


def main() -> None:
    cli()
