"""The discovery features in real headless Chromium (Debian's /usr/bin/chromium) on the fixture articles of
discovery_fixtures: autocomplete by keyboard and through a simulated input-method composition, did you mean,
the date chip, folded reprints, citations, exports, help, the advanced form, newest and related articles.

Every page fails its test on a console error, script error or CSP violation (the `page` fixture of test_browser).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from discovery_fixtures import build_discovery_index
from test_browser import browser, page, served  # noqa: F401  (fixtures: one Chromium per module, a checked page)

from web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    index = build_discovery_index(tmp_path_factory.mktemp("browser-discovery"))
    # DISCOVERY_WAIT: the vocabulary is built on the first request instead of in the background, so the first
    # keystroke of a test already has its suggestions.
    with served(create_app({"INDEX_DIR": str(index), "DISCOVERY_WAIT": True})) as url:
        yield url


def q_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("q", [""])[0]


def suggest_requests(tab: Any) -> list[str]:
    """Collects the prefixes of every /api/suggest request the page makes from now on."""
    seen: list[str] = []
    tab.on("request", lambda r: seen.append(q_of(r.url)) if "/api/suggest" in r.url else None)
    return seen


# --- autocomplete --------------------------------------------------------------------------------------------


def test_typing_a_prefix_shows_suggestions_and_the_keyboard_picks_one(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(base_url + "/")
    box = page.get_by_role("combobox", name="搜索词")
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("隆")
    listbox = page.get_by_role("listbox", name="搜索建议")
    listbox.wait_for()
    options = listbox.get_by_role("option")
    assert options.all_inner_texts() == ["隆基绿能", "隆基绿能嘉兴基地二期投产"]
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")

    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    first = options.nth(0)
    assert first.get_attribute("aria-selected") == "true" and options.nth(1).get_attribute("aria-selected") == "false"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    with page.expect_navigation(url=re.compile(r"/search\?")):
        box.press("Enter")
    assert q_of(page.url) == "隆基绿能"
    assert page.get_by_role("combobox", name="搜索词").input_value() == "隆基绿能"
    assert set(page.locator("ol.hits mark").all_inner_texts()) == {"隆基绿能"}


def test_escape_closes_and_pinyin_is_completed(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(base_url + "/")
    box = page.get_by_role("combobox", name="搜索词")
    box.press_sequentially("jxg")
    listbox = page.get_by_role("listbox", name="搜索建议")
    listbox.wait_for()
    assert listbox.get_by_role("option").all_inner_texts() == ["嘉兴高新区"]
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "jxg"  # Escape closes the list and keeps what was typed


COMPOSE = """async ([box, steps]) => {
  // What an input method does: compositionstart, input events flagged isComposing while pinyin is in the box,
  // then the chosen characters and compositionend.
  const el = document.querySelector(box);
  el.focus();
  el.dispatchEvent(new CompositionEvent("compositionstart", {data: ""}));
  for (const text of steps) {
    el.value = text;
    el.dispatchEvent(new InputEvent("input", {data: text, isComposing: true, inputType: "insertCompositionText"}));
    await new Promise(r => setTimeout(r, 120));
  }
}"""


def test_nothing_is_fetched_until_the_composition_ends(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(base_url + "/")
    seen = suggest_requests(page)
    page.evaluate(COMPOSE, ["#q", ["j", "ji", "jia", "jiax", "加西"]])
    page.wait_for_timeout(600)  # four times the debounce: a fetch would have been sent by now
    assert seen == []
    assert page.get_by_role("listbox", name="搜索建议").is_hidden()
    with page.expect_response(re.compile(r"/api/suggest\?")):
        page.evaluate("""() => { const el = document.querySelector('#q');
            el.dispatchEvent(new CompositionEvent('compositionend', {data: '加西'})); }""")
    listbox = page.get_by_role("listbox", name="搜索建议")
    listbox.wait_for()
    assert seen == ["加西"]
    assert listbox.get_by_role("option").all_inner_texts() == ["加西贝拉压缩机销量创新高"]  # a title


# --- did you mean, dates, folding ----------------------------------------------------------------------------


def test_did_you_mean_is_a_link(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/search?q=隆基录能 投产")
    line = page.locator(".did-you-mean")
    assert line.inner_text() == "您是不是要找：隆基绿能 投产"
    line.get_by_role("link", name="隆基绿能 投产").click()
    page.wait_for_url(lambda url: q_of(url) == "隆基绿能 投产")
    assert page.locator(".did-you-mean").count() == 0


def test_a_query_that_found_nothing_shows_the_correction(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/search?q=jxgxq")
    assert page.locator(".notice-corrected").inner_text() == "没有找到“jxgxq”的结果，已显示“嘉兴高新区”的结果。"
    assert page.locator("ol.hits li.hit").count() > 0
    assert page.locator("ol.hits mark").first.inner_text() == "嘉兴高新区"


def test_written_date_chip_and_its_remove_button(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/search?q=南湖 2024年10月")
    chip = page.locator(".chip")
    assert chip.inner_text().replace("\n", " ") == "日期：2024年10月 ×"
    assert page.locator("li.hit time").all_inner_texts() == ["2024-10-08"]
    chip.get_by_role("link", name="去掉日期筛选“2024年10月”").click()
    page.wait_for_url(lambda url: q_of(url) == "南湖")
    assert page.locator(".chip").count() == 0
    assert sorted(page.locator("li.hit time").all_inner_texts()) == ["2024-08-01", "2024-10-08", "2024-11-20"]


def test_reprints_are_folded_with_their_articles_listed(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/search?q=隆基绿能 投产")
    assert page.locator("li.hit").count() == 4
    also = page.locator("details.also-in")
    assert also.count() == 1
    also.locator("summary").click()
    assert also.locator("summary").inner_text() == "另见 2 篇文章"
    assert sorted(also.locator("li a").all_inner_texts()) == ["光伏龙头项目落户嘉兴高新区", "嘉兴高新区又添光伏新项目"]
    also.locator("li a", has_text="嘉兴高新区又添光伏新项目").click()
    page.wait_for_url(re.compile(r"/articles/longi-3#p-1$"))


# --- more like this, citations, exports, help, advanced, start page -----------------------------------------


def test_article_keywords_and_related_articles(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/articles/longi-1")
    keywords = page.locator(".keywords a")
    assert "隆基绿能" in keywords.all_inner_texts()[:3]
    related = page.locator(".related-articles a").all_inner_texts()
    assert set(related[:2]) == {"光伏龙头项目落户嘉兴高新区", "嘉兴高新区又添光伏新项目"}
    assert "隆基绿能嘉兴基地二期投产" not in related
    keywords.filter(has_text=re.compile("^隆基绿能$")).click()
    page.wait_for_url(lambda url: q_of(url) == "隆基绿能")
    assert page.locator("li.hit").count() > 0


def test_related_link_of_a_hit(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/search?q=嘉源和达 智能工厂")
    page.locator("li.hit").first.get_by_role("link", name="相关").click()
    page.wait_for_url(re.compile(r"/related/jxbl-p3$"))
    assert page.locator("h1").inner_text() == "与这一段相关的段落"
    titles = page.locator(".related-hits .hit-title a").all_inner_texts()
    assert titles and titles[0] == "海宁平湖桐乡嘉善经济运行平稳" and "加西贝拉压缩机销量创新高" not in titles


def test_citations_exports_and_feed(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(f"{base_url}/search?q=加西贝拉 销量")
    hit = page.locator("li.hit").first
    hit.locator("details.cite summary").click()
    assert hit.locator("#cite-1-gbt").inner_text() == "[1] 张云. 加西贝拉压缩机销量创新高[N]. 嘉兴日报, 2024-11-20."
    assert hit.locator("#cite-1-plain").inner_text() == \
        "《加西贝拉压缩机销量创新高》，嘉兴日报，2024年11月20日，第2段（记者 张云）。"
    assert hit.get_by_role("button", name="复制").first.is_visible()
    feed = page.locator('head link[rel=alternate][type="application/atom+xml"]').get_attribute("href")
    assert feed and page.get_by_role("link", name="订阅 (Atom)").get_attribute("href") == feed
    atom = page.request.get(base_url + feed)
    assert atom.headers["content-type"].startswith("application/atom+xml") and "<entry>" in atom.text()
    csv_href = page.get_by_role("link", name="导出 CSV").get_attribute("href")
    csv_text = page.request.get(base_url + csv_href).text()
    assert csv_text.startswith("\ufeffrank,") and "加西贝拉压缩机销量创新高" in csv_text
    json_href = page.get_by_role("link", name="导出 JSON").get_attribute("href")
    assert page.request.get(base_url + json_href).json()["hits"][0]["citation"]["gbt7714"].startswith("[1] 张云.")


def test_syntax_help_and_advanced_search(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(base_url + "/")
    help_panel = page.locator("details.syntax-help")
    assert not help_panel.locator("table").is_visible()
    help_panel.locator("summary").click()
    rows = help_panel.locator("tbody tr")
    assert rows.count() == 9 and help_panel.locator("table").is_visible()
    assert "author:张云" in rows.nth(6).inner_text()

    page.locator("details.advanced-search summary").click()
    page.get_by_label("包含全部词语").fill("隆基绿能")
    page.get_by_label("不包含词语").fill("逆变器")
    page.get_by_label("发布媒体").fill("浙江日报")
    page.get_by_role("button", name="按条件查找").click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert page.get_by_role("combobox", name="搜索词").input_value() == "隆基绿能 -逆变器 source:浙江日报"
    assert page.locator("li.hit .source").all_inner_texts() == ["浙江日报"]
    assert "逆变器" not in page.locator("li.hit .passage").first.inner_text()


def test_start_page_lists_the_newest_articles(page: Any, base_url: str) -> None:  # noqa: F811
    page.goto(base_url + "/")
    section = page.get_by_role("region", name="最新文章")
    titles = section.locator("li a").all_inner_texts()
    assert titles[:2] == ["海宁平湖桐乡嘉善经济运行平稳", "嘉兴高新区又添光伏新项目"] and len(titles) == 9
    dates = section.locator("time").all_inner_texts()
    assert dates == sorted(dates, reverse=True)
    section.locator("li a").first.click()
    page.wait_for_url(re.compile(r"/articles/haining$"))


def test_discovery_pieces_fit_a_phone(browser: Any, base_url: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  locale="zh-CN")
    phone = context.new_page()
    try:
        for url in ("/", "/search?q=隆基录能 投产 2024年12月", "/articles/longi-1", "/related/jxbl-p3"):
            phone.goto(base_url + url)
            for summary in phone.locator("details summary").all():
                if summary.is_visible():
                    summary.click()  # open every panel: help, advanced form, citations, 另见
            assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, url
    finally:
        context.close()
