"""The step-through of the reverse sweep (`admagic.stepper`): its data against independent truth,
its picture against the graph admagic draws, and its fallbacks where widgets can't run.

- The shares each step sends add up to every gradient, which central differences of the plain
  program and the closed form give; x, used twice in x × x and once in sin x, receives three.
- Frame 0 has every gradient blank but the output's seed; each later frame's bands hold the sums
  of the shares sent so far; the last frame's bands are exactly the drawing's.
- The widget's output carries the widget view, the static graph and table (text/html) and the
  text trace (text/plain); nbconvert's HTML of an executed notebook shows the static ones, and so
  does a terminal IPython.
"""

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from admagic import Tape, differentiate, render, stepper
from admagic.evaltrace import evaluation_trace
from admagic.graph import GRADIENT, draw
from admagic.traced import new_leaf

REPO = Path(__file__).resolve().parents[1]
X, Y = 2.0, 3.0

needs_layout = pytest.mark.skipif(render.renderer() is None,
                                  reason="no layout engine (apt install graphviz)")
needs_widgets = pytest.mark.skipif(not stepper.widget_available(),
                                   reason='anywidget is not installed (pip install "admagic[step]")')


def program(x, y):
    return x * x * y + math.sin(x)


def central(f, h=1e-6):
    return (f(h) - f(-h)) / (2 * h)


def record():
    with Tape() as tape:
        x, y = new_leaf(tape, X), new_leaf(tape, Y)
        u = x * x
        f = u * y + np.sin(x)
    return {"f": f}, {"x": x, "y": y}, {"u": u}


@pytest.fixture
def trace():
    outputs, inputs, names = record()
    return evaluation_trace(outputs, inputs, names=names)


@pytest.fixture
def drawn():
    """The graph's SVG, marked: (svg, bands, names), and the trace of the same recording."""
    if render.renderer() is None:
        pytest.skip("no layout engine (apt install graphviz)")
    outputs, inputs, names = record()
    svg = render.to_svg(draw(outputs, inputs, names=names))
    return stepper.prepare_svg(svg), evaluation_trace(outputs, inputs, names=names), svg


def _number(text):
    return float(text.rsplit("= ", 1)[1])


# ---- the steps: what each node sends --------------------------------------------------------------

def test_the_shares_add_up_to_the_gradients_that_finite_differences_give(trace):
    received = {}
    for step in trace.steps:
        for parent, amount in step.sent:
            received.setdefault(parent, []).append(amount)
    fd_x = central(lambda h: program(X + h, Y))
    fd_y = central(lambda h: program(X, Y + h))
    assert sum(received["x"]) == pytest.approx(fd_x, rel=1e-8)
    assert sum(received["y"]) == pytest.approx(fd_y, rel=1e-8)
    assert sum(received["x"]) == pytest.approx(2 * X * Y + math.cos(X), rel=1e-14)


def test_a_value_used_twice_receives_one_entry_per_use(trace):
    sin = next(row.drawn for row in trace.rows if row.definition.endswith(" = sin v₋₁"))
    shares = sorted((step.node, amount) for step in trace.steps for parent, amount in step.sent
                    if parent == "x")
    u = "u"
    # x × x sends ∂f/∂u · ∂u/∂x = y · x = 6 once per use of x; sin x sends 1 · cos x once.
    expected = sorted([(u, Y * X), (u, Y * X), (sin, math.cos(X))])
    assert [n for n, _ in shares] == [n for n, _ in expected]
    assert [a for _, a in shares] == pytest.approx([a for _, a in expected], rel=1e-15)


def test_the_sweep_visits_latest_first_and_each_step_has_the_adjoints_so_far(trace):
    numbers = [int(step.id[1:]) for step in trace.steps]
    assert numbers == sorted(numbers, reverse=True)
    final = {row.drawn: row.adjoint for row in trace.rows}
    assert trace.steps[-1].adjoints == pytest.approx(final)


def _drawn_names(source):
    """{graph id: the name its box is drawn under}, read off the DOT source: ``u`` for ``u = x × x``."""
    return {gid: title.split(" = ")[0]
            for gid, title in re.findall(r"\t(n\d+) \[label=<.*?<B>(.*?)</B>", source)}


@pytest.mark.parametrize("order", ["recorded", "levels"])
def test_the_steps_call_each_value_by_the_name_drawn_on_the_graph(order):
    """Named and unnamed intermediates (and a cell that took the name v1 for itself, so the graph
    numbers its unnamed values v2, v3, …, while the trace numbers every row): every step, and
    every share it sends, names its value as the graph's box does, and keeps the trace's row."""
    cell = "u = x * x\nv1 = u * y\nf = v1 + np.sin(x) * np.exp(y)"
    result = differentiate(cell, {"x": X, "y": Y}, trace=True)
    drawn = _drawn_names(result.graph.source)
    assert set(drawn.values()) >= {"x", "y", "u", "v1", "v2", "v3", "v4", "f"}
    with Tape() as tape:
        x, y = new_leaf(tape, X), new_leaf(tape, Y)
        u = x * x
        v1 = u * y
        f = v1 + np.sin(x) * np.exp(y)
    outputs, inputs, names = {"f": f}, {"x": x, "y": y}, {"u": u, "v1": v1}
    for trace, source in [(result.trace, result.graph.source),
                          (evaluation_trace(outputs, inputs, names=names, order=order),
                           draw(outputs, inputs, names=names).source)]:
        drawn = _drawn_names(source)
        rows = {row.id: row for row in trace.rows}
        assert [step.node for step in trace.steps] == [drawn[step.id] for step in trace.steps]
        assert [step.row for step in trace.steps] == [rows[step.id].name for step in trace.steps]
        for step in trace.steps:
            assert [name for name, _ in step.sent] == [drawn[gid] for gid in step.receivers]
        assert {row.drawn for row in trace.rows} == set(drawn.values())
    # The names differ where they should: the trace numbers all seven rows, the graph only the
    # operations the cell didn't name.
    assert [s.row for s in result.steps][:2] == ["v6", "v5"]
    assert [s.node for s in result.steps][:2] == ["f", "v4"]
    assert result.steps[-1].adjoints["x"] == pytest.approx(2 * X * Y + math.cos(X) * math.exp(Y))


# ---- the frames: what the widget shows ------------------------------------------------------------

def test_before_the_sweep_only_the_output_has_a_gradient(trace):
    first = stepper.frames(trace)[0]
    output = trace.rows[-1]
    assert first["current"] is None and first["shares"] == []
    assert first["bands"][output.id] == "∂f/∂f = 1"
    assert [t for gid, t in first["bands"].items() if gid != output.id and not t.endswith("= ?")] == []


def test_each_frame_shows_the_running_sums_of_the_shares_sent_so_far(trace):
    _check_running_sums(trace)


def test_a_value_reached_in_three_steps_shows_each_partial_sum():
    with Tape() as tape:
        x, y = new_leaf(tape, X), new_leaf(tape, Y)
        f = np.sin(x) + x * y + np.exp(x)
    trace = evaluation_trace({"f": f}, {"x": x, "y": y})
    x_id = trace.rows[0].id
    texts = [frame["bands"][x_id] for frame in stepper.frames(trace)]
    # exp x sends first (latest), then x·y, then sin x: e^x, e^x + y, e^x + y + cos x.
    sums = [math.exp(X), math.exp(X) + Y, math.exp(X) + Y + math.cos(X)]
    numbers = [_number(t) for t in dict.fromkeys(texts) if not t.endswith("= ?")]
    assert numbers == pytest.approx(sums, rel=1e-3)
    _check_running_sums(trace)


def _check_running_sums(trace):
    frames = stepper.frames(trace)
    total = {trace.rows[-1].id: 1.0}
    assert len(frames) == len(trace.steps) + 2
    for step, frame in zip(trace.steps, frames[1:]):
        for parent_id, (_, amount) in zip(step.receivers, step.sent):
            total[parent_id] = total.get(parent_id, 0.0) + amount
        assert frame["current"] == step.id
        for gid, text in frame["bands"].items():
            if gid in total:
                assert _number(text) == pytest.approx(total[gid], abs=5e-4 * max(1, abs(total[gid])))
            else:
                assert text.endswith("= ?")


def test_each_share_is_written_on_its_edge_as_gradient_times_partial(trace):
    frames = stepper.frames(trace)
    x, u = trace.rows[0], next(row for row in trace.rows if row.label == "u")
    frame = next(f for f in frames if f["current"] == u.id)
    # ∂f/∂u = y = 3 times ∂u/∂x = x = 2, once per use of x in x × x, both on the one edge x → u.
    assert frame["shares"] == [{"tail": x.id, "head": u.id, "lines": ["3 × 2 = 6", "3 × 2 = 6"]}]
    assert frame["receiving"] == [x.id]
    assert any("-0.4161 + 6 = 5.584" in line for line in frame["caption"])


def test_the_last_frame_is_the_graph_as_drawn(drawn):
    (svg, bands, names), trace, _ = drawn
    last = stepper.frames(trace, bands, names)[-1]
    assert last["bands"] == bands
    assert _number(bands[trace.rows[0].id]) == pytest.approx(2 * X * Y + math.cos(X), abs=5e-3)
    assert names[trace.rows[0].id] == "x" and "u" in names.values()


def test_array_values_step_through_with_their_shares_as_arrays():
    with Tape() as tape:
        w = new_leaf(tape, np.array([1.0, -2.0]))
        loss = np.sum(w * w)
    trace = evaluation_trace({"loss": loss}, {"w": w})
    frames = stepper.frames(trace)
    lines = [line for f in frames for s in f["shares"] for line in s["lines"]]
    assert lines.count("sends array(2,) [1, 1]") == 1  # Σ sends 1 per element to w·w
    assert lines.count("sends array(2,) [1, -2]") == 2  # w·w sends 1·w to w, once per use
    assert frames[-1]["bands"][trace.rows[0].id] == "∂loss/∂w = array(2,) [2, -4]"  # 2w


def test_the_tangent_sweep_steps_forward_to_the_derivatives_finite_differences_give(trace):
    frames = stepper.frames(trace, mode="forward")
    ops = [row for row in trace.rows if not row.is_input]
    assert [f["current"] for f in frames[1:-1]] == [row.id for row in ops]  # in recorded order
    assert frames[0]["bands"][trace.rows[0].id] == "∂x/∂x = 1"
    assert frames[0]["bands"][trace.rows[1].id] == "∂y/∂x = 0"
    assert all(frames[0]["bands"][row.id].endswith("= ?") for row in ops)
    # Each intermediate value as a function of x alone, differentiated by central differences.
    as_functions = {"u": lambda x: x * x, "f": lambda x: program(x, Y)}
    by_definition = {row.id: row.definition for row in ops}
    for row in ops:
        if row.label in as_functions:
            g = as_functions[row.label]
        elif "sin" in by_definition[row.id]:
            g = math.sin
        else:  # u × y
            g = lambda x: x * x * Y  # noqa: E731
        expected = central(lambda h: g(X + h))
        assert _number(frames[-1]["bands"][row.id]) == pytest.approx(expected, rel=1e-3)
    # Each step's band is the sum of what its in-edges brought.
    for frame, row in zip(frames[1:-1], ops):
        amounts = [float(line.rsplit("= ", 1)[1].strip("()")) for s in frame["shares"]
                   for line in s["lines"]]
        assert sum(amounts) == pytest.approx(row.tangent, abs=1e-3)
    assert frames[-1]["bands"][trace.rows[-1].id] == f"∂f/∂x = {2 * X * Y + math.cos(X):.4g}"


def test_an_unknown_mode_is_refused_with_the_modes_there_are(trace):
    with pytest.raises(ValueError, match="'reverse' or 'forward'"):
        stepper.frames(trace, mode="sideways")


# ---- the picture ----------------------------------------------------------------------------------

def test_every_drawn_node_and_edge_is_marked_with_the_ids_the_trace_uses(drawn):
    (svg, bands, _), trace, original = drawn
    ids = {row.id for row in trace.rows}
    marked = set(re.findall(r'data-node="(n\d+)"', svg))
    assert marked == ids
    assert set(bands) == ids
    edges = re.findall(r'data-tail="(n\d+)" data-head="(n\d+)"|data-head="(n\d+)" data-tail="(n\d+)"', svg)
    pairs = {(a or d, b or c) for a, b, c, d in edges}
    assert pairs == {(p.id, r.id) for r in trace.rows for p in map(trace.row, [q.wrt for q in r.partials])}
    assert svg.count('class="admagic-band"') == len(ids)
    # Each band's text is centred on its orange box, so a shorter or longer text stays inside.
    import xml.etree.ElementTree as ET
    ns = {"svg": "http://www.w3.org/2000/svg"}
    for group in ET.fromstring(svg).iterfind(".//svg:g[@data-node]", ns):
        box = next(p for p in group.iterfind(".//svg:polygon", ns) if p.get("fill") == GRADIENT)
        xs = [float(point.split(",")[0]) for point in box.get("points").split()]
        text = group.find(".//svg:text[@class='admagic-band']", ns)
        assert text.get("text-anchor") == "middle"
        assert float(text.get("x")) == pytest.approx((min(xs) + max(xs)) / 2, abs=0.01)
    # Only attributes were added: the text of the picture is unchanged.
    assert re.findall(r">([^<>]+)</text>", svg) == re.findall(r">([^<>]+)</text>", original)


def test_a_summarised_graph_steps_the_nodes_it_draws():
    if render.renderer() is None:
        pytest.skip("no layout engine")
    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        y = x
        for _ in range(30):
            y = np.sin(y)
    svg = render.to_svg(draw({"y": y}, {"x": x}, max_nodes=8))
    marked, bands, names = stepper.prepare_svg(svg)
    trace = evaluation_trace({"y": y}, {"x": x})
    frames = stepper.frames(trace, bands, names)
    assert len(frames) == 32
    for gid, text in bands.items():
        assert frames[-1]["bands"][gid] == text


# ---- the widget and its fallbacks -----------------------------------------------------------------

@needs_widgets
def test_the_output_carries_the_widget_and_static_fallbacks(drawn):
    _, trace, svg = drawn
    widget = stepper.stepper(trace, svg, show_trace=True)
    data, _ = widget._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
    assert "<svg" in data["text/html"] and "Evaluation trace" in data["text/html"]
    assert data["text/plain"] == str(trace)
    assert len(widget.frames) == len(trace.steps) + 2
    assert widget.table.count("data-row='n") == len(trace.rows)


@needs_widgets
def test_a_result_with_a_trace_gives_its_own_picture_and_views(drawn):
    _, trace, svg = drawn

    class Result:  # what GradResult offers once --step is wired: trace, render, its views
        def __init__(self):
            self.trace = trace

        def render(self):
            return svg

        def _repr_html_(self):
            return "<table>the derivative table</table>" + svg

        def __str__(self):
            return "the derivative table"

    widget = stepper.stepper(Result())
    data, _ = widget._repr_mimebundle_()
    assert data["text/plain"] == "the derivative table"
    assert data["text/html"].startswith("<table>the derivative table</table>")
    assert "data-node=" in widget.svg


def test_without_anywidget_the_message_says_what_to_install(trace, monkeypatch):
    monkeypatch.setitem(sys.modules, "anywidget", None)
    monkeypatch.setattr(stepper, "_WIDGET", None)
    assert not stepper.widget_available()
    with pytest.raises(ImportError, match=r'pip install "admagic\[step\]"'):
        stepper.stepper(trace, None)


CELL = """\
import numpy as np
from admagic import Tape
from admagic.traced import new_leaf
from admagic.stepper import step_through
with Tape() as tape:
    x, y = new_leaf(tape, 2.0), new_leaf(tape, 3.0)
    u = x * x
    f = u * y + np.sin(x)
step_through({"f": f}, {"x": x, "y": y}, names={"u": u})
"""


@needs_widgets
@needs_layout
@pytest.mark.notebook
def test_nbconvert_html_shows_the_static_graph_and_table(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbconvert = pytest.importorskip("nbconvert")
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(CELL))
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            store_widget_state=False,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    output = notebook.cells[0].outputs[0]
    assert "application/vnd.jupyter.widget-view+json" in output["data"]
    page, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    assert "∂f/∂x = 11.58" in page and "Evaluation trace" in page and "<svg" in page
    assert "admagic-stepper" not in page  # the widget itself needs a live frontend


@needs_widgets
def test_terminal_ipython_shows_the_text_trace(tmp_path):
    run = subprocess.run([sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor",
                          "--simple-prompt"], input=CELL + "\nexit\n", capture_output=True,
                         text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert "Evaluation trace: 6 rows" in run.stdout and "v̄₋₁ += " in run.stdout
    assert "Stepper(" not in run.stdout and "Traceback" not in run.stdout + run.stderr


@needs_widgets
@pytest.mark.parametrize("ipywidgets_7", [False, True], ids=["ipywidgets 8", "ipywidgets 7 (Colab)"])
def test_display_sends_the_fallbacks_with_ipywidgets_7_and_8(drawn, monkeypatch, ipywidgets_7):
    # ipywidgets 7 displays a widget through Widget._ipython_display_, which IPython prefers to
    # _repr_mimebundle_ and which sends only text/plain and the view: the widget must override it.
    import ipywidgets
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    _, trace, svg = drawn
    if ipywidgets_7 and not hasattr(ipywidgets.Widget, "_ipython_display_"):
        monkeypatch.setattr(ipywidgets.Widget, "_ipython_display_",
                            lambda self, **kwargs: display({"text/plain": "no fallback"}, raw=True),
                            raising=False)
    monkeypatch.setattr(stepper, "_WIDGET", None)
    InteractiveShell.instance()
    widget = stepper.stepper(trace, svg)
    with capture_output() as captured:
        display(widget)
    (output,) = captured.outputs
    assert "application/vnd.jupyter.widget-view+json" in output.data
    assert "∂f/∂x = 11.58" in output.data["text/html"]
    assert output.data["text/plain"] == str(trace)


@needs_widgets
def test_the_forward_widget_steps_tangents_and_says_so_in_the_legend(drawn):
    _, trace, svg = drawn
    widget = stepper.stepper(trace, svg, mode="forward")
    assert "∂(node)/∂x: tangents, forward mode seeded by x" in widget.svg and "gradients of f" not in widget.svg
    shown = {}
    for frame in widget.frames:  # as the browser does: each frame's bands are what changed
        shown |= frame["bands"]
    assert shown[trace.rows[-1].id] == "∂f/∂x = 11.58"
    _, bands, names = stepper.prepare_svg(svg)
    assert shown == stepper.frames(trace, bands, names, mode="forward")[-1]["bands"]
    assert widget.frames[1]["current"] == next(r.id for r in trace.rows if not r.is_input)


@needs_widgets
def test_a_sweep_too_long_to_watch_is_refused_saying_what_to_do():
    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        y = x
        for _ in range(stepper.MAX_STEPS + 1):
            y = y * 1.0
    trace = evaluation_trace({"y": y}, {"x": x})
    with pytest.raises(ValueError, match="step through a smaller case"):
        stepper.stepper(trace)
