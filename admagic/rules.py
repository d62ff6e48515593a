"""The derivative of every primitive admagic knows: one line each.

A rule is a vector-Jacobian product (vjp). For ``ans = f(x, y)`` and ``g`` = d(output)/d(ans),
the rule for argument ``x`` returns d(output)/d(x) = g · ∂f/∂x. Every rule gets
``(g, ans, *args, **kwargs)``: the incoming gradient, the primitive's result, and the very
arguments it was called with. A primitive has one rule per argument, in order.

Rules are written with ordinary NumPy functions. When an outer tape is recording, ``g``, ``ans``
and the arguments are traced values of that tape, so the rule's own operations are recorded:
differentiating the backward pass is how admagic gets second, third, ... derivatives.

Broadcasting is undone in one place, `tape.unbroadcast`, called by the backward pass: a rule may
return its gradient in the broadcast shape of the result.

This module only fills the engine's table (`tape.VJP`, through `defvjp`); the engine itself is in
`tape.py` and `traced.py`, and admagic's own primitives (``getitem``, ``untake``, ...) in
`primitives.py`. The rules of np.linalg's functions are in `linalg_rules.py`: the same table, in a
file of its own to keep both small.
"""

import numpy as np

from .primitives import _parse_einsum, _tensordot_subscripts, concatenate, getitem, stack, untake
from .tape import defvjp, defvjp_every
from .traced import record
from .reductions import LN2, LN10, clip_bounds
from .reductions import count as _count
from .reductions import positive_axes as _positive_axes
from .reductions import restore_reduced as _restore_reduced
from .reductions import share_of_ties as _share_of_ties


# ---- helpers the rules share (written in traced operations too) ---------------------------------
# Axes, counts, spreading a reduction back, ties of max/min and clip's bounds are in reductions.py,
# which the Taylor table (taylor_rules.py) shares.

def _balanced(x, y):
    """The share of an elementwise max/min's gradient for x against y: 1/2 where they tie, else 1.
    (The rule multiplies it by the comparison that says whether x won.)"""
    return np.where(np.equal(x, y), 0.5, 1.0)


def _power_less_one(x, y):
    """x ** (y - 1), but x ** 1 where a constant y is 0: then the rule's factor y makes the term 0,
    and 0 ** -1 would turn it into nan (the third derivative of x ** 2 at 0). A traced y keeps
    y - 1, since derivatives with respect to y need it."""
    if isinstance(y, (int, float, np.number)):  # a plain number: no tape varies it
        return np.power(x, y - 1 if y != 0 else 1)  # a number exponent takes NumPy's fast path
    if isinstance(y, np.ndarray):
        return np.power(x, np.where(np.equal(y, 0), 1.0, y - 1))
    return np.power(x, y - 1)


def _kept(g, x, where):
    """g (spread over x's shape) where the reduction's `where=` keeps an element, 0 elsewhere."""
    return g if where is True else g * np.broadcast_to(where, np.shape(x))


def _count_kept(x, axis, keepdims, where):
    """How many elements each reduction over `axis` takes, counting only those `where` keeps."""
    if where is True:
        return _count(x, axis)
    return np.sum(np.broadcast_to(where, np.shape(x)), axis=axis, keepdims=keepdims)


def _var_vjp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
             correction=None):
    ddof = ddof if correction is None else correction  # NumPy 2's name for ddof
    centred = x - np.mean(x, axis=axis, keepdims=True, where=where)
    n = _count_kept(x, axis, True, where)
    return _kept(_restore_reduced(g, x, axis, keepdims) * 2.0 * centred / (n - ddof), x, where)


def _std_vjp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
             correction=None):
    # Where std is 0 (one element, or all equal) take the derivative 0, as abs() does at 0.
    ans = np.where(np.equal(ans, 0.0), np.inf, ans)
    return _var_vjp(g / (2.0 * ans), ans ** 2, x, axis, dtype, out, ddof, keepdims, where=where,
                    correction=correction)


def _prod_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    g = _kept(_restore_reduced(g, x, axis, keepdims), x, where)
    if where is not True:
        x = np.where(where, x, 1.0)  # an element left out multiplies like a 1
    if np.all(np.not_equal(x, 0.0)):
        return g * _restore_reduced(ans, x, axis, keepdims) / x
    others = _product_of_the_others(x, axis)  # ans / x would be 0 / 0
    return g * (others if initial is None else others * initial)


def _product_of_the_others(x, axis):
    """For each element of x, the product of the others in its reduction, without dividing."""
    ndim = np.ndim(x)
    reduced = _positive_axes(axis, ndim) if axis is not None else tuple(range(ndim))
    order = [a for a in range(ndim) if a not in reduced] + list(reduced)
    moved = np.transpose(x, order)  # reduced axes last, then flattened into one of length n
    kept_shape = np.shape(moved)[:ndim - len(reduced)]
    n = _count(x, axis)
    flat = np.reshape(moved, kept_shape + (n,))
    # Row i of `leave_one_out` is the reduction with element i replaced by 1.
    leave_one_out = np.where(np.eye(n, dtype=bool), 1.0, np.expand_dims(flat, -2))
    others = np.reshape(np.prod(leave_one_out, axis=-1), np.shape(moved))
    return np.transpose(others, np.argsort(order))


def _matmul_vjp(argnum, g, ans, a, b):
    """Gradient of a @ b for 1-D, 2-D and stacked operands (unbroadcast sums stacks down).

    NumPy multiplies a 1-D `a` as a row and a 1-D `b` as a column, then drops that axis from the
    result; so put the axis back into g, multiply, and sum it (and any stacking) away again.
    """
    a_is_vector, b_is_vector = np.ndim(a) == 1, np.ndim(b) == 1
    if b_is_vector:
        g = np.expand_dims(g, -1)
    if a_is_vector:
        g = np.expand_dims(g, -2)
    if argnum == 0:
        column = np.expand_dims(b, -1) if b_is_vector else b
        grad = np.matmul(g, np.swapaxes(column, -1, -2))   # (..., m, n)
        return _summed_to_vector(grad, -2) if a_is_vector else grad
    row = np.expand_dims(a, 0) if a_is_vector else a
    grad = np.matmul(np.swapaxes(row, -1, -2), g)          # (..., n, p)
    return _summed_to_vector(grad, -1) if b_is_vector else grad


def _summed_to_vector(grad, axis):
    """Sum away every stacked axis and the row (-2) or column (-1) axis, leaving a vector."""
    ndim = np.ndim(grad)
    return np.sum(grad, axis=tuple(range(ndim - 2)) + (axis % ndim,))


def _dot_vjp(argnum, g, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return g * (b if argnum == 0 else a)
    return _matmul_vjp(argnum, g, ans, a, b)


# ---- einsum, and what is written as einsum (tensordot, inner) -----------------------------------

def _einsum_vjp(argnum, g, ans, subscripts, *operands, dtype=None, order="K", casting="safe",
                optimize=False):
    """np.einsum's keywords change how NumPy computes, not the derivative (a float dtype only
    rounds): named, they stay on the record for Taylor mode, which passes them on to np.einsum."""
    operand = argnum - 1  # argument 0 is the subscripts string
    terms, output = _parse_einsum(subscripts, len(operands))
    others = [t for i, t in enumerate(terms) if i != operand]
    available = set(output).union(*others) if others else set(output)
    wanted = terms[operand]
    kept = "".join(c for c in wanted if c in available)
    spec = ",".join([output] + others) + "->" + kept
    grad = np.einsum(spec, g, *[x for i, x in enumerate(operands) if i != operand])
    if kept != wanted:  # indices summed only in this operand: their gradient is constant along them
        grad = np.expand_dims(grad, tuple(i for i, c in enumerate(wanted) if c not in available))
        grad = np.broadcast_to(grad, np.shape(operands[operand]))
    return grad


def _tensordot_vjp(argnum, g, ans, a, b, axes=2):
    spec = _tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return _einsum_vjp(argnum + 1, g, ans, spec, a, b)


def _inner_vjp(argnum, g, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return g * (b if argnum == 0 else a)
    return _tensordot_vjp(argnum, g, ans, a, b, axes=([-1], [-1]))


# ---- admagic's own primitives (primitives.py) -----------------------------------------------------

def _concatenate_vjp(argnum, g, ans, *arrays, axis=0):
    if axis is None:
        sizes = [np.size(a) for a in arrays]
        start = sum(sizes[:argnum])
        return np.reshape(g[start:start + sizes[argnum]], np.shape(arrays[argnum]))
    axis = axis % np.ndim(ans)
    start = sum(np.shape(a)[axis] for a in arrays[:argnum])
    width = np.shape(arrays[argnum])[axis]
    return g[(slice(None),) * axis + (slice(start, start + width),)]


def _stack_vjp(argnum, g, ans, *arrays, axis=0):
    axis = axis % np.ndim(ans)
    return g[(slice(None),) * axis + (argnum,)]


def _cumsum_vjp(g, ans, x, axis=None, dtype=None, out=None):
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(g))), np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def _diag_vjp(g, ans, x, k=0):
    if np.ndim(x) == 1:
        return np.diag(g, k)
    # x is a matrix and ans its k-th diagonal: put g back on that diagonal of a zero matrix.
    rows, cols = np.shape(x)
    n = np.shape(g)[0]
    place_rows = np.eye(rows, n, -max(0, -k))
    place_cols = np.eye(n, cols, max(0, k))
    return place_rows @ np.diag(g) @ place_cols


def _trace_vjp(g, ans, x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    if np.ndim(x) != 2:
        raise NotImplementedError("np.trace is differentiable in admagic for matrices only.")
    return g * np.eye(*np.shape(x), k=offset)


def _transpose_vjp(g, ans, x, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort([a % np.ndim(x) for a in axes]))


def _clip_vjp(g, ans, x, lo=None, hi=None, **bounds):
    """np.clip = minimum(maximum(x, lo), hi): x's gradient where neither bound wins. `bounds` are
    a_min=, max=, ... (see `clip_bounds`); the ufunc keywords under np.clip are keywords.py's."""
    lo, hi, _ = clip_bounds(lo, hi, bounds)
    inside = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        inside = np.logical_and(inside, np.greater_equal(x, lo))
    if hi is not None:
        inside = np.logical_and(inside, np.less_equal(x, hi))
    return g * inside


def _clip_low_vjp(g, ans, x, lo=None, hi=None, **bounds):
    lo, hi, _ = clip_bounds(lo, hi, bounds)
    below = np.less(x, lo)
    return g * (below if hi is None else np.logical_and(below, np.less_equal(lo, hi)))


def _clip_high_vjp(g, ans, x, lo=None, hi=None, **bounds):
    lo, hi, _ = clip_bounds(lo, hi, bounds)  # hi wins where it is below x, or below lo
    return g * np.greater(x if lo is None else np.maximum(x, lo), hi)


def _power_base(g, ans, x, y):
    return g * y * _power_less_one(x, y)


def _power_exponent(g, ans, x, y):
    return g * ans * np.log(np.where(x > 0, x, 1.0))  # x ** y for x <= 0 only has integer y


def _sum_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    return _kept(_restore_reduced(g, x, axis, keepdims), x, where)  # initial: a constant


def _mean_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    return _kept(_restore_reduced(g / _count_kept(x, axis, keepdims, where), x, axis, keepdims),
                 x, where)


def _extreme_vjp(g, ans, x, axis=None, out=None, keepdims=False, initial=None, where=True):
    """np.max and np.min: the gradient goes to the element that won, shared among ties (an
    `initial` that wins is a constant, and takes its share with it)."""
    share = _share_of_ties(x, ans, axis, keepdims, initial, where)
    return _restore_reduced(g, x, axis, keepdims) * share


def _outer_vjp(argnum, g, ans, a, b):
    if argnum == 0:
        return np.reshape(g @ np.ravel(b), np.shape(a))
    return np.reshape(np.ravel(a) @ g, np.shape(b))


def _diagonal_vjp(g, ans, x, offset=0, axis1=0, axis2=1):
    """np.diagonal: g back on that diagonal of a zero array shaped like x."""
    ndim = np.ndim(x)
    axis1, axis2 = axis1 % ndim, axis2 % ndim
    rows, cols, n = np.shape(x)[axis1], np.shape(x)[axis2], np.shape(ans)[-1]
    place_rows = np.eye(rows, n, -max(0, -offset))  # diagonal element i sits in this row ...
    place_cols = np.eye(n, cols, max(0, offset))    # ... and this column
    spread = np.matmul(np.expand_dims(g, -2) * place_rows, place_cols)  # (..., rows, cols)
    return np.moveaxis(spread, (-2, -1), (axis1, axis2))


def _zero(g, ans, *args, decimals=0):
    return g * 0.0


# ---- elementwise: helpers ------------------------------------------------------------------------

DEGREE = np.pi / 180.0


def _nan_ignoring_share(x, y, x_wins):
    """fmax/fmin: x's share of the gradient. A nan loses to a number; a tie shares it."""
    return np.where(np.isnan(y), 1.0, np.where(np.isnan(x), 0.0,
                    np.where(np.equal(x, y), 0.5, x_wins(x, y))))


def _reshape_vjp(g, ans, x, shape=None, order="C", newshape=None):  # newshape: NumPy 2.1's older name
    return np.reshape(g, np.shape(x), order=order)


# ---- the table ------------------------------------------------------------------------------------
# One line per primitive: its rules, one per argument, in order. Keep a formatter off it.
# fmt: off
defvjp(np.add,          lambda g, ans, x, y: g,                         lambda g, ans, x, y: g)
defvjp(np.subtract,     lambda g, ans, x, y: g,                         lambda g, ans, x, y: -g)
defvjp(np.multiply,     lambda g, ans, x, y: g * y,                     lambda g, ans, x, y: g * x)
defvjp(np.divide,       lambda g, ans, x, y: g / y,                     lambda g, ans, x, y: -g * ans / y)
defvjp(np.power,        _power_base,                                    _power_exponent)
defvjp(np.remainder,    lambda g, ans, x, y: g,
                        lambda g, ans, x, y: -g * np.floor(x / y))
defvjp(np.maximum,      lambda g, ans, x, y: g * (x >= y) * _balanced(x, y),
                        lambda g, ans, x, y: g * (y >= x) * _balanced(x, y))
defvjp(np.minimum,      lambda g, ans, x, y: g * (x <= y) * _balanced(x, y),
                        lambda g, ans, x, y: g * (y <= x) * _balanced(x, y))
defvjp(np.hypot,        lambda g, ans, x, y: g * x / ans,               lambda g, ans, x, y: g * y / ans)
defvjp(np.arctan2,      lambda g, ans, y, x: g * x / (x**2 + y**2),
                        lambda g, ans, y, x: -g * y / (x**2 + y**2))
defvjp(np.logaddexp,    lambda g, ans, x, y: g * np.exp(x - ans),
                        lambda g, ans, x, y: g * np.exp(y - ans))
defvjp(np.negative,     lambda g, ans, x: -g)
defvjp(np.absolute,     lambda g, ans, x: g * np.sign(x))
defvjp(np.square,       lambda g, ans, x: g * 2.0 * x)
defvjp(np.reciprocal,   lambda g, ans, x: -g * ans * ans)
defvjp(np.sqrt,         lambda g, ans, x: g * 0.5 / ans)
defvjp(np.cbrt,         lambda g, ans, x: g / (3.0 * ans * ans))
defvjp(np.exp,          lambda g, ans, x: g * ans)
defvjp(np.exp2,         lambda g, ans, x: g * ans * LN2)
defvjp(np.expm1,        lambda g, ans, x: g * (ans + 1.0))
defvjp(np.log,          lambda g, ans, x: g / x)
defvjp(np.log2,         lambda g, ans, x: g / (x * LN2))
defvjp(np.log10,        lambda g, ans, x: g / (x * LN10))
defvjp(np.log1p,        lambda g, ans, x: g / (x + 1.0))
defvjp(np.sin,          lambda g, ans, x: g * np.cos(x))
defvjp(np.cos,          lambda g, ans, x: -g * np.sin(x))
defvjp(np.tan,          lambda g, ans, x: g / np.cos(x) ** 2)
defvjp(np.arcsin,       lambda g, ans, x: g / np.sqrt(1.0 - x**2))
defvjp(np.arccos,       lambda g, ans, x: -g / np.sqrt(1.0 - x**2))
defvjp(np.arctan,       lambda g, ans, x: g / (1.0 + x**2))
defvjp(np.sinh,         lambda g, ans, x: g * np.cosh(x))
defvjp(np.cosh,         lambda g, ans, x: g * np.sinh(x))
defvjp(np.tanh,         lambda g, ans, x: g * (1.0 - ans**2))
defvjp(np.arcsinh,      lambda g, ans, x: g / np.sqrt(x**2 + 1.0))
defvjp(np.arccosh,      lambda g, ans, x: g / np.sqrt(x**2 - 1.0))
defvjp(np.arctanh,      lambda g, ans, x: g / (1.0 - x**2))
defvjp(np.sign,         _zero)
defvjp(np.floor,        _zero)
defvjp(np.ceil,         _zero)
defvjp(np.round,        _zero)
defvjp(np.rint,         _zero)
defvjp(np.floor_divide, _zero,                                          _zero)

defvjp(np.sum,          _sum_vjp)
defvjp(np.mean,         _mean_vjp)
defvjp(np.prod,         _prod_vjp)
defvjp(np.var,          _var_vjp)
defvjp(np.std,          _std_vjp)
defvjp(np.max,          _extreme_vjp)
defvjp(np.min,          _extreme_vjp)
defvjp(np.cumsum,       _cumsum_vjp)
defvjp_every(np.matmul, _matmul_vjp)
defvjp_every(np.dot,    _dot_vjp)
defvjp_every(np.inner,  _inner_vjp)
defvjp_every(np.outer,  _outer_vjp)
defvjp_every(np.tensordot, _tensordot_vjp)
defvjp_every(np.einsum, _einsum_vjp)
defvjp(np.trace,        _trace_vjp)
defvjp(np.diag,         _diag_vjp)
defvjp(np.diagonal,     _diagonal_vjp)
defvjp(np.reshape,      _reshape_vjp)
defvjp(np.ravel,        lambda g, ans, x, order="C": np.reshape(g, np.shape(x), order=order))
defvjp(np.squeeze,      lambda g, ans, x, axis=None: np.reshape(g, np.shape(x)))
defvjp(np.expand_dims,  lambda g, ans, x, axis: np.reshape(g, np.shape(x)))
defvjp(np.transpose,    _transpose_vjp)
defvjp(np.swapaxes,     lambda g, ans, x, axis1, axis2: np.swapaxes(g, axis1, axis2))
defvjp(np.moveaxis,     lambda g, ans, x, source, destination: np.moveaxis(g, destination, source))
defvjp(np.flip,         lambda g, ans, x, axis=None: np.flip(g, axis))
defvjp(np.broadcast_to, lambda g, ans, x, shape: g)   # unbroadcast sums it back down
defvjp(np.where,        None,
                        lambda g, ans, c, x, y: np.where(c, g, 0.0),
                        lambda g, ans, c, x, y: np.where(c, 0.0, g))
defvjp(np.clip,         _clip_vjp,
                        _clip_low_vjp,
                        _clip_high_vjp)
defvjp(getitem,         lambda g, ans, x, index: record(untake, g, index, np.shape(x)))
defvjp(untake,          lambda g, ans, h, index, shape: g[index])
defvjp_every(concatenate, _concatenate_vjp)
defvjp_every(stack,     _stack_vjp)

# ---- elementwise
defvjp(np.deg2rad,      lambda g, ans, x: g * DEGREE)
defvjp(np.radians,      lambda g, ans, x: g * DEGREE)
defvjp(np.rad2deg,      lambda g, ans, x: g / DEGREE)
defvjp(np.degrees,      lambda g, ans, x: g / DEGREE)
defvjp(np.fabs,         lambda g, ans, x: g * np.sign(x))
defvjp(np.conjugate,    lambda g, ans, x: g)               # of a real value: the value itself
defvjp(np.fmax,         lambda g, ans, x, y: g * _nan_ignoring_share(x, y, np.greater),
                        lambda g, ans, x, y: g * _nan_ignoring_share(y, x, np.greater))
defvjp(np.fmin,         lambda g, ans, x, y: g * _nan_ignoring_share(x, y, np.less),
                        lambda g, ans, x, y: g * _nan_ignoring_share(y, x, np.less))
defvjp(np.logaddexp2,   lambda g, ans, x, y: g * np.exp2(x - ans),
                        lambda g, ans, x, y: g * np.exp2(y - ans))
defvjp(np.heaviside,    _zero,                                          # a step in x; h is the value at 0
                        lambda g, ans, x, h: g * np.equal(x, 0.0))
# fmt: on
