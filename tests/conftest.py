"""Shared fixtures: real Whoosh indexes built in tmp_path from small fixture articles."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from searcher.index.build import build_index
from searcher.search.engine import Engine
from web import create_app

pytest_plugins = ["conftest_opensearch"]  # the real OpenSearch cluster fixtures

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"

ARTICLES = [
    {"id": "bridge", "title": "南京长江大桥通车纪念", "source": "嘉兴日报", "date": "2024-11-30",
     "url": "https://example.org/bridge",
     "text": "南京市长江大桥是一座公路铁路两用桥。\n马克思主义者刘国梁参观了大桥。"},
    {"id": "lake", "title": "初冬的南湖", "source": "南湖晚报", "date": "2024-12-01",
     "text": "晨曦中的南湖换上了华服。\n我们的ＡＰＰ已有１００万用户，臺灣的遊客也來了。"},
    {"id": "farm", "title": "嘉兴农业发展报告", "source": "嘉兴日报", "date": "2023-05-01",
     "text": "嘉兴发展现代农业，绿色食品认证达到259个。\n嘉兴发展数字经济，经济技术开发区产值创新高。"},
    {"id": "solar", "title": "光伏产业", "source": "嘉兴日报", "date": "2025-02-14",
     "text": "嘉兴高新区以光伏产业为核心，汇聚超200家光伏企业。\n光伏玻璃和逆变器企业实现技术突破。"},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def jsonl_index(root: Path, rows: list[dict]) -> Path:
    """An index built from `rows` written as ROOT/corpus/a.jsonl; returns ROOT/index."""
    (root / "corpus").mkdir()
    write_jsonl(root / "corpus" / "a.jsonl", rows)
    build_index(root / "corpus", root / "index")
    return root / "index"


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie has exited: only its exit status is left for its new parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus directory holding the four fixture articles as one JSONL file."""
    path = tmp_path / "corpus"
    path.mkdir()
    write_jsonl(path / "a.jsonl", ARTICLES)
    return path


@pytest.fixture
def make_index(tmp_path: Path) -> Callable[..., Engine]:
    """Build an index of the given JSONL rows (and optional resource files) and return its Engine."""

    def make(rows: list[dict] | None = None, synonyms: str = "", userdict: str = "") -> Engine:
        corpus, index = tmp_path / "corpus", tmp_path / "index"
        corpus.mkdir(exist_ok=True)
        write_jsonl(corpus / "articles.jsonl", ARTICLES if rows is None else rows)
        if synonyms:
            (corpus / "synonyms.txt").write_text(synonyms, encoding="utf-8")
        if userdict:
            (corpus / "userdict.txt").write_text(userdict, encoding="utf-8")
        build_index(corpus, index)
        return Engine(index)

    return make


@pytest.fixture
def engine(make_index: Callable[..., Engine]) -> Engine:
    return make_index(synonyms="经开区 = 经济技术开发区\n")


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The five real newspaper pages, indexed once per test session."""
    index = tmp_path_factory.mktemp("seed") / "index"
    build_index(SEED_CORPUS, index)
    return Engine(index)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web tests' index (tests/web_fixtures.py), built once per module."""
    from web_fixtures import build_test_index

    return build_test_index(tmp_path_factory.mktemp("web"))


@pytest.fixture
def app(index_dir: Path) -> Flask:
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
