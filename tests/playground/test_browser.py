"""The playground end to end in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Skipped, saying why, where Chromium, the `playwright` package or Pillow is missing
(``pip install -e ".[playground-test]"`` and ``apt-get install chromium``). Playwright
never downloads a browser here: it is pointed at the system's Chromium.

Run as a script, it retakes the screenshot in the docs:

    .venv/bin/python tests/playground/test_browser.py docs/images/playground-spirals.png
"""

from __future__ import annotations

import io
import os
import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import pytest

from chainrule.playground.server import make_server

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")
# Headless, and nothing that reaches for the network (a closed network refuses those connections).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1180, "height": 720}


def _playwright_or_skip() -> Any:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) "
                    "or set CHAINRULE_CHROMIUM to a Chromium binary")
    pytest.importorskip("PIL", reason="Pillow is not installed: pip install -e '.[playground-test]'")
    return pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed: pip install -e '.[playground-test]'")


@contextmanager
def open_page(sync_api: Any, url: str) -> Iterator[tuple[Any, list[str]]]:
    """A page of a fresh headless Chromium at `url`, and the list its script errors go to."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(url)
            page.wait_for_selector('[data-preset="6 tanh"]')
            yield page, errors
        finally:
            browser.close()


def train_until(page: Any, accuracy: float, timeout_s: float) -> float:
    """Press Start, wait until the page shows at least `accuracy`, press Pause; the accuracy shown."""
    page.click("#start")
    page.wait_for_function(f"() => Number(document.getElementById('accuracy').dataset.value) >= {accuracy}",
                           timeout=timeout_s * 1000)
    page.click("#pause")
    page.wait_for_timeout(300)  # the request in flight lands and is drawn
    return float(page.get_attribute("#accuracy", "data-value"))


def distinct_colours(png: bytes) -> int:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.uint32)
    return len(np.unique((pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]))


@pytest.fixture
def server_url() -> Iterator[str]:
    server = make_server(port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.url
    server.shutdown()
    server.server_close()


def test_xor_with_six_tanh_units_learns_in_the_browser(server_url, tmp_path):
    sync_api = _playwright_or_skip()
    with open_page(sync_api, server_url) as (page, errors):
        page.select_option("#dataset", "xor")
        page.click('[data-preset="6 tanh"]')
        page.wait_for_function("() => document.querySelectorAll('#units input').length === 1")
        assert page.input_value("#units-0") == "6" and page.input_value("#activation") == "tanh"
        shown = train_until(page, 0.95, timeout_s=25)
        assert shown >= 0.95 and page.text_content("#accuracy").endswith("%")
        assert int(page.text_content("#step-count")) > 0
        png = page.screenshot(path=str(tmp_path / "xor.png"))
        boundary = page.locator("#boundary").screenshot()
    assert not errors, errors
    assert distinct_colours(png) > 500, "the screenshot looks blank"
    assert distinct_colours(boundary) > 100, "the decision boundary was not drawn"


def take_docs_screenshot(path: str) -> None:
    """Train the spirals preset to 99 % and save the page as a PNG."""
    import playwright.sync_api as sync_api

    server = make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with open_page(sync_api, server.url) as (page, errors):
            page.click('[data-preset="spirals"]')
            page.wait_for_function("() => document.querySelectorAll('#units input').length === 2")
            shown = train_until(page, 0.99, timeout_s=120)
            session = server.store.get(page.evaluate("() => app.session.id"))
            unit = max(range(16), key=lambda u: _interest(session.unit(1, u, 40)["values"]))
            page.select_option("#unit-layer", label="2")  # the second hidden layer's most varied unit
            page.select_option("#unit-index", label=str(unit + 1))
            page.wait_for_timeout(500)
            page.screenshot(path=path)
            if errors:
                raise RuntimeError(f"the page reported errors: {errors}")
        print(f"saved {path} (accuracy {100 * shown:.1f} %)")
    finally:
        server.shutdown()
        server.server_close()


def _interest(values: list[list[float]]) -> float:
    """How much of a tanh unit's map lies between its extremes: a saturated map is dull to look at."""
    array = np.asarray(values)
    return float(array.std() * np.mean(np.abs(array) < 0.9))


if __name__ == "__main__":
    take_docs_screenshot(sys.argv[1] if len(sys.argv) > 1 else "docs/images/playground-spirals.png")
