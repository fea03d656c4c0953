"""The playground end to end in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Skipped, saying why, where Chromium, the `playwright` package or Pillow is missing
(``pip install -e ".[playground-test]"`` and ``apt-get install chromium``). Playwright
never downloads a browser here: it is pointed at the system's Chromium.

Run as a script, it retakes the screenshots in the docs (docs/playground.md, the README):

    .venv/bin/python tests/playground/test_browser.py docs/images
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
VIEWPORT = {"width": 1024, "height": 700}


def _playwright_or_skip() -> Any:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) "
                    "or set CHAINRULE_CHROMIUM to a Chromium binary")
    pytest.importorskip("PIL", reason="Pillow is not installed: pip install -e '.[playground-test]'")
    return pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed: pip install -e '.[playground-test]'")


@contextmanager
def launched(sync_api: Any) -> Iterator[Any]:
    """A fresh headless Chromium."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def page_at(browser: Any, url: str) -> Iterator[tuple[Any, list[str]]]:
    """A new page of `browser` at `url`, and the list its script errors go to."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(url)
        page.wait_for_selector('[data-preset="6 tanh"]')
        yield page, errors
    finally:
        page.close()


@contextmanager
def open_page(sync_api: Any, url: str) -> Iterator[tuple[Any, list[str]]]:
    """A page of a fresh headless Chromium at `url`, and the list its script errors go to."""
    with launched(sync_api) as browser, page_at(browser, url) as opened:
        yield opened


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser for this module's tests (each opens its own page)."""
    with launched(_playwright_or_skip()) as browser:
        yield browser


def train_until(page: Any, accuracy: float, timeout_s: float) -> float:
    """Press Start, wait until the page shows at least `accuracy`, press Pause; the accuracy shown."""
    run_until(page, f"() => Number(document.getElementById('accuracy').dataset.value) >= {accuracy}", timeout_s)
    return float(page.get_attribute("#accuracy", "data-value"))


def run_until(page: Any, condition: str, timeout_s: float) -> None:
    """Press Start, wait until `condition` (JavaScript) holds, press Pause and let the last request land."""
    page.click("#start")
    try:
        page.wait_for_function(condition, timeout=timeout_s * 1000)
    except Exception as error:
        raise AssertionError(f"{condition} did not hold within {timeout_s} s: step {page.text_content('#step-count')}, "
                             f"accuracy {page.text_content('#accuracy')}, message {page.text_content('#message')!r}") \
            from error
    page.click("#pause")
    settle(page)


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


@pytest.fixture(scope="module")
def shared_server() -> Iterator[Any]:
    server = make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def settle(page: Any) -> None:
    """Let the debounce of a control pass and every queued request land and be drawn."""
    page.wait_for_timeout(260)
    page.evaluate("async () => { await queue; await queue; }")


def shown(page: Any, selector: str) -> float:
    return float(page.text_content(selector).split()[0])




def test_presets_set_their_data_and_xor_learns(chromium, server_url, tmp_path):
    with page_at(chromium, server_url) as (page, errors):
        page.select_option("#dataset", "xor")
        settle(page)
        page.click('[data-preset="6 tanh"]')  # the tutorial's network on the tutorial's data
        settle(page)
        assert page.input_value("#dataset") == "circles" and page.input_value("#noise") == "0.08"
        assert page.input_value("#samples") == "200" and page.input_value("#activation") == "tanh"
        assert page.evaluate("() => app.session.config.hidden") == [6]
        page.select_option("#dataset", "xor")
        shown_accuracy = train_until(page, 0.95, timeout_s=25)
        assert shown_accuracy >= 0.95 and page.text_content("#accuracy").endswith("%")
        assert int(page.text_content("#step-count")) > 0
        png = page.screenshot(path=str(tmp_path / "xor.png"))
        boundary = page.locator("#boundary").screenshot()
    assert not errors, errors
    assert distinct_colours(png) > 500, "the screenshot looks blank"
    assert distinct_colours(boundary) > 100, "the decision boundary was not drawn"


def test_changing_rate_or_optimizer_mid_run_keeps_the_weights_and_a_step_is_fixed_work(chromium, shared_server):
    with page_at(chromium, shared_server.url) as (page, errors):
        settle(page)
        run_until(page, "() => Number(document.getElementById('step-count').textContent) >= 100", 20)
        sid, steps, loss = page.evaluate("() => app.session.id"), shown(page, "#step-count"), shown(page, "#loss")
        weights = shared_server.store.get(sid).net.state_dict()
        for control, value in (("#lr", "0.001"), ("#optimizer", "adam"), ("#batch-size", "20"),
                               ("#regularization", "l2"), ("#dropout", "0.1")):
            page.select_option(control, value)
            settle(page)
            assert page.evaluate("() => app.session.id") == sid, f"{control} started a new session"
            assert shown(page, "#step-count") == steps and shown(page, "#loss") == loss
        session = shared_server.store.get(sid)
        assert session.config.lr == 0.001 and session.config.optimizer == "adam" and session.config.batch_size == 20
        assert all(np.array_equal(weights[k], v) for k, v in session.net.state_dict().items())
        page.click("#step")
        settle(page)
        assert shown(page, "#step-count") == steps + 1 and abs(shown(page, "#loss") - loss) < 0.05  # continuous
        history = page.evaluate("() => app.session.history.step")
        assert history[-2:] == [steps, steps + 1]
        page.select_option("#step-unit", "epoch")
        for i in (1, 2):  # one epoch: ⌈140 training points / 20⌉ = 7 mini-batches, every time
            page.click("#step")
            settle(page)
            assert shown(page, "#step-count") == steps + 1 + 7 * i
        page.select_option("#dataset", "circles")  # the data changes: a new run
        settle(page)
        assert page.evaluate("() => app.session.id") != sid and shown(page, "#step-count") == 0
    assert not errors, errors


def test_the_test_loss_rises_while_the_training_loss_falls_when_overfitting(chromium, shared_server):
    with page_at(chromium, shared_server.url) as (page, errors):
        page.click('[data-preset="overfitting"]')
        settle(page)
        run_until(page, "() => Number(document.getElementById('step-count').textContent) >= 1500", 40)
        history = page.evaluate("() => app.session.history")
        best = int(np.argmin(history["test_loss"]))
        assert shown(page, "#test-loss") > 1.5 * history["test_loss"][best]
        assert shown(page, "#loss") < history["loss"][best]
        hidden_test = page.locator("#boundary").screenshot()
        page.check("#show-test")  # the 50 test points appear on the plane, as squares
        settle(page)
        assert page.locator("#boundary").screenshot() != hidden_test
    assert not errors, errors


def test_the_diagram_plus_hover_click_and_the_gradient_view(chromium, shared_server):
    with page_at(chromium, shared_server.url) as (page, errors):
        settle(page)
        nodes = '#diagram canvas.node[data-layer="0"]'
        assert page.locator(nodes).count() == 6
        page.click('[data-add-unit="0"]')  # + on hidden layer 1: a seventh neuron, trained by the server
        settle(page)
        assert page.locator(nodes).count() == 7
        session = shared_server.store.get(page.evaluate("() => app.session.id"))
        assert session.config.hidden == (7,) and session.dense[0].weight.shape == (2, 7)
        before = session.dense[0].weight.data[:, 6].copy()
        page.click("#step")
        settle(page)
        assert not np.allclose(before, session.dense[0].weight.data[:, 6])
        page.click("#add-layer")
        settle(page)
        assert page.evaluate("() => app.session.config.hidden") == [7, 7]
        page.click("#remove-layer")
        settle(page)
        page.click("#step")
        settle(page)
        line = page.locator('#diagram line[data-layer="0"][data-from="1"][data-to="6"]')
        line.hover(force=True)
        session = shared_server.store.get(page.evaluate("() => app.session.id"))
        readout = page.text_content("#weight-readout")
        assert readout.startswith("x2 → h1.7: weight ") and "∂loss/∂w" in readout
        assert float(readout.split("weight ")[1].split(",")[0]) == pytest.approx(
            float(session.dense[0].weight.data[1, 6]), abs=0.006)
        width = float(line.get_attribute("stroke-width"))
        page.click('#diagram canvas.node[data-layer="0"][data-unit="2"]')
        settle(page)
        assert page.text_content("#unit-caption") == \
            "hidden layer 1, unit 3: tanh output: −1 (blue), 0 (white), +1 (orange)."
        assert "wᵢaᵢ" in page.text_content("#graph-caption") and page.locator("#neuron-graph text").count() > 10
        values = page.text_content("#neuron-graph svg")
        page.check('input[name="view"][value="gradient"]')
        settle(page)
        assert "∂loss/∂output from" in page.text_content("#unit-caption")
        gradient_line = page.locator('#diagram line[data-layer="0"][data-from="1"][data-to="6"]')
        assert float(gradient_line.get_attribute("stroke-width")) != width
        run_until(page, "() => Number(document.getElementById('step-count').textContent) >= 40", 10)
        assert page.text_content("#neuron-graph svg") != values  # the graph follows the training
    assert not errors, errors


def test_settings_in_the_url_features_regression_and_the_hidden_space(chromium, shared_server):
    url = shared_server.url + "#dataset=gaussians&features=x1,x2,x1%5E2&hidden=3,2&activation=linear&lr=0.00001"
    with page_at(chromium, url) as (page, errors):
        settle(page)
        config = page.evaluate("() => app.session.config")
        assert config["dataset"] == "gaussians" and config["features"] == ["x1", "x2", "x1^2"]
        assert config["hidden"] == [3, 2] and config["activation"] == "linear" and config["lr"] == 1e-5
        assert page.is_checked("#feature-x1_2") and not page.is_checked("#feature-x1_x2")
        assert page.locator("#lr option").all_text_contents()[-1] == "10"
        assert page.text_content("#accuracy") == "–" and "output: −1 (blue)" in page.text_content("#boundary-caption")
        assert "carried through hidden layer 2" in page.text_content("#hidden-caption")
        page.check("#feature-sin_x1")
        settle(page)
        assert "sin+x1" in page.evaluate("() => location.hash") or "sin%20x1" in page.evaluate("() => location.hash")
        assert page.evaluate("() => app.session.config.features") == ["x1", "x2", "x1^2", "sin x1"]
        page.select_option("#dataset", "xor")  # the output neuron of a classifier is logit 1 ...
        settle(page)
        page.click('#diagram canvas.node[data-layer="2"]')
        settle(page)
        assert page.evaluate("() => app.selected") == {"layer": 2, "unit": 1}
        page.select_option("#dataset", "plane")  # ... and of a regression its only unit, 0
        settle(page)
        assert page.evaluate("() => app.selected") == {"layer": 2, "unit": 0} and page.text_content("#message") == ""
        assert page.text_content("#unit-caption").startswith("the output: the network's output: −1 (blue)")
    assert not errors, errors


def test_clicking_adds_points_discretize_regenerate_and_a_dead_network_is_named(chromium, shared_server):
    with page_at(chromium, shared_server.url + "#activation=relu&lr=10&optimizer=sgd&hidden=4") as (page, errors):
        settle(page)
        count = page.evaluate("() => app.session.points.length")
        page.click("#boundary", position={"x": 150, "y": 150})
        settle(page)
        page.click("#boundary", position={"x": 60, "y": 60}, modifiers=["Shift"])
        settle(page)
        assert page.evaluate("() => app.session.points.length") == count + 2
        assert page.evaluate("() => app.session.labels.slice(-2)") == [1, 0]
        smooth = distinct_colours(page.locator("#boundary").screenshot())
        page.check("#discretize")
        settle(page)
        assert distinct_colours(page.locator("#boundary").screenshot()) < smooth
        run_until(page, "() => document.getElementById('message').textContent.includes('dead')", 15)
        assert page.text_content("#message") == \
            "all units of layer 1 output 0 everywhere: dead ReLUs — lower the rate and Reset"
        assert page.text_content("#unit-caption").startswith("hidden layer 1, unit 1: ReLU output: 0 (white) up to")
        points = page.evaluate("() => app.session.points.slice(0, 3)")
        page.click("#regenerate")
        settle(page)
        assert page.evaluate("() => app.session.points.slice(0, 3)") != points
    assert not errors, errors


def test_the_page_fits_a_small_laptop_and_a_phone(chromium, shared_server):
    with page_at(chromium, shared_server.url) as (page, errors):
        settle(page)
        page.set_viewport_size({"width": 1024, "height": 700})
        page.wait_for_timeout(100)
        box = page.locator("#accuracy-chart").bounding_box()
        assert box["y"] + box["height"] <= 700, "the curves are below the fold at 1024×700"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1024
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(100)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "horizontal overflow on a phone"
    assert not errors, errors


def test_a_stopped_server_is_named(chromium):
    server = make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with page_at(chromium, server.url) as (page, _):
        settle(page)
        server.shutdown()
        server.server_close()
        page.click("#step")
        page.wait_for_function("() => document.getElementById('message').textContent.length > 0", timeout=10000)
        assert page.text_content("#message") == \
            "the chainrule server stopped: is `chainrule playground` still running?"


def take_docs_screenshots(folder: str) -> None:
    """The screenshots of docs/playground.md and the README, taken from a real run."""
    import playwright.sync_api as sync_api

    from chainrule.playground.views import unit_map

    server = make_server(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with launched(sync_api) as browser:
            with page_at(browser, server.url) as (page, errors):  # the spirals, 99 %, one varied unit large
                page.click('[data-preset="spirals"]')
                settle(page)
                shown_accuracy = train_until(page, 0.99, timeout_s=120)
                session = server.store.get(page.evaluate("() => app.session.id"))
                unit = max(range(16), key=lambda u: _interest(unit_map(session, 1, u, 40)["values"]))
                page.click(f'#diagram canvas.node[data-layer="1"][data-unit="{unit}"]')
                settle(page)
                page.screenshot(path=f"{folder}/playground-spirals.png")
                print(f"saved playground-spirals.png (accuracy {100 * shown_accuracy:.1f} %)")
            with page_at(browser, server.url + "#dataset=xor&hidden=4,2&lr=0.03&optimizer=adam") as (page, more):
                errors += more  # the backward pass: gradient view, one neuron's ops, the hidden space
                settle(page)
                run_until(page, "() => Number(document.getElementById('step-count').textContent) >= 150", 30)
                page.check('input[name="view"][value="gradient"]')
                page.click('#diagram canvas.node[data-layer="0"][data-unit="1"]')
                settle(page)
                page.click("#unit", position={"x": 92, "y": 108})  # a point near the boundary: large gradients
                settle(page)
                page.screenshot(path=f"{folder}/playground-gradients.png", full_page=True)
            with page_at(browser, server.url) as (page, more):
                errors += more  # overfitting: the test loss turns up
                page.click('[data-preset="overfitting"]')
                page.check("#show-test")
                settle(page)
                run_until(page, "() => Number(document.getElementById('step-count').textContent) >= 2000", 60)
                page.locator("#output").screenshot(path=f"{folder}/playground-overfitting.png")
            if errors:
                raise RuntimeError(f"the page reported errors: {errors}")
    finally:
        server.shutdown()
        server.server_close()


def _interest(values: list[list[float]]) -> float:
    """How much of a tanh unit's map lies between its extremes: a saturated map is dull to look at."""
    array = np.asarray(values)
    return float(array.std() * np.mean(np.abs(array) < 0.9))


if __name__ == "__main__":
    take_docs_screenshots(sys.argv[1] if len(sys.argv) > 1 else "docs/images")
