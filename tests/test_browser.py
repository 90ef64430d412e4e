"""The search page driven in real headless Chromium (Debian's /usr/bin/chromium; no browser download).

The app runs under waitress on a free local port against a real index in tmp_path, as `searcher serve` does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_fixtures import SOURCES, UNIQUE, WORD, build_test_index

from web import create_app

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


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import waitress

    index = build_test_index(tmp_path_factory.mktemp("web-browser"))
    app = create_app({"INDEX_DIR": str(index)})
    server: Any = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
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
    text = details.locator(".cite-text").inner_text()
    assert "第4段" in text and "/articles/" in text
    # The copy button is hidden in the HTML and shown by /static/app.js.
    assert details.locator("button.copy-button").is_visible()


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
