"""`admagic.cell.differentiate`: running a cell traced, finding its outputs, every derivative asked
for (checked against closed forms and finite differences), and a clean namespace afterwards."""

import collections
import contextlib
import gc
import linecache
import time
import traceback
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from admagic import tensor
from admagic.cell import GradUsageError, differentiate
from admagic.namespace import clean_namespace
from admagic.result import NotComputed
from admagic.derivative_table import too_costly
from admagic.taylor import MAX_ORDER as MAX_TAYLOR_ORDER
from admagic.tape import EAGER, current_tape
from admagic.testing import numerical_jacobian
from admagic.traced import Traced


def run(code, inputs, **options):
    options.setdefault("graph", False)
    return differentiate(code, inputs, **options)


def traced_inside(obj, seen=None):
    """Every Traced reachable from obj through containers and instance attributes."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if type(obj) is Traced:
        return [obj]
    children = []
    if isinstance(obj, dict):
        children = list(obj.keys()) + list(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    elif isinstance(obj, np.ndarray) and obj.dtype == object:
        children = list(obj.ravel())
    elif hasattr(obj, "__dict__") and not isinstance(obj, type) and type(obj).__module__ == "__main__":
        children = list(vars(obj).values())
    found = []
    for child in children:
        found += traced_inside(child, seen)
    return found


def assert_clean(namespace):
    leaks = {k: v for k, v in namespace.items() if k != "__builtins__" and traced_inside(v)}
    assert not leaks, f"traced values left in the namespace: {leaks}"


@contextlib.contextmanager
def session_as_before(namespace):
    """Whatever the block does: no traced value left in `namespace`, the garbage collector on, no
    tape recording, NumPy's error settings and callback as they were."""
    errors, callback = np.geterr(), np.geterrcall()
    try:
        yield
    finally:
        assert_clean(namespace)
        assert gc.isenabled()
        assert current_tape() is EAGER
        assert np.geterr() == errors and np.geterrcall() is callback


# ---- the classic lesson, against closed forms -----------------------------------------------------

def test_square_has_derivative_six_at_three():
    res = run("y = x * x", {"x": 3})
    assert res["dy/dx"] == 6.0
    assert res.values == {"x": 3.0, "y": 9.0}


def test_second_order_of_square_is_two():
    res = run("y = x * x", {"x": 3}, order=2)
    assert (res["dy/dx"], res["d2y/dx2"]) == (6.0, 2.0)


def test_chain_y_then_z_gives_6_108_108():
    res = run("y = x * x\nz = y * y", {"x": 3.0}, order=2)
    # z = x^4: z' = 4x^3 = 108, z'' = 12x^2 = 108
    assert res["dy/dx"] == 6.0 and res["dz/dx"] == 108.0 and res["d2z/dx2"] == 108.0
    assert res["d2y/dx2"] == 2.0


def test_third_order_of_sine_is_minus_cosine():
    x = 0.7
    res = run("s = np.sin(x)", {"x": x}, order=3)
    assert np.isclose(res["ds/dx"], np.cos(x))
    assert np.isclose(res["d2s/dx2"], -np.sin(x))
    assert np.isclose(res["d3s/dx3"], -np.cos(x))


def test_fourth_order_of_a_polynomial():
    res = run("p = 3 * x ** 5 - x ** 2", {"x": 2.0}, order=4)
    # p' = 15x^4 - 2x, p'' = 60x^3 - 2, p''' = 180x^2, p'''' = 360x
    assert res["dp/dx"] == pytest.approx(15 * 16 - 4)
    assert res["d2p/dx2"] == pytest.approx(60 * 8 - 2)
    assert res["d3p/dx3"] == pytest.approx(180 * 4)
    assert res["d4p/dx4"] == pytest.approx(720)


def test_integers_become_floats():
    res = run("y = x / 2", {"x": 3})
    assert res["dy/dx"] == 0.5 and res.values["y"] == 1.5
    assert isinstance(res.values["x"], float)


# ---- arrays ---------------------------------------------------------------------------------------

def test_sum_of_squares_has_gradient_2w():
    w = np.array([1.0, -2.0, 3.5])
    res = run("loss = np.sum(w ** 2)", {"w": w})
    np.testing.assert_allclose(res["dloss/dw"], 2 * w)


def test_scaling_has_jacobian_three_identity():
    w = np.array([1.0, 2.0, 3.0])
    res = run("v = w * 3", {"w": w})
    np.testing.assert_allclose(res.jacobian("v", "w"), 3 * np.eye(3))
    np.testing.assert_allclose(res["dv/dw"], [3.0, 3.0, 3.0])  # elementwise: its diagonal


def test_jacobian_shape_is_output_shape_then_input_shape():
    W = np.arange(6.0).reshape(2, 3)
    a = np.array([1.0, -1.0, 2.0])
    res = run("h = W @ a", {"W": W, "a": a})
    assert res["dh/dW"].shape == (2, 2, 3)
    np.testing.assert_allclose(res["dh/da"], W)
    expected = np.zeros((2, 2, 3))  # dh_i/dW_jk = [i == j] a_k
    for i in range(2):
        expected[i, i, :] = a
    np.testing.assert_allclose(res["dh/dW"], expected)


def test_hessian_of_sum_of_cubes_is_diagonal_6w():
    w = np.array([1.0, 2.0, -0.5])
    res = run("c = np.sum(w ** 3)", {"w": w}, order=2)
    np.testing.assert_allclose(res["d2c/dw2"], np.diag(6 * w))


def test_second_derivative_of_an_array_output_has_three_axes():
    w = np.array([1.0, 2.0])
    res = run("q = w ** 2", {"w": w}, order=2)
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0] = expected[1, 1, 1] = 2.0
    np.testing.assert_allclose(res.jacobian("q", "w", "w"), expected)
    np.testing.assert_allclose(res["d2q/dw2"], [2.0, 2.0])  # elementwise: its diagonal


# ---- several inputs: every mixed partial against finite differences -------------------------------

def _f(x, y):
    return np.sin(x * y) + x ** 2 * np.exp(y)


def test_mixed_partials_of_two_scalars_match_finite_differences():
    x, y = 0.8, -0.3
    res = run("f = np.sin(x * y) + x ** 2 * np.exp(y)", {"x": x, "y": y}, order=2)

    def gradient(v):
        return numerical_jacobian(lambda u: _f(u[0], u[1]), v, eps=1e-5)

    v = np.array([x, y])
    np.testing.assert_allclose([res["df/dx"], res["df/dy"]], gradient(v), rtol=1e-7)
    hessian = numerical_jacobian(gradient, v, eps=1e-4)
    np.testing.assert_allclose([[res["d2f/dx2"], res["d2f/dxdy"]],
                                [res["d2f/dydx"], res["d2f/dy2"]]], hessian, rtol=1e-5, atol=1e-6)


def test_third_order_mixed_partials_of_two_scalars():
    res = run("z = x ** 2 * y ** 3", {"x": 2.0, "y": 1.5}, order=3)
    x, y = 2.0, 1.5
    assert res["d2z/dxdy"] == pytest.approx(6 * x * y ** 2)
    assert res["d3z/dx2dy"] == pytest.approx(6 * y ** 2)
    assert res["d3z/dxdy2"] == pytest.approx(12 * x * y)
    assert res["d3z/dy3"] == pytest.approx(6 * x ** 2)
    assert res["d3z/dx3"] == 0.0
    assert res.d("z", "y", "x", "y") == pytest.approx(12 * x * y)


def test_mixed_partials_of_matrix_and_vector_match_finite_differences():
    rng = np.random.default_rng(1)
    W, a = 0.5 * rng.standard_normal((2, 3)), rng.standard_normal(3)
    res = run("loss = np.sum(np.tanh(W @ a))", {"W": W, "a": a}, order=2)

    def loss(v):
        return np.sum(np.tanh(v[:6].reshape(2, 3) @ v[6:]))

    def gradient(v):
        return numerical_jacobian(loss, v, eps=1e-5)

    v = np.concatenate([W.ravel(), a])
    hessian = numerical_jacobian(gradient, v, eps=1e-4)
    np.testing.assert_allclose(res["d2loss/dW2"].reshape(6, 6), hessian[:6, :6], atol=1e-6)
    np.testing.assert_allclose(res["d2loss/dWda"].reshape(6, 3), hessian[:6, 6:], atol=1e-6)
    np.testing.assert_allclose(res["d2loss/dadW"].reshape(3, 6), hessian[6:, :6], atol=1e-6)
    np.testing.assert_allclose(res["d2loss/da2"], hessian[6:, 6:], atol=1e-6)


# ---- which values are outputs ---------------------------------------------------------------------

def test_outputs_are_names_bound_that_depend_on_an_input_in_order():
    code = "b = x * 2\nn = 3\na = b + n\nlabel = 'hi'\nb2, c = a * 1, x\nfor i in range(2):\n    acc = x * i\n"
    res = run(code, {"x": 1.0})
    assert list(res.outputs) == ["b", "a", "b2", "c", "acc"]


def test_the_input_itself_is_not_an_output_and_comprehension_variables_are_not_bound():
    res = run("x2 = [x * k for k in range(3)]\ny = x2[2] + x", {"x": 1.0})
    assert list(res.outputs) == ["x2[0]", "x2[1]", "x2[2]", "y"]  # no x, no k
    assert res["dy/dx"] == 3.0


def test_unnamed_last_expression_is_an_output_named_by_its_source():
    res = run("y = x * x\nnp.sin(y)  + 1", {"x": 0.5})
    assert list(res.outputs) == ["y", "np.sin(y) + 1"]
    assert res["d(np.sin(y) + 1)/dx"] == pytest.approx(np.cos(0.25) * 2 * 0.5)


def test_named_last_expression_is_not_counted_twice():
    res = run("y = x * x\ny", {"x": 2.0})
    assert list(res.outputs) == ["y"]


def test_of_picks_outputs_in_its_order_and_a_constant_one_has_zero_derivative():
    res = run("y = x * x\nz = y * y\nc = 5.0", {"x": 2.0}, of=["z", "c"], order=2)
    assert list(res.outputs) == ["z", "c"]
    assert res["dz/dx"] == 32.0 and res["dc/dx"] == 0.0 and res["d2c/dx2"] == 0.0


def test_of_an_array_output_that_does_not_depend_gives_zeros_of_the_right_shape():
    res = run("k = np.ones(2)\ny = np.sum(w)", {"w": np.ones(3)}, of=["k"])
    np.testing.assert_array_equal(res["dk/dw"], np.zeros((2, 3)))


def test_of_a_name_the_cell_does_not_set_is_a_usage_error():
    with pytest.raises(GradUsageError, match="not set by the cell"):
        run("y = x * x", {"x": 1.0}, of=["q"])


def test_of_a_name_bound_only_on_some_paths_says_what_was_set():
    ns = {}
    with pytest.raises(GradUsageError, match="did not set q; it set: y"):
        run("y = x * x\nif False:\n    q = 1", {"x": 1.0}, of=["q"], namespace=ns)
    assert_clean(ns)


def test_no_output_gives_an_empty_result():
    res = run("n = 3", {"x": 1.0})
    assert res.outputs == {} and len(res) == 0


# ---- the size limit -------------------------------------------------------------------------------

def test_a_derivative_over_the_limit_is_not_computed_and_says_why():
    w = np.ones(50)
    res = run("v = w * np.sum(w)\nloss = np.sum(v)", {"w": w}, order=2,
              max_derivative_size=100)
    np.testing.assert_allclose(res["dloss/dw"], 100 * np.ones(50))  # d(Σw)²/dw = 2Σw: 50 numbers
    for key in ("dv/dw", "d2v/dw2", "d2loss/dw2"):  # 2,500, 125,000 and 2,500 numbers
        assert key not in res
        with pytest.raises(KeyError, match="max_derivative_size"):
            res[key]
    assert isinstance(res.derivatives[("v", ("w", "w"))], NotComputed)
    assert res.derivatives[("v", ("w", "w"))].size == 125_000
    assert res.derivatives[("v", ("w", "w"))].shape == (50, 50, 50)


# ---- namespace hygiene ----------------------------------------------------------------------------

def test_namespace_holds_plain_values_after_a_good_run():
    ns = {"np": np}
    run("y = x * x\nys = [y, (y, {'k': y})]\nd = {'a': [x]}\nt = (x, (x,))\ns = {y}", {"x": 3.0},
        namespace=ns)
    assert_clean(ns)
    assert ns["x"] == 3.0 and ns["y"] == 9.0 and ns["ys"] == [9.0, (9.0, {"k": 9.0})]
    assert ns["d"] == {"a": [3.0]} and ns["t"] == (3.0, (3.0,)) and ns["s"] == {9.0}


def test_shared_lists_stay_shared_and_namedtuples_keep_their_type():
    ns = {"np": np, "Point": collections.namedtuple("Point", "a b")}
    run("xs = [x]\nboth = (xs, xs)\np = Point(x, 2 * x)", {"x": 1.0}, namespace=ns)
    assert ns["both"][0] is ns["both"][1] is ns["xs"]
    assert type(ns["p"]) is ns["Point"] and ns["p"] == (1.0, 2.0)
    assert_clean(ns)


def test_attributes_of_objects_of_the_users_classes_are_cleaned():
    ns = {"np": np, "__name__": "__main__"}
    code = "class Box:\n    pass\nb = Box()\nb.value = x * 2\nb.inner = [x]\n"
    run(code, {"x": 1.5}, namespace=ns)
    assert ns["b"].value == 3.0 and ns["b"].inner == [1.5]
    assert_clean(ns)


def test_object_arrays_are_cleaned():
    ns = {"np": np}
    run("o = np.empty(2, dtype=object)\no[0] = x\no[1] = x * x", {"x": 2.0}, namespace=ns)
    assert list(ns["o"]) == [2.0, 4.0]
    assert_clean(ns)


def test_lists_that_existed_before_the_cell_are_cleaned_too():
    history = []
    ns = {"np": np, "history": history}
    run("history.append(x * x)", {"x": 2.0}, namespace=ns)
    assert history == [4.0] and type(history[0]) is not Traced


@pytest.mark.parametrize("code, error", [
    ("y = x * x\nraise ValueError('boom')", ValueError),
    ("y = x * x\nraise KeyboardInterrupt", KeyboardInterrupt),
    ("y = x * x\nq = 1 // 0", ZeroDivisionError),
    ("y = x * x\nq = int(y)", TypeError),
    ("y = x * x\nq = float(y)", TypeError),
    ("ys = [x, {'a': (x * 2,)}]\nundefined_name", NameError),
])
def test_namespace_is_clean_when_the_cell_fails(code, error):
    ns = {"np": np}
    with session_as_before(ns):
        with pytest.raises(error):
            run(code, {"x": 3.0}, namespace=ns)
    assert ns["x"] == 3.0
    if "y" in ns:
        assert ns["y"] == 9.0


def test_dividing_by_zero_gives_inf_and_a_clean_namespace():
    ns = {"np": np}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = run("y = x / 0.0 + 0 * x", {"x": 3.0}, namespace=ns)
    assert res.values["y"] == np.inf
    assert_clean(ns)


def test_eager_tensors_the_user_made_stay_differentiable():
    ns = {"np": np, "t": tensor(2.0, requires_grad=True)}
    run("y = x * x\ne = t * t", {"x": 3.0}, namespace=ns)
    assert type(ns["e"]) is Traced and ns["e"].tape is EAGER
    ns["e"].backward()
    assert ns["t"].grad == 4.0


def test_clean_namespace_on_deep_structures_and_cycles():
    from admagic.tape import Tape
    from admagic.traced import new_leaf

    with Tape() as tape:
        x = new_leaf(tape, 2.0)
        cyclic = [x]
        cyclic.append(cyclic)
        ns = {"c": cyclic, "d": {"self": None, "v": x * 3}}
        ns["d"]["self"] = ns["d"]
    clean_namespace(ns)
    assert ns["c"][0] == 2.0 and ns["c"][1] is ns["c"]
    assert ns["d"]["v"] == 6.0 and ns["d"]["self"] is ns["d"]
    assert_clean(ns)


# ---- errors point at the cell's own lines ---------------------------------------------------------

def test_a_failing_line_shows_in_the_traceback_with_its_source():
    with pytest.raises(TypeError) as info:
        run("y = x * x\n\nz = int(y)\n", {"x": 3.0})
    frame = [f for f in traceback.extract_tb(info.value.__traceback__)
             if f.filename.startswith("<grad-cell")][-1]
    assert frame.lineno == 3 and frame.line == "z = int(y)"


def test_first_line_shifts_line_numbers_for_tracebacks_and_syntax_errors():
    linecache.cache["<mine>"] = (0, None, ["%%grad x=1\n", "y = x *\n"], "<mine>")
    with pytest.raises(SyntaxError) as info:
        run("y = x *\n", {"x": 1.0}, filename="<mine>", first_line=2)
    assert info.value.lineno == 2


# ---- bad arguments --------------------------------------------------------------------------------

@pytest.mark.parametrize("inputs, options, message", [
    ({}, {}, "at least one input"),
    ({"x": "text"}, {}, "input x"),
    ({"x": 1 + 2j}, {}, "Complex"),
    ({"x": 1.0}, {"order": 0}, "order"),
    ({"x": 1.0}, {"graph_kind": "sideways"}, "graph_kind"),
])
def test_bad_arguments_raise_a_usage_error_and_run_nothing(inputs, options, message):
    ns = {}
    with pytest.raises(GradUsageError, match=message):
        run("ran = True", inputs, namespace=ns, **options)
    assert "ran" not in ns


# ---- checking against finite differences ----------------------------------------------------------

def test_check_is_the_central_difference_with_the_textbook_step():
    res = run("z = x ** 2 * y ** 3", {"x": 2.0, "y": 1.5}, check=True)
    x, y = 2.0, 1.5
    z = lambda x, y: x ** 2 * y ** 3  # noqa: E731
    hx, hy = np.cbrt(np.finfo(float).eps) * x, np.cbrt(np.finfo(float).eps) * max(1.0, y)
    by_hand_x = (z(x + hx, y) - z(x - hx, y)) / (2 * hx)
    by_hand_y = (z(x, y + hy) - z(x, y - hy)) / (2 * hy)
    assert res.checks[("z", "x")] == pytest.approx(by_hand_x, rel=1e-13, abs=0)
    assert res.checks[("z", "y")] == pytest.approx(by_hand_y, rel=1e-13, abs=0)
    # ... and so within its error bound (h² truncation, eps/h rounding) of the derivative
    assert res.checks[("z", "x")] == pytest.approx(2 * x * y ** 3, rel=1e-9)
    assert res.checks[("z", "y")] == pytest.approx(3 * x ** 2 * y ** 2, rel=1e-9)


def test_check_of_an_array_output_is_a_jacobian():
    w = np.array([1.0, 2.0])
    res = run("v = w ** 2\nprint('hidden during the check')", {"w": w}, check=True)
    np.testing.assert_allclose(res.checks[("v", "w")], np.diag(2 * w), rtol=1e-8)


def test_check_reports_a_cell_that_fails_away_from_the_point():
    res = run("y = x * x\nassert x == 1.0", {"x": 1.0}, check=True)
    assert isinstance(res.checks[("y", "x")], AssertionError)


def test_check_does_not_touch_the_namespace():
    ns = {"np": np, "count": 0}
    run("count = count + 1\ny = x * x", {"x": 1.0}, check=True, namespace=ns)
    assert ns["count"] == 1


# ---- the graph is one call ------------------------------------------------------------------------

def test_graph_is_drawn_from_the_cells_record():
    res = differentiate("y = x * x\nz = y * y", {"x": 3.0})
    assert res.graph is not None
    assert "∂z/∂x = 108" in res.graph.source


def test_graph_of_picks_the_output_whose_gradients_are_shown():
    res = differentiate("y = x * x\nz = y * y", {"x": 3.0}, graph_of="y")
    assert "∂y/∂x = 6" in res.graph.source


def test_backward_graph_draws_the_first_derivatives_computation():
    res = differentiate("y = x * x", {"x": 3.0}, graph_kind="backward")
    assert "dy/dx" in res.graph.source and "backward" in res.graph.source
    assert res["dy/dx"] == 6.0


def test_timings_cover_each_stage():
    res = differentiate("y = x * x", {"x": 3.0})
    res._repr_html_()
    assert {"tracing", "derivatives", "drawing", "cleaning", "rendering"} <= set(res.timings)


def test_of_keeps_the_names_the_cell_gave_its_values_in_the_graph():
    res = differentiate("y = x * x\nz = y * y", {"x": 3.0}, of=["z"])
    assert "y = x × x" in res.graph.source
    assert "v1" not in res.graph.source


def test_a_graph_too_wide_for_a_notebook_is_laid_out_top_to_bottom():
    wide = differentiate("pred = w * x + b\nloss = np.mean((pred - y) ** 2)", {"w": 0.0, "b": 0.0},
                         namespace={"np": np, "x": np.linspace(-1, 1, 20), "y": np.zeros(20)})
    assert "rankdir=TB" in wide.graph.source
    narrow = differentiate("y = x * x\nz = y * y", {"x": 3.0})
    assert "rankdir=TB" not in narrow.graph.source


# ---- a row for everything the cell computed -------------------------------------------------------

@pytest.mark.parametrize("code, x, value", [
    ("relu = max(x, 0)", -1.0, 0),
    ("relu = x if x > 0 else 0.0", -1.0, 0.0),
    ("relu = min(x, 2)", 3.0, 2),
    ("if x > 0:\n    relu = x\nelse:\n    relu = 0.0", -2.0, 0.0),
])
def test_a_value_computed_from_an_input_by_a_constant_branch_is_a_row_with_derivative_zero(
        code, x, value):
    ns = {"np": np}
    with session_as_before(ns):
        res = differentiate(code, {"x": x}, order=2, namespace=ns)
    assert list(res.outputs) == ["relu"] and res.values["relu"] == value
    assert res["drelu/dx"] == 0.0 and res["d2relu/dx2"] == 0.0
    assert any("relu does not depend on x at this point" in note for note in res.notes)
    assert not any("No output depends" in note for note in res.notes)


def test_the_same_cell_where_the_input_branch_is_taken_has_derivative_one_and_no_note():
    res = run("relu = max(x, 0)", {"x": 2.0})
    assert res["drelu/dx"] == 1.0 and res.notes == []


def test_values_not_computed_from_an_input_are_still_not_rows():
    res = run("n = 3\nfor i in range(2):\n    acc = x * i\nflag = x > 0", {"x": 1.0})
    assert list(res.outputs) == ["acc"]


def test_a_short_list_or_dict_of_traced_values_shows_its_items_as_rows():
    res = run("ys = [x, x ** 2, 0.0]\nd = {'a': 3 * x}", {"x": 3.0}, check=True)
    assert list(res.outputs) == ["ys[0]", "ys[1]", "ys[2]", "d['a']"]
    assert (res["d(ys[0])/dx"], res["d(ys[1])/dx"], res["d(ys[2])/dx"]) == (1.0, 6.0, 0.0)
    assert res["d(d['a'])/dx"] == 3.0
    assert res.checks[("ys[1]", "x")] == pytest.approx(6.0, rel=1e-9)


def test_a_long_list_of_traced_values_gets_a_note_saying_what_to_write():
    res = run("ys = [x * k for k in range(20)]", {"x": 1.0})
    assert res.outputs == {}
    assert any("ys is a list" in note and "np.stack(ys)" in note for note in res.notes)


def test_a_500_term_expression_runs_as_in_plain_python():
    code = "y = " + " + ".join(["x*1.0001"] * 500)
    res = differentiate(code, {"x": 2.0}, order=2)
    assert res["dy/dx"] == pytest.approx(500 * 1.0001) and res["d2y/dx2"] == 0.0


@pytest.mark.parametrize("shape", [(0,), (0, 3)])
def test_an_empty_input_gives_empty_derivatives_of_the_right_shape(shape):
    w = np.zeros(shape)
    res = run("v = w * 2\ns = np.sum(w) + 1.0", {"w": w}, order=2, check=True)
    assert res["dv/dw"].shape == shape + shape and res["d2v/dw2"].shape == shape * 3
    assert res["ds/dw"].shape == shape and res["d2s/dw2"].shape == shape + shape
    assert res.checks[("v", "w")].shape == shape + shape


# ---- --check notices a cell that doesn't reproduce its values -------------------------------------

def test_check_of_a_cell_with_random_numbers_says_it_cannot_check_and_shows_no_estimate():
    res = run("y = x * x + np.random.randn()", {"x": 3.0}, check=True)
    assert res["dy/dx"] == 6.0
    assert isinstance(res.checks[("y", "x")], NotComputed)
    assert any("Not checked" in note and "random" in note for note in res.notes)


def test_check_of_a_seeded_cell_is_a_check():
    res = run("rng = np.random.default_rng(0)\ny = x * x + rng.standard_normal()", {"x": 3.0},
              check=True)
    assert res.checks[("y", "x")] == pytest.approx(6.0, rel=1e-9)


# ---- refused at once: what can't be done in time, inputs that would break the session -------------

def test_an_order_that_would_take_minutes_is_refused_at_once_with_the_limit():
    ns = {"np": np}
    for order in (16, 1000):
        started = time.perf_counter()
        with session_as_before(ns), pytest.raises(GradUsageError, match="highest order .* is 9"):
            run("ran = x * y", {"x": 1.0, "y": 2.0}, order=order, namespace=ns, method="nested")
        assert time.perf_counter() - started < 0.5 and "ran" not in ns
    started = time.perf_counter()
    with session_as_before(ns), pytest.raises(GradUsageError, match="22"):
        run("ran = x * y", {"x": 1.0, "y": 2.0}, order=1000, namespace=ns)
    assert time.perf_counter() - started < 0.5 and "ran" not in ns


def test_several_numbers_at_a_high_order_come_from_taylor_interpolation_in_a_blink():
    # z = x**3 * y**2: d^5 z / dx^3 dy^2 = 3! * 2! = 12, every other 5th-order partial is 0.
    started = time.perf_counter()
    res = run("z = x ** 3 * y ** 2", {"x": 1.5, "y": -2.0}, order=16)
    assert time.perf_counter() - started < 5
    assert res.method == "Taylor interpolation"
    assert res["d5z/dx3dy2"] == pytest.approx(12.0, rel=1e-9)
    assert res["d5z/dx2dy3"] == pytest.approx(0.0, abs=1e-7)
    assert res["d2z/dxdy"] == pytest.approx(3 * 1.5 ** 2 * 2 * -2.0, rel=1e-12)
    nested = run("z = x ** 3 * y ** 2", {"x": 1.5, "y": -2.0}, order=3, method="nested")
    assert nested.method == "nested reverse mode"
    fast = run("z = x ** 3 * y ** 2", {"x": 1.5, "y": -2.0}, order=3)
    for key in nested:
        assert fast[key] == pytest.approx(nested[key], rel=1e-10, abs=1e-12), key


def test_an_operation_without_a_taylor_rule_falls_back_to_nested_reverse_mode(monkeypatch):
    from admagic import taylor
    monkeypatch.delitem(taylor.TAYLOR, np.sin)
    res = run("z = np.sin(x) * y", {"x": 0.5, "y": 2.0}, order=2)
    assert res.method == "nested reverse mode"
    assert res["d2z/dx2"] == pytest.approx(-np.sin(0.5) * 2.0, rel=1e-12)
    assert res["d2z/dxdy"] == pytest.approx(np.cos(0.5), rel=1e-12)
    assert any("sin has no Taylor rule" in note for note in res.notes)


def test_the_cost_limit_allows_what_runs_in_seconds():
    assert too_costly(2, 9) is None and too_costly(3, 8) is None and too_costly(5, 7) is None
    assert too_costly(2, 10) and too_costly(3, 9) and too_costly(5, 8)


def test_taylor_mode_past_its_highest_order_is_refused():
    with pytest.raises(GradUsageError, match=str(MAX_TAYLOR_ORDER)):
        run("y = np.sin(x)", {"x": 1.0}, order=MAX_TAYLOR_ORDER + 1)
    res = run("y = np.exp(x)", {"x": 0.0}, order=MAX_TAYLOR_ORDER)
    assert res[f"d{MAX_TAYLOR_ORDER}y/dx{MAX_TAYLOR_ORDER}"] == pytest.approx(1.0)


@pytest.mark.parametrize("name, message", [
    ("__builtins__", "belong to Python"), ("__name__", "belong to Python"),
    ("get_ipython", "IPython"), ("exit", "IPython"), ("Out", "IPython"), ("_", "IPython"),
    ("__", "IPython"), ("_ih", "IPython"), ("_3", "IPython"), ("_i3", "IPython"),
])
def test_an_input_that_would_shadow_python_or_ipython_is_refused(name, message):
    ns = {"np": np, "__name__": "__main__"}
    before = dict(ns)
    with pytest.raises(GradUsageError, match=message):
        run("ran = 1", {name: 3.0}, namespace=ns)
    assert ns == before


def test_an_input_too_large_for_a_float_is_refused_with_the_largest_float():
    with pytest.raises(GradUsageError, match="too large for a float.*1.8e308"):
        run("y = x", {"x": 10 ** 400})


def test_top_level_await_is_refused_with_what_to_write_instead():
    with pytest.raises(GradUsageError, match="await.*a cell before"):
        run("y = await f(x)", {"x": 1.0})


# ---- NumPy's warnings point at the cell's line ---------------------------------------------------

def test_a_runtime_warning_points_at_the_cells_own_line():
    ns = {"np": np}
    with session_as_before(ns), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run("a = x * 1\ny = 1 / (x - 2)\nz = np.log(x - 2)", {"x": 2.0}, namespace=ns,
                  filename="<my cell>", first_line=5)
    assert res.values["y"] == np.inf
    where = [(w.filename, w.lineno, str(w.message)) for w in caught
             if issubclass(w.category, RuntimeWarning)]
    assert ("<my cell>", 6, "divide by zero encountered in divide") in where
    assert ("<my cell>", 7, "divide by zero encountered in log") in where
    assert all(filename == "<my cell>" for filename, _, _ in where)


def test_a_warning_in_a_loop_shows_once_per_run_and_again_in_the_next_run():
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            run("for k in range(100):\n    y = x / (x - 2)", {"x": 2.0})
        assert len([w for w in caught if issubclass(w.category, RuntimeWarning)]) == 1


def test_warnings_turned_into_errors_fail_the_cell_and_leave_the_session_as_before():
    ns = {"np": np}
    with session_as_before(ns), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            run("y = 1 / (x - 2)", {"x": 2.0}, namespace=ns)


def test_numpys_own_settings_are_kept_while_the_cell_runs():
    with np.errstate(divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run("y = 1 / (x - 2)", {"x": 2.0}).values["y"] == np.inf
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        run("y = 1 / (x - 2)", {"x": 2.0})


def test_the_session_is_as_before_after_a_usage_error_found_after_the_run():
    ns = {"np": np}
    with session_as_before(ns), pytest.raises(GradUsageError, match="did not set q"):
        run("y = x * x\nif x > 5:\n    q = x", {"x": 1.0}, of=["q"], namespace=ns)


def test_the_session_is_as_before_after_a_check_the_cell_fails():
    ns = {"np": np}
    with session_as_before(ns):
        res = run("y = x * x\nassert x == 1.0", {"x": 1.0}, check=True, namespace=ns)
    assert isinstance(res.checks[("y", "x")], AssertionError)


@settings(max_examples=20, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=3),
       seed=st.integers(0, 2**32 - 1))
def test_derivatives_of_every_shape_empty_ones_included_match_finite_differences(shape, seed):
    w = np.random.default_rng(seed).uniform(-1, 1, shape)
    ns = {"np": np}
    with session_as_before(ns):
        res = run("v = np.sin(w) * 2\ns = np.sum(w ** 3)", {"w": w}, order=2, namespace=ns,
                  check=True)
    assert res.jacobian("v", "w").shape == shape + shape
    assert res.jacobian("v", "w", "w").shape == shape * 3
    np.testing.assert_allclose(res.jacobian("v", "w"),
                               numerical_jacobian(lambda u: np.sin(u) * 2, w), atol=1e-8)
    np.testing.assert_allclose(res["ds/dw"], 3 * w ** 2, atol=1e-12)
    np.testing.assert_allclose(res["d2s/dw2"].reshape(w.size, w.size), np.diag(6 * w.ravel()),
                               atol=1e-12)
    np.testing.assert_allclose(res.checks[("v", "w")], res.jacobian("v", "w"), atol=1e-8)


# ---- the textbook view: --trace, --mode forward, --seed, --explain --------------------------------
# Baydin, Pearlmutter, Radul & Siskind, "Automatic differentiation in machine learning: a survey",
# JMLR 18 (2018), tables 2 and 3: f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5). Each row's value,
# its tangent (seeded ẋ1 = 1) and its adjoint (seeded ȳ = 1), as printed in the paper (3 decimals).

SURVEY = "y = np.log(x1) + x1 * x2 - np.sin(x2)"
SURVEY_AT = {"x1": 2.0, "x2": 5.0}
SURVEY_ROWS = [  # (definition's operation, value, tangent v̇, adjoint v̄)
    ("x1", 2.0, 1.0, 5.5),
    ("x2", 5.0, 0.0, 1.716),
    ("ln", 0.693, 0.5, 1.0),
    ("×", 10.0, 5.0, 1.0),
    ("sin", -0.959, 0.0, -1.0),
    ("+", 10.693, 5.5, 1.0),
    ("−", 11.652, 5.5, 1.0),
]


def _operation(row):
    """What a row does: the input's name (``x1``), the function (``ln``) or the operator (``×``)."""
    words = row.definition.split(" = ", 1)[1].split()
    return words[1] if len(words) == 3 else words[0]


def _survey_row(trace, operation):
    found = [row for row in trace.rows if _operation(row) == operation]
    assert len(found) == 1, (operation, [row.definition for row in trace.rows])
    return found[0]


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_the_survey_trace_has_the_papers_values_tangents_and_adjoints(mode):
    res = run(SURVEY, SURVEY_AT, mode=mode, trace=True)
    trace = res.trace
    assert [row.name for row in trace.rows] == ["v₋₁", "v₀", "v1", "v2", "v3", "v4", "v5"]
    assert [row.label for row in trace.rows[:2]] == ["x1", "x2"] and trace.rows[-1].label == "y"
    for operation, value, tangent, adjoint in SURVEY_ROWS:
        row = _survey_row(trace, operation)
        assert row.value == pytest.approx(value, abs=5e-4), operation
        assert row.tangent == pytest.approx(tangent, abs=5e-4), operation
        assert row.adjoint == pytest.approx(adjoint, abs=5e-4), operation
    # x2 feeds two rows, so its adjoint comes in two increments, sin's first (the sweep runs
    # latest first and sin was recorded after the product), and they add up.
    x2 = trace.rows[1]
    assert [round(c.amount, 4) for c in x2.contributions] == [round(-np.cos(5.0), 4), 2.0]
    assert sum(c.amount for c in x2.contributions) == pytest.approx(x2.adjoint)
    assert (res["dy/dx1"], res["dy/dx2"]) == pytest.approx((5.5, 2 - np.cos(5.0)), rel=1e-12)


def test_the_survey_trace_agrees_with_finite_differences():
    """Every tangent is d(row)/dx1, and the inputs' adjoints are dy/dx1 and dy/dx2: each row's
    value as a closed form of (x1, x2), differentiated by central differences."""
    from admagic.testing import central_difference

    closed = {"x1": lambda a, b: a, "x2": lambda a, b: b, "ln": lambda a, b: np.log(a),
              "×": lambda a, b: a * b, "sin": lambda a, b: np.sin(b),
              "+": lambda a, b: np.log(a) + a * b,
              "−": lambda a, b: np.log(a) + a * b - np.sin(b)}
    for seed, direction in (("x1", (1.0, 0.0)), ("x2", (0.0, 1.0))):
        trace = run(SURVEY, SURVEY_AT, mode="forward", trace=True, seed=seed).trace
        for operation, f in closed.items():
            row = _survey_row(trace, operation)
            assert row.value == pytest.approx(f(2.0, 5.0), rel=1e-12)
            assert row.tangent == pytest.approx(
                central_difference(f, (2.0, 5.0), direction), abs=1e-7), (seed, operation)
    y = closed["−"]
    trace = run(SURVEY, SURVEY_AT, trace=True).trace
    assert trace.rows[0].adjoint == pytest.approx(central_difference(y, (2.0, 5.0), (1.0, 0.0)))
    assert trace.rows[1].adjoint == pytest.approx(central_difference(y, (2.0, 5.0), (0.0, 1.0)))


def test_the_result_keeps_the_trace_rows_and_the_steps_of_the_sweep():
    res = run(SURVEY, SURVEY_AT, trace=True)
    row = res.trace.rows[0].as_dict()
    assert {"name", "definition", "value", "adjoint", "tangent"} <= set(row)
    assert len(res.steps) == 5  # one per operation
    assert res.steps[-1].adjoints["x1"] == pytest.approx(5.5)  # named as the graph draws it
    with pytest.raises(AttributeError, match="--trace"):
        run(SURVEY, SURVEY_AT).steps


@pytest.mark.parametrize("code, inputs, order", [
    (SURVEY, SURVEY_AT, 1),
    (SURVEY, SURVEY_AT, 2),
    ("y = x * x\nz = y * y", {"x": 3.0}, 3),
    ("h = x\nfor _ in range(5):\n    h = np.tanh(h * x + w)", {"x": 0.3, "w": -0.2}, 1),
    ("u = np.stack([x, x * y, np.exp(y)])\nn = np.sum(u ** 2)", {"x": 0.5, "y": 1.5}, 2),
    ("r = np.hypot(x, y)\nt = np.arctan2(y, x) / r", {"x": 1.2, "y": -0.7}, 1),
])
def test_forward_mode_gives_reverse_modes_numbers(code, inputs, order):
    forward = run(code, inputs, order=order, mode="forward")
    reverse = run(code, inputs, order=order)
    assert list(forward) == list(reverse)
    for key in reverse:
        np.testing.assert_allclose(forward[key], reverse[key], rtol=1e-12, atol=1e-14)
    for (output, wrt), value in forward.derivatives.items():
        if len(wrt) == 1:  # first derivatives against central differences too
            from admagic.testing import central_difference

            def f(*args, output=output):
                return run(code, dict(zip(inputs, args))).outputs[output]
            direction = tuple(float(name == wrt[0]) for name in inputs)
            fd = central_difference(f, tuple(inputs.values()), direction)
            np.testing.assert_allclose(value, fd, rtol=1e-6, atol=1e-7)


def test_the_caption_says_which_mode_computed_the_numbers():
    assert "forward mode" in str(run(SURVEY, SURVEY_AT, mode="forward"))
    assert "Taylor mode" in str(run("y = x ** 3", {"x": 2.0}, mode="forward", order=2))
    assert "reverse mode" in str(run(SURVEY, SURVEY_AT, trace=True))
    assert "forward" not in str(run(SURVEY, SURVEY_AT)).splitlines()[0]


def test_explain_writes_the_chain_rule_path_by_path():
    res = run("f = x * y + np.sin(x)", {"x": 2.0, "y": 3.0}, explain=True)
    text = str(res.explanation)
    assert "= 1 × 3 + 1 × (-0.4161)" in text and "2.584" in text
    assert res.explanation.rules[0].total == pytest.approx(3 + np.cos(2.0))
    one = run("y = x * x\nz = y * y", {"x": 3.0}, explain=True)
    assert "dz/dx = ∂z/∂y · ∂y/∂x = 18 × 6 = 108" in str(one.explanation)


def test_explain_leaves_out_array_outputs_with_a_note_and_refuses_when_all_are_arrays():
    res = run("u = np.stack([x, x * x])\ns = np.sum(u)", {"x": 2.0}, explain=True)
    assert [rule.output for rule in res.explanation.rules] == ["s"]
    assert res.explanation.rules[0].total == pytest.approx(5.0)
    assert any("u is an array, so not explained" in note for note in res.notes)
    with pytest.raises(GradUsageError, match=r"u is an array.*Jacobian.*--of"):
        run("u = np.stack([x, x * x])", {"x": 2.0}, explain=True)


@pytest.mark.parametrize("options, message", [
    (dict(mode="sideways"), "the modes are forward .* and reverse"),
    (dict(mode="Forward"), "write --mode forward or --mode reverse"),
    (dict(trace=True, seed="z"), "--seed z: that is not an input here; the inputs are: x1, x2"),
    (dict(seed="x2"), "add --trace, or --mode forward"),
    (dict(trace=True, graph=True, graph_kind="backward"), "drop --graph backward"),
])
def test_bad_textbook_options_are_refused_before_the_cell_runs(options, message):
    namespace = {"np": np}
    with pytest.raises(GradUsageError, match=message):
        differentiate(SURVEY, SURVEY_AT, namespace=namespace, **{"graph": False, **options})
    assert "y" not in namespace  # nothing ran


@pytest.mark.parametrize("options, message", [
    (dict(mode="forward"), "--mode forward takes inputs that are numbers, and w is an array"),
    (dict(explain=True), "--explain writes the chain rule with numbers, and w is an array"),
])
def test_array_inputs_are_refused_by_forward_mode_and_explain(options, message):
    with pytest.raises(GradUsageError, match=message):
        run("loss = np.sum(w ** 2)", {"w": np.array([1.0, 2.0])}, **options)


def test_trace_and_explain_leave_the_namespace_plain():
    namespace = {"np": np}
    differentiate(SURVEY, SURVEY_AT, namespace=namespace, trace=True, explain=True,
                  mode="forward", graph=False)
    assert not traced_inside(namespace)


def test_the_forward_mode_graph_shows_each_nodes_tangent_instead_of_its_gradient():
    source = run(SURVEY, SURVEY_AT, mode="forward", graph=True).graph.source
    # The tangents seeded ẋ1 = 1 (the survey's table 2): ln x1 moves at 1/x1, the sine not at all.
    for band in ("∂x1/∂x1 = 1", "∂x2/∂x1 = 0", "∂v1/∂x1 = 0.5", "∂v2/∂x1 = 5",
                 "∂v4/∂x1 = 0", "∂y/∂x1 = 5.5"):
        assert band in source, band
    assert "tangents, forward mode seeded by x1" in source and "gradients of" not in source
    seeded = run(SURVEY, SURVEY_AT, mode="forward", graph=True, seed="x2").graph.source
    assert f"∂v4/∂x2 = {np.cos(5.0):.4f}" in seeded and "∂y/∂x2 = 1.716" in seeded
    reverse = run(SURVEY, SURVEY_AT, graph=True).graph.source
    assert "∂y/∂v4 = -1" in reverse and "tangents" not in reverse


# ---- elementwise cells: f' at every point, without the Jacobian -----------------------------------

def test_an_elementwise_cell_gives_the_derivative_at_every_point_of_x():
    x = np.linspace(-1, 1, 5)
    res = run("y = np.sin(x) * x", {"x": x}, order=2)
    assert res.elementwise == ["y"]
    np.testing.assert_allclose(res["dy/dx"], np.cos(x) * x + np.sin(x), atol=1e-15)
    np.testing.assert_allclose(res["d2y/dx2"], 2 * np.cos(x) - x * np.sin(x), atol=1e-15)
    np.testing.assert_allclose(res.jacobian("y", "x"), np.diag(np.cos(x) * x + np.sin(x)),
                               atol=1e-15)
    np.testing.assert_allclose(res.jacobian("y", "x"),
                               numerical_jacobian(lambda u: np.sin(u) * u, x), atol=1e-8)


def test_a_million_points_of_an_elementwise_cell_are_computed():
    x = np.linspace(-3, 3, 10**6)  # the Jacobian would be 10^12 numbers
    res = run("y = np.sin(x) * x", {"x": x})
    assert res["dy/dx"].shape == x.shape
    np.testing.assert_allclose(res["dy/dx"], np.cos(x) * x + np.sin(x), atol=1e-14)
    with pytest.raises(ValueError, match=r"1,000,000,000,000 numbers.*_grad\['dy/dx'\]"):
        res.jacobian("y", "x")


def test_two_elementwise_inputs_give_every_mixed_partial_on_the_diagonal():
    x, w = np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.7, -0.4])
    res = run("z = x * np.exp(w) + x ** 3", {"x": x, "w": w}, order=2)
    assert res.elementwise == ["z"]
    np.testing.assert_allclose(res["dz/dx"], np.exp(w) + 3 * x ** 2)
    np.testing.assert_allclose(res["dz/dw"], x * np.exp(w))
    np.testing.assert_allclose(res["d2z/dx2"], 6 * x)
    np.testing.assert_allclose(res["d2z/dxdw"], np.exp(w))
    np.testing.assert_allclose(res["d2z/dwdx"], np.exp(w))
    np.testing.assert_allclose(res["d2z/dw2"], x * np.exp(w))
    full = np.zeros((3, 3, 3))  # d²z_i/dx_j dw_k = [i = j = k] e^{w_i}
    full[range(3), range(3), range(3)] = np.exp(w)
    np.testing.assert_allclose(res.jacobian("z", "x", "w"), full)


def test_broadcasting_with_constants_is_still_elementwise():
    x = np.array([1.0, 2.0, 3.0])
    res = run("c = np.arange(3.0)\ny = np.tanh(x * c + 2.0) / (1 + x ** 2)", {"x": x})
    assert res.elementwise == ["y"]
    np.testing.assert_allclose(res.jacobian("y", "x"), numerical_jacobian(
        lambda u: np.tanh(u * np.arange(3.0) + 2.0) / (1 + u ** 2), x), atol=1e-8)


@pytest.mark.parametrize("code, f", [
    ("y = x[::-1] * x", lambda u: u[::-1] * u),
    ("y = x * np.sum(x)", lambda u: u * np.sum(u)),
    ("y = np.cumsum(x)", np.cumsum),
    ("y = np.maximum(x, x[::-1])", lambda u: np.maximum(u, u[::-1])),
    ("y = x + x[0]", lambda u: u + u[0]),
    ("y = np.concatenate([x[1:], x[:1]]) * x", lambda u: np.concatenate([u[1:], u[:1]]) * u),
    ("y = np.reshape(np.reshape(x, (2, 2)).T, 4)", lambda u: np.reshape(u.reshape(2, 2).T, 4)),
    ("y = (np.ones((4, 4)) + np.eye(4)) @ x", lambda u: (np.ones((4, 4)) + np.eye(4)) @ u),
    ("y = np.sin(x + np.zeros((2, 4)))", lambda u: np.sin(u + np.zeros((2, 4)))),
])
def test_a_cell_that_mixes_elements_keeps_the_full_jacobian(code, f):
    x = np.array([0.3, -1.2, 0.8, 2.0])
    res = run(code, {"x": x})
    assert res.elementwise == []
    np.testing.assert_allclose(res["dy/dx"], numerical_jacobian(f, x), atol=1e-8)
    np.testing.assert_allclose(res.jacobian("y", "x"), res["dy/dx"])


def test_an_input_of_another_shape_keeps_the_full_jacobian():
    x = np.array([1.0, 2.0, 3.0])
    res = run("y = np.sin(x) * a\ns = np.sum(y)", {"x": x, "a": 2.0})
    assert res.elementwise == []
    np.testing.assert_allclose(res["dy/dx"], np.diag(2 * np.cos(x)))
    np.testing.assert_allclose(res["dy/da"], np.sin(x))
    np.testing.assert_allclose(res["ds/dx"], 2 * np.cos(x))


def test_finite_differences_check_an_elementwise_derivative_against_its_whole_jacobian():
    x = np.array([0.0, 1.0, 2.0])
    res = run("y = np.exp(x)", {"x": x}, check=True)
    (row,) = [row for row in res.rows() if row.check]
    assert row.elementwise and row.error < 1e-6  # off the diagonal too: the estimate is 3 × 3
    assert res.checks[("y", "x")].shape == (3, 3)
    np.testing.assert_allclose(row.value, np.exp(x), rtol=1e-6)


def test_the_backward_graph_of_an_elementwise_cell_draws_the_elementwise_derivative():
    x = np.linspace(-1, 1, 4)
    res = run("y = np.sin(x) * x", {"x": x}, graph=True, graph_kind="backward")
    assert res.graph is not None and res.notes == []
    np.testing.assert_allclose(res["dy/dx"], np.cos(x) * x + np.sin(x))

# ---- step=True: what --step steps through ---------------------------------------------------

def test_step_gives_the_trace_whose_steps_add_up_to_the_finite_difference_gradients():
    code, at = "u = x * x\nf = u * y + np.sin(x)", {"x": 2.0, "y": 3.0}
    res = run(code, at, step=True)
    row = {r.label: r.drawn for r in res.trace.rows}  # steps name values as the graph does
    sent_to_x = [amount for step in res.steps for parent, amount in step.sent if parent == row["x"]]
    assert len(sent_to_x) == 3  # twice from x × x, once from sin x
    h = 1e-6
    fd = (run(code, {"x": 2 + h, "y": 3.0}, graph=False).outputs["f"]
          - run(code, {"x": 2 - h, "y": 3.0}, graph=False).outputs["f"]) / (2 * h)
    assert sum(sent_to_x) == pytest.approx(fd, rel=1e-8)
    assert res.steps[-1].adjoints[row["x"]] == pytest.approx(2 * 2 * 3 + np.cos(2), rel=1e-14)


def test_step_draws_the_graph_with_room_for_the_shares_and_trace_makes_no_second_trace(monkeypatch):
    from admagic import evaltrace

    made, make = [], evaltrace.evaluation_trace
    monkeypatch.setattr(evaltrace, "evaluation_trace",
                        lambda *a, **kw: made.append(1) or make(*a, **kw))
    res = run("y = x * x", {"x": 3.0}, step=True, trace=True, graph=True)
    assert len(made) == 1 and res.trace.gradient_of == "y" and len(res.steps) == 1
    if res.graph is not None:
        assert "ranksep=1.1" in res.graph.source
        assert "ranksep=1.1" not in run("y = x * x", {"x": 3.0}, graph=True).graph.source


def test_step_with_the_backward_graph_is_refused_saying_why():
    with pytest.raises(GradUsageError, match="--graph backward draws another one"):
        run("y = x * x", {"x": 3.0}, step=True, graph_kind="backward")
