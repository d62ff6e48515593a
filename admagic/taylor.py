"""Taylor mode: every derivative of a function of one number, up to any order, in one forward sweep.

Nesting reverse mode n times costs time exponential in n. Taylor mode costs O(n²) per operation:
put ``x(t) = x0 + t`` into the function and carry, for every value, the first n+1 coefficients of
its power series in t (Griewank & Walther, *Evaluating Derivatives*, ch. 13)::

    y(t) = y_0 + y_1 t + y_2 t² + ... + y_n tⁿ,     y_k = f⁽ᵏ⁾(x0) / k!

A product's coefficients are a Cauchy product; ``exp``, ``sin``, ``log``, ... have recurrences
that come from the differential equation each one satisfies (``y' = y·x'`` for ``y = exp(x)``).

Nothing is run twice: `taylor_coefficients` replays a tape that has already recorded the function
(first order, one `Tape`), visiting its nodes in the order they were made and applying each
primitive's rule from `TAYLOR`. The rules themselves are a table of their own, one line per
primitive, in `taylor_rules.py` (as the reverse-mode rules are in `rules.py`); this module holds
the series arithmetic, the sweep and the registry they fill. An argument that does not depend on
the input is a constant: its coefficients beyond the 0th are 0.

At a point where the function or a derivative is infinite or undefined (``1/x``, ``log(x)``,
``sqrt(x)`` at 0) the answers are NumPy's: inf or nan, never an exception; where the derivatives
there are finite (``x ** 2.5`` at 0: 0, 0, 0, then inf) they are exact. Orders go up to
`MAX_ORDER`: beyond it, k! overflows a float64.

Rules are written in NumPy operations, so when an outer tape records, they record too, and the
Taylor derivatives can themselves be differentiated (``grad`` of a Taylor-mode derivative).

>>> from admagic import Tape
>>> from admagic.traced import new_leaf
>>> with Tape() as tape:
...     x = new_leaf(tape, 3.0)
...     y = x * x
>>> derivatives([y], x, order=3)
[[9.0, 6.0, 2.0, 0.0]]
"""

import inspect
import math

import numpy as np

from .tape import ancestors, by_number
from .traced import Traced, plain

__all__ = ["TAYLOR", "MAX_ORDER", "Series", "deftaylor", "check_order", "taylor_coefficients",
           "derivatives", "taylor_polynomial", "times_factorial"]

TAYLOR = {}  # primitive -> rule(ans, *args, **kwargs) -> Series; traced args arrive as Series

#: The highest order Taylor mode computes: 171! overflows a float64 (it is about 1.2e309), so the
#: derivative k!·c_k could not be formed beyond it even where it is finite.
MAX_ORDER = 170


def deftaylor(primitive, rule):
    """Register the Taylor rule of `primitive` (see `taylor_rules.py` for the table).

    The rule gets ``(ans, *args, **kwargs)`` as recorded, each argument that moves replaced by its
    `Series`, and returns the Series of ``ans``. The keywords it names are the ones it honours;
    any other keyword is refused at the sweep, unless the rule takes ``**kwargs`` (it passes them
    on to NumPy). For example, the rule of ``np.negative``::

        deftaylor(np.negative, lambda ans, x: -x)
    """
    TAYLOR[primitive] = rule


def check_order(order, minimum=0, maximum=None):
    """`order` if it is a whole number from `minimum` up (to `maximum`, if given), else ValueError
    in words a student can act on.

    >>> check_order(2, 1)
    2
    >>> check_order(0, 1)
    Traceback (most recent call last):
    ...
    ValueError: The order of a derivative must be a whole number, 1 or more (e.g. 2); got 0.
    """
    if not isinstance(order, (int, np.integer)) or isinstance(order, (bool, np.bool_)) \
            or order < minimum:
        raise ValueError(f"The order of a derivative must be a whole number, {minimum} or more "
                         f"(e.g. 2); got {order!r}.")
    if maximum is not None and order > maximum:
        raise ValueError(f"Order {order} is more than admagic can compute: beyond order "
                         f"{maximum}, k! overflows a float64 (171! is about 1.2e309). Ask for "
                         f"--order {maximum} or less.")
    return int(order)


# ---- the sweep ------------------------------------------------------------------------------------

def taylor_coefficients(output_nodes, input_node, order):
    """For each output, its Taylor coefficients around the input's value, as one array per output
    with a leading axis of length ``order + 1`` (coefficient k has the output's shape).

    `input_node` is a leaf on the tape that recorded the outputs; along ``x(t) = x0 + t`` (every
    element of an array input moves together). Outputs that do not depend on it are constants.
    """
    return [_stacked(s.c) for s in _sweep(output_nodes, input_node, order)]


def derivatives(output_nodes, input_node, order):
    """For each output, ``[f, f', f'', ..., f⁽ᵒʳᵈᵉʳ⁾]`` at the input's value: ``f⁽ᵏ⁾ = k!·coefficient k``.

    Values are as the tape's caller sees them: plain numbers and arrays, or (inside an outer tape)
    values that tape traces, so the derivatives can be differentiated further.
    """
    series = _sweep(output_nodes, input_node, order)
    with np.errstate(over="ignore"):  # inf exactly where the derivative overflows a float64
        return [[times_factorial(c, k) for k, c in enumerate(s.c)] for s in series]


def taylor_polynomial(output, input_node, order):
    """The plain coefficients ``[c_0, ..., c_order]`` of ``output ≈ Σ c_k (x - x0)^k`` around x0.

    >>> from admagic import Tape
    >>> from admagic.traced import new_leaf
    >>> with Tape() as tape:
    ...     x = new_leaf(tape, 3.0)
    ...     y = x * x
    >>> taylor_polynomial(y, x, 2)
    [9.0, 6.0, 1.0]
    """
    (series,) = _sweep([output], input_node, order)
    return [_plain_copy(c) for c in series.c]


def _sweep(output_nodes, input_node, order):
    """The `Series` of every output: one forward pass over the recorded nodes, oldest first."""
    order = check_order(order, 0, MAX_ORDER)
    tape = input_node.tape
    outputs = [tape.own(out) if getattr(out, "tape", None) is not None else None
               for out in output_nodes]
    nodes = set()
    for node in outputs:
        if node is not None and node not in nodes:
            nodes.update(ancestors(node))
    x0 = input_node.value
    series = {input_node: Series([x0, _ones(x0)] + [_zeros(x0)] * (order - 1) if order else [x0])}
    # The user saw NumPy's warnings when the values were computed; inf and nan in the
    # coefficients follow from those, so the sweep adds no warnings of its own.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for node in sorted(nodes, key=by_number):
            if node.primitive is None:
                continue  # a leaf: the input, or another input that stays constant here
            args = list(node.args)
            moving = False
            for argnum, parent in enumerate(node.parents):  # a None parent has no series
                s = series.get(parent)
                if s is not None:
                    args[argnum] = s
                    moving = True
            if moving:  # else it depends on no input that moves: a constant
                series[node] = _apply_rule(node, args)
    answers = []
    for out, node in zip(output_nodes, outputs):
        s = series.get(node) if node is not None else None
        if s is None:
            value = node.value if node is not None else out
            s = Series.constant(value, order)
        answers.append(s)
    return answers


def _apply_rule(node, args):
    """The Series of `node` from its arguments' (`args`, the moving ones as Series)."""
    primitive = node.primitive
    rule = TAYLOR.get(primitive)
    if rule is None:
        raise NotImplementedError(f"{_call_name(primitive)} has no Taylor rule in "
                                  "admagic/taylor_rules.py yet; ask for --order 1.")
    kwargs, dtype = _honoured_keywords(primitive, rule, node.kwargs) if node.kwargs else ({}, None)
    try:
        result = rule(node.value, *args, **kwargs)
    except (ZeroDivisionError, OverflowError):  # Python floats raise where NumPy gives inf/nan
        result = rule(_numpy_float(node.value), *[_numpy_float(a) for a in args], **kwargs)
    if dtype is not None:
        result = _cast(result, dtype)
    result.c[0] = node.value
    return result


def _numpy_float(value):
    """A Python float as np.float64 (and a Series of them), whose 1/0 is inf, not an exception."""
    if isinstance(value, Series):
        return Series([_numpy_float(c) for c in value.c])
    return np.float64(value) if type(value) is float else value


# ---- keywords: each is honoured, or refused here ------------------------------------------------

_ACCEPTED = {}  # rule -> the keywords it names (None: it takes **kwargs and passes them to NumPy)
_VALUE_NEUTRAL = {"casting", "order", "subok"}  # ufunc keywords that change no number


def _honoured_keywords(primitive, rule, kwargs):
    """The keywords to call `rule` with, and the dtype to cast to (ufuncs' dtype=), or TypeError."""
    kwargs = dict(kwargs)
    if kwargs.pop("out", None) is not None:
        raise _refused(primitive, "out", "it writes into an array admagic can't follow",
                       "assign the result instead: y = f(x)")
    dtype = None
    if isinstance(primitive, np.ufunc):
        if kwargs.get("where", True) is not True:
            raise _refused(primitive, "where", "without out=, NumPy leaves the elements where "
                           "the mask is False unset", "write np.where(mask, f(x), other)")
        if kwargs.pop("signature", None) is not None:
            raise _refused(primitive, "signature", "it changes the loop NumPy runs",
                           "cast the inputs instead")
        kwargs.pop("where", None)
        dtype = kwargs.pop("dtype", None)
        for name in _VALUE_NEUTRAL:
            kwargs.pop(name, None)
    accepted = _ACCEPTED.get(rule, False)
    if accepted is False:
        accepted = _ACCEPTED[rule] = _keywords_named(rule)
    if accepted is not None:
        for name in kwargs:
            if name not in accepted:
                raise _refused(primitive, name, "Taylor mode has no rule for it yet",
                               "leave it out, or ask for --order 1")
    return kwargs, dtype


def _keywords_named(rule):
    parameters = inspect.signature(rule).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _refused(primitive, keyword, why, instead):
    return TypeError(f"{_call_name(primitive)}(..., {keyword}=...) isn't supported in Taylor mode "
                     f"(derivatives of order 2 and up): {why}. Instead, {instead}.")


def _call_name(primitive):
    name = getattr(primitive, "__name__", repr(primitive))
    numpy = isinstance(primitive, np.ufunc) or (getattr(primitive, "__module__", None) or "").startswith("numpy")
    return f"np.{name}" if numpy else name


def _cast(series, dtype):
    """A ufunc's ``dtype=``: every coefficient computed in that type (a traced one stays float64)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype={dtype.name} makes the result other than a real float, which "
                        "Taylor mode can't differentiate; use dtype=np.float64, or leave dtype out.")
    if dtype == np.float64:
        return series
    return Series([c if type(c) is Traced else np.asarray(c, dtype=dtype)[()] for c in series.c])


def times_factorial(c, k):
    """The k-th derivative from the k-th Taylor coefficient: ``k!·c``, for k up to `MAX_ORDER`
    (inf only where that derivative itself overflows a float64).

    >>> times_factorial(0.5, 3)
    3.0
    """
    return c if k < 2 else float(math.factorial(k)) * c


def _ones(like):
    return 1.0 if np.ndim(like) == 0 and not isinstance(like, np.ndarray) else np.ones(np.shape(like))


def _zeros(like):
    return 0.0 if np.ndim(like) == 0 and not isinstance(like, np.ndarray) else np.zeros(np.shape(like))


def _stacked(coefficients):
    if all(type(c) in (float, int) for c in coefficients):
        return np.array(coefficients)
    return np.stack(coefficients)


def _plain_copy(value):
    value = plain(value)
    return value.copy() if isinstance(value, np.ndarray) else value


# ---- truncated power series -----------------------------------------------------------------------

class Series:
    """A truncated power series ``c[0] + c[1]·t + ... + c[n]·tⁿ``; each c[k] a number or an array
    (of the value's shape), or a value an outer tape traces.

    Arithmetic with another Series or a constant gives the series of the result, truncated at the
    shorter length. Keep a Series on the left of a traced constant (``s * c``, not ``c * s``).
    """

    __slots__ = ("c",)
    __array_ufunc__ = None  # so ndarray + Series calls Series.__radd__ rather than looping over it

    def __init__(self, coefficients):
        self.c = list(coefficients)

    @staticmethod
    def constant(value, order):
        """The series of a value that does not move: ``[value, 0, ..., 0]``."""
        return Series([value] + [_zeros(value)] * order)

    def __len__(self):
        return len(self.c)

    def __getitem__(self, k):
        return self.c[k]

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
        return Series([-ck for ck in self.c])

    def __add__(self, other):
        if isinstance(other, Series):
            return Series([a + b for a, b in zip(self.c, other.c)])
        rest = self.c[1:]
        if np.ndim(other):  # a constant array can widen the value by broadcasting, so widen all
            zero = _zeros(other)
            rest = [ck + zero for ck in rest]
        return Series([self.c[0] + other] + rest)

    def __sub__(self, other):
        if isinstance(other, Series):
            return Series([a - b for a, b in zip(self.c, other.c)])
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if not isinstance(other, Series):
            return Series([ck * other for ck in self.c])
        a, b = self.c, other.c  # Cauchy product: (ab)_k = Σ_j a_j b_(k-j)
        return Series([_total(a[j] * b[k - j] for j in range(k + 1))
                       for k in range(min(len(a), len(b)))])

    def __truediv__(self, other):
        if not isinstance(other, Series):
            return Series([ck / other for ck in self.c])
        a, b = self.c, other.c  # a = q·b, so q_k = (a_k - Σ_(j<k) q_j b_(k-j)) / b_0
        n = min(len(a), len(b))
        zero = _zero_where(b[0])
        b0 = b[0] if zero is None else np.where(zero, 1.0, b[0])  # see _quotient_at_zero there
        q = [a[0] / b[0]]
        for k in range(1, n):
            q.append((a[k] - _total(q[j] * b[k - j] for j in range(k))) / b0)
        return Series(q if zero is None else _merged(q, zero, _quotient_at_zero(a[0], b[:n])))

    def __rtruediv__(self, other):
        return Series.constant(other, len(self) - 1) / self

    __radd__ = __add__
    __rmul__ = __mul__


def _total(terms):
    """The sum of the terms, 0.0 when there are none (no 0 added in front: under an outer tape
    that would record one more node per sum)."""
    iterator = iter(terms)
    first = next(iterator, None)
    if first is None:
        return 0.0
    for term in iterator:
        first = first + term
    return first


def _lift(*args):
    """The arguments as Series of one length (constants get zero coefficients beyond the 0th)."""
    order = next(len(a) for a in args if isinstance(a, Series)) - 1
    return [a if isinstance(a, Series) else Series.constant(a, order) for a in args]


def _value(a):
    """The value of an argument: coefficient 0 of a Series, or the constant itself."""
    return a.c[0] if isinstance(a, Series) else a


def _integrate(y0, dy):
    """The series of y from y(0) = y0 and the series of dy/dt: ``y_k = dy_(k-1) / k``."""
    return Series([y0] + [c / (k + 1) for k, c in enumerate(dy.c)])


# ---- recurrences: y = f(x) solves y' = g·x', so k·y_k = Σ_(j=1..k) j·x_j·g_(k-j) -------------------

def _weighted(jx, g, k):
    """Σ_(j=1..k) (j·x_j)·g_(k-j), the t^(k-1) coefficient of x'·g."""
    return _total(jx[j] * g[k - j] for j in range(1, k + 1))


def _exp(x, y0):
    """y = exp(x): y' = y·x'."""
    jx = [j * xj for j, xj in enumerate(x.c)]
    y = [y0]
    for k in range(1, len(jx)):
        y.append(_weighted(jx, y, k) / k)
    return Series(y)


def _sin_cos(x, s0, c0, sign=-1.0):
    """s = sin(x), c = cos(x): s' = c·x', c' = -s·x'. With sign=+1: sinh and cosh."""
    jx = [j * xj for j, xj in enumerate(x.c)]
    s, c = [s0], [c0]
    for k in range(1, len(jx)):
        s.append(_weighted(jx, c, k) / k)
        c.append(sign * _weighted(jx, s, k) / k)
    return Series(s), Series(c)


def _tan(x, y0, sign=1.0):
    """y = tan(x): y' = (1 + y²)·x'. With sign=-1: tanh, y' = (1 - y²)·x'."""
    jx = [j * xj for j, xj in enumerate(x.c)]
    y, u = [y0], [1.0 + sign * y0 * y0]  # u = 1 ± y²
    for k in range(1, len(jx)):
        y.append(_weighted(jx, u, k) / k)
        u.append(sign * _total(y[j] * y[k - j] for j in range(k + 1)))
    return Series(y)


def _sqrt(x, y0=None):
    """y = sqrt(x): y·y = x, so y_k = (x_k - Σ_(0<j<k) y_j y_(k-j)) / (2 y_0); where y_0 = 0,
    `_power_at_zero`."""
    y = [np.sqrt(x.c[0]) if y0 is None else y0]
    zero = _zero_where(y[0])
    twice = 2.0 * (y[0] if zero is None else np.where(zero, 1.0, y[0]))
    for k in range(1, len(x)):
        y.append((x.c[k] - _total(y[j] * y[k - j] for j in range(1, k))) / twice)
    return Series(y if zero is None else _merged(y, zero, _power_at_zero(x, 0.5)))


def _power(x, r, y0, root=np.power):
    """y = x^r for a fixed r: x·y' = r·y·x', so y_k = Σ_(j<k) (r(k-j) - j) x_(k-j) y_j / (k x_0);
    where x_0 = 0, `_power_at_zero`. (`root`: np.cbrt for r = 1/3, real for x < 0 too.)"""
    zero = _zero_where(x.c[0])
    x0 = x.c[0] if zero is None else np.where(zero, 1.0, x.c[0])
    y = [y0]
    for k in range(1, len(x)):
        y.append(_total((r * (k - j) - j) * x.c[k - j] * y[j] for j in range(k)) / (k * x0))
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
    return coefficients[:1] + [_scalar(np.where(zero, z, c)) for c, z in zip(coefficients[1:], at_zero)]


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
            exact = _whole_power(Series([plain(c) for c in x.c]), int(power))
            coefficients = [np.where(np.equal(r, power), e, c)
                            for c, e in zip(coefficients, exact.c[1:])]
    return coefficients


def _whole_power(x, r):
    """x^r for a whole number r ≥ 0, by repeated squaring: exact where x_0 = 0, unlike `_power`."""
    result, base = None, x
    while r:
        if r & 1:
            result = base if result is None else result * base
        r >>= 1
        if r:
            base = base * base
    return result if result is not None else Series.constant(_ones(x.c[0]), len(x) - 1)


def _log(x, y0):
    """y = log(x): y' = x'/x."""
    return _integrate(y0, x.d() / x)


