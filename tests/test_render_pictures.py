"""The graph as a notebook draws it: text never smaller than `MIN_TEXT_PX`, and readable on a dark
theme as on a light one.

Sizes are worked out from the SVG itself, as a browser draws it: text `font-size` viewBox units
high, in an <img> shown `w` CSS pixels wide, is ``font-size × w / viewBox width`` px high.
(tests/test_screenshots.py measures the same in JupyterLab itself.)
"""

import base64
import html
import re
import shutil

import numpy as np
import pytest
from test_graph import _softmax_loss, node_with, parse

from admagic import render
from admagic.graph import draw
from admagic.render import MIN_TEXT_PX
from admagic.tape import Tape
from admagic.traced import new_leaf

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

JUPYTERLAB_DARK = "#111111"  # JupyterLab Dark's --jp-layout-color0, behind every output


def tiny_network():
    """Notebook 05's one training step: X (25 points) through 8 tanh units, mean squared error."""
    X = np.linspace(-2, 2, 25)
    Y = np.sin(1.5 * X) + 0.5 * X
    rng = np.random.default_rng(0)
    start = {"w1": rng.normal(size=8), "b1": rng.normal(size=8), "w2": 0.5 * rng.normal(size=8),
             "b2": 0.0}
    with Tape() as tape:
        p = {name: new_leaf(tape, value) for name, value in start.items()}
        hidden = np.tanh(X[:, None] * p["w1"] + p["b1"])
        pred = hidden @ p["w2"] + p["b2"]
        loss = np.mean((pred - Y) ** 2)
    return draw({"hidden": hidden, "pred": pred, "loss": loss}, p, names={"X": X, "Y": Y})


def chain_rule_graph():
    """Notebook 03's f = x·y + sin(x), every edge labelled with its local partial."""
    with Tape() as tape:
        x, y = new_leaf(tape, 2.0), new_leaf(tape, 3.0)
        f = x * y + np.sin(x)
    return draw({"f": f}, {"x": x, "y": y}, edges=True)


def long_loop():
    """A 2,000-step loop: summarised, with its "… more steps …" box and dashed copies of x."""
    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        y = x
        for _ in range(2000):
            y = np.sin(y) * x
    return draw({"y": y}, {"x": x}, title="a long loop")


def _shown(html):
    """(svg, width, min_width): the SVG in a graph's HTML and the widths its <img> may take, px."""
    src = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html).group(1)
    width = re.search(r'<img[^>]*\swidth="([\d.]+)"', html)
    min_width = re.search(r'<img[^>]*style="[^"]*min-width:([\d.]+)px', html)
    assert width and min_width, f"the <img> has no width and min-width: {html[-300:]}"
    return base64.b64decode(src).decode("utf-8"), float(width.group(1)), float(min_width.group(1))


def _smallest_text_px(svg, shown_width):
    view_width = float(re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+)', svg).group(1))
    return min(float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)) * shown_width / view_width


@pytest.mark.parametrize("make", [tiny_network, chain_rule_graph, long_loop])
def test_a_graph_is_never_shrunk_below_the_smallest_readable_text(make):
    svg, width, min_width = _shown(render.html(None, make().svg()))
    natural_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width == pytest.approx(natural_pt * 4 / 3, abs=1)  # 1 pt is 4/3 CSS px
    assert min_width <= width
    # Shrunk as far as it may be, its smallest text is still MIN_TEXT_PX high...
    assert _smallest_text_px(svg, min_width) >= MIN_TEXT_PX - 0.01
    # ...and no further than that: a narrower output scrolls instead.
    assert min_width == pytest.approx(width) or _smallest_text_px(svg, min_width) < MIN_TEXT_PX + 0.1
    assert "overflow-x:auto" in render.html(None, svg)


def test_the_tiny_network_shrinks_only_to_a_scroll_not_to_six_pixel_text():
    # In notebook 05, at a 1280 px window the output is 848 px wide: shown that wide, the old
    # drawing's smallest text was 5.5 px. Now the picture stops at its minimum width and scrolls.
    svg, width, min_width = _shown(render.html(None, tiny_network().svg()))
    output_area = 848
    shown = min(max(output_area, min_width), width)  # CSS: min-width wins over max-width:100%
    assert _smallest_text_px(svg, shown) >= MIN_TEXT_PX - 0.01


def _boxes(svg):
    """[(fill, x0, y0, x1, y1)] for every filled polygon Graphviz drew (labels' cells, nodes)."""
    boxes = []
    for fill, points in re.findall(r'<polygon fill="([^"]+)"[^>]*points="([^"]+)"', svg):
        xy = np.array([[float(v) for v in p.split(",")] for p in points.split()])
        boxes.append((fill, *xy.min(axis=0), *xy.max(axis=0)))
    return boxes


def _centre_x(svg, node_id):
    group = re.search(rf"<title>{node_id}</title>(.*?)</g>", svg, re.S).group(1)
    xs = [float(p.split(",")[0]) for p in re.search(r'points="([^"]+)"', group).group(1).split()]
    return (min(xs) + max(xs)) / 2


def test_the_operations_of_the_tiny_network_are_drawn_in_one_straight_column():
    # Each operation has one input beside it (b1, w2, b2, Y); the chain v1 → … → loss is the
    # spine a student reads down, so it should not drift right at every step.
    graph = tiny_network()
    nodes, _ = parse(graph)
    spine = [node_with(nodes, f"{name} = ") for name in
             ("v1", "v2", "hidden", "v3", "pred", "v4", "v5", "loss")]
    svg = graph.svg()
    centres = [_centre_x(svg, node) for node in spine]
    assert max(centres) - min(centres) < 2, centres  # points


def _luminance(colour):
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("make", [tiny_network, chain_rule_graph, long_loop])
def test_every_text_is_drawn_dark_on_its_own_light_box_so_it_reads_on_a_dark_theme(make):
    # The picture's background is transparent (it sits on the notebook's own colour), so no text
    # may rely on it: each is drawn inside a filled cell, in a colour that contrasts with that cell.
    svg = make().svg()
    boxes = [b for b in _boxes(svg) if b[0].startswith("#")]  # not "transparent" or "none"
    texts = re.findall(r'<text text-anchor="(\w+)" x="([-\d.]+)" y="([-\d.]+)"[^>]*'
                       r'font-size="([\d.]+)"(?: fill="([^"]+)")?>([^<]*)</text>', svg)
    assert len(texts) > 5
    for anchor, x, y, size, fill, words in texts:
        if not words.strip("\xa0 "):
            continue
        x, y, size = float(x), float(y), float(size)
        middle_y = y - size * 0.35
        around = [b for b in boxes if b[1] <= x <= b[3] and b[2] <= middle_y <= b[4]]
        assert around, f"{words!r} is drawn on the notebook's background, not on a box"
        cell = min(around, key=lambda b: (b[3] - b[1]) * (b[4] - b[2]))  # the innermost
        assert _contrast(fill or "#000000", cell[0]) >= 7, (words, fill, cell[0])


@pytest.mark.parametrize("make", [tiny_network, chain_rule_graph, long_loop])
def test_edges_and_arrowheads_read_on_white_and_on_jupyterlab_dark(make):
    svg = make().svg()
    edges = re.findall(r'<g id="edge\d+" class="edge">(.*?)</g>', svg, re.S)
    assert edges
    colours = {c for edge in edges for c in re.findall(r'stroke="(#[0-9a-fA-F]{6})"', edge)}
    assert colours
    for colour in colours:  # WCAG's 3:1 for graphics, on either theme
        assert _contrast(colour, "#ffffff") >= 3 and _contrast(colour, JUPYTERLAB_DARK) >= 3, colour


def _softmax_graph():
    """−log softmax, shifted by its max: ∂loss/∂m is round-off, drawn as 0 with a tooltip."""
    x, m, loss = _softmax_loss()
    return draw({"m": m, "loss": loss}, {"x": x})


def test_the_round_off_tooltip_shows_on_the_notebook_picture():
    # A notebook shows the graph as an <img>, which shows none of the SVG's own tooltips.
    page = render.html(None, _softmax_graph().svg())
    title = re.search(r'<img[^>]*\stitle="([^"]*)"', page)
    assert title, "the picture has no tooltip"
    assert re.search(r"∂loss/∂m = -?\d.*e-1\d as computed: round-off, shown as 0",
                     html.unescape(title.group(1)))
    assert " title=" not in render.html(None, chain_rule_graph().svg())  # nothing to say: none


def test_a_saved_svg_shows_no_graphviz_ids_on_hover(tmp_path):
    # Graphviz titles the picture "%3", each node "n4" and each edge "n0->n4": a browser shows
    # those on hover. The saved file keeps only admagic's own tooltips.
    graph = _softmax_graph()
    assert "<title>" in graph.svg()  # the stepper finds its nodes by them
    saved = (tmp_path / "graph.svg")
    graph.save(str(saved))
    svg = saved.read_text(encoding="utf-8")
    assert "<title>" not in svg
    assert "round-off, shown as 0" in html.unescape(" ".join(re.findall(r'xlink:title="([^"]*)"', svg)))
    assert svg.rstrip().endswith("</svg>") and "∂loss/∂x" in svg
