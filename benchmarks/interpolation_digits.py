"""How many digits Taylor interpolation (admagic/interpolation.py) leaves, per order and number of
inputs: every partial up to order n, against 40-digit values.

    .venv/bin/python benchmarks/interpolation_digits.py        # prints markdown tables

The 40-digit truth comes from `Jet`, below: f(x0 + a·t) expanded in t with mpmath numbers, each
coefficient a polynomial in the direction a = (a_1, ..., a_k) kept symbolically, so the
coefficient of aⁱ in coefficient |i| is ∂ⁱf / i! (no interpolation, no float64). It is checked
against SymPy's derivatives up to order 4 first, when SymPy is installed.

For a request of order n, "digits left" at order p is -log10(max |error| / max |true value|)
over the partials of order p (a norm-wise relative error, so a partial that happens to be near 0
does not count as a total loss), and the row's "worst" column is the minimum over p = 1..n: what
a user asking for order n gets. `MAX_ORDER` in interpolation.py is the highest n whose worst is at
least 6 digits on every test function.
"""

import math
import sys
import time

import mpmath
import numpy as np

from admagic import interpolation
from admagic import derivatives
from admagic.interpolation import MAX_ORDER, multi_indices

mpmath.mp.dps = 40

# Each test function is written once and run twice: on NumPy numbers and on `Jet`s.
FUNCTIONS = {
    2: [("x*y + sin(x*y)*exp(x)", (0.5, 0.7)),
        ("log(1 + x**2 + y**2) * cos(x - y)", (0.3, -0.8)),
        ("exp(x + 2*y) / (1 + x*y)", (0.4, 0.2))],
    3: [("exp(x*y) * sin(z + x) + x*y*z", (0.5, 0.7, -0.3)),
        ("sqrt(1 + x**2 + y**2 + z**2) * tanh(x - y*z)", (0.3, -0.6, 0.9))],
    4: [("exp(x*y) * cos(z - w) + x*y*z*w", (0.5, 0.7, -0.3, 0.2))],
    5: [("exp(x*y + z*w*v) * sin(x + v)", (0.5, 0.7, -0.3, 0.2, 0.4))],
    6: [("exp(x*y + z*w*v*u) * sin(x + v - u)", (0.5, 0.7, -0.3, 0.2, 0.4, 0.6))],
}
NAMES = ["x", "y", "z", "w", "v", "u"]
NUMPY = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
         "tanh": np.tanh}


# ---- the truth: Taylor series in t whose coefficients are polynomials in the direction ---------

def _poly_mul(p, q):
    out = {}
    for e, c in p.items():
        for f, d in q.items():
            key = tuple(a + b for a, b in zip(e, f))
            out[key] = out.get(key, 0) + c * d
    return out


def _poly_add(p, q, scale=1):
    out = dict(p)
    for e, c in q.items():
        out[e] = out.get(e, 0) + scale * c
    return out


def _poly_scale(p, s):
    return {e: s * c for e, c in p.items()}


class Jet:
    """A truncated series in t, coefficient p a dict {exponent of the direction: mpf}."""

    def __init__(self, c):
        self.c = c

    @staticmethod
    def lift(value, like):
        zero = (0,) * like.k
        return Jet([{zero: mpmath.mpf(value)}] + [{} for _ in like.c[1:]])

    @property
    def k(self):
        return len(next(iter(self.c[0])))

    def _other(self, other):
        return other if isinstance(other, Jet) else Jet.lift(other, self)

    def __add__(self, other):
        other = self._other(other)
        return Jet([_poly_add(a, b) for a, b in zip(self.c, other.c)])

    def __sub__(self, other):
        other = self._other(other)
        return Jet([_poly_add(a, b, -1) for a, b in zip(self.c, other.c)])

    def __rsub__(self, other):
        return self._other(other) - self

    def __neg__(self):
        return Jet([_poly_scale(a, -1) for a in self.c])

    def __mul__(self, other):
        other = self._other(other)
        return Jet([_sum(_poly_mul(self.c[j], other.c[k - j]) for j in range(k + 1))
                    for k in range(len(self.c))])

    def __truediv__(self, other):
        other = self._other(other)
        b0 = _constant(other)
        q = []
        for k in range(len(self.c)):
            rest = _sum(_poly_mul(q[j], other.c[k - j]) for j in range(k))
            q.append(_poly_scale(_poly_add(self.c[k], rest, -1), 1 / b0))
        return Jet(q)

    def __rtruediv__(self, other):
        return self._other(other) / self

    def __pow__(self, r):
        out = self
        for _ in range(r - 1):
            out = out * self
        return out

    __radd__ = __add__
    __rmul__ = __mul__


def _sum(polys):
    out = {}
    for p in polys:
        out = _poly_add(out, p)
    return out


def _constant(jet):
    return next(iter(jet.c[0].values())) if jet.c[0] else mpmath.mpf(0)


def _solve(x, y0, g_of):
    """y with y(0) = y0 and y' = g(y)·x': y_k = (1/k) Σ_(j=1..k) j x_j g_(k-j)."""
    zero = (0,) * x.k
    y = [{zero: y0}]
    g = [g_of(y, 0)]
    for k in range(1, len(x.c)):
        y.append(_poly_scale(_sum(_poly_scale(_poly_mul(x.c[j], g[k - j]), j)
                                  for j in range(1, k + 1)), mpmath.mpf(1) / k))
        g.append(g_of(y, k))
    return Jet(y)


def _square_coefficient(y, k):
    return _sum(_poly_mul(y[j], y[k - j]) for j in range(k + 1))


def jet_exp(x):
    return _solve(x, mpmath.exp(_constant(x)), lambda y, k: y[k])


def jet_tanh(x):  # y' = (1 - y²)·x'
    zero = (0,) * x.k
    return _solve(x, mpmath.tanh(_constant(x)),
                  lambda y, k: _poly_add({zero: mpmath.mpf(1)} if k == 0 else {},
                                         _square_coefficient(y, k), -1))


def jet_sin_cos(x):
    zero = (0,) * x.k
    s, c = [{zero: mpmath.sin(_constant(x))}], [{zero: mpmath.cos(_constant(x))}]
    for k in range(1, len(x.c)):
        s.append(_poly_scale(_sum(_poly_scale(_poly_mul(x.c[j], c[k - j]), j)
                                  for j in range(1, k + 1)), mpmath.mpf(1) / k))
        c.append(_poly_scale(_sum(_poly_scale(_poly_mul(x.c[j], s[k - j]), j)
                                  for j in range(1, k + 1)), mpmath.mpf(-1) / k))
    return Jet(s), Jet(c)


def jet_log(x):  # y' = x'/x
    dx = Jet([_poly_scale(c, k) for k, c in enumerate(x.c) if k] + [{}])
    w = dx / x
    zero = (0,) * x.k
    return Jet([{zero: mpmath.log(_constant(x))}]
               + [_poly_scale(w.c[k - 1], mpmath.mpf(1) / k) for k in range(1, len(x.c))])


def jet_sqrt(x):
    zero = (0,) * x.k
    y = [{zero: mpmath.sqrt(_constant(x))}]
    for k in range(1, len(x.c)):
        rest = _sum(_poly_mul(y[j], y[k - j]) for j in range(1, k))
        y.append(_poly_scale(_poly_add(x.c[k], rest, -1), 1 / (2 * y[0][zero])))
    return Jet(y)


JETS = {"sin": lambda x: jet_sin_cos(x)[0], "cos": lambda x: jet_sin_cos(x)[1],
        "exp": jet_exp, "log": jet_log, "sqrt": jet_sqrt, "tanh": jet_tanh}


def true_partials(text, point, order):
    """{multi-index: value} for every partial of order 1..order, to 40 digits."""
    k = len(point)
    seeds = []
    for a, x in enumerate(point):
        unit = tuple(int(b == a) for b in range(k))
        seeds.append(Jet([{(0,) * k: mpmath.mpf(repr(x))}, {unit: mpmath.mpf(1)}]
                         + [{} for _ in range(order - 1)]))
    f = eval(f"lambda {', '.join(NAMES[:k])}: {text}", dict(JETS))
    series = f(*seeds)
    return {i: series.c[p].get(i, mpmath.mpf(0)) * math.prod(math.factorial(a) for a in i)
            for p in range(1, order + 1) for i in multi_indices(k, p)}


def check_truth_against_sympy(text, point, order=4):
    """The Jet truth must agree with SymPy's exact derivatives (when SymPy is installed)."""
    try:
        import sympy
    except ImportError:
        return
    symbols = sympy.symbols(NAMES[:len(point)])
    expression = sympy.sympify(text, locals=dict(zip(NAMES, symbols)))
    at = dict(zip(symbols, [sympy.Rational(repr(x)) for x in point]))
    for i, value in true_partials(text, point, order).items():
        wrt = [s for s, i_a in zip(symbols, i) for _ in range(i_a)]
        exact = sympy.diff(expression, *wrt).evalf(40, subs=at)
        assert abs(mpmath.mpf(str(exact)) - value) <= mpmath.mpf(10) ** -30 * (1 + abs(value)), \
            (text, i, exact, value)


def admagic_partials(text, point, order):
    names = NAMES[:len(point)]
    f = eval(f"lambda {', '.join(names)}: {text}", dict(NUMPY))
    found = derivatives(f, order)(*point)
    return {i: found[key] for i, key in zip(
        [i for p in range(1, order + 1) for i in multi_indices(len(point), p)], found)}


def digits_left(true, got, order):
    """Per order p ≤ `order`: -log10(max |error| / max |true|) over the partials of order p."""
    digits = {}
    for p in range(1, order + 1):
        keys = [i for i in true if sum(i) == p]
        scale = max(abs(true[i]) for i in keys)
        error = max(abs(got[i] - true[i]) for i in keys)
        digits[p] = 16.0 if error == 0 else min(16.0, -math.log10(error / scale))
    return digits


ORDERS = {2: range(2, 27, 2), 3: range(2, 17, 2), 4: range(2, 13, 2), 5: range(2, 9, 2),
          6: range(2, 7, 2)}


def main(orders=ORDERS):
    for k, request in orders.items():
        for text, point in FUNCTIONS[k]:
            check_truth_against_sympy(text, point)
        print(f"\n### {k} inputs (MAX_ORDER = {MAX_ORDER.get(k)})\n")
        print("| order n | directions | digits left at order n | worst over orders 1..n |"
              " time |")
        print("|---:|---:|---:|---:|---:|")
        truths = {text: true_partials(text, point, max(request)) for text, point in FUNCTIONS[k]}
        for n in request:
            tops, worsts, seconds = [], [], 0.0
            for text, point in FUNCTIONS[k]:
                started = time.perf_counter()
                try:
                    got = admagic_partials(text, point, n)
                except ValueError:  # beyond MAX_ORDER: measure it anyway, limit lifted
                    saved = dict(interpolation.MAX_ORDER)
                    interpolation.MAX_ORDER.clear()
                    try:
                        got = admagic_partials(text, point, n)
                    finally:
                        interpolation.MAX_ORDER.update(saved)
                seconds += time.perf_counter() - started
                digits = digits_left(truths[text], got, n)
                tops.append(digits[n])
                worsts.append(min(digits.values()))
            print(f"| {n} | {math.comb(n + k - 1, n)} | {min(tops):.1f} | {min(worsts):.1f} "
                  f"| {seconds / len(FUNCTIONS[k]) * 1e3:.0f} ms |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
