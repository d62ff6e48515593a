"""The evaluation trace (`admagic.evaltrace`) against the survey's published tables and against
independent truth.

- Baydin, Pearlmutter, Radul & Siskind, "Automatic differentiation in machine learning: a survey"
  (JMLR 18, 2018), tables 2 and 3: f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5). Every row's value,
  tangent (ẋ1 = 1) and adjoint against the paper's numbers, against closed forms, and against
  central differences of the program with a bump added at that row.
- Forward equals reverse (Σ tangent of the output = Σ adjoint of the input) for every case of
  `tests/test_rules.py`.
- The steps of the reverse sweep add up to the final adjoints; a value used twice gets two shares.
"""

import math
import unicodedata
import zlib

import numpy as np
import pytest

from admagic import Tape, grad
from admagic.evaltrace import evaluation_trace, wengert_name
from admagic.tracetable import MAX_ROWS
from admagic.traced import new_leaf
from html_table import TableReader
from test_rules import CASES

X1, X2 = 2.0, 5.0


def survey_program(x1, x2, bump=None, eps=0.0):
    """The survey's trace in plain Python, rows v₋₁ … v5; `eps` is added to row `bump` right after
    it is computed, so d(y)/d(eps) is that row's adjoint."""
    v = {}

    def row(index, value):
        v[index] = value + (eps if index == bump else 0.0)

    row(-1, x1)
    row(0, x2)
    row(1, math.log(v[-1]))
    row(2, v[-1] * v[0])
    row(3, math.sin(v[0]))
    row(4, v[1] + v[2])
    row(5, v[4] - v[3])
    return v


def central(f, h=1e-6):
    return (f(h) - f(-h)) / (2 * h)


def record_survey(one_line=False):
    with Tape() as tape:
        x1, x2 = new_leaf(tape, X1), new_leaf(tape, X2)
        if one_line:
            y = np.log(x1) + x1 * x2 - np.sin(x2)
        else:  # the survey's own order of operations
            v1 = np.log(x1)
            v2 = x1 * x2
            v3 = np.sin(x2)
            v4 = v1 + v2
            y = v4 - v3
    return {"y": y}, {"x1": x1, "x2": x2}


# The survey's tables 2 and 3, as printed (three decimals).
PUBLISHED_VALUES = {-1: 2, 0: 5, 1: 0.693, 2: 10, 3: -0.959, 4: 10.693, 5: 11.652}
PUBLISHED_TANGENTS = {-1: 1, 0: 0, 1: 0.5, 2: 5, 3: 0, 4: 5.5, 5: 5.5}
PUBLISHED_ADJOINTS = {-1: 5.5, 0: 1.716, 1: 1, 2: 1, 3: -1, 4: 1, 5: 1}
DEFINITIONS = ["v₋₁ = x1", "v₀ = x2", "v1 = ln v₋₁", "v2 = v₋₁ × v₀", "v3 = sin v₀",
               "v4 = v1 + v2", "v5 = v4 − v3"]


@pytest.fixture(params=["survey's order", "one line, order='levels'"])
def survey_trace(request):
    one_line = request.param.startswith("one line")
    outputs, inputs = record_survey(one_line)
    return evaluation_trace(outputs, inputs, order="levels" if one_line else "recorded")


def test_rows_are_numbered_and_defined_as_in_the_survey(survey_trace):
    rows = survey_trace.rows
    assert [r.index for r in rows] == list(range(-1, 6))
    assert [r.name for r in rows] == ["v₋₁", "v₀", "v1", "v2", "v3", "v4", "v5"]
    assert [r.definition for r in rows] == DEFINITIONS
    assert [r.label for r in rows][:2] == ["x1", "x2"] and rows[-1].label == "y"
    assert rows[-1].is_output and rows[0].is_input and not rows[2].is_input


def test_values_tangents_and_adjoints_match_the_published_tables(survey_trace):
    for row in survey_trace.rows:
        assert row.value == pytest.approx(PUBLISHED_VALUES[row.index], abs=5e-4), row.name
        assert row.tangent == pytest.approx(PUBLISHED_TANGENTS[row.index], abs=5e-4), row.name
        assert row.adjoint == pytest.approx(PUBLISHED_ADJOINTS[row.index], abs=5e-4), row.name


def test_values_tangents_and_adjoints_match_closed_forms_and_finite_differences(survey_trace):
    ln2, sin5, cos5 = math.log(2), math.sin(5), math.cos(5)
    closed_values = {-1: 2, 0: 5, 1: ln2, 2: 10, 3: sin5, 4: ln2 + 10, 5: ln2 + 10 - sin5}
    closed_tangents = {-1: 1, 0: 0, 1: 1 / X1, 2: X2, 3: 0, 4: 1 / X1 + X2, 5: 1 / X1 + X2}
    closed_adjoints = {-1: 1 / X1 + X2, 0: X1 - cos5, 1: 1, 2: 1, 3: -1, 4: 1, 5: 1}
    plain = survey_program(X1, X2)
    for row in survey_trace.rows:
        i = row.index
        tangent_fd = central(lambda h: survey_program(X1 + h, X2)[i])
        adjoint_fd = central(lambda h: survey_program(X1, X2, bump=i, eps=h)[5])
        assert row.value == pytest.approx(closed_values[i], rel=1e-14) == plain[i]
        assert row.tangent == pytest.approx(closed_tangents[i], rel=1e-14)
        assert row.tangent == pytest.approx(tangent_fd, rel=1e-7, abs=1e-9)
        assert row.adjoint == pytest.approx(closed_adjoints[i], rel=1e-14)
        assert row.adjoint == pytest.approx(adjoint_fd, rel=1e-7)


def test_tangents_seeded_by_the_second_input_are_the_other_column_of_the_jacobian(survey_trace):
    outputs, inputs = record_survey()
    trace = evaluation_trace(outputs, inputs, seed="x2")
    for row in trace.rows:
        fd = central(lambda h: survey_program(X1, X2 + h)[row.index])
        assert row.tangent == pytest.approx(fd, rel=1e-7, abs=1e-9), row.name
    assert trace.rows[-1].tangent == pytest.approx(X1 - math.cos(X2), rel=1e-14)


def test_a_value_used_twice_gets_its_adjoint_in_increments_in_sweep_order(survey_trace):
    """Table 3: v̄₀ = v̄3 · ∂v3/∂v₀ (= −cos 5), then v̄₀ += v̄2 · ∂v2/∂v₀ (= x1)."""
    x1_row, x2_row = survey_trace.rows[0], survey_trace.rows[1]
    assert [(c.sender, c.amount) for c in x2_row.contributions] == [
        ("v3", pytest.approx(-math.cos(X2), rel=1e-14)), ("v2", pytest.approx(X1))]
    assert [(c.sender, c.amount) for c in x1_row.contributions] == [
        ("v2", pytest.approx(X2)), ("v1", pytest.approx(1 / X1))]
    sin_share = x2_row.contributions[0]
    assert sin_share.sender_adjoint == -1.0 and sin_share.partial == pytest.approx(math.cos(X2))
    text = str(survey_trace)
    assert "v̄₀ = v̄3·∂v3/∂v₀ = (-1) × 0.2837 = -0.2837" in text
    assert "v̄₀ += v̄2·∂v2/∂v₀ = 1 × 2 = 2" in text
    assert "→ v̄₀ = 1.716" in text


def test_local_partials_are_listed_with_their_numbers(survey_trace):
    v2 = survey_trace.rows[3]
    assert [(p.wrt, p.value) for p in v2.partials] == [("v₋₁", X2), ("v₀", X1)]
    assert "∂v2/∂v₋₁ = 5; ∂v2/∂v₀ = 2" in str(survey_trace)


def test_the_steps_add_up_to_the_final_adjoints(survey_trace):
    steps = survey_trace.steps
    # Steps call values as the graph draws them (y, x1), and name their trace row too (v5).
    assert (steps[0].node, steps[0].row, steps[0].adjoint) == ("y", "v5", 1.0)
    totals = {"y": 1.0}
    for step in steps:
        for parent, amount in step.sent:
            totals[parent] = totals.get(parent, 0.0) + amount
        assert step.adjoints == pytest.approx(totals)
    final = {row.drawn: row.adjoint for row in survey_trace.rows}
    assert steps[-1].adjoints == pytest.approx(final)
    received = [parent for step in steps for parent, _ in step.sent]
    assert received.count("x2") == 2 and received.count("x1") == 2


def test_steps_against_finite_differences_on_a_loop_where_a_value_is_used_twice_per_step():
    def f(x, y):
        for _ in range(3):
            x = x * x * 0.5 + np.sin(y * x)
        return x

    with Tape() as tape:
        x, y = new_leaf(tape, 0.7), new_leaf(tape, 1.3)
        z = f(x, y)
    trace = evaluation_trace({"z": z}, {"x": x, "y": y})
    totals = {}
    for step in trace.steps:
        for parent, amount in step.sent:
            totals[parent] = totals.get(parent, 0.0) + amount
    fd_x = central(lambda h: f(0.7 + h, 1.3))
    fd_y = central(lambda h: f(0.7, 1.3 + h))
    assert totals["x"] == pytest.approx(fd_x, rel=1e-7)
    assert totals["y"] == pytest.approx(fd_y, rel=1e-7)
    # x · x: both arguments are the same value, so the sweep sends two shares to it.
    square = next(s for s in trace.steps if [p for p, _ in s.sent] == ["x", "x"])
    assert [a for _, a in square.sent] == pytest.approx([square.adjoint * 0.7] * 2)


@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_forward_equals_reverse_on_every_rule_case(request, primitive, call, inputs, argnum):
    """For s = Σ u·call(x): the tangent of s seeded by input i (all its elements moving together)
    is Σ_j ∂s/∂x_ij, the sum of the input's adjoint."""
    rng = np.random.default_rng(zlib.crc32(request.node.callspec.id.encode()))
    args = [domain(rng, shape) for domain, shape in inputs]
    u = rng.standard_normal(np.shape(call(*args)))
    with Tape() as tape:
        traced = list(args)
        leaves = {}
        for i in argnum:
            traced[i] = leaves[f"x{i}"] = new_leaf(tape, args[i])
        s = np.sum(u * call(*traced))
    for name in leaves:
        trace = evaluation_trace({"s": s}, leaves, seed=name)
        input_row = next(r for r in trace.rows if r.label == name)
        forward, reverse = trace.rows[-1].tangent, np.sum(input_row.adjoint)
        assert forward == pytest.approx(reverse, rel=1e-9, abs=1e-12), name


def test_interior_names_label_their_rows_and_constants_are_written_as_numbers():
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        hidden = x * 2.5
        out = hidden ** 2
    trace = evaluation_trace({"out": out}, {"x": x}, names={"hidden": hidden})
    assert [(r.label, r.definition) for r in trace.rows] == [
        ("x", "v₀ = x"), ("hidden", "v1 = v₀ × 2.5"), ("out", "v2 = v1 ** 2")]
    assert trace.rows[0].adjoint == pytest.approx(2 * 2.5 * 2.5 * 3.0)
    assert trace.rows[0].tangent == 1.0
    assert trace.rows[-1].tangent == pytest.approx(2 * 2.5 * 2.5 * 3.0)


def test_adjoints_are_those_of_the_chosen_output():
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        a = x * x
        b = np.sin(x)
    trace = evaluation_trace({"a": a, "b": b}, {"x": x}, gradient_of="a")
    assert trace.rows[0].adjoint == pytest.approx(6.0)
    assert trace.rows[2].adjoint == 0.0  # b is not on the way to a
    assert evaluation_trace({"a": a, "b": b}, {"x": x}).rows[0].adjoint == pytest.approx(math.cos(3))


def test_array_rows_show_their_values_and_gradient_shapes():
    w0 = np.array([1.0, -2.0, 0.5])
    with Tape() as tape:
        w = new_leaf(tape, w0)
        loss = np.sum(np.tanh(w) ** 2)
    trace = evaluation_trace({"loss": loss}, {"w": w})
    truth = 2 * np.tanh(w0) * (1 - np.tanh(w0) ** 2)
    np.testing.assert_allclose(trace.rows[0].adjoint, truth, rtol=1e-12)
    assert trace.rows[-1].tangent == pytest.approx(np.sum(truth))  # all of w moving together
    assert trace.rows[1].partials[0].value is None  # tanh of an array: its partial is a matrix
    assert "(matrix)" in str(trace)
    assert "adjoint v̄ = dloss/d(·)" in str(trace)
    with Tape() as tape:
        w = new_leaf(tape, w0)
        squares = w * w
    array_trace = evaluation_trace({"squares": squares}, {"w": w})
    assert "adjoints of Σsquares" in str(array_trace)
    np.testing.assert_allclose(array_trace.rows[0].adjoint, 2 * w0)


def test_long_traces_are_summarised_in_the_views_but_not_in_rows():
    with Tape() as tape:
        x = new_leaf(tape, 0.1)
        h = x
        for _ in range(100):
            h = np.sin(h) + x
    trace = evaluation_trace({"h": h}, {"x": x})
    assert len(trace.rows) == 201
    text = str(trace)
    assert f"… {201 - MAX_ROWS:,} more rows …" in text
    assert "v200 = v199 + v₀" in text and "v1 = sin v₀" in text and "v100 =" not in text
    table = TableReader()
    table.feed(trace._repr_html_())
    assert len(table.rows) == 1 + MAX_ROWS + 1  # headings, rows shown, the "… more …" line
    assert any("more rows" in cell for row in table.rows for cell in row)


def test_html_is_a_plain_table_with_the_text_views_cells():
    trace = evaluation_trace(*record_survey())
    page = trace._repr_html_()
    assert "<script" not in page.lower()
    table = TableReader()
    table.feed(page)
    assert table.rows[0][2:4] == ["definition", "value"]
    assert [row[2] for row in table.rows[1:]] == DEFINITIONS
    assert [row[3] for row in table.rows[1:]] == ["2", "5", "0.6931", "10", "-0.9589", "10.69",
                                                  "11.65"]


def test_text_view_aligns_its_columns():
    """Every row's cells start where their headings do, counted in terminal columns (the bar of
    v̄ and the dot of v̇ are combining marks, which take none)."""
    lines = str(evaluation_trace(*record_survey())).splitlines()[1:]
    heading = "".join(ch for ch in lines[0] if not unicodedata.combining(ch))
    starts = [heading.index(h) for h in ("definition", "value", "local partials", "tangent",
                                        "adjoint")]
    for line in lines[1:]:
        if line.startswith(" "):
            continue  # a cell's second line
        visible = "".join(ch for ch in line if not unicodedata.combining(ch))
        for start in starts:
            assert visible[start - 2:start] == "  ", (visible, start)
            if not line.startswith(("v₋₁", "v₀")):  # inputs have no local partials
                assert visible[start] != " ", (visible, start)


def test_tangent_column_writes_the_forward_chain_rule_and_adds_up():
    """Table 2: v̇2 = ∂v2/∂v₋₁·v̇₋₁ + ∂v2/∂v₀·v̇₀. The partials come from the reverse rules (run with
    g = 1), the tangents from the Taylor rules, so their agreement checks one table against the
    other, on a function using many primitives."""
    text = str(evaluation_trace(*record_survey()))
    assert "v̇2 = ∂v2/∂v₋₁·v̇₋₁ + ∂v2/∂v₀·v̇₀" in text and "= 5 × 1 + 2 × 0 = 5" in text
    with Tape() as tape:
        a, b = new_leaf(tape, 0.6), new_leaf(tape, 1.9)
        c = np.arctan2(a, b) * np.cosh(a) / np.sqrt(b) + np.hypot(a, b) ** 1.5
        out = np.logaddexp(c, a * b) - np.arcsinh(c) + np.maximum(a, b * 0.1)
    for seed in ("a", "b"):
        trace = evaluation_trace({"out": out}, {"a": a, "b": b}, seed=seed)
        tangent = {row.name: row.tangent for row in trace.rows}
        for row in trace.rows:
            if not row.is_input:
                total = sum(p.value * tangent[p.wrt] for p in row.partials)
                assert total == pytest.approx(row.tangent, rel=1e-12, abs=1e-15), row.definition


def test_a_trace_under_an_outer_tape_shows_plain_numbers():
    with Tape() as outer:
        x_outer = new_leaf(outer, 1.5)
        with Tape() as inner:
            x = new_leaf(inner, x_outer)
            y = x * np.exp(x)
        trace = evaluation_trace({"y": y}, {"x": x})
    assert trace.rows[0].value == 1.5 and type(trace.rows[-1].value) is float
    assert trace.rows[0].adjoint == pytest.approx(grad(lambda t: t * np.exp(t))(1.5))


@pytest.mark.parametrize("kwargs, message", [
    ({"seed": "z"}, "no input called 'z'"),
    ({"gradient_of": "q"}, "no output called 'q'"),
    ({"order": "random"}, "order must be"),
])
def test_bad_arguments_say_what_works(kwargs, message):
    with pytest.raises(ValueError, match=message):
        evaluation_trace(*record_survey(), **kwargs)


def test_no_output_depending_on_the_inputs_is_refused():
    with Tape() as tape:
        x = new_leaf(tape, 1.0)
    with pytest.raises(ValueError, match="No output depends on the inputs"):
        evaluation_trace({"c": 3.0}, {"x": x})


def test_wengert_names():
    assert [wengert_name(i) for i in (-12, -1, 0, 1, 10)] == ["v₋₁₂", "v₋₁", "v₀", "v1", "v10"]


def test_rows_as_plain_data():
    row = evaluation_trace(*record_survey()).rows[1].as_dict()
    assert row["name"] == "v₀" and row["label"] == "x2" and row["value"] == 5.0
    assert [sender for sender, _ in row["contributions"]] == ["v3", "v2"]
