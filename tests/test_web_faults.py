"""A damaged live index over HTTP: a clear 503 naming the rebuild command on every route, then recovery."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_admin import dirs  # noqa: F401 - the fixture: a corpus and its index
from test_store import truncate_segment
from web_fixtures import WORD

from searcher.index import store
from searcher.index.build import build_index
from web import create_app


def damage_by_truncation(index: Path) -> None:
    truncate_segment(index)


def damage_by_deletion(index: Path) -> None:
    shutil.rmtree(store.current_generation(index))  # type: ignore[arg-type]


@pytest.mark.parametrize(("damage", "problem"), [(damage_by_truncation, "cannot be read"),
                                                 (damage_by_deletion, "is missing")])
def test_a_damaged_index_is_503_everywhere_then_a_rebuild_recovers(dirs: tuple[Path, Path], damage,  # noqa: F811
                                                                   problem: str) -> None:
    corpus, index = dirs
    damage(index)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()  # no warm-up, never opened
    for path in ("/api/health", f"/api/search?q={WORD}", "/api/articles/news-1"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["code"] == "index_corrupt"
        assert problem in error["message"] and f"searcher build --index {index}" in error["message"]
    page = client.get("/", query_string={"q": WORD})
    assert page.status_code == 503 and "searcher build" in page.get_data(as_text=True)

    build_index(corpus, index)  # the fix the message names; the running app recovers without a restart
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/search", query_string={"q": WORD}).get_json()["total"] > 0
