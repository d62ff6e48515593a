"""The table's caption is read in one line when it is short, in a real browser.

A ``<caption>`` is as wide as its table, so under a two-column table "at x = 2, y = 3 · by reverse
mode" wrapped into two lines in every JupyterLab output (seen in the screenshots of issue 15).
Headless Chromium lays the table out and the caption's height is compared with one line's.
"""

import shutil

import pytest

import admagic
from lab_server import CHROMIUM_FLAGS, missing

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium")


def _caption_lines(html):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_content(f'<body style="font:14px sans-serif;width:848px">{html}</body>')
            return page.evaluate("""() => {
                const c = document.querySelector('caption');
                const line = parseFloat(getComputedStyle(c).lineHeight) || 1.2 * 14;
                return c.getBoundingClientRect().height / line; }""")
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def _needs_a_browser():
    why = missing()
    if why:
        pytest.skip(why)


def test_a_short_caption_over_a_narrow_table_is_one_line():
    res = admagic.differentiate("f = x * y + 1.0", {"x": 2.0, "y": 3.0}, graph=False)
    assert "by reverse mode" in admagic.table.caption(res)
    assert round(_caption_lines(res._repr_html_())) == 1


def test_a_long_caption_still_wraps_inside_the_page():
    inputs = {f"x{i}": 1.0 + i / 7 for i in range(12)}
    res = admagic.differentiate(" + ".join(inputs), inputs, graph=False)
    assert len(admagic.table.caption(res)) > admagic.table.CAPTION_ONE_LINE
    assert _caption_lines(res._repr_html_()) >= 2
