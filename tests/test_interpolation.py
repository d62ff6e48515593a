"""Mixed partials by Taylor interpolation (`admagic.interpolation`), against independent truth:
SymPy's exact derivatives, closed forms of monomials, and nested reverse mode
(`cell.compute_derivatives` on nested tapes), on every rule's test case."""

import contextlib
import math
import time
import zlib

import numpy as np
import pytest

import admagic
from admagic import Tape, interpolation, taylor
from admagic.derivative_table import nested_reverse as compute_derivatives
from admagic.api import derivatives
from admagic.interpolation import MAX_ORDER, MAX_PARTIALS, multi_indices, partials, weights
from admagic.traced import new_leaf

from test_rules import CASES

try:
    import sympy
except ImportError:  # only the SymPy comparisons need it (the dev extra has it)
    sympy = None
needs_sympy = pytest.mark.skipif(sympy is None, reason="SymPy is not installed")


def nested_partials(f, xs, order):
    """{wrt: value} for every partial up to `order` by nested reverse mode, as %%grad computes
    it for several inputs: the inputs are leaves of `order` nested tapes."""
    names = [f"x{a}" for a in range(len(xs))]
    with contextlib.ExitStack() as stack:
        leaves = []
        for _ in range(order):
            tape = stack.enter_context(Tape(persistent=True, watch_accessed_variables=False))
            stack.callback(tape.release)
            leaves.append({n: new_leaf(tape, leaves[-1][n] if leaves else x)
                           for n, x in zip(names, xs)})
        out = f(*leaves[-1].values())
        found, _ = compute_derivatives({"f": out}, leaves, order, max_size=10**6)
    return {tuple(names.index(n) for n in wrt): value for (_, wrt), value in found.items()}


def by_interpolation(f, xs, order):
    with Tape() as tape:
        leaves = [new_leaf(tape, x) for x in xs]
        out = f(*leaves)
    return partials([out], leaves, order)[0]


def sympy_partials(text, point, order):
    """{wrt: value} for every partial up to `order`: SymPy differentiates, then evaluates to 30
    digits."""
    symbols = sympy.symbols("x y z")[:len(point)]
    expression = sympy.sympify(text, locals={str(s): s for s in symbols})
    at = {s: sympy.Rational(repr(x)) for s, x in zip(symbols, point)}
    known = {(): expression}
    values = {}
    for p in range(1, order + 1):
        for i in multi_indices(len(point), p):
            wrt = sum(((a,) * i_a for a, i_a in enumerate(i)), ())
            known[wrt] = sympy.diff(known[wrt[:-1]], symbols[wrt[-1]])
            values[wrt] = float(known[wrt].evalf(30, subs=at))
    return values


def assert_partials_close(got, truth, rtol):
    """Each partial to `rtol` relative; one near 0 to `rtol` of the largest of its order."""
    assert set(got) == set(truth)
    for p in {len(wrt) for wrt in truth}:
        scale = max(abs(v) for wrt, v in truth.items() if len(wrt) == p)
        for wrt, value in truth.items():
            if len(wrt) == p:
                assert abs(got[wrt] - value) <= rtol * max(abs(value), 1e-3 * scale), \
                    (wrt, got[wrt], value)


# ---- the weights --------------------------------------------------------------------------------

def test_multi_indices_come_in_the_order_the_table_lists_partials():
    assert multi_indices(2, 2) == [(2, 0), (1, 1), (0, 2)]
    assert multi_indices(3, 2) == [(2, 0, 0), (1, 1, 0), (1, 0, 1), (0, 2, 0), (0, 1, 1), (0, 0, 2)]
    assert len(multi_indices(3, 6)) == math.comb(8, 2)


def test_weights_recover_every_monomial_exactly():
    """f_p(j) = Σ_(|i|=p) a_i jⁱ for a_i = ∂ⁱf/i!; the weights must give back ∂ⁱf for any a."""
    rng = np.random.default_rng(0)
    for k, n in [(1, 5), (2, 7), (3, 5), (4, 3)]:
        directions, matrices = weights(k, n)
        assert len(directions) == math.comb(n + k - 1, n)
        for p in range(1, n + 1):
            rows = multi_indices(k, p)
            a = rng.standard_normal(len(rows))
            along = [sum(a_i * math.prod(j_l ** i_l for j_l, i_l in zip(j, i))
                         for a_i, i in zip(a, rows)) for j in directions]
            want = a * [math.prod(math.factorial(i_l) for i_l in i) for i in rows]
            np.testing.assert_allclose(matrices[p] @ along, want, rtol=1e-11, atol=1e-11)


def test_second_order_weights_are_the_polarisation_identity():
    """∂²f/∂x∂y = f₂(1,1) − f₂(2,0)/4 − f₂(0,2)/4 and ∂²f/∂x² = f₂(2,0)/2."""
    directions, matrices = weights(2, 2)
    assert directions == [(2, 0), (1, 1), (0, 2)]
    np.testing.assert_array_equal(matrices[2], [[0.5, 0, 0], [-0.25, 1, -0.25], [0, 0, 0.5]])


# ---- against SymPy ------------------------------------------------------------------------------

EXPRESSIONS = [
    ("x*y + sin(x*y)*exp(x)", (0.5, 0.7)),
    ("log(1 + x**2 + y**2) * cos(x - y)", (0.3, -0.8)),
    ("exp(x + 2*y) / (1 + x*y)", (0.4, 0.2)),
    ("atan(x*y) + sqrt(2 + x - y)", (0.9, 0.4)),
    ("exp(x*y) * sin(z + x) + x*y*z", (0.5, 0.7, -0.3)),
    ("tanh(x + z) * exp(y*z) + sqrt(2 + x*y*z)", (0.3, -0.6, 0.9)),
    ("cosh(x*z) / (2 + sin(y)) + log(x + y + z)", (0.8, 0.4, 1.1)),
]
NUMPY = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
         "tanh": np.tanh, "atan": np.arctan, "cosh": np.cosh}


@needs_sympy
@pytest.mark.parametrize("text, point", EXPRESSIONS, ids=[text for text, _ in EXPRESSIONS])
def test_every_partial_to_order_6_matches_sympy(text, point):
    names = "xyz"[:len(point)]
    f = eval(f"lambda {', '.join(names)}: {text}", dict(NUMPY))
    assert_partials_close(by_interpolation(f, point, 6), sympy_partials(text, point, 6), 1e-8)


@needs_sympy
def test_one_sweep_per_direction_agrees_with_sympy_too(monkeypatch):
    """Cells of numbers put every direction through one sweep; others sweep once per direction."""
    monkeypatch.setattr(interpolation, "_numbers_only", lambda outputs, leaves: None)
    text, point = EXPRESSIONS[4]
    f = lambda x, y, z: np.exp(x * y) * np.sin(z + x) + x * y * z
    assert_partials_close(by_interpolation(f, point, 5), sympy_partials(text, point, 5), 1e-8)


def test_a_cell_with_an_array_inside_sweeps_once_per_direction_and_is_right():
    f = lambda x, y: np.sum(np.stack([x * y, np.sin(x) * y ** 2]))  # x y + y² sin x
    found = by_interpolation(f, (0.5, 1.5), 3)
    assert found[(0, 1, 1)] == pytest.approx(2 * np.cos(0.5), rel=1e-12)
    assert found[(0, 0, 1)] == pytest.approx(-2 * 1.5 * np.sin(0.5), rel=1e-12)


# ---- against closed forms -----------------------------------------------------------------------

@pytest.mark.parametrize("powers", [(3, 2), (5, 0), (2, 1, 4), (1, 1, 1)])
def test_monomials_have_their_closed_form_partials(powers):
    point = (1.3, -0.7, 0.4)[:len(powers)]
    f = lambda *xs: math.prod(x ** p for x, p in zip(xs, powers))
    order = sum(powers) + 1
    for wrt, value in by_interpolation(f, point, order).items():
        i = [wrt.count(a) for a in range(len(powers))]
        want = math.prod(math.perm(p, i_a) * x ** (p - i_a) if i_a <= p else 0.0
                         for p, i_a, x in zip(powers, i, point))
        assert value == pytest.approx(want, rel=1e-11, abs=1e-11), wrt


# ---- against nested reverse mode ----------------------------------------------------------------

def test_the_issue_cell_matches_nested_reverse_mode_to_order_5():
    f = lambda x, y: x * y + np.sin(x * y) * np.exp(x)
    point = (0.5, 0.7)
    assert_partials_close(by_interpolation(f, point, 5), nested_partials(f, point, 5), 1e-10)


def test_three_inputs_match_nested_reverse_mode_to_order_4():
    f = lambda x, y, z: np.exp(x * y) * np.cos(z) / (1.0 + x * x + z * y)
    point = (0.3, -0.4, 0.8)
    assert_partials_close(by_interpolation(f, point, 4), nested_partials(f, point, 4), 1e-10)


@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_every_rule_gives_mixed_partials_equal_to_nested_reverse_mode(request, primitive, call,
                                                                      inputs, argnum):
    """Two numbers moving the case's inputs along two random directions:
    g(s, t) = u · call(x + s v + t w), every partial up to order 3 at s = t = 0."""
    rng = np.random.default_rng(zlib.crc32(request.node.callspec.id.encode()))
    args = [domain(rng, shape) for domain, shape in inputs]
    v = {i: rng.standard_normal(np.shape(args[i])) * 0.1 for i in argnum}
    w = {i: rng.standard_normal(np.shape(args[i])) * 0.1 for i in argnum}
    u = rng.standard_normal(np.shape(call(*args)))

    def g(s, t):
        moved = [a + s * v[i] + t * w[i] if i in v else a for i, a in enumerate(args)]
        return np.sum(call(*moved) * u)

    truth = nested_partials(g, (0.0, 0.0), 3)
    got = by_interpolation(g, (0.0, 0.0), 3)
    scale = max(1.0, max(abs(value) for value in truth.values()))
    for wrt, value in truth.items():
        assert abs(got[wrt] - value) <= 1e-10 * max(abs(value), 1e-2 * scale), \
            (wrt, got[wrt], value)


# ---- derivatives(f, order) ----------------------------------------------------------------------

def test_derivatives_are_keyed_as_the_grad_table_keys_them():
    def z(x, y):
        return x ** 3 * y
    found = derivatives(z, 3)(2.0, 5.0)
    assert list(found) == ["dz/dx", "dz/dy", "d2z/dx2", "d2z/dxdy", "d2z/dy2",
                           "d3z/dx3", "d3z/dx2dy", "d3z/dxdy2", "d3z/dy3"]
    assert found["d3z/dx2dy"] == pytest.approx(12.0)
    assert found["d2z/dx2"] == pytest.approx(60.0)
    assert isinstance(found["dz/dx"], float)
    result = admagic.differentiate("z = x ** 3 * y", {"x": 2.0, "y": 5.0}, order=3, graph=False)
    assert list(result) == list(found)


def test_derivatives_of_a_lambda_are_keyed_f():
    assert list(derivatives(lambda a, b: a * b, 1)(1.0, 2.0)) == ["df/da", "df/db"]


def test_an_array_output_has_its_partials_elementwise():
    found = derivatives(lambda x, y: np.array([1.0, 2.0]) * x * x * y, 3)(3.0, 2.0)
    np.testing.assert_allclose(found["d3f/dx2dy"], [2.0, 4.0])
    np.testing.assert_allclose(found["d2f/dxdy"], [6.0, 12.0])


def test_derivatives_refuse_an_array_input():
    with pytest.raises(TypeError, match="takes numbers.*hessian"):
        derivatives(lambda w, y: np.sum(w) * y, 2)(np.ones(2), 1.0)


def test_derivatives_refuse_a_bad_order_at_once_and_a_call_without_numbers():
    with pytest.raises(ValueError, match="whole number, 1 or more"):
        derivatives(lambda x: x, 0)
    with pytest.raises(TypeError, match="needs the numbers"):
        derivatives(lambda: 1.0, 2)()


def test_an_order_beyond_the_limit_is_refused_at_once_with_the_limit():
    calls = []
    f = lambda x, y, z: calls.append(1) or x * y * z
    limit = MAX_ORDER[3]
    started = time.perf_counter()
    with pytest.raises(ValueError, match=f"highest order for 3 inputs is {limit}"):
        derivatives(f, limit + 1)(1.0, 2.0, 3.0)
    assert time.perf_counter() - started < 0.1 and not calls


def test_too_many_partials_are_refused_at_once_with_the_limit():
    calls = []
    f = lambda *xs: calls.append(1) or sum(xs)
    with pytest.raises(ValueError, match=f"over the limit of {MAX_PARTIALS:,}"):
        derivatives(f, 6)(*[1.0] * 10)  # C(16, 6) - 1 = 8007 partials
    assert not calls


def test_more_inputs_than_measured_take_the_last_measured_limit():
    assert interpolation.max_order(9) == MAX_ORDER[max(MAX_ORDER)]
    assert interpolation.max_order(1) is None


def test_a_primitive_without_a_taylor_rule_falls_back_to_nested_reverse_mode(monkeypatch):
    monkeypatch.delitem(taylor.TAYLOR, np.sin)
    f = lambda x, y: np.sin(x * y) * y
    with pytest.raises(NotImplementedError):
        by_interpolation(f, (0.5, 2.0), 2)
    found = derivatives(f, 2)(0.5, 2.0)
    # d²/dxdy [y sin(xy)] = 2y cos(xy) - x y² sin(xy)
    assert found["d2f/dxdy"] == pytest.approx(4 * np.cos(1.0) - 2 * np.sin(1.0), rel=1e-12)


def test_derivatives_can_be_differentiated_by_an_outer_grad():
    """d/da of ∂²(a·x²·y)/∂x∂y = 2x: nothing is detached from the outer tape."""
    inner = lambda a: derivatives(lambda x, y: a * x * x * y, 2)(1.5, 2.0)["d2f/dxdy"]
    assert admagic.grad(inner)(3.0) == pytest.approx(3.0)


# ---- derivative_table: what %%grad would call ---------------------------------------------------

def test_derivative_table_is_keyed_and_valued_as_compute_derivatives():
    with Tape() as tape:
        x, y = new_leaf(tape, 0.5), new_leaf(tape, 0.7)
        outputs = {"z": x * y + np.sin(x * y) * np.exp(x), "w": np.array([1.0, -2.0]) * x * y ** 2}
    table = interpolation.derivative_table(outputs, {"x": x, "y": y}, 3, max_size=10)
    z = lambda x, y: x * y + np.sin(x * y) * np.exp(x)
    for wrt, value in nested_partials(z, (0.5, 0.7), 3).items():
        key = ("z", tuple("xy"[a] for a in wrt))
        assert table[key] == pytest.approx(value, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(table[("w", ("x", "y", "y"))], [2.0, -4.0])
    assert set(table) == {(out, wrt) for out in ("z", "w") for wrt in
                          [("x",), ("y",), ("x", "x"), ("x", "y"), ("y", "y"), ("x", "x", "x"),
                           ("x", "x", "y"), ("x", "y", "y"), ("y", "y", "y")]}


def test_derivative_table_marks_outputs_over_max_size_as_not_computed():
    with Tape() as tape:
        x, y = new_leaf(tape, 1.0), new_leaf(tape, 2.0)
        outputs = {"big": np.ones(50) * x * y}
    table = interpolation.derivative_table(outputs, {"x": x, "y": y}, 2, max_size=10)
    assert "not computed: 50 numbers" in table[("big", ("x", "y"))].explain()


def test_derivative_table_counts_every_output_against_the_limit():
    with Tape() as tape:
        x, y = new_leaf(tape, 1.0), new_leaf(tape, 2.0)
        outputs = {f"z{n}": x * y * n for n in range(30)}
    with pytest.raises(ValueError, match="30 output"):  # 30 × (C(22, 2) - 1) = 6,900 partials
        interpolation.derivative_table(outputs, {"x": x, "y": y}, 20, max_size=10)


# ---- the sweep along a direction ----------------------------------------------------------------

def test_the_sweep_moves_each_leaf_along_its_own_direction():
    with Tape() as tape:
        x, y = new_leaf(tape, 2.0), new_leaf(tape, 5.0)
        z = x * y
    (series,) = taylor._sweep([z], {x: 2.0, y: 3.0}, 3)  # (2 + 2t)(5 + 3t) = 10 + 16t + 6t²
    assert series.c == [10.0, 16.0, 6.0, 0.0]




# ---- the fast path: every direction side by side, stacked (stacked.py) ----------------------------

def _count_calls(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@needs_sympy
@pytest.mark.parametrize("text, point", [EXPRESSIONS[0], EXPRESSIONS[4],
                                         ("sinh(x*y) * cosh(x) - x*x*y*y*y + y", (0.6, -0.4))])
def test_directions_side_by_side_take_the_stacked_products_and_recurrences_and_match_sympy(
        monkeypatch, text, point):
    """derivatives() puts the directions through one sweep, each coefficient a row of one array
    (the products and sin/cos/exp/sinh/cosh recurrences stacked): right to 1e-8 at every order."""
    from admagic import stacked
    products = _count_calls(monkeypatch, stacked, "cauchy")
    recurrences = _count_calls(monkeypatch, stacked, "recurrence")
    names = "xyz"[:len(point)]
    f = eval(f"lambda {', '.join(names)}: {text}", dict(NUMPY, sinh=np.sinh))
    found = derivatives(f, 6)(*point)
    truth = sympy_partials(text, point, 6)
    keys = interpolation.every_wrt(len(point), 6)
    assert list(found) == [admagic.notation.leibniz("f", tuple(names[a] for a in wrt)) for wrt in keys]
    assert_partials_close(dict(zip(keys, found.values())), truth, 1e-8)
    assert products and recurrences


@needs_sympy
def test_a_cell_mixing_stacked_and_listed_series_matches_sympy():
    """A quotient and a tan are summed per coefficient, then meet stacked products and exps."""
    text, point = "x / (1 + y*y) * exp(x*y) + tan(x - y) * y", (0.3, 0.5)
    f = lambda x, y: x / (1 + y * y) * np.exp(x * y) + np.tan(x - y) * y
    assert_partials_close(derivatives_by_wrt(f, point, 7), sympy_partials(text, point, 7), 1e-8)


def derivatives_by_wrt(f, point, order):
    found = derivatives(f, order)(*point)
    return dict(zip(interpolation.every_wrt(len(point), order), found.values()))


def test_stacked_weights_hold_every_order_in_the_table_order():
    matrix, orders, wrts = interpolation.stacked_weights(2, 3)
    directions, matrices = weights(2, 3)
    assert wrts == ((0,), (1,), (0, 0), (0, 1), (1, 1), (0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1))
    assert list(orders) == [1, 1, 2, 2, 2, 3, 3, 3, 3]
    np.testing.assert_array_equal(matrix, np.concatenate([matrices[1], matrices[2], matrices[3]]))


def test_derivatives_name_a_wrapped_function_by_what_it_wraps_and_varargs_x1_x2():
    import functools

    def logged(g):
        @functools.wraps(g)
        def wrapper(*args):
            return g(*args)
        return wrapper

    @logged
    def z(u, v):
        return u * v * v

    assert list(derivatives(z, 1)(1.0, 2.0)) == ["dz/du", "dz/dv"]
    assert list(derivatives(lambda *xs: xs[0] * xs[1], 1)(1.0, 2.0)) == ["df/dx1", "df/dx2"]
    assert list(derivatives(functools.partial(lambda a, b: a * b), 1)(1.0, 2.0)) == ["df/da", "df/db"]


@needs_sympy
def test_exp_and_sin_of_the_inputs_side_by_side_take_the_closed_form_and_match_sympy(monkeypatch):
    """Each input moves along a line, so exp(x), sin(y), cosh(x) come from slope^k/k! (no
    recurrence), next to the recurrence of sin(x·y): the issue's cell and more, to order 8."""
    from admagic import stacked
    lines = _count_calls(monkeypatch, stacked, "_on_a_line")
    recurrences = _count_calls(monkeypatch, stacked, "recurrence")
    text, point = "x*y + sin(x*y)*exp(x) + sin(y)*cosh(x)", (0.5, 0.7)
    f = lambda x, y: x * y + np.sin(x * y) * np.exp(x) + np.sin(y) * np.cosh(x)
    assert_partials_close(derivatives_by_wrt(f, point, 8), sympy_partials(text, point, 8), 1e-8)
    assert len(lines) == 3 and len(recurrences) == 4  # exp, sin, cosh lines; all four recurrences


def test_the_side_by_side_sweep_walks_the_graph_once(monkeypatch):
    """interpolation checks every value is a number and hands the nodes it walked to the sweep."""
    from admagic import tape as tape_module
    walks = []
    for module in (taylor, interpolation):  # every module that might walk it
        monkeypatch.setattr(module, "ancestors", lambda node: walks.append(node)
                            or tape_module.ancestors(node), raising=False)
    found = derivatives_by_wrt(lambda x, y: x * x * y * np.exp(y), (0.5, 0.7), 3)
    assert len(walks) == 1
    assert found[(0, 1)] == pytest.approx(2 * 0.5 * 1.7 * np.exp(0.7), rel=1e-12)  # 2x(1+y)eʸ
    assert found[(0, 0, 1)] == pytest.approx(2 * 1.7 * np.exp(0.7), rel=1e-10)
