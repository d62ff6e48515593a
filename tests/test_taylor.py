"""Taylor mode (`admagic.taylor`) against independent truth.

- Orders 0–12 against closed forms written out by hand (``d^n sin = sin(x + nπ/2)``, ...), and
  against 50-digit Taylor coefficients from mpmath (which only evaluates the function) for
  expressions that together use every Taylor rule.
- Orders 1–3 for every case of `tests/test_rules.py` (every primitive, arrays and broadcasting),
  and orders 1–4 on random expression trees drawn by hypothesis, against nested reverse mode
  (``grad(grad(...))``), which shares no code with the Taylor rules.
- Outer tapes: a Taylor-mode derivative can itself be differentiated.
- Where a function or a derivative is infinite or undefined (x = 0 for 1/x, log, sqrt, x**2.5):
  NumPy's inf and nan, the closed forms' signs, exact zeros where the derivatives are finite.
- High orders (up to MAX_ORDER) and the order check; keywords honoured or refused (the property
  test over every rule and keyword is in test_taylor_keywords.py).
- The written-out Taylor polynomial, as text and as LaTeX.
"""

import math
import pathlib
import zlib

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from admagic import Tape, grad, rules
from admagic.polynomial import polynomial_latex, polynomial_text
from admagic.taylor import (MAX_ORDER, TAYLOR, check_order, derivatives, taylor_coefficients,
                            taylor_polynomial)
from admagic.tape import VJP
from admagic.taylor_rules import REVERSE_ONLY
from admagic.traced import new_leaf
from test_rules import CASES


def taylor_derivatives(f, x0, order):
    """[f, f', ..., f^(order)] at x0: f recorded once on one tape, then replayed in Taylor mode."""
    with Tape() as tape:
        x = new_leaf(tape, x0)
        y = f(x)
    return derivatives([y], x, order)[0]


def nested_reverse(f, order):
    """The order-th derivative of a scalar function by reverse mode nested `order` times."""
    for _ in range(order):
        f = grad(f)
    return f


def assert_derivatives_close(got, truth, rtol=1e-9, atol=0.0):
    """Compare as Taylor coefficients d_k/k!, each within rtol of itself plus rtol of the largest
    (the recurrences' rounding error is relative to the size of the series, not of each term),
    plus `atol` for results that cancel to about 0."""
    got = [np.asarray(g, dtype=float) / math.factorial(k) for k, g in enumerate(got)]
    truth = [np.asarray(t, dtype=float) / math.factorial(k) for k, t in enumerate(truth)]
    scale = max(float(np.max(np.abs(t), initial=0.0)) for t in truth)
    for k, (g, t) in enumerate(zip(got, truth)):
        assert np.shape(g) == np.shape(t), f"order {k}: shape {np.shape(g)}, expected {np.shape(t)}"
        np.testing.assert_allclose(g, t, rtol=rtol, atol=rtol * scale + atol,
                                   err_msg=f"order-{k} derivative (as coefficient d/{k}!)")


def test_every_primitive_with_a_derivative_rule_has_a_taylor_rule_or_is_listed_reverse_only():
    missing = sorted(getattr(p, "__name__", repr(p)) for p in set(VJP) - set(TAYLOR) - REVERSE_ONLY)
    stale = sorted(getattr(p, "__name__", repr(p)) for p in set(TAYLOR) - set(VJP))
    assert not missing, (f"primitives in tape.VJP with no rule in admagic/taylor_rules.py (nor in "
                         f"taylor_rules.REVERSE_ONLY): {missing}")
    assert not stale, f"Taylor rules for primitives that tape.VJP does not know: {stale}"
    assert not REVERSE_ONLY & set(TAYLOR), "taylor_rules.REVERSE_ONLY lists primitives with a Taylor rule"
    assert REVERSE_ONLY <= set(VJP), "taylor_rules.REVERSE_ONLY lists primitives with no reverse rule"


def test_the_reverse_only_primitives_are_the_ones_docs_list():
    text = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "how-it-works.md").read_text()
    for primitive in REVERSE_ONLY:
        assert f"`{primitive.__name__}`" in text, f"docs/how-it-works.md doesn't list {primitive.__name__}"


# ---- closed forms, orders 0–12 --------------------------------------------------------------------

def falling(r, n):
    """r (r-1) ... (r-n+1): d^n x^r = falling(r, n) x^(r-n)."""
    return math.prod(r - i for i in range(n))


def arctan_derivative(x, n):  # 1/(1+x²) = Im 1/(x-i), so d^n arctan = (-1)^(n-1) (n-1)! Im (x-i)^-n
    return math.atan(x) if n == 0 else (-1) ** (n - 1) * math.factorial(n - 1) * ((x - 1j) ** -n).imag


def arctanh_derivative(x, n):  # 1/(1-x²) = (1/(1-x) + 1/(1+x)) / 2
    if n == 0:
        return math.atanh(x)
    return math.factorial(n - 1) * ((1 - x) ** -n + (-1) ** (n - 1) * (1 + x) ** -n) / 2


def log_derivative(x, n, base=math.e):
    return math.log(x, base) if n == 0 else (-1) ** (n - 1) * math.factorial(n - 1) / x ** n / math.log(base)


LN2 = math.log(2.0)
CLOSED_FORMS = {  # name: (f, x0, n -> f^(n)(x0))
    "exp":        (np.exp, 0.7, lambda x, n: math.exp(x)),
    "exp2":       (np.exp2, -0.4, lambda x, n: LN2 ** n * 2 ** x),
    "expm1":      (np.expm1, 0.3, lambda x, n: math.expm1(x) if n == 0 else math.exp(x)),
    "2**x":       (lambda x: 2.0 ** x, 0.9, lambda x, n: LN2 ** n * 2 ** x),
    "log":        (np.log, 0.7, log_derivative),
    "log2":       (np.log2, 1.8, lambda x, n: log_derivative(x, n, 2.0)),
    "log10":      (np.log10, 2.5, lambda x, n: log_derivative(x, n, 10.0)),
    "log1p":      (np.log1p, -0.3, lambda x, n: log_derivative(1 + x, n)),
    "sin":        (np.sin, 0.5, lambda x, n: math.sin(x + n * math.pi / 2)),
    "cos":        (np.cos, 0.5, lambda x, n: math.cos(x + n * math.pi / 2)),
    "sinh":       (np.sinh, 0.6, lambda x, n: math.cosh(x) if n % 2 else math.sinh(x)),
    "cosh":       (np.cosh, 0.6, lambda x, n: math.sinh(x) if n % 2 else math.cosh(x)),
    "arctan":     (np.arctan, 0.7, arctan_derivative),
    "arctanh":    (np.arctanh, -0.4, arctanh_derivative),
    "sqrt":       (np.sqrt, 1.7, lambda x, n: falling(0.5, n) * x ** (0.5 - n)),
    "cbrt>0":     (np.cbrt, 1.3, lambda x, n: falling(1 / 3, n) * x ** (1 / 3 - n)),
    "cbrt<0":     (np.cbrt, -1.3, lambda x, n: -(-1) ** n * falling(1 / 3, n) * (-x) ** (1 / 3 - n)),
    "reciprocal": (np.reciprocal, 0.8, lambda x, n: (-1) ** n * math.factorial(n) / x ** (n + 1)),
    "1/x":        (lambda x: 1.0 / x, -1.5, lambda x, n: (-1) ** n * math.factorial(n) / x ** (n + 1)),
    "x**2.5":     (lambda x: x ** 2.5, 1.3, lambda x, n: falling(2.5, n) * x ** (2.5 - n)),
    "x**-3":      (lambda x: x ** -3.0, 0.9, lambda x, n: falling(-3, n) * x ** (-3 - n)),
    "x**7 at 0":  (lambda x: x ** 7, 0.0, lambda x, n: 5040.0 if n == 7 else 0.0),
    "square":     (np.square, -2.0, lambda x, n: [x * x, 2 * x, 2.0][n] if n < 3 else 0.0),
    "sin·exp":    (lambda x: np.sin(x) * np.exp(x), 0.5,
                   lambda x, n: 2 ** (n / 2) * math.exp(x) * math.sin(x + n * math.pi / 4)),
    "-x/3 - 2":   (lambda x: -x / 3.0 - 2.0, 0.4, lambda x, n: [-x / 3 - 2, -1 / 3][n] if n < 2 else 0.0),
    "|x|":        (np.abs, -0.8, lambda x, n: [0.8, -1.0][n] if n < 2 else 0.0),
}


@pytest.mark.parametrize("name", CLOSED_FORMS)
def test_derivatives_to_order_12_match_closed_forms(name):
    f, x0, nth = CLOSED_FORMS[name]
    assert_derivatives_close(taylor_derivatives(f, x0, 12), [nth(x0, n) for n in range(13)])


# ---- 50-digit references, orders 0–12 -------------------------------------------------------------

class MP:
    """NumPy's names for mpmath's functions, so one expression can be evaluated both ways."""
    exp, log, sin, cos, tan, sqrt, cbrt = mpmath.exp, mpmath.log, mpmath.sin, mpmath.cos, mpmath.tan, mpmath.sqrt, mpmath.cbrt
    sinh, cosh, tanh, expm1, log1p, hypot = mpmath.sinh, mpmath.cosh, mpmath.tanh, mpmath.expm1, mpmath.log1p, mpmath.hypot
    arcsin, arccos, arctan, arctan2 = mpmath.asin, mpmath.acos, mpmath.atan, mpmath.atan2
    arcsinh, arccosh, arctanh = mpmath.asinh, mpmath.acosh, mpmath.atanh
    exp2 = staticmethod(lambda a: 2 ** a)
    log2 = staticmethod(lambda a: mpmath.log(a, 2))
    log10 = staticmethod(lambda a: mpmath.log(a, 10))
    logaddexp = staticmethod(lambda a, b: mpmath.log(mpmath.exp(a) + mpmath.exp(b)))


# name: (expression in NumPy's names, x0, the same function for mpmath where NumPy's differs)
REFERENCES = {
    "tan":        (lambda m, x: m.tan(x), 0.3, None),
    "tanh":       (lambda m, x: m.tanh(x), -0.8, None),
    "arcsin":     (lambda m, x: m.arcsin(x), 0.4, None),
    "arccos":     (lambda m, x: m.arccos(x), -0.6, None),
    "arcsinh":    (lambda m, x: m.arcsinh(x), 1.1, None),
    "arccosh":    (lambda m, x: m.arccosh(x), 1.6, None),
    "log1p∘exp2": (lambda m, x: m.log1p(m.exp2(x)) * m.log2(x) + m.log10(x), 1.4, None),
    "expm1∘cbrt": (lambda m, x: m.expm1(m.cbrt(x)) / (1.0 + x * x), 2.0, None),
    "x**x":       (lambda m, x: x ** x, 1.2, None),
    "sin(x)**cos(x)": (lambda m, x: m.sin(x) ** m.cos(x), 0.9, None),
    "(x²+1)**-1.5": (lambda m, x: (x * x + 1.0) ** -1.5, 0.5, None),
    "hypot":      (lambda m, x: m.hypot(x, 2.0 * x + 1.0) + m.hypot(x, 0.5), 0.3, None),
    "arctan2":    (lambda m, x: m.arctan2(m.sin(x), x + 2.0) - m.arctan2(1.5, x), 0.4, None),
    "logaddexp":  (lambda m, x: m.logaddexp(x, x * x) + m.logaddexp(0.3, -x), 0.6, None),
    "quotient":   (lambda m, x: (m.sin(x) - x) / (m.exp(x) - 0.5 * x), 0.7, None),
    "sqrt∘tanh":  (lambda m, x: m.sqrt(2.0 + m.tanh(x) * m.cosh(x)), -0.2, None),
    "x*x*x*sin":  (lambda m, x: x * x * x * m.sin(x) - 3.0 * x, 1.3, None),
    "max":        (lambda m, x: np.maximum(np.sin(x), np.cos(x)) + np.maximum(x, 1.0), 0.3,
                   lambda m, x: m.cos(x) + 1.0),
    "min":        (lambda m, x: np.minimum(np.sin(x), np.cos(x)) * np.minimum(x, 1.0), 0.3,
                   lambda m, x: m.sin(x) * x),
    "remainder":  (lambda m, x: np.remainder(x * x, 1.5) + np.remainder(3.5, x), 1.3,
                   lambda m, x: x * x - 1.5 + 3.5 - 2 * x),
    "piecewise constants": (lambda m, x: np.floor(x) * np.sin(x) + np.ceil(x) * x + np.round(x) * x * x
                            + np.rint(x) + np.sign(x) * np.exp(x) + np.floor_divide(x, 0.7), 2.3,
                            lambda m, x: 2 * m.sin(x) + 3 * x + 2 * x * x + 2 + m.exp(x) + 3),
    "square∘sum": (lambda m, x: np.square(np.sum(np.stack([np.sin(x), x * x, 3.0]))) / 9.0, 0.4,
                   lambda m, x: (m.sin(x) + x * x + 3) ** 2 / 9),
    "mean":       (lambda m, x: np.mean(np.stack([np.sin(x), x * x, 3.0])), 0.4,
                   lambda m, x: (m.sin(x) + x * x + 3) / 3),
    "prod":       (lambda m, x: np.prod(np.stack([x, x + 1.0, np.exp(x), 2.0])), 0.5,
                   lambda m, x: 2 * x * (x + 1) * m.exp(x)),
    "prod with a zero": (lambda m, x: np.prod(np.stack([x, np.sin(x), x * x])), 0.0,
                         lambda m, x: x ** 3 * m.sin(x)),
    "var":        (lambda m, x: np.var(np.stack([x, 2.0 * x, np.exp(x)])), 0.5,
                   lambda m, x: (x * x + 4 * x * x + m.exp(2 * x)) / 3 - ((3 * x + m.exp(x)) / 3) ** 2),
    "std ddof=1": (lambda m, x: np.std(np.stack([x, x * x]), ddof=1), 2.0,
                   lambda m, x: (x * x - x) / m.sqrt(2)),
    "max of array": (lambda m, x: np.max(np.stack([np.sin(x), np.cos(x), x])) - np.min(np.stack([np.sin(x), x])),
                     0.3, lambda m, x: m.cos(x) - m.sin(x)),
    "cumsum":     (lambda m, x: np.cumsum(np.stack([x, np.sin(x), x * x]))[2], 0.4,
                   lambda m, x: x + m.sin(x) + x * x),
    "matrices":   (lambda m, x: np.sum(np.stack([np.stack([x, 1.0]), np.stack([2.0, np.sin(x)])])
                                       @ np.stack([x, x * x])), 0.6,
                   lambda m, x: x * x + x * x + 2 * x + m.sin(x) * x * x),
    "dot inner outer": (lambda m, x: np.dot(np.stack([np.sin(x), x]), np.stack([x, np.cos(x)]))
                        + np.inner(np.stack([x, 2.0]), np.stack([x, x]))
                        + np.sum(np.outer(np.stack([x, 1.0]), np.stack([x, 3.0])) * np.array([[1.0, 2.0], [3.0, 4.0]])),
                        0.7, lambda m, x: x * m.sin(x) + x * m.cos(x) + x * x + 2 * x + x * x + 6 * x + 3 * x + 12),
    "tensordot einsum": (lambda m, x: np.tensordot(np.stack([x, np.exp(x)]), np.stack([x, x]), axes=1)
                         + np.einsum("i,i,i->", np.stack([x, 1.0]), np.stack([x, x]), np.stack([np.sin(x), 2.0])),
                         0.8, lambda m, x: x * x + m.exp(x) * x + x * x * m.sin(x) + 2 * x),
    "shapes":     (lambda m, x: np.moveaxis(np.flip(np.swapaxes(np.expand_dims(np.squeeze(np.reshape(
                       np.ravel(np.transpose(np.stack([np.stack([x, x * x]), np.stack([np.sin(x), 2.0])]))),
                       (1, 4))), 0), 0, 1), 0), 0, 1)[0, 1] * np.trace(np.diag(np.broadcast_to(x, (2,)))),
                   0.9, lambda m, x: x * x * 2 * x),
    "where clip": (lambda m, x: np.sum(np.where(np.array([True, False]), np.stack([x, x]), np.sin(x)))
                   + np.clip(x * x, 0.0, 0.5) + np.clip(x, 0.9, 2.0) + np.clip(np.sin(x), x, 1.0), 0.6,
                   lambda m, x: x + m.sin(x) + x * x + 0.9 + x),
    "getitem concatenate": (lambda m, x: np.concatenate([np.stack([x, np.exp(x)]), np.ones(2)])[1:3] @ np.array([2.0, 5.0]),
                            0.2, lambda m, x: 2 * m.exp(x) + 5),
}


def reference_derivatives(f, x0, order):
    with mpmath.workdps(50):
        coefficients = mpmath.taylor(lambda x: f(MP, x), mpmath.mpf(x0), order)
    return [float(c) * math.factorial(k) for k, c in enumerate(coefficients)]


@pytest.mark.parametrize("name", REFERENCES)
def test_derivatives_to_order_12_match_50_digit_references(name):
    f, x0, reference = REFERENCES[name]
    truth = reference_derivatives(reference or f, x0, 12)
    assert_derivatives_close(taylor_derivatives(lambda x: f(np, x), x0, 12), truth)


@pytest.mark.parametrize("name", REFERENCES)
def test_reverse_mode_through_taylor_mode_gives_the_next_order(name):
    """Every rule also runs on values an outer tape traces: grad of the Taylor-mode f″ is f‴."""
    f, x0, reference = REFERENCES[name]
    second = lambda x: taylor_derivatives(lambda t: f(np, t), x, 2)[2]
    assert grad(second)(x0) == pytest.approx(reference_derivatives(reference or f, x0, 3)[3], rel=1e-9)


# ---- every primitive, with arrays and broadcasting, against nested reverse mode --------------------

@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_taylor_rule_matches_nested_reverse_mode_to_order_3(request, primitive, call, inputs, argnum):
    """Along a random line through the case's inputs: g(t) = u · call(x + t v), at t = 0."""
    rng = np.random.default_rng(zlib.crc32(request.node.callspec.id.encode()))
    args = [domain(rng, shape) for domain, shape in inputs]
    directions = {i: rng.standard_normal(np.shape(args[i])) * 0.1 for i in argnum}
    u = rng.standard_normal(np.shape(call(*args)))

    def along(t):
        moved = [a + t * directions[i] if i in directions else a for i, a in enumerate(args)]
        return call(*moved)

    with Tape() as tape:
        t = new_leaf(tape, 0.0)
        out = along(t)
    (series,) = derivatives([out], t, 3)
    assert all(np.shape(d) == np.shape(u) for d in series)
    got = [np.sum(u * d) for d in series]
    truth = [nested_reverse(lambda t: np.sum(u * along(t)), k)(0.0) for k in range(4)]
    assert_derivatives_close(got, truth, rtol=1e-8)


# ---- random expression trees, orders 1–4, against nested reverse mode ------------------------------

UNARY = {  # each defined (and smooth) for every real argument
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "arctan": np.arctan, "arcsinh": np.arcsinh,
    "neg": np.negative, "square": np.square, "cube": lambda a: a ** 3,
    "exp∘tanh": lambda a: np.exp(np.tanh(a)), "sinh∘sin": lambda a: np.sinh(np.sin(a)),
    "cosh∘tanh": lambda a: np.cosh(np.tanh(a)), "expm1∘sin": lambda a: np.expm1(np.sin(a)),
    "exp2∘cos": lambda a: np.exp2(np.cos(a)), "log(1+a²)": lambda a: np.log(1.0 + a * a),
    "log2(2+cos)": lambda a: np.log2(2.0 + np.cos(a)), "log10(2+sin)": lambda a: np.log10(2.0 + np.sin(a)),
    "log1p(a²)": lambda a: np.log1p(np.square(a)), "sqrt(1+a²)": lambda a: np.sqrt(1.0 + a * a),
    "cbrt(2+a²)": lambda a: np.cbrt(2.0 + a * a), "1/(1+a²)": lambda a: np.reciprocal(1.0 + a * a),
    "(1+a²)^1.5": lambda a: (1.0 + a * a) ** 1.5, "tan(tanh/2)": lambda a: np.tan(0.5 * np.tanh(a)),
    "arcsin(tanh/2)": lambda a: np.arcsin(0.5 * np.tanh(a)), "arccos(tanh/2)": lambda a: np.arccos(0.5 * np.tanh(a)),
    "arctanh(tanh/2)": lambda a: np.arctanh(0.5 * np.tanh(a)), "arccosh(2+a²)": lambda a: np.arccosh(2.0 + a * a),
    "|2+sin|": lambda a: np.abs(2.0 + np.sin(a)),
}
BINARY = {
    "+": np.add, "-": np.subtract, "*": np.multiply,
    "a/(2+b²)": lambda a, b: a / (2.0 + b * b), "hypot(a, 1+b²)": lambda a, b: np.hypot(a, 1.0 + b * b),
    "arctan2(a, 2+b²)": lambda a, b: np.arctan2(a, 2.0 + b * b), "logaddexp": np.logaddexp,
    "(1+a²)^sin(b)": lambda a, b: (1.0 + a * a) ** np.sin(b),
}

trees = st.recursive(
    st.just("x") | st.floats(-2.0, 2.0).map(lambda c: round(c, 2)),
    lambda children: st.tuples(st.sampled_from(sorted(UNARY)), children)
    | st.tuples(st.sampled_from(sorted(BINARY)), children, children),
    max_leaves=10)


def evaluate(tree, x):
    if tree == "x":
        return x
    if isinstance(tree, float):
        return tree
    if len(tree) == 2:
        return UNARY[tree[0]](evaluate(tree[1], x))
    return BINARY[tree[0]](evaluate(tree[1], x), evaluate(tree[2], x))


@settings(max_examples=300, deadline=None)
@given(tree=trees, x0=st.floats(-1.5, 1.5))
def test_random_expressions_match_nested_reverse_mode_to_order_4(tree, x0):
    f = lambda x: evaluate(tree, x)
    got = taylor_derivatives(f, x0, 4)
    with np.errstate(all="ignore"):
        truth = [f(x0)] + [nested_reverse(f, k)(x0) for k in range(1, 5)]
    # Nested reverse mode gives nan where a rule's own x ** 2 meets x = 0 (rules.py differentiates
    # x ** y by y x ** (y-1), and at order 3 that is 0 · 0^-1): no truth there to compare with.
    assume(np.all(np.isfinite(truth)))
    assert_derivatives_close(got, truth, rtol=1e-8, atol=1e-12)


# ---- what the sweep gives ---------------------------------------------------------------------------

def test_several_outputs_come_from_one_sweep_and_constants_have_zero_derivatives():
    with Tape() as tape:
        x = new_leaf(tape, 2.0)
        y = x * x
        z = np.sin(y)
    got = derivatives([y, z, 5.0, x], x, 2)
    assert got[0] == [4.0, 4.0, 2.0]
    np.testing.assert_allclose(got[1], [np.sin(4), 4 * np.cos(4), 2 * np.cos(4) - 16 * np.sin(4)])
    assert got[2] == [5.0, 0.0, 0.0]
    assert got[3] == [2.0, 1.0, 0.0]


def test_other_inputs_on_the_tape_stay_constant():
    with Tape() as tape:
        x, y = new_leaf(tape, 2.0), new_leaf(tape, 3.0)
        z = x ** 3 * np.sin(y)          # d²z/dx² = 6x sin(y) with y fixed
        w = y * y                       # does not depend on x at all
    (dz, dw) = derivatives([z, w], x, 3)
    np.testing.assert_allclose(dz, np.array([8.0, 12.0, 12.0, 6.0]) * np.sin(3.0))
    assert dw == [9.0, 0.0, 0.0, 0.0]


def test_array_inputs_move_elementwise():
    x0 = np.array([[0.1, 0.5], [-1.0, 2.0]])
    with Tape() as tape:
        x = new_leaf(tape, x0)
        y = np.exp(x) * np.cos(x)
    (coefficients,) = taylor_coefficients([y], x, 5)
    assert coefficients.shape == (6, 2, 2)
    for n in range(6):  # d^n (e^x cos x) = 2^(n/2) e^x cos(x + nπ/4)
        expected = 2 ** (n / 2) * np.exp(x0) * np.cos(x0 + n * np.pi / 4) / math.factorial(n)
        np.testing.assert_allclose(coefficients[n], expected, rtol=1e-12, atol=1e-14)


def test_order_0_is_the_value_and_a_negative_order_is_refused():
    assert taylor_derivatives(np.sin, 1.0, 0) == [np.sin(1.0)]
    with pytest.raises(ValueError, match="order"):
        taylor_derivatives(np.sin, 1.0, -1)


def test_whole_powers_are_exact_at_zero():
    assert taylor_derivatives(lambda x: x ** 3 + x ** 0, 0.0, 4) == [1.0, 0.0, 0.0, 6.0, 0.0]


# ---- where the function or a derivative is infinite or undefined ---------------------------------

INF, NAN = np.inf, np.nan
AT_ZERO = {  # f, then [f, f', ..., f⁗] at x = 0: each closed form evaluated by NumPy at +0.0
    "1/x":        (lambda x: 1.0 / x, [INF, -INF, INF, -INF, INF]),        # (-1)^k k! / x^(k+1)
    "reciprocal": (np.reciprocal, [INF, -INF, INF, -INF, INF]),
    "x**-3":      (lambda x: x ** -3.0, [INF, -INF, INF, -INF, INF]),     # falling(-3, k) x^(-3-k)
    "log":        (np.log, [-INF, INF, -INF, INF, -INF]),                 # (-1)^(k-1) (k-1)! / x^k
    "log2":       (np.log2, [-INF, INF, -INF, INF, -INF]),
    "log10":      (np.log10, [-INF, INF, -INF, INF, -INF]),
    "sqrt":       (np.sqrt, [0.0, INF, -INF, INF, -INF]),                 # falling(1/2, k) x^(1/2-k)
    "x**0.5":     (lambda x: x ** 0.5, [0.0, INF, -INF, INF, -INF]),
    "cbrt":       (np.cbrt, [0.0, INF, -INF, INF, -INF]),
    "cbrt(-x)":   (lambda x: np.cbrt(-x), [-0.0, -INF, INF, -INF, INF]),
    "x**2.5":     (lambda x: x ** 2.5, [0.0, 0.0, 0.0, INF, -INF]),       # 2.5 x^1.5, 3.75 x^0.5, ...
    "sin(x)**2.5": (lambda x: np.sin(x) ** 2.5, [0.0, 0.0, 0.0, INF, -INF]),
    "(x*x)**1.5": (lambda x: (x * x) ** 1.5, [0.0, 0.0, 0.0, NAN, NAN]),   # |x|³: no 3rd derivative
    "sqrt(x*x)":  (lambda x: np.sqrt(x * x), [0.0, NAN, NAN, NAN, NAN]),  # |x|: no derivative at 0
    "x/x":        (lambda x: x / x, [NAN] * 5),                           # 0/0, as NumPy
    "arctan2(x, x)": (lambda x: np.arctan2(x, x), [0.0] + [NAN] * 4),
}


@pytest.mark.parametrize("name", AT_ZERO)
def test_at_zero_taylor_mode_gives_numpys_inf_and_nan_and_exact_zeros(name):
    f, truth = AT_ZERO[name]
    with np.errstate(all="ignore"):
        got = taylor_derivatives(f, 0.0, 4)
        first = grad(f)(0.0)  # reverse mode, which shares no code with Taylor mode
    np.testing.assert_array_equal(np.array(got, dtype=float), truth)
    np.testing.assert_array_equal(got[1], first)


def test_finite_derivatives_at_zero_agree_with_one_sided_mpmath():
    for f, mp_f in [(lambda x: x ** 2.5, lambda x: x ** 2.5),
                    (lambda x: np.sin(x) ** 2.5, lambda x: mpmath.sin(x) ** 2.5)]:
        got = taylor_derivatives(f, 0.0, 2)
        for k in range(3):
            assert abs(float(mpmath.diff(mp_f, 0, k, direction=1)) - got[k]) < 1e-6


def test_array_input_with_a_zero_element_gets_inf_there_and_the_usual_elsewhere():
    with np.errstate(all="ignore"):
        got = taylor_derivatives(np.sqrt, np.array([0.0, 4.0]), 3)
    for k, expected in enumerate([[0.0, 2.0], [INF, 0.25], [-INF, -1 / 32], [INF, 3 / 256]]):
        np.testing.assert_allclose(got[k], expected, rtol=1e-14)


def test_an_array_exponent_with_whole_entries_is_exact_at_zero():
    with np.errstate(all="ignore"):
        got = taylor_derivatives(lambda x: x ** np.array([2.0, 2.5, -1.0]), np.zeros(3), 3)
    np.testing.assert_array_equal(np.array(got), [[0.0, 0.0, INF], [0.0, 0.0, -INF],
                                                  [2.0, 0.0, INF], [0.0, INF, -INF]])


def test_taylor_mode_adds_no_warnings_to_numpys_own(recwarn):
    taylor_derivatives(lambda x: x ** 2.5, 0.0, 5)  # the value 0 ** 2.5 warns of nothing
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# ---- high orders, and the order check -------------------------------------------------------------

def test_orders_up_to_max_order_are_exact_and_overflow_only_where_the_derivative_does():
    assert MAX_ORDER == 170
    np.testing.assert_allclose(taylor_derivatives(np.exp, 0.0, MAX_ORDER), 1.0, rtol=1e-12)
    assert taylor_derivatives(lambda x: np.sin(2.0 * x), 0.3, 161)[161] == \
        pytest.approx(2.0 ** 161 * math.cos(0.6), rel=1e-9)  # 2^161 cos(0.6) ≈ 2.4e48
    # d^k/dx^k 1/(1+x) is (-1)^k k! / (1+x)^(k+1): at 0, 150! ≈ 5.7e262 is a float;
    # at -0.5, 170!·2^171 ≈ 2e358 is not
    assert taylor_derivatives(lambda x: 1.0 / (1.0 + x), 0.0, 150)[150] == \
        pytest.approx(float(math.factorial(150)), rel=1e-12)
    assert taylor_derivatives(lambda x: 1.0 / (1.0 + x), -0.5, 170)[170] == INF


def test_an_order_beyond_max_order_is_refused_with_the_limit():
    with pytest.raises(ValueError, match=r"beyond order 170, k! overflows a float64"):
        taylor_derivatives(np.exp, 0.0, 171)


@pytest.mark.parametrize("order", [-1, 2.5, True, "2", None])
def test_check_order_refuses_what_is_not_a_whole_number_from_the_minimum(order):
    with pytest.raises(ValueError, match="must be a whole number, 0 or more"):
        check_order(order, 0)


def test_check_order_accepts_numpy_integers_and_says_the_minimum():
    assert type(check_order(np.int64(3), 1)) is int
    with pytest.raises(ValueError, match="1 or more .* got 0"):
        check_order(0, 1)


# ---- keywords: honoured, or refused with a message -------------------------------------------------

MASK = np.array([True, False, True])
W0, V = np.array([0.5, 0.0, 0.5]), np.array([1.0, -2.0, 0.5])


def along_v(f, order=2):
    """f(W0 + t V) and its t-derivatives at 0, in Taylor mode."""
    return taylor_derivatives(lambda t: f(W0 + t * V), 0.0, order)


@pytest.mark.parametrize("f, truth", [  # truth: [g, g', g''] of g(t) = f(W0 + t V), by hand
    (lambda w: np.sum(2.0 * w, where=MASK), [2.0, 3.0, 0.0]),
    (lambda w: np.sum(w, initial=10.0), [11.0, -0.5, 0.0]),
    (lambda w: np.mean(w, where=MASK), [0.5, 0.75, 0.0]),
    (lambda w: np.var(w, correction=1), [1 / 12, 33 / 36, 2 * np.var(V, ddof=1)]),
    (lambda w: np.max(w, initial=10.0), [10.0, 0.0, 0.0]),
    (lambda w: np.max(w * w, where=~MASK, initial=-1.0), [0.0, 0.0, 8.0]),
    (lambda w: np.prod(w, where=MASK, initial=2.0), [0.5, 1.5, 2.0]),  # 2(.5+t)(.5+t/2)
    (lambda w: np.sum(np.add(w, 1.0, dtype=np.float64)), [4.0, -0.5, 0.0]),
], ids=["sum-where", "sum-initial", "mean-where", "var-correction", "max-initial-wins",
        "max-where", "prod-where-initial", "add-dtype"])
def test_keywords_are_honoured(f, truth):
    np.testing.assert_allclose(np.array(along_v(f), dtype=float), truth, rtol=1e-12, atol=1e-15)


def test_std_with_correction_matches_finite_differences():
    s = lambda t: np.std((W0 + t * V) ** 2, ddof=1)
    h = 1e-4
    truth = [s(0.0), (s(h) - s(-h)) / (2 * h), (s(h) - 2 * s(0.0) + s(-h)) / h ** 2]
    np.testing.assert_allclose(along_v(lambda w: np.std(w * w, correction=1)), truth, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:'where' used without 'out'")
@pytest.mark.parametrize("f, message", [
    (lambda w: np.sin(w, where=MASK), r"np.sin\(..., where=...\) isn't supported"),
    (lambda w: np.var(w, mean=np.mean(W0, keepdims=True)), r"np.var\(..., mean=...\)"),
    (lambda w: np.clip(w, 0.1, 0.4, where=MASK), r"np.clip\(..., where=...\)"),
    (lambda w: np.add(w, 1.0, dtype=np.int64, casting="unsafe"), r"dtype=int64"),
    (lambda w: np.sum(w, dtype=np.int64), r"np.sum\(..., dtype=...\) .* dtype=int64 rounds"),
], ids=["ufunc-where", "var-mean", "clip-where", "ufunc-dtype-int", "sum-dtype-int"])
def test_keywords_taylor_mode_cannot_honour_are_refused_with_a_message(f, message):
    with pytest.raises(TypeError, match=message):
        along_v(f)


# ---- nesting: a Taylor-mode derivative differentiated by an outer tape ----------------------------

def test_reverse_mode_of_a_taylor_derivative_gives_the_next_order():
    third = lambda x: taylor_derivatives(lambda t: np.sin(t) * np.exp(t), x, 3)[3]
    fourth = grad(third)(0.5)  # d⁴(sin·exp) = -4 e^x sin x
    assert fourth == pytest.approx(-4 * math.exp(0.5) * math.sin(0.5), rel=1e-12)


def test_taylor_derivatives_depend_on_values_an_outer_tape_traces():
    # d/dy [ d²/dx² (x² y³) ] = d/dy [2 y³] = 6 y², with y traced by the outer tape
    second = lambda y: taylor_derivatives(lambda x: x * x * y ** 3, 1.5, 2)[2]
    assert grad(second)(2.0) == pytest.approx(24.0, rel=1e-12)


# ---- the Taylor polynomial, written out --------------------------------------------------------------

def test_taylor_polynomial_of_exp_has_coefficients_one_over_k_factorial():
    with Tape() as tape:
        x = new_leaf(tape, 0.0)
        y = np.exp(x)
    np.testing.assert_allclose(taylor_polynomial(y, x, 6), [1 / math.factorial(k) for k in range(7)])


def test_polynomial_text_reads_like_the_blackboard():
    assert polynomial_text([9.0, 6.0, 1.0], "x", 3.0) == "9 + 6(x−3) + (x−3)²"
    assert polynomial_text([0.0, 1.0, 0.0, -1 / 6], "x", 0.0) == "x − x³/6"
    assert polynomial_text([-1.0, 0.0, -1.0, 0.5], "t", -2.0) == "−1 − (t+2)² + 0.5(t+2)³"
    assert polynomial_text([0.0, 0.0], "x", 1.0) == "0"
    assert polynomial_text([0.0] * 11 + [2.0], "x", 0.0) == "2x¹¹"


def test_polynomial_latex_is_math_mode_latex():
    assert polynomial_latex([9.0, 6.0, 1.0], "x", 3.0) == "9 + 6 (x - 3) + (x - 3)^{2}"
    assert polynomial_latex([0.0, -1.0, 0.0, 2.5e-05], "x", -0.5) == \
        r"-(x + 0.5) + 2.5 \cdot 10^{-5} (x + 0.5)^{3}"


# ---- a few points at once: coefficients stacked side by side (stacked.py) ------------------------

@pytest.mark.parametrize("name", [name for name in CLOSED_FORMS if name != "|x|"])  # (|x| at -0.8 only)
def test_a_few_points_at_once_match_the_closed_forms_to_order_12(name):
    """Up to a few hundred points, the coefficients are rows of one array (stacked.py): products
    and exp/sin/cos/sinh/cosh recurrences are stacked."""
    f, x0, nth = CLOSED_FORMS[name]
    points = x0 + np.array([0.0, 0.0625, -0.125]) if x0 != 0.0 else np.zeros(3)
    got = taylor_derivatives(f, points, 12)
    truth = [np.array([nth(float(x), n) for x in points]) for n in range(13)]
    assert_derivatives_close(got, truth)


def test_a_few_points_at_once_go_side_by_side(monkeypatch):
    from admagic import stacked
    calls = []
    for name in ("cauchy", "recurrence"):
        original = getattr(stacked, name)
        monkeypatch.setattr(stacked, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a))
    points = np.array([0.1, 0.5, 0.9, 1.3])
    got = taylor_derivatives(lambda x: np.sin(x) * np.exp(x) + np.sinh(x) * np.cosh(x), points, 9)
    for n in range(10):  # sinh·cosh = sinh(2x)/2
        expected = 2 ** (n / 2) * np.exp(points) * np.sin(points + n * np.pi / 4) + 2.0 ** (n - 1) * (
            np.cosh(2 * points) if n % 2 else np.sinh(2 * points))
        np.testing.assert_allclose(got[n], expected, rtol=1e-11)
    assert set(calls) == {"cauchy", "recurrence"}


def test_side_by_side_an_inf_stays_where_it_was_and_the_lower_orders_stay_exact():
    """x^2.5·e^x and sin(x^2.5) at 0: the 3rd derivative is +inf, the lower ones exactly 0 (a
    stacked product must add only the terms the sum would, or 0·inf would make them nan)."""
    points = np.array([0.0, 1.0, 2.0, 0.0])
    with np.errstate(all="ignore"):
        product = taylor_derivatives(lambda x: x ** 2.5 * np.exp(x), points, 5)
        composed = taylor_derivatives(lambda x: np.sin(x ** 2.5), points, 5)
    for got in (product, composed):
        for k in range(3):
            np.testing.assert_array_equal(got[k][[0, 3]], 0.0)
        np.testing.assert_array_equal(got[3][[0, 3]], np.inf)
    for k in range(6):  # d^k (x^2.5 e^x) = e^x Σ_i C(k, i) falling(2.5, i) x^(2.5-i), at x = 1, 2
        expected = [math.exp(x) * sum(math.comb(k, i) * falling(2.5, i) * x ** (2.5 - i)
                                      for i in range(k + 1)) for x in (1.0, 2.0)]
        np.testing.assert_allclose(product[k][1:3], expected, rtol=1e-12)


def test_a_series_side_by_side_lists_its_coefficients_as_views_that_follow_its_value():
    from admagic.series import Series
    rows = np.arange(12.0).reshape(4, 3)
    s = Series.side_by_side(rows)
    assert len(s) == 4 and [list(c) for c in s.c] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    s.set_value(0.5)
    np.testing.assert_array_equal(s.c[0], [0.5, 0.5, 0.5])
    s.set_value(np.array([[1.0, 2.0, 3.0]]))  # a value that is not one row: the rows go, the list stays
    assert s.rows is None and s.c[0].shape == (1, 3) and list(s.c[3]) == [9, 10, 11]


# ---- an input's own series side by side: exp, sin/cos, sinh/cosh in closed form (stacked.py) ----

def _count_lines(monkeypatch):
    """Record what each closed-form solve along a line gave: its coefficients, or None (fallen
    back to the recurrence)."""
    from admagic import stacked
    found = []
    original = stacked._on_a_line
    monkeypatch.setattr(stacked, "_on_a_line", lambda *a: found.append(original(*a)) or found[-1])
    return found


LINE_CLOSED_FORMS = {  # the n-th derivative at x
    "exp": (np.exp, lambda x, n: np.exp(x)),
    "sin": (np.sin, lambda x, n: [np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)][n % 4](x)),
    "cos": (np.cos, lambda x, n: [np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x), np.sin][n % 4](x)),
    "sinh": (np.sinh, lambda x, n: np.sinh(x) if n % 2 == 0 else np.cosh(x)),
    "cosh": (np.cosh, lambda x, n: np.cosh(x) if n % 2 == 0 else np.sinh(x)),
}


@pytest.mark.parametrize("name", LINE_CLOSED_FORMS)
def test_a_function_of_the_input_side_by_side_is_solved_in_closed_form_and_exact(monkeypatch, name):
    """f(x0 + t) for a few points at once: the input's series is a line, so its exp/sin/cos/sinh/
    cosh come from slope^k/k! (no recurrence); every derivative to order 14 as the closed form."""
    f, nth = LINE_CLOSED_FORMS[name]
    lines = _count_lines(monkeypatch)
    points = np.array([-1.5, 0.0, 0.25, 2.0])
    got = taylor_derivatives(f, points, 14)
    assert lines and all(found is not None for found in lines)  # the closed form ran
    for n in range(15):
        np.testing.assert_allclose(got[n], nth(points, n), rtol=1e-14, atol=1e-15)


def test_where_exp_of_the_input_overflows_the_points_side_by_side_give_what_each_gives_alone(
        monkeypatch):
    """exp(800) is inf: there the closed form gives up and the recurrence (with its 0·inf = nan,
    as series.py's sums have it) answers, the same numbers as each point swept alone."""
    lines = _count_lines(monkeypatch)
    points = np.array([0.5, 800.0, -800.0, 1.0])
    with np.errstate(all="ignore"):
        together = taylor_derivatives(lambda x: np.exp(x) * np.sin(x), points, 6)
        alone = [taylor_derivatives(lambda x: np.exp(x) * np.sin(x), float(x), 6) for x in points]
    assert None in lines  # fell back
    for n in range(7):
        np.testing.assert_allclose(together[n], [a[n] for a in alone], rtol=1e-13)
    assert np.isinf(together[0][1]) and np.isnan(together[6][1])  # inf, then 0·inf = nan
    for x, index in ((0.5, 0), (1.0, 3)):  # d^n (eˣ sin x) = 2^(n/2) eˣ sin(x + nπ/4)
        np.testing.assert_allclose([together[n][index] for n in range(7)],
                                   [2 ** (n / 2) * np.exp(x) * np.sin(x + n * np.pi / 4)
                                    for n in range(7)], rtol=1e-13)


@pytest.mark.parametrize("f, name", [(lambda x: np.exp(x) / x, "exp(x)/x"),
                                     (lambda x: np.log(x) * np.sin(x), "log(x)·sin(x)"),
                                     (lambda x: np.sqrt(x) * np.cosh(x), "sqrt(x)·cosh(x)"),
                                     (lambda x: np.cos(x) / x, "cos(x)/x")])
def test_at_zero_side_by_side_the_inf_and_nan_are_numpys_as_for_each_point_alone(f, name):
    """1/x, log and sqrt at 0 next to a closed-form exp/sin/cosh of the same input: the points
    side by side give exactly what each gives swept alone (inf and nan where NumPy's are)."""
    points = np.array([0.0, 0.5, 0.0, 2.0])
    with np.errstate(all="ignore"):
        together = taylor_derivatives(f, points, 6)
        alone = [taylor_derivatives(f, float(x), 6) for x in points]
    for n in range(7):
        np.testing.assert_allclose(together[n], [a[n] for a in alone], rtol=1e-13)
    assert not np.all(np.isfinite(np.array(together)[:, 0]))  # 0 is singular in every one
