"""Truncated power series, and how each elementary function acts on them (Taylor mode's arithmetic).

A `Series` is ``c[0] + c[1]·t + ... + c[n]·tⁿ``. Sums and products act on the coefficients (a
product is a Cauchy product); ``exp``, ``sin``, ``sqrt``, ``x ** r``, ``log`` have recurrences
from the differential equation each one satisfies (``y' = y·x'`` for ``y = exp(x)``; Griewank &
Walther, *Evaluating Derivatives*, ch. 13). `taylor.py` runs them over a recorded tape, using the
rules in `taylor_rules.py`.

Where a denominator or a power's base is 0 the recurrences would divide by 0; there the answers
are NumPy's (inf, nan), and exact where they are finite (see "where a denominator ... is 0").

>>> x = Series([0.5, 1.0, 0.0, 0.0])        # x(t) = 0.5 + t
>>> exp(x, np.exp(0.5)).c[3] * 6            # the 3rd derivative of exp at 0.5
np.float64(1.6487212707001282)
"""

import numpy as np

from . import stacked
from .traced import plain

__all__ = ["Series", "lift", "value_of", "integrate", "total", "exp", "sin_cos", "tan", "sqrt",
           "power", "whole_power", "log"]


def _ones(like):
    return 1.0 if np.ndim(like) == 0 and not isinstance(like, np.ndarray) else np.ones(np.shape(like))


def _zeros(like):
    return 0.0 if np.ndim(like) == 0 and not isinstance(like, np.ndarray) else np.zeros(np.shape(like))


# ---- truncated power series -----------------------------------------------------------------------

class Series:
    """A truncated power series ``c[0] + c[1]·t + ... + c[n]·tⁿ``; each c[k] a number or an array
    (of the value's shape), or a value an outer tape traces.

    Arithmetic with another Series or a constant gives the series of the result, truncated at the
    shorter length. Keep a Series on the left of a traced constant (``s * c``, not ``c * s``).
    """

    __slots__ = ("c", "rows")
    __array_ufunc__ = None  # so ndarray + Series calls Series.__radd__ rather than looping over it

    def __init__(self, coefficients, rows=None):
        if coefficients is not None:
            self.c = list(coefficients)
        self.rows = rows  # the same coefficients stacked, where they are small arrays side by side

    def __getattr__(self, name):
        """Only for an attribute not set: the coefficients of a series made from its rows, listed
        when first asked for (often never)."""
        if name == "c" and self.rows is not None:
            self.c = list(self.rows)  # views: they follow set_value
            return self.c
        raise AttributeError(name)

    @staticmethod
    def line(x0, direction, order):
        """The series of ``x0 + direction·t`` (zeros beyond: shaped like the direction)."""
        if type(x0) in (float, np.float64) and type(direction) is np.ndarray:
            moving = direction  # (a number times ones: the direction itself, copied into rows)
        else:
            moving = direction * _ones(x0)
        if order + 1 >= stacked.FROM and type(moving) is np.ndarray and moving.ndim == 1 \
                and 0 < moving.size <= stacked.UP_TO \
                and (type(x0) is float or stacked.fits(x0, moving[None])):
            rows = np.zeros((order + 1, moving.size))
            rows[0], rows[1] = x0, moving
            return Series.side_by_side(rows)
        if moving is direction:
            moving = direction * 1.0  # its own, not the caller's array
        return Series([x0, moving] + [_zeros(moving)] * (order - 1) if order else [x0])

    @staticmethod
    def side_by_side(rows):
        """The series whose coefficients are the rows of `rows` (stacked.py)."""
        return Series(None, rows)

    def set_value(self, value):
        """Make coefficient 0 `value` (the sweep gives each node the value NumPy computed); in a
        series side by side, a row of it."""
        rows = self.rows
        if rows is None:
            self.c[0] = value
        elif stacked.fits(value, rows):
            rows[0] = value
        else:
            self.c[0] = value  # (listed from the rows, which then go)
            self.rows = None

    @staticmethod
    def constant(value, order):
        """The series of a value that does not move: ``[value, 0, ..., 0]``."""
        return Series([value] + [_zeros(value)] * order)

    def __len__(self):
        return len(self.c) if self.rows is None else len(self.rows)

    def __getitem__(self, k):
        if self.rows is None or type(k) is not int:
            return self.c[k]
        return self.rows[k]  # (without listing the rows)

    def __repr__(self):
        return f"Series({self.c!r})"

    def map(self, f, first=None):
        """Apply a linear function to every coefficient (``first``, if given, is coefficient 0)."""
        c = self.c
        return Series([f(c[0]) if first is None else first] + [f(ck) for ck in c[1:]])

    def d(self):
        """The series of d/dt: ``[c_1, 2 c_2, 3 c_3, ...]`` (one coefficient shorter)."""
        return Series([k * ck for k, ck in enumerate(self.c) if k])

    def __neg__(self):
        if self.rows is not None:
            return Series.side_by_side(-self.rows)
        return Series([-ck for ck in self.c])

    def __add__(self, other):
        if isinstance(other, Series):
            if _same_rows(self, other):
                return Series.side_by_side(self.rows + other.rows)
            return Series([a + b for a, b in zip(self.c, other.c)])
        rest = self.c[1:]
        if np.ndim(other):  # a constant array can widen the value by broadcasting, so widen all
            zero = _zeros(other)
            rest = [ck + zero for ck in rest]
        return Series([self.c[0] + other] + rest)

    def __sub__(self, other):
        if isinstance(other, Series):
            if _same_rows(self, other):
                return Series.side_by_side(self.rows - other.rows)
            return Series([a - b for a, b in zip(self.c, other.c)])
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if not isinstance(other, Series):
            if self.rows is not None and type(other) in (float, np.float64):
                return Series.side_by_side(self.rows * other)
            return Series([ck * other for ck in self.c])
        if _same_rows(self, other):
            return Series.side_by_side(stacked.cauchy(self.rows, other.rows))
        if _small_arrays(self):  # (true when self has rows)
            n = min(len(self), len(other))
            rows_a = _rows(self, n)
            rows_b = _rows(other, n) if rows_a is not None else None
            if rows_b is not None and rows_a.shape == rows_b.shape:
                return Series.side_by_side(stacked.cauchy(rows_a, rows_b))
        a, b = self.c, other.c  # Cauchy product: (ab)_k = Σ_j a_j b_(k-j)
        n = min(len(a), len(b))
        return Series([total(a[j] * b[k - j] for j in range(k + 1)) for k in range(n)])

    def __truediv__(self, other):
        if not isinstance(other, Series):
            return Series([ck / other for ck in self.c])
        a, b = self.c, other.c  # a = q·b, so q_k = (a_k - Σ_(j<k) q_j b_(k-j)) / b_0
        n = min(len(a), len(b))
        zero = _zero_where(b[0])
        b0 = b[0] if zero is None else np.where(zero, 1.0, b[0])  # see _quotient_at_zero there
        q = [a[0] / b[0]]
        for k in range(1, n):
            q.append((a[k] - total(q[j] * b[k - j] for j in range(k))) / b0)
        return Series(q if zero is None else _merged(q, zero, _quotient_at_zero(a[0], b[:n])))

    def __rtruediv__(self, other):
        return Series.constant(other, len(self) - 1) / self

    __radd__ = __add__
    __rmul__ = __mul__


# ---- small arrays side by side (stacked.py) --------------------------------------------------------

def _rows(series, n):
    """The first n coefficients of `series` stacked (`stacked.rows_of`), or None. Kept on the
    series, which is often an argument more than once (``x * y + exp(x)``)."""
    if series.rows is None:
        series.rows = stacked.rows_of(series.c)
    return series.rows[:n] if series.rows is not None else None


def _stacked_rows(x):
    """All of x's coefficients stacked, or None (`_rows`)."""
    if x.rows is not None:
        return x.rows
    return _rows(x, len(x.c)) if _small_arrays(x) else None


def _same_rows(a, b):
    return a.rows is not None and b.rows is not None and a.rows.shape == b.rows.shape


def _small_arrays(x):
    """Whether x may be side by side: quick, so that a series of numbers pays nothing more."""
    if x.rows is not None:
        return True
    c = x.c
    return len(c) >= stacked.FROM and type(c[1]) is np.ndarray


def total(terms):
    """The sum of the terms, 0.0 when there are none (no 0 added in front: under an outer tape
    that would record one more node per sum)."""
    iterator = iter(terms)
    first = next(iterator, None)
    if first is None:
        return 0.0
    for term in iterator:
        first = first + term
    return first


def lift(*args):
    """The arguments as Series of one length (constants get zero coefficients beyond the 0th)."""
    for a in args:
        if isinstance(a, Series):
            order = len(a) - 1
            break
    return [a if isinstance(a, Series) else Series.constant(a, order) for a in args]


def value_of(a):
    """The value of an argument: coefficient 0 of a Series, or the constant itself."""
    return a[0] if isinstance(a, Series) else a


def integrate(y0, dy):
    """The series of y from y(0) = y0 and the series of dy/dt: ``y_k = dy_(k-1) / k``."""
    return Series([y0] + [c / (k + 1) for k, c in enumerate(dy.c)])


# ---- recurrences: y = f(x) solves y' = g·x', so k·y_k = Σ_(j=1..k) j·x_j·g_(k-j) -------------------

def _weighted(jx, g, k):
    """Σ_(j=1..k) (j·x_j)·g_(k-j), the t^(k-1) coefficient of x'·g."""
    return total(jx[j] * g[k - j] for j in range(1, k + 1))


def exp(x, y0):
    """y = exp(x): y' = y·x'."""
    rows = _stacked_rows(x)
    if rows is not None and stacked.fits(y0, rows):
        return Series.side_by_side(stacked.recurrence(rows, (y0,), (1.0,))[0])
    jx = [j * xj for j, xj in enumerate(x.c)]
    y = [y0]
    for k in range(1, len(jx)):
        y.append(_weighted(jx, y, k) / k)
    return Series(y)


def sin_cos(x, s0, c0, sign=-1.0):
    """s = sin(x), c = cos(x): s' = c·x', c' = -s·x'. With sign=+1: sinh and cosh."""
    rows = _stacked_rows(x)
    if rows is not None and stacked.fits(s0, rows) and stacked.fits(c0, rows):
        s, c = stacked.recurrence(rows, (s0, c0), (1.0, sign))
        return Series.side_by_side(s), Series.side_by_side(c)
    jx = [j * xj for j, xj in enumerate(x.c)]
    s, c = [s0], [c0]
    for k in range(1, len(jx)):
        s.append(_weighted(jx, c, k) / k)
        c.append(sign * _weighted(jx, s, k) / k)
    return Series(s), Series(c)


def tan(x, y0, sign=1.0):
    """y = tan(x): y' = (1 + y²)·x'. With sign=-1: tanh, y' = (1 - y²)·x'."""
    jx = [j * xj for j, xj in enumerate(x.c)]
    y, u = [y0], [1.0 + sign * y0 * y0]  # u = 1 ± y²
    for k in range(1, len(jx)):
        y.append(_weighted(jx, u, k) / k)
        u.append(sign * total(y[j] * y[k - j] for j in range(k + 1)))
    return Series(y)


def sqrt(x, y0=None):
    """y = sqrt(x): y·y = x, so y_k = (x_k - Σ_(0<j<k) y_j y_(k-j)) / (2 y_0); where y_0 = 0,
    `_power_at_zero`."""
    y = [np.sqrt(x.c[0]) if y0 is None else y0]
    zero = _zero_where(y[0])
    twice = 2.0 * (y[0] if zero is None else np.where(zero, 1.0, y[0]))
    for k in range(1, len(x)):
        y.append((x.c[k] - total(y[j] * y[k - j] for j in range(1, k))) / twice)
    return Series(y if zero is None else _merged(y, zero, _power_at_zero(x, 0.5)))


def power(x, r, y0, root=np.power):
    """y = x^r for a fixed r: x·y' = r·y·x', so y_k = Σ_(j<k) (r(k-j) - j) x_(k-j) y_j / (k x_0);
    where x_0 = 0, `_power_at_zero`. (`root`: np.cbrt for r = 1/3, real for x < 0 too.)"""
    zero = _zero_where(x.c[0])
    x0 = x.c[0] if zero is None else np.where(zero, 1.0, x.c[0])
    y = [y0]
    for k in range(1, len(x)):
        y.append(total((r * (k - j) - j) * x.c[k - j] * y[j] for j in range(k)) / (k * x0))
    return Series(y if zero is None else _merged(y, zero, _power_at_zero(x, r, root)))


# ---- where a denominator or a power's base is 0 ---------------------------------------------------
# The recurrences divide by it. The series x = x_m t^m + ... (x_m its first nonzero coefficient)
# says what the function does there: x^r ~ x_m^r t^(m·r), and a/x ~ (a_0/x_m) t^(-m) for a_0 ≠ 0.
# Coefficient k is 0 below the leading power, ±inf above it (its sign: that of the k-th
# derivative of the leading term, coming from t > 0, as NumPy's 1/0 = inf does), and nan where
# the function has a kink (sqrt(x²) = |x|), is 0/0 or is not real on that side (sqrt(-x)).

def _zero_where(value):
    """Where `value` is 0 (True, or a boolean array), or None where it is nowhere 0 (fast)."""
    if type(value) is float:
        return True if value == 0.0 else None
    zero = np.equal(plain(value), 0.0)
    return zero if np.any(zero) else None


def _merged(coefficients, zero, at_zero):
    """Coefficients 1, 2, ... replaced by `at_zero`'s where `zero` holds."""
    rest = zip(coefficients[1:], at_zero)
    return coefficients[:1] + [_scalar(np.where(zero, z, c)) for c, z in rest]


def _scalar(value):
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _leading(coefficients):
    """For a series with c_0 = 0: m, where its first nonzero coefficient is (0 where there is
    none), and that coefficient x_m, elementwise."""
    rest = np.stack(np.broadcast_arrays(*[plain(c) for c in coefficients]))[1:]
    nonzero = np.not_equal(rest, 0.0)
    m = np.where(np.any(nonzero, axis=0), np.argmax(nonzero, axis=0) + 1, 0)
    lead = np.take_along_axis(rest, np.expand_dims(np.maximum(m, 1) - 1, 0), axis=0)[0]
    return m, lead


def _quotient_at_zero(a0, b):
    """Coefficients 1..n of a/b where b_0 = 0: a pole, ±inf, where a_0 ≠ 0; else nan (0/0)."""
    if len(b) < 2:
        return []
    m, lead = _leading(b)
    pole = np.logical_and(np.not_equal(plain(a0), 0.0), m > 0)
    sign = np.sign(np.divide(plain(a0), lead))
    return [np.where(pole, (-1.0) ** k * sign * np.inf, np.nan) for k in range(1, len(b))]


def _power_at_zero(x, r, root=np.power):
    """Coefficients 1..n of x^r where x_0 = 0, for a fixed r (a number or an array)."""
    if len(x) < 2:
        return []
    m, lead = _leading(x.c)
    r = plain(r)
    e = m * r  # the leading power of t
    whole = np.equal(r, np.floor(r))
    grows = np.sign(root(lead, r) if root is np.power else root(lead))  # nan where not real
    falling, coefficients = 1.0, []
    for k in range(1, len(x)):
        falling = falling * (e - (k - 1))  # e (e-1) ... (e-k+1): the k-th derivative of t^e
        infinite = np.where(np.logical_and(np.logical_not(whole), np.equal(e, np.floor(e))),
                            np.nan, np.sign(falling) * grows * np.inf)
        above = np.where(k < e, 0.0, infinite)
        coefficients.append(np.where(m == 0, np.where(np.greater(r, 0.0), 0.0, np.nan), above))
    if np.any(np.logical_and(whole, np.logical_and(r >= 0, r < len(x)))):
        coefficients = _whole_powers_at_zero(x, r, coefficients)
    return coefficients


def _whole_powers_at_zero(x, r, coefficients):
    """An array exponent's whole entries r ≤ n: x^r is a polynomial in x, finite at 0 (exact)."""
    r = np.asarray(r)
    for power in np.unique(r[np.logical_and(np.equal(r, np.floor(r)), r < len(x))]):
        if power >= 0:
            exact = whole_power(Series([plain(c) for c in x.c]), int(power))
            coefficients = [np.where(np.equal(r, power), e, c)
                            for c, e in zip(coefficients, exact.c[1:])]
    return coefficients


def whole_power(x, r):
    """x^r for a whole number r ≥ 0, by repeated squaring: exact where x_0 = 0, unlike `power`."""
    result, base = None, x
    while r:
        if r & 1:
            result = base if result is None else result * base
        r >>= 1
        if r:
            base = base * base
    return result if result is not None else Series.constant(_ones(x.c[0]), len(x) - 1)


def log(x, y0):
    """y = log(x): y' = x'/x."""
    return integrate(y0, x.d() / x)


