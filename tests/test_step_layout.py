"""The shares written on the edges while stepping cover nothing, in a real JupyterLab.

A teacher projects the step-through: the share a step sends along an edge (``1 × 1 = 1``) must
not sit on a node's box (its gradient band), on the graph's legend, or on another share. The test
runs a few ``--step`` cells in JupyterLab (started on localhost, driven by Debian's chromium
through Playwright, as test_browser.py does), steps each sweep from the first frame to the last,
and at every frame measures in the page the bounding boxes of every share label, every node and
the legend's text: no two may intersect. Screenshots of every frame are left in the test's
temporary directory (and copied to $ADMAGIC_SCREENSHOTS if it is set). Without a browser, the
room dot keeps for the shares (`steppicture.with_room`) is checked in the SVG itself.
"""

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lab_server import CHROMIUM_FLAGS, REPO, lab_with_notebook

from admagic.cell import differentiate
from admagic.stepper import frames
from admagic.steppicture import TOO_WIDE, drawn_with_room, prepare_svg

_SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _notebook_step_cell():
    """The --step cell of notebook 03 (the chain rule), as the course runs it."""
    notebook = json.loads((REPO / "notebooks" / "03-chain-rule.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in notebook["cells"]
               if cell["cell_type"] == "code" and "--step" in "".join(cell["source"])]
    assert sources, "notebook 03 has no --step cell"
    return sources[0]


CELLS = {
    "notebook 03 (x=0.5: s = sin x, f = s·s + s)": _notebook_step_cell(),
    "three inputs, shared subexpressions": """\
%%grad x=1.5 y=-2 z=0.25 --step
a = x * y
b = a + z
c = a * b
f = c + np.sin(b) * x + np.exp(a * z)
""",
    "a value used twice, with the trace": """\
%%grad x=2 y=3 --step --trace
u = x * x
f = u * y + np.sin(x)
""",
    "tangent sweep": """\
%%grad x=1.5 y=-2 z=0.25 --step --mode forward
a = x * y
b = a + z
f = a * b + np.sin(b) * x
""",
}

# Pairs of boxes that intersect by more than half a pixel each way, in one widget's SVG.
_OVERLAPS = """widget => {
  const box = (e) => e.getBoundingClientRect();
  const shares = Array.from(widget.querySelectorAll('.admagic-share')).map(
    (g) => ({what: 'share ' + g.textContent.trim(), r: box(g)}));
  const others = Array.from(widget.querySelectorAll('g.node')).map(
    (g) => ({what: 'node ' + g.dataset.node, r: box(g)}));
  widget.querySelectorAll('g.graph > text, g.graph > g:not(.node):not(.edge):not(.admagic-share) text')
    .forEach((t) => others.push({what: 'legend ' + t.textContent.trim(), r: box(t)}));
  const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  const found = [];
  shares.forEach((s, i) => {
    others.forEach((o) => meet(s.r, o.r) && found.push(s.what + ' covers ' + o.what));
    shares.slice(i + 1).forEach((t) => meet(s.r, t.r) && found.push(s.what + ' covers ' + t.what));
  });
  return {found, shares: shares.length};
}"""


def _source(cell):
    """A %%grad cell's inputs and code: ``({"x": 0.5}, "s = np.sin(x)...")``."""
    line, code = cell.split("\n", 1)
    inputs = dict(re.findall(r"(\w+)=(-?[\d.]+)", line.split("--")[0]))
    return {name: float(value) for name, value in inputs.items()}, code


def _boxes(svg):
    """Node boxes and share rooms in SVG units: ``({node id: box}, {(tail, head): box})``, each
    box ``(left, top, right, bottom)``."""
    nodes, rooms = {}, {}
    for group in ET.fromstring(svg).iter(_SVG + "g"):
        if group.get("data-node"):
            points = [tuple(map(float, p.split(","))) for polygon in group.iter()
                      if polygon.tag.endswith("polygon") for p in polygon.get("points").split()]
            xs, ys = zip(*points)
            nodes[group.get("data-node")] = (min(xs), min(ys), max(xs), max(ys))
        if group.get("data-share"):
            x, y, width, height = map(float, group.get("data-share").split())
            rooms[(group.get("data-tail"), group.get("data-head"))] = (x, y, x + width, y + height)
    return nodes, rooms


def _meet(a, b):
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


@needs_dot
@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("edges", [False, True])
def test_dot_keeps_room_for_every_share_clear_of_every_node(name, edges):
    inputs, code = _source(CELLS[name])
    mode = "forward" if "--mode forward" in CELLS[name] else "reverse"
    result = differentiate(code, inputs, step=True, mode=mode, edges=edges, trace=True)
    every = frames(result.trace, mode=mode)
    drawn = drawn_with_room(result.graph, every)
    width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', drawn)[1])
    assert width <= TOO_WIDE * 0.75  # points: a long row is drawn top to bottom instead
    svg, _, _ = prepare_svg(drawn)
    nodes, rooms = _boxes(svg)
    written = {(share["tail"], share["head"]) for frame in every for share in frame["shares"]}
    assert written and set(rooms) == written  # every edge that carries shares has its room
    for edge, room in rooms.items():
        assert not [node for node, box in nodes.items() if _meet(room, box)], edge
        assert not [other for other, box in rooms.items() if other != edge and _meet(room, box)]
    if edges:  # each edge's own label (its local partial) is still drawn beside its room
        texts = {(g.get("data-tail"), g.get("data-head")): [t.text for t in g.iter(_SVG + "text")]
                 for g in ET.fromstring(svg).iter(_SVG + "g") if g.get("data-share")}
        assert all(len(t) == 1 and t[0].startswith("∂") for t in texts.values()), texts


@pytest.fixture
def lab(tmp_path):
    sources = ["%load_ext admagic\nimport numpy as np", *CELLS.values()]
    with lab_with_notebook(tmp_path, "layout.ipynb", sources, "anywidget") as url:
        yield url, tmp_path


@pytest.mark.browser
@pytest.mark.slow
def test_share_labels_cover_no_node_and_no_other_share_at_any_frame(lab):
    from playwright.sync_api import sync_playwright

    url, tmp_path = lab
    overlaps, shares_seen = {}, {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1700, "height": 1000})
            page.goto(url)
            editor = page.locator(".jp-Cell .cm-content").first
            editor.wait_for(timeout=30_000)
            page.get_by_text("| Idle").wait_for(timeout=30_000)
            editor.click()
            for _ in range(len(CELLS) + 1):
                page.keyboard.press("Shift+Enter")
            widgets = page.locator(".admagic-stepper")
            widgets.nth(len(CELLS) - 1).wait_for(timeout=60_000)
            for i, name in enumerate(CELLS):
                widget = widgets.nth(i)
                widget.scroll_into_view_if_needed()
                widget.locator(".admagic-counter").filter(has_text="0 /").wait_for()
                next_button = widget.get_by_role("button", name="next ▶")
                frame, found, seen = 0, [], 0
                while True:
                    measured = widget.evaluate(_OVERLAPS)
                    found += [f"frame {frame}: {what}" for what in measured["found"]]
                    seen += measured["shares"]
                    _screenshot(widget, tmp_path / f"layout-{i}-{frame}.png")
                    if next_button.is_disabled():
                        break
                    next_button.click()
                    frame += 1
                overlaps[name], shares_seen[name] = found, seen
        finally:
            browser.close()
    print({name: (len(found), shares_seen[name]) for name, found in overlaps.items()})
    assert all(shares_seen.values()), shares_seen  # every sweep wrote shares somewhere
    for name, found in overlaps.items():
        print(name, found)
    assert overlaps == {name: [] for name in CELLS}


def _screenshot(widget, path):
    widget.screenshot(path=str(path))
    if os.environ.get("ADMAGIC_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["ADMAGIC_SCREENSHOTS"]) / path.name)
