"""Taylor mode: every derivative of a function of one number, up to any order, in one forward sweep.

Nesting reverse mode n times costs time exponential in n. Taylor mode costs O(n²) per operation:
put ``x(t) = x0 + t`` into the function and carry, for every value, the first n+1 coefficients of
its power series in t (Griewank & Walther, *Evaluating Derivatives*, ch. 13)::

    y(t) = y_0 + y_1 t + y_2 t² + ... + y_n tⁿ,     y_k = f⁽ᵏ⁾(x0) / k!

A product's coefficients are a Cauchy product; ``exp``, ``sin``, ``log``, ... have recurrences
that come from the differential equation each one satisfies (``y' = y·x'`` for ``y = exp(x)``).

Nothing is run twice: `taylor_coefficients` replays a tape that has already recorded the function
(first order, one `Tape`), visiting its nodes in the order they were made and applying each
primitive's rule from `TAYLOR`, the table at the bottom (one line per primitive, as in `rules.py`).
An argument that does not depend on the input is a constant: its coefficients beyond the 0th are 0.

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

import itertools
import math

import numpy as np

from . import rules
from .rules import _share_of_ties
from .tape import ancestors, by_number
from .traced import Traced, plain

__all__ = ["TAYLOR", "Series", "taylor_coefficients", "derivatives", "taylor_polynomial"]

TAYLOR = {}  # primitive -> rule(ans, *args, **kwargs) -> Series; traced args arrive as Series


def deftaylor(primitive, rule):
    """Register the Taylor rule of `primitive`."""
    TAYLOR[primitive] = rule


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
    return [[_times_factorial(c, k) for k, c in enumerate(s.c)]
            for s in _sweep(output_nodes, input_node, order)]


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
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 0:
        raise ValueError(f"order must be a whole number >= 0, got {order!r}.")
    tape = input_node.tape
    outputs = [tape.own(out) if getattr(out, "tape", None) is not None else None
               for out in output_nodes]
    nodes = set()
    for node in outputs:
        if node is not None and node not in nodes:
            nodes.update(ancestors(node))
    x0 = input_node.value
    series = {input_node: Series([x0, _ones(x0)] + [_zeros(x0)] * (order - 1) if order else [x0])}
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
        if not moving:
            continue  # depends on no input that moves: a constant
        rule = TAYLOR.get(node.primitive)
        if rule is None:
            raise NotImplementedError(f"np.{getattr(node.primitive, '__name__', node.primitive)} "
                                      "has no Taylor rule in admagic/taylor.py yet.")
        result = rule(node.value, *args, **node.kwargs) if node.kwargs else rule(node.value, *args)
        result.c[0] = node.value
        series[node] = result
    answers = []
    for out, node in zip(output_nodes, outputs):
        s = series.get(node) if node is not None else None
        if s is None:
            value = node.value if node is not None else out
            s = Series.constant(value, order)
        answers.append(s)
    return answers


def _ones(like):
    return 1.0 if np.ndim(like) == 0 and not isinstance(like, np.ndarray) else np.ones(np.shape(like))


def _zeros(like):
    return 0.0 if np.ndim(like) == 0 and not isinstance(like, np.ndarray) else np.zeros(np.shape(like))


def _times_factorial(c, k):
    return c if k < 2 else float(math.factorial(k)) * c


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
        q = []
        for k in range(min(len(a), len(b))):
            q.append((a[k] - _total(q[j] * b[k - j] for j in range(k))) / b[0] if k else a[0] / b[0])
        return Series(q)

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
    """y = sqrt(x): y·y = x, so y_k = (x_k - Σ_(0<j<k) y_j y_(k-j)) / (2 y_0)."""
    y = [np.sqrt(x.c[0]) if y0 is None else y0]
    for k in range(1, len(x)):
        y.append((x.c[k] - _total(y[j] * y[k - j] for j in range(1, k))) / (2.0 * y[0]))
    return Series(y)


def _power(x, r, y0):
    """y = x^r for a fixed r: x·y' = r·y·x', so y_k = Σ_(j<k) (r(k-j) - j) x_(k-j) y_j / (k x_0)."""
    y = [y0]
    for k in range(1, len(x)):
        y.append(_total((r * (k - j) - j) * x.c[k - j] * y[j] for j in range(k)) / (k * x.c[0]))
    return Series(y)


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


# ---- rules that need more than one line ----------------------------------------------------------

def _power_rule(ans, x, y):
    if not isinstance(y, Series):  # x ** r, r fixed
        if type(y) is not Traced and np.ndim(y) == 0 and float(y).is_integer() and 0 <= y < 2**31:
            return _whole_power(x, int(y))
        return _power(x, y, ans)
    if not isinstance(x, Series):  # c ** y = exp(y log c); log taken as 0 where c <= 0, as in rules.py
        return _exp(y * np.log(np.where(np.greater(x, 0.0), x, 1.0)), ans)
    return _exp(y * _log(x, np.log(x.c[0])), ans)  # x ** y = exp(y log x)


def _winner(ans, x, y, x_wins):
    """max/min: the coefficients of the argument that wins; a tie shares them equally, as rules.py."""
    x0, y0 = _value(x), _value(y)
    share = np.where(np.equal(x0, y0), 0.5, np.where(x_wins(x0, y0), 1.0, 0.0))
    x, y = _lift(x, y)
    return x * share + y * (1.0 - share)


def _logaddexp(ans, x, y):
    x, y = _lift(x, y)
    top = np.maximum(x.c[0], y.c[0])  # log(e^x + e^y) = top + log(e^(x-top) + e^(y-top))
    u = _exp(x - top, np.exp(x.c[0] - top)) + _exp(y - top, np.exp(y.c[0] - top))
    return _integrate(ans, u.d() / u)


def _hypot(ans, x, y):
    x, y = _lift(x, y)
    return _sqrt(x * x + y * y, ans)


def _arctan2(ans, y, x):
    y, x = _lift(y, x)  # d/dt arctan2(y, x) = (x y' - y x') / (x² + y²)
    return _integrate(ans, (x * y.d() - y * x.d()) / (x * x + y * y))


def _remainder(ans, x, y):
    x, y = _lift(x, y)  # x mod y = x - floor(x/y)·y, the floor constant between its jumps
    return x - y * np.floor(x.c[0] / y.c[0])


def _constant_pieces(ans, *args, **kwargs):
    """Piecewise constant functions (floor, sign, ...): every coefficient beyond the 0th is 0."""
    order = next(len(a) for a in args if isinstance(a, Series)) - 1
    return Series.constant(ans, order)


def _linear(primitive):
    """A function linear in its first argument, the rest saying how (axis, shape, index, ...)."""
    def rule(ans, x, *how, **kwargs):
        return x.map(lambda c: primitive(c, *how, **kwargs), ans)
    return rule


def _linear_in_all(primitive):
    """A function linear in all its arguments together (concatenate, stack)."""
    def rule(ans, *arrays, **kwargs):
        arrays = _lift(*arrays)
        return Series([ans] + [primitive(*[a.c[k] for a in arrays], **kwargs)
                               for k in range(1, len(arrays[0]))])
    return rule


def _multilinear(primitive):
    """A product (matmul, einsum, ...): coefficient k sums the products of coefficients whose
    orders add up to k, one from each moving argument (the Cauchy product, for any number)."""
    def rule(ans, *args, **kwargs):
        moving = [i for i, a in enumerate(args) if isinstance(a, Series)]
        coefficients = [ans]
        for k in range(1, len(args[moving[0]])):
            terms = []
            for orders in _compositions(k, len(moving)):
                call = list(args)
                for i, j in zip(moving, orders):
                    call[i] = args[i].c[j]
                terms.append(primitive(*call, **kwargs))
            coefficients.append(_total(terms))
        return Series(coefficients)
    return rule


def _compositions(k, parts):
    """Every way to write k as an ordered sum of `parts` whole numbers ≥ 0 (stars and bars)."""
    for bars in itertools.combinations(range(k + parts - 1), parts - 1):
        edges = (-1,) + bars + (k + parts - 1,)
        yield tuple(edges[i + 1] - edges[i] - 1 for i in range(parts))


def _where(ans, condition, x, y):
    condition = _value(condition)
    x, y = _lift(x, y)
    return Series([ans] + [np.where(condition, x.c[k], y.c[k]) for k in range(1, len(x))])


def _clip(ans, x, lo=None, hi=None, **bounds):
    lo = bounds.get("a_min", bounds.get("min", lo))  # the bounds may come by any of their names
    hi = bounds.get("a_max", bounds.get("max", hi))
    present = [a for a in (x, lo, hi) if a is not None]
    lifted = iter(_lift(*present))
    x = next(lifted)
    lo = next(lifted) if lo is not None else None
    hi = next(lifted) if hi is not None else None
    below = np.less(x.c[0], lo.c[0]) if lo is not None else False
    above = np.greater(np.maximum(x.c[0], lo.c[0]) if lo is not None else x.c[0], hi.c[0]) \
        if hi is not None else False
    coefficients = [ans]
    for k in range(1, len(x)):
        ck = x.c[k]
        if lo is not None:
            ck = np.where(below, lo.c[k], ck)
        if hi is not None:
            ck = np.where(above, hi.c[k], ck)
        coefficients.append(ck)
    return Series(coefficients)


def _reduced_axes(ndim, axis):
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,))))


def _prod(ans, x, axis=None, dtype=None, out=None, keepdims=False, **_):
    """A product of many: the reduced axes moved last and flattened, then one Cauchy product per
    element along them (no division, so zeros are no trouble)."""
    ndim = np.ndim(x.c[0])
    reduced = _reduced_axes(ndim, axis)
    order = [a for a in range(ndim) if a not in reduced] + list(reduced)
    kept_shape = tuple(np.shape(x.c[0])[a] for a in order[:ndim - len(reduced)])
    count = math.prod(np.shape(x.c[0])[a] for a in reduced)
    flat = x.map(lambda c: np.reshape(np.transpose(c, order), kept_shape + (count,)))
    if count == 0:
        return Series.constant(ans, len(x) - 1)
    product = flat.map(lambda c: c[..., 0])
    for i in range(1, count):
        product = product * flat.map(lambda c: c[..., i])
    return product.map(lambda c: np.reshape(c, np.shape(ans)), ans)


def _var(ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **_):
    count = math.prod(np.shape(x.c[0])[a] for a in _reduced_axes(np.ndim(x.c[0]), axis))
    centred = x.map(lambda c: c - np.mean(c, axis=axis, keepdims=True))
    return (centred * centred).map(lambda c: np.sum(c, axis=axis, keepdims=keepdims) / (count - ddof), ans)


def _std(ans, x, *args, **kwargs):
    # Where std is 0 (one element, or all equal) its derivatives are taken as 0, as rules.py does.
    safe = np.where(np.equal(ans, 0.0), np.inf, ans)
    return _sqrt(_var(ans * ans, x, *args, **kwargs), safe)


def _max_min(ans, x, axis=None, out=None, keepdims=False, **_):
    share = _share_of_ties(x.c[0], ans, axis, keepdims)  # the winners' coefficients; ties share
    return x.map(lambda c: np.sum(c * share, axis=axis, keepdims=keepdims), ans)


LN2, LN10 = np.log(2.0), np.log(10.0)

# ---- the table ------------------------------------------------------------------------------------
# Each rule gets (ans, *args, **kwargs) as recorded, with the arguments that move replaced by their
# Series, and gives the Series of ans. Coefficient 0 is always set to ans by the sweep.
# fmt: off
deftaylor(np.add,          lambda ans, x, y: _lift(x, y)[0] + y)
deftaylor(np.subtract,     lambda ans, x, y: _lift(x, y)[0] - y)
deftaylor(np.multiply,     lambda ans, x, y: x * y if isinstance(x, Series) else y * x)
deftaylor(np.divide,       lambda ans, x, y: _lift(x, y)[0] / y)
deftaylor(np.power,        _power_rule)
deftaylor(np.remainder,    _remainder)
deftaylor(np.maximum,      lambda ans, x, y: _winner(ans, x, y, np.greater))
deftaylor(np.minimum,      lambda ans, x, y: _winner(ans, x, y, np.less))
deftaylor(np.hypot,        _hypot)
deftaylor(np.arctan2,      _arctan2)
deftaylor(np.logaddexp,    _logaddexp)
deftaylor(np.negative,     lambda ans, x: -x)
deftaylor(np.absolute,     lambda ans, x: x * np.sign(x.c[0]))
deftaylor(np.square,       lambda ans, x: x * x)
deftaylor(np.reciprocal,   lambda ans, x: 1.0 / x)
deftaylor(np.sqrt,         lambda ans, x: _sqrt(x, ans))
deftaylor(np.cbrt,         lambda ans, x: _power(x, 1.0 / 3.0, ans))
deftaylor(np.exp,          lambda ans, x: _exp(x, ans))
deftaylor(np.exp2,         lambda ans, x: _exp(x * LN2, ans))
deftaylor(np.expm1,        lambda ans, x: _exp(x, ans + 1.0))
deftaylor(np.log,          lambda ans, x: _log(x, ans))
deftaylor(np.log2,         lambda ans, x: _integrate(ans, x.d() / (x * LN2)))
deftaylor(np.log10,        lambda ans, x: _integrate(ans, x.d() / (x * LN10)))
deftaylor(np.log1p,        lambda ans, x: _integrate(ans, x.d() / (x + 1.0)))
deftaylor(np.sin,          lambda ans, x: _sin_cos(x, ans, np.cos(x.c[0]))[0])
deftaylor(np.cos,          lambda ans, x: _sin_cos(x, np.sin(x.c[0]), ans)[1])
deftaylor(np.tan,          lambda ans, x: _tan(x, ans))
deftaylor(np.arcsin,       lambda ans, x: _integrate(ans, x.d() / _sqrt(1.0 - x * x)))
deftaylor(np.arccos,       lambda ans, x: _integrate(ans, -x.d() / _sqrt(1.0 - x * x)))
deftaylor(np.arctan,       lambda ans, x: _integrate(ans, x.d() / (1.0 + x * x)))
deftaylor(np.sinh,         lambda ans, x: _sin_cos(x, ans, np.cosh(x.c[0]), sign=1.0)[0])
deftaylor(np.cosh,         lambda ans, x: _sin_cos(x, np.sinh(x.c[0]), ans, sign=1.0)[1])
deftaylor(np.tanh,         lambda ans, x: _tan(x, ans, sign=-1.0))
deftaylor(np.arcsinh,      lambda ans, x: _integrate(ans, x.d() / _sqrt(x * x + 1.0)))
deftaylor(np.arccosh,      lambda ans, x: _integrate(ans, x.d() / _sqrt(x * x - 1.0)))
deftaylor(np.arctanh,      lambda ans, x: _integrate(ans, x.d() / (1.0 - x * x)))
deftaylor(np.sign,         _constant_pieces)
deftaylor(np.floor,        _constant_pieces)
deftaylor(np.ceil,         _constant_pieces)
deftaylor(np.round,        _constant_pieces)
deftaylor(np.rint,         _constant_pieces)
deftaylor(np.floor_divide, _constant_pieces)

deftaylor(np.sum,          _linear(np.sum))
deftaylor(np.mean,         _linear(np.mean))
deftaylor(np.prod,         _prod)
deftaylor(np.var,          _var)
deftaylor(np.std,          _std)
deftaylor(np.max,          _max_min)
deftaylor(np.min,          _max_min)
deftaylor(np.cumsum,       _linear(np.cumsum))
deftaylor(np.matmul,       _multilinear(np.matmul))
deftaylor(np.dot,          _multilinear(np.dot))
deftaylor(np.inner,        _multilinear(np.inner))
deftaylor(np.outer,        _multilinear(np.outer))
deftaylor(np.tensordot,    _multilinear(np.tensordot))
deftaylor(np.einsum,       _multilinear(np.einsum))
deftaylor(np.trace,        _linear(np.trace))
deftaylor(np.diag,         _linear(np.diag))
deftaylor(np.diagonal,     _linear(np.diagonal))
deftaylor(np.reshape,      _linear(np.reshape))
deftaylor(np.ravel,        _linear(np.ravel))
deftaylor(np.squeeze,      _linear(np.squeeze))
deftaylor(np.expand_dims,  _linear(np.expand_dims))
deftaylor(np.transpose,    _linear(np.transpose))
deftaylor(np.swapaxes,     _linear(np.swapaxes))
deftaylor(np.moveaxis,     _linear(np.moveaxis))
deftaylor(np.flip,         _linear(np.flip))
deftaylor(np.broadcast_to, _linear(np.broadcast_to))
deftaylor(np.where,        _where)
deftaylor(np.clip,         _clip)
deftaylor(rules.getitem,   _linear(rules.getitem))
deftaylor(rules.untake,    _linear(rules.untake))
deftaylor(rules.concatenate, _linear_in_all(rules.concatenate))
deftaylor(rules.stack,     _linear_in_all(rules.stack))
# fmt: on
