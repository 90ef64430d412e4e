"""Screenshots of the results page at desktop and phone width, for the README. Run by hand, not by pytest:

    .venv/bin/python docs/screenshots/make_screenshots.py [query]

Builds the seed corpus (corpus/) into a temporary index, serves the app under waitress on a free local port
and drives Debian's /usr/bin/chromium (never a downloaded browser) with Playwright.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

import waitress
from playwright.sync_api import sync_playwright

from searcher.indexing import build_index
from web import create_app

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DEFAULT_QUERY = "创新 产业"
SHOTS = {
    "results-desktop.png": {"viewport": {"width": 1280, "height": 1000}, "device_scale_factor": 1},
    "results-phone.png": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True},
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]  # fmt: skip


def main(query: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        build_index(ROOT / "corpus", index)
        server = waitress.create_server(create_app({"INDEX_DIR": str(index)}), host="127.0.0.1", port=0)
        threading.Thread(target=server.run, daemon=True).start()
        url = f"http://127.0.0.1:{server.effective_port}/search?{urlencode({'q': query})}"  # type: ignore[union-attr]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, options in SHOTS.items():
                context = browser.new_context(locale="zh-CN", **options)  # type: ignore[arg-type]
                page = context.new_page()
                page.goto(url)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / name))
                print(OUT / name)
                context.close()
            browser.close()
        server.close()


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or DEFAULT_QUERY)
