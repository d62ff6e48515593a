"""The step-through widget in a real JupyterLab, driven by a real browser.

The test starts JupyterLab on localhost (a free port, a random token, a temporary directory
holding one notebook), opens the notebook in Debian's chromium through Playwright, runs a
``%%grad x=2 y=3 --step --trace`` cell as a student would, and checks that the picture changes as a student steps: before the sweep
only the output's gradient is known; after "next" the output node is highlighted and its shares
are written on its in-edges; after the last step every band shows the gradient the static graph
shows. Screenshots of the widget are left in the test's temporary directory (and, with
``ADMAGIC_SCREENSHOTS=docs/images``, where the docs show them).

CI needs: ``apt-get install chromium`` (Playwright can't download its own browser here) and
``pip install jupyterlab playwright anywidget`` (all in ``admagic[dev]``; ``make test`` installs
them). Without chromium or JupyterLab the test skips.
"""

import math
import os
import shutil
from pathlib import Path

import pytest
from lab_server import CHROMIUM_FLAGS, lab_with_notebook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELLS = ["%load_ext admagic\nimport numpy as np", """\
%%grad x=2 y=3 --step --trace
u = x * x
f = u * y + np.sin(x)
"""]


@pytest.fixture
def lab(tmp_path):
    with lab_with_notebook(tmp_path, "step.ipynb", CELLS, "anywidget") as url:
        yield url, tmp_path


def _bands(page):
    return page.eval_on_selector_all(
        ".admagic-stepper text.admagic-band",
        "els => Object.fromEntries(els.map(e => [e.closest('g[data-node]').dataset.node, e.textContent.trim()]))")


def test_stepping_in_jupyterlab_changes_the_picture(lab):
    from playwright.sync_api import sync_playwright

    url, tmp_path = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1700, "height": 950})
            page.goto(url)
            editor = page.locator(".jp-Cell .cm-content").first
            editor.wait_for(timeout=30_000)
            page.get_by_text("| Idle").wait_for(timeout=30_000)  # the kernel is ready
            editor.click()
            page.keyboard.press("Shift+Enter")  # %load_ext admagic; then the %%grad cell
            page.keyboard.press("Shift+Enter")
            widget = page.locator(".admagic-stepper")
            widget.wait_for(timeout=30_000)
            page.wait_for_function("document.querySelector('.admagic-counter')"
                                   " && document.querySelector('.admagic-counter').textContent"
                                   ".startsWith('0 /')", timeout=10_000)

            _screenshot(widget, tmp_path / "step-start.png")
            before = _bands(page)
            assert sorted(t for t in before.values() if not t.endswith("= ?")) == ["∂f/∂f = 1"]
            assert page.locator(".admagic-stepper g.admagic-current").count() == 0
            assert page.locator(".admagic-share-text").count() == 0

            page.get_by_role("button", name="next ▶").click()
            current = page.locator(".admagic-stepper g.node.admagic-current")
            assert current.count() == 1
            assert current.get_attribute("data-node") == _output_id(page)
            shares = page.locator(".admagic-share-text").all_text_contents()
            assert sorted(shares) == ["1 × 1 = 1", "1 × 1 = 1"]  # f = v1 + v2 sends 1 to each
            assert page.locator(".admagic-stepper tr.admagic-row-current").count() == 1
            steps = page.locator(".admagic-caption").first.text_content().split(":")[0]
            counter = page.locator(".admagic-counter").text_content()
            assert steps.startswith("Step 1 of ") and counter == f"1 / {steps.split()[-1]}"
            after = _bands(page)
            assert after != before
            assert sum(not t.endswith("= ?") for t in after.values()) == 3

            # The last step that reaches x: its two shares of the use in x × x, one edge.
            for _ in range(3):
                page.get_by_role("button", name="next ▶").click()
            assert sorted(page.locator(".admagic-share-text tspan").all_text_contents()) == [
                "3 × 2 = 6", "3 × 2 = 6"]
            _screenshot(widget, tmp_path / "step-shares.png")

            page.get_by_role("button", name="next ▶").click()
            done = _bands(page)
            x_id = [k for k, t in done.items() if t.startswith("∂f/∂x")][0]
            assert done[x_id] == f"∂f/∂x = {2 * 2 * 3 + math.cos(2):.4g}"  # 2xy + cos x = 11.58
            assert page.get_by_role("button", name="next ▶").is_disabled()
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            print("screenshot of the failure:", tmp_path / "failure.png")
            print((tmp_path / "home" / "lab.log").read_text(errors="replace")[-3000:])
            raise
        finally:
            browser.close()


def _screenshot(widget, path):
    """Save a picture of the widget (and copy it to $ADMAGIC_SCREENSHOTS, for the docs)."""
    widget.screenshot(path=str(path))
    if os.environ.get("ADMAGIC_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["ADMAGIC_SCREENSHOTS"]) / path.name)


def _output_id(page):
    """The graph id of the node whose band holds the seed, ∂f/∂f."""
    return page.eval_on_selector_all(
        ".admagic-stepper text.admagic-band",
        "els => els.filter(e => e.textContent.startsWith('∂f/∂f'))"
        ".map(e => e.closest('g[data-node]').dataset.node)[0]")
