"""Taylor coefficients of small arrays stacked as the rows of one array: a product in four NumPy
calls, a recurrence in one per coefficient, or in closed form where its argument is an input's own
series, a line (`series.py` uses them; this module knows no Series).

Where every coefficient is a small 1-d array (the directions interpolation.py sweeps side by side,
or a few points at once), a Python sum per coefficient spends its time in calls, not arithmetic.
Stacked, ``rows[k]`` is coefficient k: faster from `FROM` coefficients up to `UP_TO` numbers in each
(measured: benchmarks/README.md, issue 17). Numbers, large arrays and values an outer tape traces
keep series.py's sums. The same terms are added in the same order, so an inf or nan stays where it
was (a zero-padded matrix product would make 0·inf = nan of the orders below it); the closed form
answers only where every coefficient it gives is finite.

>>> x = np.array([[0.5, 0.5], [1.0, 2.0], [0.0, 0.0], [0.0, 0.0]])   # 0.5 + t and 0.5 + 2t
>>> cauchy(x, x)[:, 1]                                                # (0.5 + 2t)²
array([0.25, 2.  , 4.  , 0.  ])
"""

import functools
import math

import numpy as np

FROM = 4  # coefficients (order 3)
UP_TO = 256  # numbers in each coefficient
_FLOAT64 = np.dtype(np.float64)
_VECDOT = getattr(np, "vecdot", None)  # NumPy 2: a sum of products in one call


def rows_of(coefficients):
    """The coefficients as the rows of one (n, size) array, when coefficient 0 is a number or such
    an array and the rest are 1-d float64 arrays of one size up to `UP_TO`; else None."""
    first = coefficients[1]
    if type(first) is not np.ndarray or first.ndim != 1 or first.dtype is not _FLOAT64 \
            or not 0 < first.size <= UP_TO:
        return None
    shape = first.shape
    for c in coefficients[2:]:
        if type(c) is not np.ndarray or c.shape != shape or c.dtype is not _FLOAT64:
            return None
    if not fits(coefficients[0], first[None]):
        return None
    rows = np.empty((len(coefficients),) + shape)
    rows[0] = coefficients[0]
    rows[1:] = coefficients[1:]
    return rows


def fits(value, rows):
    """True when `value` (a value at t = 0) is a number or a float64 array of one row's shape."""
    if type(value) is np.ndarray:
        return value.shape == rows.shape[1:] and value.dtype is _FLOAT64
    return type(value) is float or type(value) is np.float64


def cauchy(a, b):
    """The Cauchy product of two stacked series, ``(ab)_k = Σ_j a_j b_(k-j)``, stacked: only the
    products a_j b_(k-j) that are terms of the sum (no structural zero times an inf), in one
    call, then each k's summed in order, as series.py's sum does."""
    first, second, starts = _pairs(len(a))
    return np.add.reduceat(a.take(first, axis=0) * b.take(second, axis=0), starts)


@functools.lru_cache(maxsize=None)
def _pairs(n):
    """The rows j and k-j of each term a_j b_(k-j), for k = 0..n-1 and j = 0..k in order, and
    where each k's terms start."""
    first = [j for k in range(n) for j in range(k + 1)]
    second = [k - j for k in range(n) for j in range(k + 1)]
    return np.array(first), np.array(second), np.array([k * (k + 1) // 2 for k in range(n)])


def recurrence(x, y0, signs):
    """The series y_0, ..., y_(m-1) with y_i(0) = y0[i] and ``y_i' = signs[i]·y_(m-1-i)·x'`` (m = 1:
    exp; m = 2: sin and cos, or sinh and cosh), x stacked: one NumPy call per coefficient for all
    of them, where series.py's sums make two per term. Each comes back stacked."""
    n, size = x.shape
    if not np.count_nonzero(x[2:]):  # x_0 + x_1·t, an input's own series: solved in closed form
        on_a_line = _on_a_line(x[1], y0, signs, n)
        if on_a_line is not None:
            return on_a_line
    # weights[k-1, j-1, i] = signs[i]·j·x_j / k: y_k = Σ_(j=1..k) weights[k-1, j-1] · y_(k-j) reversed
    weights = x[None, 1:, None, :] * _recurrence_factors(n, signs)
    y = np.empty((n, len(y0), size))
    for i, value in enumerate(y0):
        y[0, i] = value
    for k in range(1, n):
        terms, earlier = weights[k - 1, :k], y[k - 1::-1, ::-1]
        if _VECDOT is not None:
            _VECDOT(terms, earlier, axis=0, out=y[k])
        else:
            np.add.reduce(terms * earlier, axis=0, out=y[k])
    return [y[:, i] for i in range(len(y0))]


@functools.lru_cache(maxsize=None)
def _recurrence_factors(n, signs):
    """signs[i]·j / k for k, j = 1..n-1, shaped (k, j, i, 1) (`signs` a tuple)."""
    steps = np.arange(1.0, n)
    return steps[None, :, None, None] * (np.asarray(signs)[:, None] / steps[:, None, None, None])


def _on_a_line(slope, y0, signs, n):
    """The recurrence solved where x = x_0 + slope·t (every x_j = 0 beyond): each step turns y_i
    into signs[i]·slope/k times the other function, so ``y_ik = slope^k / k! · Σ_l
    factors[i, l, k]·y0[l]``. None where a coefficient is not finite: there the recurrence gives
    what series.py's sums give (their 0·inf = nan included)."""
    factors, exponents, inverse_factorials = _line_factors(n, signs)
    starts = factors[:, 0] * y0[0]
    for l in range(1, len(y0)):
        starts = starts + factors[:, l] * y0[l]
    y = np.power(slope, exponents) * inverse_factorials * starts  # (i, k, directions)
    if not math.isfinite(np.add.reduce(y, axis=None)):
        return None
    return list(y)


@functools.lru_cache(maxsize=None)
def _line_factors(n, signs):
    """factors[i, l, k] (shaped (i, l, k, 1)): the product of the k signs met going from y_i back
    k steps, when that lands on y_l, else 0; the exponents k and 1/k!, shaped (k, 1)."""
    m = len(signs)
    factors = np.zeros((m, m, n, 1))
    for i in range(m):
        product, l = 1.0, i
        for k in range(n):
            factors[i, l, k] = product
            product *= signs[l]
            l = m - 1 - l  # y_l' = signs[l]·y_(m-1-l)·x'
    exponents = np.arange(float(n))[:, None]
    return factors, exponents, np.array([1.0 / math.factorial(k) for k in range(n)])[:, None]
