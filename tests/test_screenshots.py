"""Every course notebook's graphs as a student sees them: JupyterLab, light and dark, 100% zoom.

For each theme the test starts JupyterLab (`lab_server.jupyterlab`) on a copy of notebooks/, opens
every notebook in Debian's headless chromium at device scale 1, and for every output holding a
graph (an <img> of an SVG) measures the size its smallest text is drawn at, in CSS pixels (the
SVG's font size, in its viewBox units, times the drawn width over the viewBox width), and saves a
screenshot of the output: build/screenshots/NOTEBOOK-cellN-THEME.png (not committed; look at
them), with the sizes measured in build/screenshots/sizes.txt. ``ADMAGIC_SCREENSHOTS=DIR`` saves them there instead.

Needs chromium, JupyterLab and Playwright, as test_browser.py does; skips without them.
"""

import base64
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from lab_server import CHROMIUM_FLAGS, REPO, jupyterlab, missing

from admagic.render import MIN_TEXT_PX

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
VIEWPORT = {"width": 1280, "height": 1400}  # a laptop's width; tall, so a tall output fits whole

_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in front
_READY = """([panel, cells]) => {  // every cell attached, every picture decoded
    const all = document.querySelectorAll(panel + ' .jp-Notebook .jp-Cell');
    const images = Array.from(document.querySelectorAll(panel + ' .jp-OutputArea-output img'));
    return all.length === cells && images.length > 0 && images.every(i => i.complete && i.naturalWidth);
}"""
_GRAPHS = """(els, prefix) => els.filter(e => e.querySelector('img[src^="data:image/svg+xml"]'))
                                  .map((e, i) => {
    e.setAttribute('data-shot', prefix + i);
    const img = e.querySelector('img[src^="data:image/svg+xml"]');
    const cell = e.closest('.jp-Cell');
    const cells = Array.from(cell.parentElement.querySelectorAll(':scope > .jp-Cell'));
    return {shot: prefix + i, cell: cells.indexOf(cell), src: img.getAttribute('src'),
            width: img.getBoundingClientRect().width,
            visible: Math.min(img.getBoundingClientRect().width, e.getBoundingClientRect().width)};
})"""


def smallest_font(svg):
    """The smallest font size in `svg` (in viewBox units) and the viewBox's width."""
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    view_box = re.search(r'viewBox="([-\d. ]+)"', svg).group(1).split()
    return min(sizes), float(view_box[2])


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    """{(notebook, cell, theme): (smallest text in px, png path)} for every graph output."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    out = Path(os.environ.get("ADMAGIC_SCREENSHOTS") or REPO / "build" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
        try:
            for theme, theme_name in THEMES.items():
                root = tmp_path_factory.mktemp(f"lab-{theme}")
                for name in NOTEBOOKS:
                    shutil.copy(REPO / "notebooks" / name, root / name)
                settings = {"@jupyterlab/apputils-extension:themes": {"theme": theme_name},
                            # every cell in the page, not only those scrolled into view
                            "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
                with jupyterlab(root, root / "home", settings) as (base, token):
                    page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
                    for name in NOTEBOOKS:
                        seen.update(_shoot(page, base, token, name, theme, out))
                    page.close()
        finally:
            browser.close()
    (out / "sizes.txt").write_text("".join(  # the smallest text of each graph, for the record
        f"{png.name}\t{px:.1f} px\n" for px, png in sorted(seen.values(), key=lambda v: v[1])))
    return seen


def _shoot(page, base, token, name, theme, out):
    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")  # reset: only this notebook open
    cells = len(json.loads((REPO / "notebooks" / name).read_text(encoding="utf-8"))["cells"])
    page.wait_for_function(_READY, arg=[_PANEL, cells], timeout=30_000)
    found = {}
    for graph in page.eval_on_selector_all(f"{_PANEL} .jp-OutputArea-output", _GRAPHS,
                                           Path(name).stem):
        svg = base64.b64decode(graph["src"].split(",", 1)[1]).decode("utf-8")
        font, view_width = smallest_font(svg)
        px = font * graph["width"] / view_width
        png = out / f"{Path(name).stem}-cell{graph['cell']}-{theme}.png"
        element = page.locator(f'[data-shot="{graph["shot"]}"]')
        element.scroll_into_view_if_needed()
        element.screenshot(path=str(png))
        found[(name, graph["cell"], theme)] = (px, png)
    return found


def test_every_notebook_has_its_graphs_screenshot_in_both_themes(screenshots):
    for name in NOTEBOOKS:
        light = {cell for (n, cell, theme) in screenshots if n == name and theme == "light"}
        dark = {cell for (n, cell, theme) in screenshots if n == name and theme == "dark"}
        assert light == dark, name
    assert len(screenshots) >= 20  # the course has about 25 graphs


def test_no_graph_text_is_drawn_smaller_than_the_minimum_at_100_percent_zoom(screenshots):
    small = {f"{n} cell {c} ({t})": round(px, 1) for (n, c, t), (px, _) in screenshots.items()
             if px < MIN_TEXT_PX - 0.05}
    assert not small, f"text below {MIN_TEXT_PX} px: {small}"
