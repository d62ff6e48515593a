"""The computation graph's DOT: its shape, the numbers on it, escaping, and summarising big traces.

The numbers are checked against closed forms worked out by hand (for z = (x²)² at 3:
dz/dx = 4x³ = 108), never against what the drawing printed before.
"""

import html
import math
import re
import shutil
import subprocess
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from admagic import render
from admagic.formatting import format_number, format_value
from admagic.graph import draw
from admagic.summary import HUB_USES, LONG_EDGES
from admagic.tape import Tape, backward
from admagic.traced import new_leaf, plain

# ---- reading DOT back ----------------------------------------------------------------------------

_NODE = re.compile(r"^\t(\w+) \[label=<(.*)>(?: tooltip=\"(.*)\")?\]$")
_EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$")


def _text(label):
    """The visible text of an HTML-like label: tags dropped, entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", label)).split())


def parse(graph):
    """({node id: visible text}, [(tail, head, visible edge label)]) from a Digraph's body."""
    nodes, edges = {}, []
    for line in graph.body:
        if m := _EDGE.match(line):
            label = re.search(r"label=<(.*)>", m.group(3) or "")
            edges.append((m.group(1), m.group(2), _text(label.group(1)) if label else ""))
        elif m := _NODE.match(line):
            nodes[m.group(1)] = _text(m.group(2))
    return nodes, edges


def node_with(nodes, start):
    """The one node whose text starts with `start`."""
    found = [key for key, text in nodes.items() if text.startswith(start)]
    assert len(found) == 1, (start, nodes)
    return found[0]


def legend(graph):
    line = next(line for line in graph.body if line.startswith("\tlabel="))
    return _text(line[len("\tlabel=<"):-1])


def square_of_square(x0=3.0):
    with Tape() as tape:
        x = new_leaf(tape, x0)
        y = x * x
        z = y * y
    return x, y, z


# ---- structure and numbers -----------------------------------------------------------------------


def test_chain_has_one_node_per_value_and_one_edge_per_dependency():
    x, y, z = square_of_square()
    nodes, edges = parse(draw({"y": y, "z": z}, {"x": x}))
    assert len(nodes) == 3  # x, y, z: x*x uses x twice but is one operation
    assert len(edges) == 2
    ids = {name: node_with(nodes, f"{name} =") for name in "xyz"}
    assert {(t, h) for t, h, _ in edges} == {(ids["x"], ids["y"]), (ids["y"], ids["z"])}


def test_nodes_show_values_and_gradients_of_the_last_output_by_default():
    x0 = 3.0
    x, y, z = square_of_square(x0)
    graph = draw({"y": y, "z": z}, {"x": x})
    nodes, _ = parse(graph)
    assert nodes[node_with(nodes, "x =")] == f"x = 3 ∂z/∂x = {4 * x0**3:g}"  # 108
    assert nodes[node_with(nodes, "y =")] == f"y = x × x = {x0**2:g} ∂z/∂y = {2 * x0**2:g}"
    assert nodes[node_with(nodes, "z =")] == f"z = y × y = {x0**4:g} ∂z/∂z = 1"
    assert "gradients of z" in legend(graph)


def test_gradient_of_picks_the_output_and_the_picture_says_so():
    x, y, z = square_of_square(3.0)
    graph = draw({"y": y, "z": z}, {"x": x}, gradient_of="y")
    nodes, _ = parse(graph)
    assert nodes[node_with(nodes, "x =")].endswith(f"∂y/∂x = {2 * 3.0:g}")  # 6
    assert nodes[node_with(nodes, "z =")].endswith("∂y/∂z = 0")  # z comes after y
    assert "gradients of y" in legend(graph)


def test_unknown_or_constant_gradient_of_says_what_to_choose():
    x, y, z = square_of_square()
    with pytest.raises(ValueError, match="no output called 'w'.*y, z"):
        draw({"y": y, "z": z}, {"x": x}, gradient_of="w")
    with pytest.raises(ValueError, match="'n' does not depend on the inputs"):
        draw({"y": y, "n": 7}, {"x": x}, gradient_of="n")


def _number_after_equals(text):
    return float(text.rsplit(" = ", 1)[1])


def test_edge_labels_are_local_partials_whose_products_summed_over_paths_are_the_gradient():
    """The chain rule, read off the picture: multiply the drawn partials along each path from x to
    z, add the paths, and get the gradient drawn on x, which is dz/dx = x cos x + sin x."""
    x0 = 0.7
    with Tape() as tape:
        x = new_leaf(tape, x0)
        y = np.sin(x)
        z = y * x  # two paths from x to z: through y, and straight in
    graph = draw({"y": y, "z": z}, {"x": x}, edges=True)
    nodes, edges = parse(graph)
    ids = {name: node_with(nodes, f"{name} =") for name in "xyz"}
    assert len(edges) == 3 and all(label for _, _, label in edges)
    partial = {(tail, head): _number_after_equals(label) for tail, head, label in edges}
    along = {ids["z"]: 1.0}  # ∂z/∂node, summed over the drawn paths, from z backwards
    for node in sorted(nodes, key=lambda key: -int(key[1:])):
        along.setdefault(node, 0.0)
        for (tail, head), p in partial.items():
            if head == node:
                along[tail] = along.get(tail, 0.0) + p * along[node]
    exact = x0 * math.cos(x0) + math.sin(x0)
    h = 1e-6
    slope = ((x0 + h) * math.sin(x0 + h) - (x0 - h) * math.sin(x0 - h)) / (2 * h)
    drawn = _number_after_equals(nodes[ids["x"]])  # "x = 0.7 ∂z/∂x = 1.095"
    assert along[ids["x"]] == pytest.approx(exact, rel=2e-3)  # labels carry 4 digits
    assert drawn == pytest.approx(exact, rel=5e-4) and slope == pytest.approx(exact, rel=1e-8)


def test_edge_labels_match_finite_differences_for_each_primitive():
    h = 1e-6
    cases = [(np.sin, 0.7), (np.exp, 0.3), (np.tanh, -0.4), (lambda v: v / 3.0, 2.0),
             (lambda v: 2.0 ** v, 1.5), (lambda v: v ** 3, 1.2)]
    for f, x0 in cases:
        with Tape() as tape:
            x = new_leaf(tape, x0)
            y = f(x)
        _, edges = parse(draw({"y": y}, {"x": x}, edges=True))
        (text,) = [label for _, _, label in edges]
        shown = float(text.split(" = ")[1])
        slope = (f(x0 + h) - f(x0 - h)) / (2 * h)
        assert shown == pytest.approx(slope, rel=1e-3), text


def test_no_edge_label_where_the_partial_is_not_a_number():
    with Tape() as tape:
        w = new_leaf(tape, np.array([1.0, 2.0, 3.0]))
        loss = np.mean(w ** 2)
    _, edges = parse(draw({"loss": loss}, {"w": w}, edges=True))
    assert len(edges) == 2 and all(label == "" for _, _, label in edges)


def test_shared_subexpression_is_drawn_once():
    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        s = np.sin(x)
        z = s * s + s
    nodes, edges = parse(draw({"z": z}, {"x": x}))
    assert sum("sin(x)" in text for text in nodes.values()) == 1
    sin_id = node_with(nodes, "v1 = sin(x)")
    assert sum(tail == sin_id for tail, _, _ in edges) == 2  # into s*s, and into + s
    dz_ds = 2 * math.sin(0.5) + 1
    assert nodes[sin_id].endswith(f"∂z/∂v1 = {format_number(dz_ds)}")


def test_constants_are_folded_or_drawn_as_quiet_nodes():
    with Tape() as tape:
        w = new_leaf(tape, np.array([1.0, 2.0, 3.0]))
        y = 2.0 * np.sum(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]) @ w) - 1
    nodes, edges = parse(draw({"y": y}, {"w": w}))
    assert any(text.startswith("c1 = array(2, 3) [1, 0, 1, …, 0]") for text in nodes.values())
    assert any(text.startswith("v1 = c1 @ w = array(2,) [4, 2]") for text in nodes.values())
    assert any(text.startswith("v3 = 2 × v2") for text in nodes.values())
    assert any(text.startswith("y = v3 − 1 = 11") for text in nodes.values())
    assert len(nodes) == 6 and len(edges) == 5  # w, c1, @, Σ, ×, −


def test_plain_outputs_are_skipped_and_unused_inputs_show_zero():
    with Tape() as tape:
        x = new_leaf(tape, 2.0)
        u = new_leaf(tape, 5.0)
        y = x * 3.0
    nodes, _ = parse(draw({"n": 10, "y": y}, {"x": x, "u": u}))
    assert len(nodes) == 3
    assert nodes[node_with(nodes, "u =")] == "u = 5 ∂y/∂u = 0"
    assert nodes[node_with(nodes, "x =")] == "x = 2 ∂y/∂x = 3"


def test_nothing_traced_draws_the_inputs_and_says_why_there_are_no_gradients():
    with Tape() as tape:
        x = new_leaf(tape, 2.0)
    graph = draw({"n": 10}, {"x": x})
    nodes, _ = parse(graph)
    assert list(nodes.values()) == ["x = 2"]
    assert "no output depends on the inputs" in legend(graph)


def test_nested_tapes_show_plain_numbers_and_the_backward_graph_differentiates_the_derivative():
    x0 = 2.0
    with Tape() as outer:
        x1 = new_leaf(outer, x0)
        with Tape() as inner:
            x = new_leaf(inner, x1)
            y = x * x
            z = y * y
        first = draw({"y": y, "z": z}, {"x": x})
        dz_dx = backward(z, 1.0)[x]
    nodes, _ = parse(first)
    assert nodes[node_with(nodes, "x =")] == f"x = 2 ∂z/∂x = {4 * x0**3:g}"  # 32
    assert "traced" not in first.source
    nodes, _ = parse(draw({"dz_dx": dz_dx}, {"x": x1}))
    assert nodes[node_with(nodes, "dz_dx =")].startswith(f"dz_dx = v5 + v6 = {4 * x0**3:g}")
    assert nodes[node_with(nodes, "x =")] == f"x = 2 ∂dz_dx/∂x = {12 * x0**2:g}"  # 48


A = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("index, written", [
    (np.s_[1:], "A[1:]"), (np.s_[:, 0], "A[:, 0]"), (np.s_[0, :], "A[0, :]"),
    (np.s_[::2], "A[::2]"), (np.s_[..., 1], "A[..., 1]"), (np.s_[1:3, ::-1], "A[1:3, ::-1]"),
    (np.s_[:2], "A[:2]"), (np.s_[-1], "A[-1]"), (np.s_[None, 0], "A[None, 0]"),
    (np.s_[[0, 2]], "A[[0, 2]]"), (np.s_[1, 2], "A[1, 2]"), (np.s_[:], "A[:]"),
])
def test_indexing_is_drawn_as_python_writes_it(index, written):
    """Issue 15.2: slices lost their colons (A[1:] was drawn A[1], A[:, 0] as A[, 0])."""
    with Tape() as tape:
        a = new_leaf(tape, A)
        y = a[index]
    nodes, _ = parse(draw({"y": y}, {"A": a}))
    assert nodes[node_with(nodes, "y =")].startswith(f"y = {written} = {format_value(A[index])}")


def test_power_is_drawn_as_python_writes_it():
    """Issue 15.3: x ** 2 was drawn x ^ 2, which is XOR in Python."""
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        y = x ** 2
        z = 2.0 ** y
    nodes, _ = parse(draw({"y": y, "z": z}, {"x": x}))
    assert nodes[node_with(nodes, "y =")].startswith("y = x ** 2 = 9")
    assert nodes[node_with(nodes, "z =")].startswith(f"z = 2 ** y = {format_number(2.0**9)}")


# ---- escaping ------------------------------------------------------------------------------------


NASTY = "a<b> & \"c\" 'd'"


def test_every_label_escapes_markup():
    with Tape() as tape:
        x = new_leaf(tape, np.array([1.0, 2.0]))
        y = np.einsum("ij,j->i", np.eye(2), x)  # '->' and quotes reach an operation's label
    graph = draw({NASTY: y}, {"x<1>": x}, title=NASTY, gradient_of=NASTY)
    for line in graph.body:
        for label in re.findall(r"label=<(.*)>", line):
            inside = re.sub(r"<[^<>]*>", "", label)  # what remains outside of tags is text
            assert "<" not in inside and ">" not in inside and '"' not in inside, line
            assert not re.search(r"&(?!(amp|lt|gt|quot|#x27|#160);)", inside), line
    nodes, _ = parse(graph)
    assert any(text.startswith(f"{NASTY} = einsum('ij,j->i', c1, x<1>)") for text in nodes.values())
    assert NASTY in legend(graph)
    if render.renderer() is not None:  # Graphviz itself accepts the labels
        texts = [html.unescape(t).rstrip("\u00a0")
                 for t in re.findall(r">([^<]*)</text>", render.to_svg(graph))]
        assert f"{NASTY} = einsum('ij,j->i', c1, x<1>)" in texts


# ---- big traces ----------------------------------------------------------------------------------


def loop(steps, x0=0.5):
    """y ← y·x + 1, `steps` times from y = x: x is a hub feeding every step."""
    with Tape() as tape:
        x = new_leaf(tape, x0)
        y = x
        for _ in range(steps):
            y = y * x + 1.0
    return x, y


@pytest.mark.parametrize("max_nodes", [150, 40, 5])
def test_a_20000_step_loop_is_summarised_under_the_cap(max_nodes):
    x, y = loop(20_000)
    graph = draw({"y": y}, {"x": x}, max_nodes=max_nodes)
    nodes, edges = parse(graph)
    assert len(nodes) <= max_nodes
    assert node_with(nodes, "x = 0.5") and node_with(nodes, "y = ")
    (more,) = [text for text in nodes.values() if text.startswith("…")]
    drawn = sum(text.startswith("v") for text in nodes.values())
    hidden = 40_000 - 1 - drawn  # y is the 40,000th operation
    if hidden % 2:
        assert more.startswith(f"… {hidden:,} more operations …")
    else:  # the loop's body, y * x then + 1, is two operations
        assert more.startswith(f"… {hidden // 2:,} more steps … {hidden:,} operations, 2 a step")
    assert "summarised" in legend(graph) and "of 40,001 values" in legend(graph)
    # y = x^20001 + (1 - x^20000)/(1 - x), so dy/dx at 0.5 is 1/(1 - x)² = 4 (the rest underflows)
    assert nodes[node_with(nodes, "x = 0.5")] == "x = 0.5 ∂y/∂x = 4"


def test_a_hub_input_is_drawn_again_for_each_use_beyond_a_few():
    x, y = loop(20)  # 41 values, 41 ranks: no summary without a limit on ranks
    nodes, edges = parse(draw({"y": y}, {"x": x}, max_ranks=None))
    x_id = node_with(nodes, "x =")
    assert sum(tail == x_id for tail, _, _ in edges) == HUB_USES
    copies = [key for key, text in nodes.items() if text == "x"]
    assert len(copies) == 20 - HUB_USES  # 20 multiplications by x, the first one x*x
    assert all(sum(tail == c for tail, _, _ in edges) == 1 for c in copies)


def _ranks(source):
    """{node id: rank} in the layout `dot` itself makes (its -Tplain output), ranks counted along
    the direction the graph runs."""
    plain_text = subprocess.run(["dot", "-Tplain"], input=source.encode("utf-8"), check=True,
                                capture_output=True, timeout=120).stdout.decode("utf-8")
    across = 1 if "rankdir=TB" in source else 0  # TB: ranks are rows (y), LR: columns (x)
    places = {f[1]: round(float(f[2 + across]), 2) for f in map(str.split, plain_text.splitlines())
              if f[0] == "node"}
    levels = sorted(set(places.values()))
    return {node: levels.index(place) for node, place in places.items()}


def test_many_long_edges_start_from_copies_and_the_layout_stays_fast():
    with Tape() as tape:  # every value of a 140-step chain feeds one np.stack at the end
        x = new_leaf(tape, 0.5)
        y, ys = x, []
        for _ in range(140):
            y = np.sin(y)
            ys.append(y)
        total = np.sum(np.stack(ys))
    graph = draw({"total": total}, {"x": x}, max_ranks=None)
    nodes, edges = parse(graph)
    stack = node_with(nodes, "v141 = stack(")
    into_stack = [tail for tail, head, _ in edges if head == stack]
    copies = {key for key, text in nodes.items() if re.fullmatch(r"v\d+", text)}  # a bare name
    from_copies = [tail for tail in into_stack if tail in copies]
    assert len(from_copies) > len(into_stack) / 2
    assert all(sum(tail == c for tail, _, _ in edges) == 1 for c in copies)  # one use each
    if shutil.which("dot") is None:
        return
    started = time.perf_counter()
    assert "<svg" in render.to_svg(graph)
    assert time.perf_counter() - started < 30  # with the edges drawn long, dot took over 120 s
    # In dot's own layout a copy sits next to its user, and what all the drawn edges cross adds
    # up to about LONG_EDGES ranks; from the originals, the copies' edges alone would cross
    # more than ten times that.
    rank = _ranks(graph.source)
    crossed = sum(max(0, abs(rank[head] - rank[tail]) - 1) for tail, head, _ in edges)
    assert all(abs(rank[stack] - rank[c]) == 1 for c in from_copies)
    assert crossed <= 1.25 * LONG_EDGES
    original = {c: node_with(nodes, f"{nodes[c]} =") for c in from_copies}
    instead = sum(abs(rank[stack] - rank[original[c]]) - 1 for c in from_copies)
    assert instead > 10 * LONG_EDGES


def test_max_nodes_below_three_is_refused():
    x, y, z = square_of_square()
    with pytest.raises(ValueError, match="max_nodes=2"):
        draw({"z": z}, {"x": x}, max_nodes=2)


# ---- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("x, text", [
    (6.000000000000001, "6"), (108.0, "108"), (2 / 3, "0.6667"), (-0.0, "0"), (12345.67, "12346"),
    (9999.7, "10000"), (1.5e-7, "1.5e-7"), (-2.5e9, "-2.5e9"), (float("inf"), "inf"),
    (7, "7"), (np.float32(0.1), "0.1"), (np.array(4.0), "4"), (True, "True"),
])
def test_format_number(x, text):
    assert format_number(x) == text


@given(st.floats(min_value=-1e300, max_value=1e300))  # 1.7975e308 reads back as inf
def test_format_number_reads_back_within_four_significant_digits(x):
    text = format_number(x)
    assert len(text) <= 11
    assert float(text) == pytest.approx(x, rel=5e-4, abs=0.0)


@pytest.mark.parametrize("v, text", [
    (np.array([1.0, 2.0, 3.0]), "array(3,) [1, 2, 3]"),
    (np.arange(5.0), "array(5,) [0, 1, 2, …, 4]"),
    (np.arange(6.0).reshape(2, 3) / 3, "array(2, 3) [0, 0.3333, 0.6667, …, 1.667]"),
    (np.zeros(0), "array(0,) []"),
    (2.5, "2.5"),
    ((1, 2), "(1, 2)"),
])
def test_format_value(v, text):
    assert format_value(v) == text


def test_format_value_shows_the_plain_value_of_a_traced_one():
    with Tape() as tape:
        w = new_leaf(tape, np.array([0.5, 1.5]))
        assert format_value(w * 2.0) == "array(2,) [1, 3]"
        assert plain(w).shape == (2,)


# ---- what a teacher projects: names, digits, round-off, long loops -------------------------------


def test_a_constant_from_the_namespace_is_drawn_under_its_name():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    y_true = np.array([1.0, 0.0])
    with Tape() as tape:
        w = new_leaf(tape, np.array([0.5, -1.0]))
        out = X @ w
        diff = out - y_true
        loss = np.sum(diff * diff) + np.sum(np.ones(2) * w)  # np.ones(2): an array with no name
    names = {"np": np, "_": X, "X": X, "y_true": y_true, "out": out, "diff": diff}
    nodes, _ = parse(draw({"loss": loss}, {"w": w}, names=names))
    texts = list(nodes.values())
    assert any(t.startswith("out = X @ w = array(2,) [-1.5, -2.5]") for t in texts)
    assert any(t.startswith("diff = out − y_true") for t in texts)
    assert "X = array(2, 2) [1, 2, 3, 4]" in texts  # "_" (IPython's last output) is not a name
    assert "y_true = array(2,) [1, 0]" in texts
    assert any(t.startswith("v3 = c1 × w") for t in texts)
    assert "c1 = array(2,) [1, 1]" in texts


def test_names_the_drawing_makes_up_never_repeat_the_users_own():
    with Tape() as tape:  # the user calls the shifted values v1; max(x), unnamed, is not v1 too
        x = new_leaf(tape, np.array([1.0, 2.0, 0.5]))
        v1 = x - np.max(x)
        loss = np.sum(np.exp(v1))
    nodes, _ = parse(draw({"v1": v1, "loss": loss}, {"x": x}))
    titles = [text.split(" = ")[0] for text in nodes.values()]
    assert len(titles) == len(set(titles)), titles
    (shift,) = [t for t in nodes.values() if t.startswith("v1 = x − ")]
    unnamed = shift.split(" − ")[1].split(" = ")[0]
    assert any(t.startswith(f"{unnamed} = max(x)") for t in nodes.values())


def test_inputs_and_constants_show_every_digit_typed():
    with Tape() as tape:
        x = new_leaf(tape, 1.0001)
        y = x * 1.00001
    nodes, _ = parse(draw({"y": y}, {"x": x}))
    assert nodes[node_with(nodes, "x =")].startswith("x = 1.0001 ")
    assert nodes[node_with(nodes, "y =")].startswith("y = x × 1.00001 = 1")


@pytest.mark.parametrize("x, text", [(1.0001, "1.0001"), (3.0, "3"), (1 / 3, "0.3333333333"),
                                     (2.5e9, "2.5e9"), (1e-20, "1e-20"), (-0.001, "-0.001"),
                                     (123456.5, "123456.5"), (7, "7"), (np.float32(0.1), "0.1"),
                                     (True, None), ("a", None)])
def test_typed_number_keeps_the_digits_that_tell_numbers_apart(x, text):
    from admagic.notation import typed_number
    assert typed_number(x) == text
    if text is not None:
        assert float(text) == pytest.approx(x, rel=1e-9)


def _softmax_loss():
    with Tape() as tape:
        x = new_leaf(tape, np.array([1.0, 2.0, 0.5]))
        m = np.max(x)
        e = np.exp(x - m)
        loss = -np.log(e[1] / np.sum(e))
    return x, m, loss


def test_round_off_is_drawn_as_zero_with_the_raw_number_as_a_tooltip():
    x, m, loss = _softmax_loss()
    raw = backward(loss, 1.0)[m]
    assert raw != 0 and abs(raw) < 1e-15  # the sum of terms that cancel: softmax ignores shifts
    graph = draw({"m": m, "loss": loss}, {"x": x})
    nodes, _ = parse(graph)
    m_id = node_with(nodes, "m = max(x)")
    assert nodes[m_id].endswith("∂loss/∂m = 0")
    (line,) = [line for line in graph.body if line.startswith(f"\t{m_id} [")]
    tooltip = html.unescape(re.search(r'tooltip="([^"]*)"', line).group(1))
    assert f"∂loss/∂m = {format_number(raw)} as computed" in tooltip
    # the gradient the input does have stays: d(-log softmax_1)/dx = softmax - onehot(1)
    p = np.exp([1.0, 2.0, 0.5]) / np.sum(np.exp([1.0, 2.0, 0.5]))
    assert nodes[node_with(nodes, "x =")].endswith(format_value(p - [0, 1, 0]))


def test_a_genuinely_small_gradient_is_not_taken_for_round_off():
    with Tape() as tape:
        x = new_leaf(tape, 2.0)
        y = 1e-20 * x + 1e-30 * x * x  # dy/dx = 1e-20 + 4e-30: no cancellation, just small
    graph = draw({"y": y}, {"x": x})
    nodes, _ = parse(graph)
    assert nodes[node_with(nodes, "x =")].endswith(f"∂y/∂x = {format_number(1e-20 + 4e-30)}")
    assert "tooltip" not in graph.source


def _svg_size_px(source):
    svg = subprocess.run(["dot", "-Tsvg"], input=source.encode("utf-8"), check=True,
                         capture_output=True, timeout=120).stdout.decode("utf-8")
    width, height = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return float(width) * 96 / 72, float(height) * 96 / 72  # points to pixels at 96 dpi


def test_a_long_loop_draws_its_first_and_last_steps_and_fits_a_screen():
    x, y = loop(10_000)
    graph = draw({"y": y}, {"x": x})
    nodes, edges = parse(graph)
    (more,) = [text for text in nodes.values() if text.startswith("…")]
    drawn = sum(bool(re.match(r"v\d+ = ", text)) for text in nodes.values())
    hidden = 20_000 - 1 - drawn
    assert more.startswith(f"… {hidden // 2:,} more steps …") and hidden % 2 == 0
    assert node_with(nodes, "v1 = x × x") and node_with(nodes, "v19999 = v19998 × x")
    assert 8 <= drawn <= 20  # a few steps at each end
    assert "dashed boxes (x): the same value again" in legend(graph)
    if shutil.which("dot") is None:
        return
    width, height = _svg_size_px(graph.source)
    assert height < 2000 and width < 1400  # it was 11,270 px tall, one column of 149 boxes


# ---- nothing clipped: every label's text inside its box, as a browser draws it --------------------


def _text_width(text, size, bold):
    """How wide a browser draws `text`: measured with FreeType, unhinted (as Chromium lays text
    out: within 0.1% of its own measure), in the font Graphviz itself chose for the labels."""
    ft2font = pytest.importorskip("matplotlib.ft2font")
    style = "Helvetica:bold" if bold else "Helvetica"
    found = subprocess.run(["fc-match", "--format=%{file}", style], capture_output=True, text=True)
    if found.returncode != 0 or not found.stdout:
        pytest.skip("fontconfig's fc-match is needed to find the font Graphviz measures with")
    font = ft2font.FT2Font(found.stdout)
    font.set_size(size, 72)  # SVG user units are points here: size in pt, width in pt
    font.set_text(text, 0.0, flags=ft2font.LoadFlags.NO_HINTING)
    return font.get_width_height()[0] / 64


def _overflows(source):
    """Each text that a browser would draw beyond the box around it: (text, points over)."""
    import xml.etree.ElementTree as ET

    svg = subprocess.run(["dot", "-Tsvg"], input=source.encode("utf-8"), check=True,
                         capture_output=True, timeout=120).stdout.decode("utf-8")
    ns = {"s": "http://www.w3.org/2000/svg"}
    over = []
    for group in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") not in ("node", "graph", "edge"):
            continue
        boxes = []
        for polygon in group.findall(".//s:polygon", ns):
            xs, ys = zip(*(map(float, p.split(",")) for p in polygon.get("points").split()))
            boxes.append((min(xs), max(xs), min(ys), max(ys)))
        for text in group.findall(".//s:text", ns):
            content = (text.text or "").rstrip("\u00a0 ")
            if not content:
                continue
            width = _text_width(content, float(text.get("font-size")),
                                text.get("font-weight") == "bold")
            x, y = float(text.get("x")), float(text.get("y"))
            left = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor")]
            around = [b for b in boxes if b[0] <= x <= b[1] and b[2] <= y <= b[3]]
            if not around:
                continue
            box = min(around, key=lambda b: (b[1] - b[0]) * (b[3] - b[2]))
            excess = max(box[0] - left, left + width - box[1])
            if excess > 0.25:
                over.append((content, round(excess, 2)))
    return over


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_no_label_text_crosses_its_box_as_a_browser_draws_it():
    from admagic.cell import differentiate

    namespace = {"np": np, "X": np.linspace(-1, 1, 25).reshape(25, 1),
                 "y_true": np.sin(np.linspace(-1, 1, 25)).reshape(25, 1)}
    cells = [  # the backward pass's legend, "gradients of (dy/dx)", lost its ")"
        ("y = np.sin(x) * x", {"x": 1.5}, {"graph_kind": "backward"}),
        ("h = np.tanh(X @ w)\nloss = np.mean((h @ np.array([[0.5], [-1.2], [0.8]]) - y_true) ** 2)",
         {"w": np.array([[0.3, -0.7, 1.1]])}, {}),
        ("y = np.sin(x) * x", {"x": np.linspace(-1, 1, 5)}, {"edges": True}),
        ("y = np.exp(x) * x", {"x": 0.7}, {"edges": True}),
    ]
    for code, inputs, options in cells:
        res = differentiate(code, inputs, namespace=dict(namespace), **options)
        assert _overflows(res.graph.source) == [], code


def test_a_sum_that_cancels_to_round_off_is_drawn_as_zero():
    with Tape() as tape:  # 0.1x + 0.2x − 0.3x is 0 for every x; floating point leaves 5.6e-17
        x = new_leaf(tape, 1.0)
        y = x * 0.1 + x * 0.2 - x * 0.3
    assert plain(y) != 0
    graph = draw({"y": y}, {"x": x})
    nodes, _ = parse(graph)
    assert nodes[node_with(nodes, "y = ")] == "y = v3 − v4 = 0 ∂y/∂y = 1"
    assert nodes[node_with(nodes, "x = ")] == "x = 1 ∂y/∂x = 0"  # 0.1 + 0.2 − 0.3, as computed
    tooltips = " ".join(html.unescape(t) for t in re.findall(r'tooltip="([^"]*)"', graph.source))
    assert f"y = v3 − v4 = {format_number(plain(y))} as computed" in tooltips
