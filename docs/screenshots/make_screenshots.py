"""Screenshots of the results page at desktop and phone width, and of the first hit's article on a phone, for the
README; with --discovery, the discovery features (docs/discovery.md) on the fixture articles of
tests/discovery_fixtures.py. Run by hand, not by pytest:

    .venv/bin/python docs/screenshots/make_screenshots.py [query]
    .venv/bin/python docs/screenshots/make_screenshots.py --discovery

Builds the seed corpus (corpus/) into a temporary index, serves the app under waitress (as `searcher serve`
configures it) on a free local port and drives Debian's /usr/bin/chromium (never a downloaded browser) with Playwright.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

from searcher.index.build import build_index
from web import create_app
from web.server import create_server

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DEFAULT_QUERY = "创新 产业"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
SHOTS = {"results-desktop.png": DESKTOP, "results-phone.png": PHONE}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]  # fmt: skip


def main(query: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        build_index(ROOT / "corpus", index)
        server = create_server(create_app({"INDEX_DIR": str(index)}), host="127.0.0.1", port=0)
        threading.Thread(target=server.run, daemon=True).start()
        url = f"http://127.0.0.1:{server.effective_port}/search?{urlencode({'q': query})}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, options in SHOTS.items():
                shoot(browser, url, name, options)
            page = browser.new_page()
            page.goto(url)
            article = page.locator("li.hit h2 a").first.get_attribute("href") or "/"
            page.close()
            shoot(browser, url.split("/search")[0] + article.split("#")[0], "article-phone.png", PHONE)
            browser.close()
        server.close()


def discovery() -> None:
    """Did you mean with a date chip and a folded reprint, a corrected search, autocomplete open, the article
    page's keywords and related articles, the start page with the newest articles, syntax help and the
    advanced form: one screenshot each, on the discovery fixture articles."""
    sys.path.insert(0, str(ROOT / "tests"))
    from discovery_fixtures import build_discovery_index

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INDEX_DIR": str(build_discovery_index(Path(tmp))), "DISCOVERY_WAIT": True})
        server = create_server(app, host="127.0.0.1", port=0)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, path, steps in DISCOVERY_SHOTS:
                context = browser.new_context(locale="zh-CN", **DESKTOP)
                page = context.new_page()
                page.goto(base + path)
                steps(page)
                page.screenshot(path=str(OUT / name), full_page=name != "discovery-autocomplete.png")
                print(OUT / name)
                context.close()
            browser.close()
        server.close()


def _open(*selectors: str) -> Any:
    return lambda page: [page.locator(selector).first.click() for selector in selectors]


def _type_and_move(page: Any) -> None:
    page.locator("#q").press_sequentially("jia")
    page.get_by_role("listbox").wait_for()
    page.locator("#q").press("ArrowDown")
    page.locator("#q").press("ArrowDown")


DISCOVERY_SHOTS = [
    ("discovery-results.png", f"/search?{urlencode({'q': '隆基录能 投产 2024年12月'})}",
     _open("details.also-in summary", "details.cite summary")),
    ("discovery-corrected.png", f"/search?{urlencode({'q': 'jxgxq'})}", _open()),
    ("discovery-autocomplete.png", "/", _type_and_move),
    ("discovery-article.png", "/articles/longi-1", _open()),
    ("discovery-start.png", "/", _open()),
    ("discovery-help-advanced.png", "/", _open("details.syntax-help summary", "details.advanced-search summary")),
    ("discovery-related.png", "/related/jxbl-p3", _open()),
]


def shoot(browser: Any, url: str, name: str, options: dict[str, Any]) -> None:
    context = browser.new_context(locale="zh-CN", **options)
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / name))
    print(OUT / name)
    context.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--discovery"]:
        discovery()
    else:
        main(" ".join(sys.argv[1:]) or DEFAULT_QUERY)
