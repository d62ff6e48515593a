"""The Taylor rule of every primitive admagic knows: one line each.

This is Taylor mode's table, as `rules.py` is reverse mode's: adding a primitive is adding a line
to each. A rule gets ``(ans, *args, **kwargs)`` as the primitive was recorded, with every argument
that moves replaced by its `Series` (``x.c[k]`` is its coefficient of tᵏ), and gives the Series of
``ans``; the sweep in `taylor.py` sets coefficient 0 to ``ans`` itself. The series arithmetic and
the recurrences of exp, sin, sqrt, ... the rules are written in are in `series.py`; what the two
tables share about reductions (axes, counts, ties) and np.clip's bounds is in `reductions.py`.
The rules of np.linalg's functions are in `linalg_taylor_rules.py` (the same table, a file of its
own); the primitives with no Taylor rule at all are listed at the end, in `REVERSE_ONLY`.

Keywords: a rule names each keyword it honours. Any other is refused with a TypeError when the
sweep reaches it, unless the rule takes ``**kwargs`` (then it passes them on to NumPy, which is
right for functions linear in x). A ufunc's ``dtype=`` is honoured by the sweep; its ``where=``
is refused (without ``out=`` NumPy leaves the masked-out elements unset).

>>> import numpy as np
>>> from admagic.taylor import TAYLOR, Series
>>> TAYLOR[np.negative](-2.0, Series([2.0, 1.0, 0.0]))
Series([-2.0, -1.0, -0.0])
"""

import itertools

import numpy as np

from . import primitives, series
from .keywords import VALUE_NEUTRAL_KEYWORDS
from .reductions import LN2, LN10, clip_bounds, count, positive_axes, share_of_ties
from .series import Series, integrate, lift, total, value_of
from .taylor import cast_to_dtype, deftaylor
from .traced import Traced

# ---- rules that need more than one line -----------------------------------------------------------


def _power_rule(ans, x, y):
    if not isinstance(y, Series):  # x ** r, r fixed
        if type(y) is not Traced and np.ndim(y) == 0 and float(y).is_integer() and 0 <= y < 2**31:
            return series.whole_power(x, int(y))
        return series.power(x, y, ans)
    if not isinstance(x, Series):  # c ** y = exp(y log c); log c taken as 0 where c <= 0, as rules.py
        return series.exp(y * np.log(np.where(np.greater(x, 0.0), x, 1.0)), ans)
    return series.exp(y * series.log(x, np.log(x.c[0])), ans)  # x ** y = exp(y log x)


def _winner(ans, x, y, x_wins):
    """max/min: the coefficients of the argument that wins; a tie shares them equally (rules.py)."""
    x0, y0 = value_of(x), value_of(y)
    share = np.where(np.equal(x0, y0), 0.5, np.where(x_wins(x0, y0), 1.0, 0.0))
    x, y = lift(x, y)
    return x * share + y * (1.0 - share)


def _logaddexp(ans, x, y):
    x, y = lift(x, y)
    top = np.maximum(x.c[0], y.c[0])  # log(e^x + e^y) = top + log(e^(x-top) + e^(y-top))
    u = series.exp(x - top, np.exp(x.c[0] - top)) + series.exp(y - top, np.exp(y.c[0] - top))
    return integrate(ans, u.d() / u)


def _hypot(ans, x, y):
    x, y = lift(x, y)
    return series.sqrt(x * x + y * y, ans)


def _arctan2(ans, y, x):
    y, x = lift(y, x)  # d/dt arctan2(y, x) = (x y' - y x') / (x² + y²)
    return integrate(ans, (x * y.d() - y * x.d()) / (x * x + y * y))


def _remainder(ans, x, y):
    x, y = lift(x, y)  # x mod y = x - floor(x/y)·y, the floor constant between its jumps
    return x - y * np.floor(x.c[0] / y.c[0])


def _constant_pieces(ans, *args, decimals=0):
    """Piecewise constant (floor, sign, round, ...): every coefficient beyond the 0th is 0."""
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
        arrays = lift(*arrays)
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
            coefficients.append(total(terms))
        return Series(coefficients)
    return rule


def _compositions(k, parts):
    """Every way to write k as an ordered sum of `parts` whole numbers ≥ 0 (stars and bars)."""
    for bars in itertools.combinations(range(k + parts - 1), parts - 1):
        edges = (-1,) + bars + (k + parts - 1,)
        yield tuple(edges[i + 1] - edges[i] - 1 for i in range(parts))


def _where(ans, condition, x, y):
    condition = value_of(condition)
    x, y = lift(x, y)
    return Series([ans] + [np.where(condition, x.c[k], y.c[k]) for k in range(1, len(x))])


def _clip(ans, x, lo=None, hi=None, **keywords):
    lo, hi, rest = clip_bounds(lo, hi, keywords)  # the rest is for the ufunc under np.clip
    dtype = rest.pop("dtype", None)
    if set(rest) - VALUE_NEUTRAL_KEYWORDS:
        raise _refused_clip(set(rest) - VALUE_NEUTRAL_KEYWORDS)
    present = [a for a in (x, lo, hi) if a is not None]
    lifted = iter(lift(*present))
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
    return Series(coefficients) if dtype is None else cast_to_dtype(Series(coefficients), dtype)


def _refused_clip(keywords):
    names = ", ".join(f"{name}=..." for name in sorted(keywords))
    return TypeError(f"np.clip(..., {names}) isn't supported in Taylor mode (derivatives of order "
                     "2 and up). Instead, leave it out: np.clip(x, lo, hi), or np.where(mask, "
                     "np.clip(x, lo, hi), other) for a mask.")


def _sum(ans, x, axis=None, dtype=None, keepdims=False, initial=None, where=True):
    """Linear, but `initial` is a constant: it is in coefficient 0 (ans) only."""
    return x.map(lambda c: np.sum(c, axis=axis, dtype=dtype, keepdims=keepdims, where=where), ans)


def _prod(ans, x, axis=None, dtype=None, keepdims=False, initial=None, where=True):
    """A product of many: the reduced axes moved last and flattened, then one Cauchy product per
    element along them (no division, so zeros are no trouble). Elements `where` leaves out count
    as the constant 1, and a constant `initial` multiplies the whole."""
    if where is not True:
        x = Series([np.where(where, x.c[0], 1.0)] + [np.where(where, c, 0.0) for c in x.c[1:]])
    shape = np.shape(x.c[0])
    ndim = len(shape)
    reduced = positive_axes(axis, ndim)
    order = [a for a in range(ndim) if a not in reduced] + list(reduced)
    kept_shape = tuple(shape[a] for a in order[:ndim - len(reduced)])
    n = count(x.c[0], axis)
    if n == 0:
        return Series.constant(ans, len(x) - 1)
    flat = x.map(lambda c: np.reshape(np.transpose(np.broadcast_to(c, shape), order),
                                      kept_shape + (n,)))
    product = flat.map(lambda c: c[..., 0])
    for i in range(1, n):
        product = product * flat.map(lambda c: c[..., i])
    if initial is not None:
        product = product * initial
    product = product.map(lambda c: np.reshape(c, np.shape(ans)), ans)
    return product if dtype is None else cast_to_dtype(product, dtype)


def _var(ans, x, axis=None, dtype=None, ddof=0, keepdims=False, where=True, correction=None):
    """Σ (x - mean)² / (count - ddof), over the elements `where` keeps (NumPy 2 calls ddof
    `correction` too)."""
    ddof = ddof if correction is None else correction
    if where is True:
        n = count(x.c[0], axis)
    else:
        n = np.sum(np.broadcast_to(where, np.shape(x.c[0])), axis=axis, keepdims=keepdims)
    centred = x.map(lambda c: c - np.mean(c, axis=axis, dtype=dtype, keepdims=True, where=where))
    square = centred * centred
    return square.map(lambda c: np.sum(c, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
                      / (n - ddof), ans)


def _std(ans, x, axis=None, dtype=None, ddof=0, keepdims=False, where=True, correction=None):
    # Where std is 0 (one element, or all equal) its derivatives are taken as 0, as rules.py does.
    safe = np.where(np.equal(ans, 0.0), np.inf, ans)
    root = series.sqrt(_var(ans * ans, x, axis, dtype, ddof, keepdims, where, correction), safe)
    return root if dtype is None else cast_to_dtype(root, dtype)


def _max_min(ans, x, axis=None, keepdims=False, initial=None, where=True):
    """The winners' coefficients; ties share them, and an `initial` that wins is a constant."""
    share = share_of_ties(x.c[0], ans, axis, keepdims, initial, where)
    return x.map(lambda c: np.sum(c * share, axis=axis, keepdims=keepdims), ans)


# ---- elementwise: helpers ------------------------------------------------------------------------

def _nan_ignoring_winner(ans, x, y, x_wins):
    """fmax/fmin: as max/min, but a nan loses to a number (rules.py shares the same way)."""
    x0, y0 = value_of(x), value_of(y)
    share = np.where(np.isnan(y0), 1.0, np.where(np.isnan(x0), 0.0, np.where(
        np.equal(x0, y0), 0.5, np.where(x_wins(x0, y0), 1.0, 0.0))))
    x, y = lift(x, y)
    return x * share + y * (1.0 - share)


def _heaviside(ans, x, h):
    """A step in x, so only h moves it, and only where x is 0."""
    x, h = lift(x, h)
    at_zero = np.equal(x.c[0], 0.0)
    return Series([ans] + [np.where(at_zero, h.c[k], 0.0) for k in range(1, len(h))])


def _logaddexp2(ans, x, y):
    x, y = lift(x, y)  # log2(2^x + 2^y) = logaddexp(x ln 2, y ln 2) / ln 2
    return _logaddexp(ans * LN2, x * LN2, y * LN2) * (1.0 / LN2)


# ---- the table ------------------------------------------------------------------------------------
# One line per primitive, aligned; keep an auto-formatter off it.
# fmt: off
deftaylor(np.add,            lambda ans, x, y: lift(x, y)[0] + y)
deftaylor(np.subtract,       lambda ans, x, y: lift(x, y)[0] - y)
deftaylor(np.multiply,       lambda ans, x, y: x * y if isinstance(x, Series) else y * x)
deftaylor(np.divide,         lambda ans, x, y: lift(x, y)[0] / y)
deftaylor(np.power,          _power_rule)
deftaylor(np.remainder,      _remainder)
deftaylor(np.maximum,        lambda ans, x, y: _winner(ans, x, y, np.greater))
deftaylor(np.minimum,        lambda ans, x, y: _winner(ans, x, y, np.less))
deftaylor(np.hypot,          _hypot)
deftaylor(np.arctan2,        _arctan2)
deftaylor(np.logaddexp,      _logaddexp)
deftaylor(np.negative,       lambda ans, x: -x)
deftaylor(np.absolute,       lambda ans, x: x * np.sign(x.c[0]))
deftaylor(np.square,         lambda ans, x: x * x)
deftaylor(np.reciprocal,     lambda ans, x: 1.0 / x)
deftaylor(np.sqrt,           lambda ans, x: series.sqrt(x, ans))
deftaylor(np.cbrt,           lambda ans, x: series.power(x, 1.0 / 3.0, ans, root=np.cbrt))
deftaylor(np.exp,            lambda ans, x: series.exp(x, ans))
deftaylor(np.exp2,           lambda ans, x: series.exp(x * LN2, ans))
deftaylor(np.expm1,          lambda ans, x: series.exp(x, ans + 1.0))
deftaylor(np.log,            lambda ans, x: series.log(x, ans))
deftaylor(np.log2,           lambda ans, x: integrate(ans, x.d() / (x * LN2)))
deftaylor(np.log10,          lambda ans, x: integrate(ans, x.d() / (x * LN10)))
deftaylor(np.log1p,          lambda ans, x: integrate(ans, x.d() / (x + 1.0)))
deftaylor(np.sin,            lambda ans, x: series.sin_cos(x, ans, np.cos(x[0]))[0])
deftaylor(np.cos,            lambda ans, x: series.sin_cos(x, np.sin(x[0]), ans)[1])
deftaylor(np.tan,            lambda ans, x: series.tan(x, ans))
deftaylor(np.arcsin,         lambda ans, x: integrate(ans, x.d() / series.sqrt(1.0 - x * x)))
deftaylor(np.arccos,         lambda ans, x: integrate(ans, -x.d() / series.sqrt(1.0 - x * x)))
deftaylor(np.arctan,         lambda ans, x: integrate(ans, x.d() / (1.0 + x * x)))
deftaylor(np.sinh,           lambda ans, x: series.sin_cos(x, ans, np.cosh(x[0]), sign=1.0)[0])
deftaylor(np.cosh,           lambda ans, x: series.sin_cos(x, np.sinh(x[0]), ans, sign=1.0)[1])
deftaylor(np.tanh,           lambda ans, x: series.tan(x, ans, sign=-1.0))
deftaylor(np.arcsinh,        lambda ans, x: integrate(ans, x.d() / series.sqrt(x * x + 1.0)))
deftaylor(np.arccosh,        lambda ans, x: integrate(ans, x.d() / series.sqrt(x * x - 1.0)))
deftaylor(np.arctanh,        lambda ans, x: integrate(ans, x.d() / (1.0 - x * x)))
deftaylor(np.sign,           _constant_pieces)
deftaylor(np.floor,          _constant_pieces)
deftaylor(np.ceil,           _constant_pieces)
deftaylor(np.round,          _constant_pieces)
deftaylor(np.rint,           _constant_pieces)
deftaylor(np.floor_divide,   _constant_pieces)

deftaylor(np.sum,            _sum)
deftaylor(np.mean,           _linear(np.mean))
deftaylor(np.prod,           _prod)
deftaylor(np.var,            _var)
deftaylor(np.std,            _std)
deftaylor(np.max,            _max_min)
deftaylor(np.min,            _max_min)
deftaylor(np.cumsum,         _linear(np.cumsum))
deftaylor(np.matmul,         _multilinear(np.matmul))
deftaylor(np.dot,            _multilinear(np.dot))
deftaylor(np.inner,          _multilinear(np.inner))
deftaylor(np.outer,          _multilinear(np.outer))
deftaylor(np.tensordot,      _multilinear(np.tensordot))
deftaylor(np.einsum,         _multilinear(np.einsum))
deftaylor(np.trace,          _linear(np.trace))
deftaylor(np.diag,           _linear(np.diag))
deftaylor(np.diagonal,       _linear(np.diagonal))
deftaylor(np.reshape,        _linear(np.reshape))
deftaylor(np.ravel,          _linear(np.ravel))
deftaylor(np.squeeze,        _linear(np.squeeze))
deftaylor(np.expand_dims,    _linear(np.expand_dims))
deftaylor(np.transpose,      _linear(np.transpose))
deftaylor(np.swapaxes,       _linear(np.swapaxes))
deftaylor(np.moveaxis,       _linear(np.moveaxis))
deftaylor(np.flip,           _linear(np.flip))
deftaylor(np.broadcast_to,   _linear(np.broadcast_to))
deftaylor(np.where,          _where)
deftaylor(np.clip,           _clip)
deftaylor(primitives.getitem,     _linear(primitives.getitem))
deftaylor(primitives.untake,      _linear(primitives.untake))
deftaylor(primitives.concatenate, _linear_in_all(primitives.concatenate))
deftaylor(primitives.stack,       _linear_in_all(primitives.stack))

# ---- elementwise
deftaylor(np.deg2rad,        _linear(np.deg2rad))
deftaylor(np.radians,        _linear(np.radians))
deftaylor(np.rad2deg,        _linear(np.rad2deg))
deftaylor(np.degrees,        _linear(np.degrees))
deftaylor(np.fabs,           lambda ans, x: x * np.sign(x.c[0]))
deftaylor(np.conjugate,      lambda ans, x: x)
deftaylor(np.fmax,           lambda ans, x, y: _nan_ignoring_winner(ans, x, y, np.greater))
deftaylor(np.fmin,           lambda ans, x, y: _nan_ignoring_winner(ans, x, y, np.less))
deftaylor(np.logaddexp2,     _logaddexp2)
deftaylor(np.heaviside,      _heaviside)
# fmt: on

#: Primitives with a derivative rule (tape.VJP) but no Taylor rule, on purpose: pinv's series (at
#: any rank, with its cutoff) is left to nested reverse mode. A cell
#: that uses one falls back to nested reverse mode (cell.py's `_check_taylor_rules`); the list is
#: in docs/how-it-works.md too. The linear-algebra Taylor rules are in linalg_taylor_rules.py.
REVERSE_ONLY = {np.linalg.pinv}
