"""The search page driven in real headless Chromium (Debian's /usr/bin/chromium; no browser download).

The app runs under waitress on a free local port against a real index in tmp_path, as `searcher serve` does.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from web_fixtures import SOURCES, UNIQUE, WORD, write_corpus

from searcher.index.build import build_index
from web import create_app
from web.server import create_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


# An article whose original address is long enough to squeeze the 原文 label on a phone.
LONG = {
    "id": "news-long", "title": "南湖区发布城市更新三年行动计划", "author": "记者 陈一薇", "source": "南湖晚报",
    "date": "2024-12-05", "text": "南湖区今天发布城市更新三年行动计划。\n计划涉及老旧小区改造和街巷整治。",
    "url": "https://www.example.com/news/2024/12/05/nanhu-district-urban-renewal-three-year-action-plan.html"
           "?from=timeline&share=wechat",
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("web-browser")
    corpus = write_corpus(root / "corpus")
    (corpus / "long.jsonl").write_text(json.dumps(LONG, ensure_ascii=False) + "\n", encoding="utf-8")
    build_index(corpus, root / "index")
    with served(create_app({"INDEX_DIR": str(root / "index")})) as url:
        yield url


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app under waitress on a free loopback port, as `searcher serve` runs it; yields its base URL."""
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (make browser-deps)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that fails the test on any console error, script error or CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    yield page
    context.close()
    assert not problems, problems


def test_search_highlight_and_paging(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("搜索词").fill(WORD)
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/search\?"))

    assert "条结果" in page.locator("#results-summary").inner_text()
    marks = page.locator("ol.hits mark")
    assert marks.count() >= 10
    assert set(marks.all_inner_texts()) == {WORD}
    assert page.locator("li.hit").count() == 10
    assert page.locator("li.hit .para-no").first.inner_text().startswith("第")

    page.locator("a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("ol.hits").get_attribute("start") == "11"
    assert page.locator(".pagination a[aria-current=page]").inner_text() == "2"
    page.locator("a[rel=prev]").click()
    page.wait_for_url(lambda url: "page=" not in url)
    assert page.locator("ol.hits").get_attribute("start") == "1"


def test_result_opens_the_article_at_its_paragraph(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/search?q={UNIQUE}")
    page.locator("li.hit h2 a").first.click()
    page.wait_for_url(re.compile(r"/articles/.+#p-4$"))
    paragraph = page.locator("#p-4")
    assert "current" in (paragraph.get_attribute("class") or "")
    assert paragraph.evaluate("el => el.matches(':target')")
    background = paragraph.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert paragraph.locator("mark").inner_text() == UNIQUE
    assert paragraph.is_visible()
    top = paragraph.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < 900  # scrolled into view, not just present


def test_filter_by_source(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/search?q={WORD}")
    page.get_by_label("来源").select_option(SOURCES[1])
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"source="))
    sources = page.locator("li.hit .source").all_inner_texts()
    assert sources and set(sources) == {SOURCES[1]}


def test_citation_is_copyable(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/search?q={UNIQUE}")
    details = page.locator("details.cite").first
    details.locator("summary").click()
    assert details.locator("#cite-1-gbt").inner_text() == \
        "[1] 平湖绿色能源发展调查（3）[N]. 浙江日报, 2023-10-13. https://example.com/news/3."
    assert details.locator("#cite-1-plain").inner_text() == \
        "《平湖绿色能源发展调查（3）》，浙江日报，2023年10月13日，第4段。"
    text = details.locator("#cite-1").inner_text()
    assert "第4段" in text and "/articles/" in text
    # The copy buttons are hidden in the HTML and shown by /static/app.js.
    buttons = details.locator("button.copy-button")
    assert buttons.count() == 3 and all(buttons.nth(i).is_visible() for i in range(3))


def test_phone_layout_does_not_scroll_sideways(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        for url in (f"/search?q={WORD}", "/articles/news-3?p=4"):
            page.goto(base_url + url)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, url
        page.goto(f"{base_url}/search?q={WORD}")
        box = page.locator("#q").bounding_box()
        assert box is not None and box["width"] > 200
    finally:
        context.close()


def test_escaped_query_does_not_run(page: Any, base_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(base_url + "/")
    page.get_by_label("搜索词").fill("<script>alert(1)</script><b>光伏</b>")
    page.get_by_label("搜索词").press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    page.goto(f"{base_url}/search?q=储能")
    assert page.locator("ol.hits b").count() == 0
    assert not dialogs


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  locale="zh-CN")
    try:
        yield context.new_page()
    finally:
        context.close()


# How many line boxes an element's text occupies: one client rect per line.
LINES = """el => { const range = document.createRange(); range.selectNodeContents(el);
                   return range.getClientRects().length; }"""


def test_article_on_a_phone_keeps_labels_whole_and_shows_the_date_once(phone: Any, base_url: str,
                                                                       tmp_path: Path) -> None:
    phone.goto(f"{base_url}/articles/{LONG['id']}")
    label = phone.locator(".facts dt", has_text="原文")
    assert label.inner_text() == "原文"
    assert label.evaluate(LINES) == 1
    height = label.evaluate("el => el.getBoundingClientRect().height")
    line_height = label.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
    assert height == pytest.approx(line_height, abs=1)
    # Every label stays on one line, and the address itself wraps inside the screen.
    assert phone.locator(".facts dt").evaluate_all(f"els => els.map({LINES})") == [1, 1, 1, 1]
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    header = phone.locator("article.article header").inner_text()
    assert header.count(LONG["date"]) == 1 and header.count(LONG["source"]) == 1
    assert phone.locator("article.article header .byline").inner_text() == LONG["author"]
    phone.screenshot(path=str(tmp_path / "article-phone.png"), full_page=True)
    assert (tmp_path / "article-phone.png").stat().st_size > 10_000


def test_a_pasted_long_query_is_cut_and_the_page_says_so(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    pasted = UNIQUE + "的" * 1997
    page.get_by_label("搜索词").fill(pasted)
    assert len(page.get_by_label("搜索词").input_value()) == 2000  # the box itself cuts nothing
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert page.locator(".notice-cut").inner_text() == "查询过长，已截取前 500 个字进行搜索。"
    assert page.get_by_label("搜索词").input_value() == pasted[:500]
    assert page.locator("ol.hits mark").first.inner_text() == UNIQUE


def test_results_without_hits_offer_no_pages(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/search?q=恐龙化石")
    assert page.locator(".notice-empty p").first.inner_text() == "没有找到与“恐龙化石”相关的段落。"
    assert page.locator("nav.pagination").count() == 0
    page.goto(f"{base_url}/search?q={WORD}&page=9")
    assert page.locator(".notice-empty p").first.inner_text() == "第 9 页没有结果，共 3 页。"
    assert page.locator("nav.pagination").count() == 0
