"""The JSON API against a real index: shapes (checked against our own OpenAPI document), filters, errors."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_fixtures import LONE, SOURCES, UNIQUE, WORD, response_schema, schema_errors

from searcher.search.engine import Engine
from web import create_app
from web.security import HEADERS


@pytest.fixture(scope="module")
def shared_client(index_dir: Path) -> FlaskClient:
    """For property tests, which run many examples per test and so cannot use function-scoped fixtures."""
    return create_app({"INDEX_DIR": str(index_dir)}).test_client()


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app({"INDEX_DIR": "unused"}).test_client().get("/api/openapi.json").get_json()


@pytest.fixture
def empty_client(tmp_path: Path) -> FlaskClient:
    """An app whose index directory exists but holds no index yet."""
    return create_app({"INDEX_DIR": str(tmp_path / "index")}).test_client()


def assert_matches(document: dict[str, Any], path: str, status: int, body: Any) -> None:
    errors = schema_errors(body, response_schema(document, path, status), document)
    assert not errors, errors


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    # English for scripts, then the Chinese a person reads, in full-width brackets.
    assert re.search(r"（[^（）]*[\u4e00-\u9fff][^（）]*）$", body["error"]["message"]), body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


# --- search --------------------------------------------------------------------------------------------------


def test_search_has_exactly_the_result_shape(client: FlaskClient, document: dict[str, Any]) -> None:
    response = client.get("/api/search", query_string={"q": WORD})
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["query", "total", "page", "size", "took_ms", "hits", "partial", "notice", "total_relation",
                          "suggestion", "corrected", "date_filter", "folded"]
    assert set(body["hits"][0]) == {"id", "rank", "score", "text", "highlight", "paragraph", "heading", "article",
                                    "byline_highlight", "also_in"}
    assert set(body["hits"][0]["article"]) == {
        "id", "title", "byline", "source", "date", "file", "url", "source_url",
    }  # fmt: skip
    assert_matches(document, "/api/search", 200, body)
    assert body["query"] == WORD
    assert body["total"] >= 25
    assert len(body["hits"]) == 10
    assert [hit["rank"] for hit in body["hits"]] == list(range(1, 11))
    assert all(f"<mark>{WORD}</mark>" in hit["highlight"] for hit in body["hits"])


def test_search_equals_the_library_result(client: FlaskClient, index_dir: Path) -> None:
    body = client.get("/api/search", query_string={"q": UNIQUE}).get_json()
    expected = Engine(index_dir).search(UNIQUE).to_dict()
    for item in (body, expected):
        item.pop("took_ms")
    # The discovery fields come on top of the library's result (nothing to correct, no date, nothing folded).
    assert [body.pop(key) for key in ("suggestion", "corrected", "date_filter", "folded")] == [None, False, None, 0]
    assert [hit.pop("also_in") for hit in body["hits"]] == [[]]
    assert body == expected
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["paragraph"] == 4
    assert hit["article"]["url"] == f"/articles/{hit['article']['id']}#p-4"


def test_search_pages_do_not_overlap(client: FlaskClient) -> None:
    first = client.get("/api/search", query_string={"q": WORD, "size": 10}).get_json()
    second = client.get("/api/search", query_string={"q": WORD, "size": 10, "page": 2}).get_json()
    assert second["page"] == 2 and second["total"] == first["total"]
    assert second["hits"][0]["rank"] == 11
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_search_size(client: FlaskClient) -> None:
    body = client.get("/api/search", query_string={"q": WORD, "size": 3}).get_json()
    assert body["size"] == 3 and len(body["hits"]) == 3


def test_search_filters_by_source(client: FlaskClient) -> None:
    body = client.get("/api/search", query_string={"q": WORD, "source": SOURCES[0], "size": 100}).get_json()
    assert body["total"] > 0
    assert {hit["article"]["source"] for hit in body["hits"]} == {SOURCES[0]}


def test_search_filters_by_date(client: FlaskClient) -> None:
    query = {"q": WORD, "date_from": "2023-11-01", "date_to": "2023-11-30", "size": 100}
    body = client.get("/api/search", query_string=query).get_json()
    assert body["total"] > 0
    assert all("2023-11-01" <= hit["article"]["date"] <= "2023-11-30" for hit in body["hits"])


def test_search_reports_partial_matches(client: FlaskClient) -> None:
    body = client.get("/api/search", query_string={"q": f"{WORD} {LONE}"}).get_json()
    assert body["partial"] is True
    assert body["total"] > 0


def test_search_with_no_results(client: FlaskClient, document: dict[str, Any]) -> None:
    body = client.get("/api/search", query_string={"q": "恐龙化石"}).get_json()
    assert body["total"] == 0 and body["hits"] == []
    assert_matches(document, "/api/search", 200, body)


@pytest.mark.parametrize("text", ['"光伏', "光伏)", "AND OR NOT", "*", "《》“”", "a:b", "\\"])
def test_odd_query_text_never_fails(client: FlaskClient, text: str) -> None:
    assert client.get("/api/search", query_string={"q": text}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": WORD, "page": "0"},
        {"q": WORD, "page": "-1"},
        {"q": WORD, "page": "abc"},
        {"q": WORD, "page": "1.5"},
        {"q": WORD, "page": "１"},
        {"q": WORD, "page": "1" * 40},
        {"q": WORD, "size": "0"},
        {"q": WORD, "size": "101"},
        {"q": WORD, "size": "ten"},
        {"q": "光" * 501},
        {"q": WORD, "date_from": "2023-13-45"},
        {"q": WORD, "date_to": "yesterday"},
    ],
)
def test_bad_search_parameters_are_400(client: FlaskClient, document: dict[str, Any], query: dict) -> None:
    response = client.get("/api/search", query_string=query)
    assert_error(response, 400, "bad_request")
    assert_matches(document, "/api/search", 400, response.get_json())


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": WORD, "page": "0"}, "page must be 1 or more（页码必须从 1 开始）"),
        ({"q": WORD, "page": "1234567890"}, "page is too large: at most 9 digits, got 10（页码太大，最多 9 位数字）"),
        ({"q": WORD, "page": "1" * 40}, "page is too large: at most 9 digits, got 40（页码太大，最多 9 位数字）"),
        ({"q": WORD, "size": "1" * 12}, "size is too large: at most 9 digits, got 12（每页条数太大，最多 9 位数字）"),
        ({"q": WORD, "page": "abc"}, "page must be an integer, got 'abc'（页码必须是整数）"),
        ({"q": "光" * 501}, "query is longer than 500 characters（查询词不能超过 500 个字）"),
        ({}, "missing query parameter q（缺少查询词 q）"),
    ],
)
def test_bad_parameter_messages(client: FlaskClient, query: dict[str, str], message: str) -> None:
    assert assert_error(client.get("/api/search", query_string=query), 400, "bad_request")["message"] == message


def test_the_largest_page_number_is_an_answer_not_an_error(client: FlaskClient, document: dict[str, Any]) -> None:
    page = next(p for p in document["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == 999_999_999
    body = client.get("/api/search", query_string={"q": WORD, "page": "999999999"}).get_json()
    assert (body["page"], body["hits"]) == (999_999_999, [])


TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.one_of(TEXT, st.sampled_from([WORD, f"{WORD} {LONE}", '"光伏', "-光伏", "title:光伏", "source:x"])),
    page=st.one_of(TEXT, st.integers(-3, 5).map(str)),
    size=st.one_of(TEXT, st.integers(-1, 120).map(str)),
    date_from=st.one_of(TEXT, st.dates().map(str)),
)
def test_any_parameters_give_200_or_400_never_500(
    shared_client: FlaskClient, document: dict[str, Any], q: str, page: str, size: str, date_from: str
) -> None:
    query = {"q": q, "page": page, "size": size, "date_from": date_from}
    response = shared_client.get("/api/search", query_string=query)
    assert response.status_code in (200, 400), response.get_json()
    assert_matches(document, "/api/search", response.status_code, response.get_json())


def test_query_of_exactly_500_characters_is_accepted(client: FlaskClient) -> None:
    assert client.get("/api/search", query_string={"q": "光" * 500}).status_code == 200


# --- articles and health -------------------------------------------------------------------------------------


def test_article(client: FlaskClient, document: dict[str, Any]) -> None:
    hit = client.get("/api/search", query_string={"q": UNIQUE}).get_json()["hits"][0]
    response = client.get(f"/api/articles/{hit['article']['id']}")
    assert response.status_code == 200
    body = response.get_json()
    assert_matches(document, "/api/articles/{id}", 200, body)
    assert body["id"] == hit["article"]["id"]
    assert body["title"] == hit["article"]["title"]
    assert [p["number"] for p in body["paragraphs"]] == list(range(1, len(body["paragraphs"]) + 1))
    assert UNIQUE in body["paragraphs"][3]["text"]


def test_unknown_article_is_404(client: FlaskClient, document: dict[str, Any]) -> None:
    response = client.get("/api/articles/no-such-article")
    assert_error(response, 404, "not_found")
    assert_matches(document, "/api/articles/{id}", 404, response.get_json())


def test_health(client: FlaskClient, document: dict[str, Any]) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert_matches(document, "/api/health", 200, body)
    assert body["articles"] == 8
    assert body["paragraphs"] >= 30
    assert body["generation"]


# --- errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/health", "/api/search?q=光伏", "/api/articles/news-1"])
def test_missing_index_is_503_naming_the_build_command(
    empty_client: FlaskClient, document: dict[str, Any], path: str
) -> None:
    response = empty_client.get(path)
    error = assert_error(response, 503, "index_missing")
    assert "searcher build" in error["message"]
    template = "/api/articles/{id}" if path.startswith("/api/articles/") else path.split("?")[0]
    assert_matches(document, template, 503, response.get_json())


@pytest.mark.parametrize("path", ["/api/nope", "/api/", "/api", "/api/search/extra", "/api/articles/"])
def test_unknown_api_path_is_json_404(client: FlaskClient, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/search?q=光伏", "/api/health", "/api/articles/news-1"])
def test_wrong_method_is_json_405(client: FlaskClient, path: str) -> None:
    response = client.post(path)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert_error(client.delete(path), 405)


def test_unexpected_failure_is_json_500_and_logged(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Engine, "search", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/search", query_string={"q": WORD})
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in error["message"]
    assert "secret internal detail" in caplog.text


# --- the document and the app --------------------------------------------------------------------------------


def test_openapi_document_describes_every_api_route(index_dir: Path, document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    admin_app = create_app({"INDEX_DIR": str(index_dir), "ADMIN_TOKEN": "t" * 16})
    routes = {
        re.sub(r"<path:\w+>", "{id}", rule.rule)
        for rule in admin_app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/feeds/"))
    }
    assert routes == set(document["paths"])
    for ref in _refs(document):
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"], ref
    parameters = {p["name"] for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert parameters == {"q", "page", "size", "source", "date_from", "date_to", "per_article", "author", "sort",
                          "range", "fold", "facets"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


@pytest.mark.parametrize("path", ["/api/search?q=光伏", "/api/search", "/api/health", "/api/nope", "/api/openapi.json"])
def test_security_headers_on_api_responses(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    for name, value in HEADERS.items():
        assert response.headers[name] == value


def test_chinese_is_not_ascii_escaped(client: FlaskClient) -> None:
    assert WORD.encode() in client.get("/api/search", query_string={"q": WORD}).data


def test_config_from_environment_then_argument(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SEARCHER_INDEX", "2024")
    monkeypatch.setenv("SEARCHER_CORPUS", str(tmp_path / "c"))
    monkeypatch.setenv("SEARCHER_ADMIN_TOKEN", "tok")
    app = create_app()
    assert app.config["INDEX_DIR"] == "2024"
    assert app.config["CORPUS_DIR"] == str(tmp_path / "c")
    assert app.config["ADMIN_TOKEN"] == "tok"
    app = create_app({"INDEX_DIR": "x", "ADMIN_TOKEN": "other"})
    assert app.config["INDEX_DIR"] == "x" and app.config["ADMIN_TOKEN"] == "other"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SEARCHER_INDEX", "SEARCHER_CORPUS", "SEARCHER_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert (app.config["INDEX_DIR"], app.config["CORPUS_DIR"]) == ("index", "corpus")


def test_creating_an_app_touches_no_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app({"INDEX_DIR": str(tmp_path / "never")})
    assert not (tmp_path / "never").exists()
    assert app.debug is False


def test_one_engine_per_app(app: Flask) -> None:
    from web.state import get_engine

    with app.app_context():
        assert get_engine() is get_engine()
    with create_app({"INDEX_DIR": "other"}).app_context():
        other = get_engine()
    with app.app_context():
        assert get_engine() is not other


def test_serve_uses_waitress_with_secure_error_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    from waitress.server import BaseWSGIServer

    from web import serve, server

    servers: list[Any] = []
    monkeypatch.setattr(BaseWSGIServer, "run", lambda self: servers.append(self))
    app = create_app({"INDEX_DIR": "unused"})
    serve(app, "127.0.0.1", 0)
    (running,) = servers
    try:
        assert running.channel_class is server.SecureChannel
        assert (running.adj.host, running.adj.threads, running.adj.ident) == ("127.0.0.1", 8, "searcher")
        assert running.adj.max_request_body_size == server.request_body_limit(app)
    finally:
        running.close()


def test_search_per_article_keeps_one_article_from_filling_the_page(client: FlaskClient) -> None:
    body = client.get("/api/search", query_string={"q": WORD, "per_article": 1, "size": 50}).get_json()
    ids = [h["article"]["id"] for h in body["hits"]]
    assert ids and len(ids) == len(set(ids))
    assert client.get("/api/search", query_string={"q": WORD, "per_article": 11}).status_code == 400


def test_openapi_describes_the_upload_bodies_and_their_limits(document: dict[str, Any]) -> None:
    from searcher.corpus import uploads
    from web.admin import MAX_ARTICLES_PER_REQUEST

    post = document["paths"]["/api/articles"]["post"]
    body = post["requestBody"]
    assert body["required"] is True
    files = body["content"]["multipart/form-data"]["schema"]
    assert files["required"] == ["files"]
    assert files["properties"]["files"]["items"] == {"type": "string", "format": "binary"}
    one, many = body["content"]["application/json"]["schema"]["oneOf"]
    assert one == {"$ref": "#/components/schemas/NewArticle"}
    assert (many["type"], many["minItems"], many["maxItems"]) == ("array", 1, MAX_ARTICLES_PER_REQUEST)
    article = document["components"]["schemas"]["NewArticle"]
    assert tuple(article["properties"]) == uploads.ARTICLE_FIELDS
    assert article["required"] == ["title", "text"] and article["additionalProperties"] is False
    assert f"at most {uploads.MAX_UPLOAD_BYTES // (1024 * 1024)} MB" in body["description"]


@pytest.mark.parametrize("path", ["/api/articles", "/api/rebuild", "/api/rebuild/status"])
def test_openapi_documents_the_throttled_admin_answer(document: dict[str, Any], path: str) -> None:
    (operation,) = document["paths"][path].values()
    throttled = operation["responses"]["429"]
    assert throttled["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert throttled["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
