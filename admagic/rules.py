"""The derivative of every primitive admagic knows: one line each.

A rule is a vector-Jacobian product (vjp). For ``ans = f(x, y)`` and ``g`` = d(output)/d(ans),
the rule for argument ``x`` returns d(output)/d(x) = g · ∂f/∂x. Every rule gets
``(g, ans, *args, **kwargs)``: the incoming gradient, the primitive's result, and the very
arguments it was called with. A primitive has one rule per argument, in order.

Rules are written with ordinary NumPy functions. When an outer tape is recording, ``g``, ``ans``
and the arguments are traced values of that tape, so the rule's own operations are recorded:
differentiating the backward pass is how admagic gets second, third, ... derivatives.

Broadcasting is undone in one place, `unbroadcast`, called by the backward pass: a rule may
return its gradient in the broadcast shape of the result.
"""

import string

import numpy as np

from .reductions import LN2, LN10, clip_bounds
from .reductions import count as _count
from .reductions import positive_axes as _positive_axes
from .reductions import restore_reduced as _restore_reduced
from .reductions import share_of_ties as _share_of_ties

VJP = {}  # primitive -> tuple of rules, one per argument


def defvjp(primitive, *rules):
    """Register the vjp of each argument of `primitive` (None where it has no derivative)."""
    VJP[primitive] = rules


class _EveryArgument:
    """Rules for a primitive with any number of array arguments: rule(argnum, g, ans, *args)."""

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, argnum):
        return lambda g, ans, *args, **kwargs: self.rule(argnum, g, ans, *args, **kwargs)


def defvjp_every(primitive, rule):
    VJP[primitive] = _EveryArgument(rule)


def shape_of(x):
    return getattr(x, "shape", ())


def unbroadcast(gradient, like):
    """Sum `gradient` down to the shape of `like`, undoing NumPy's broadcasting (and the reverse)."""
    target = shape_of(like)
    shape = shape_of(gradient)
    if shape == target:
        return gradient
    extra = len(shape) - len(target)
    if extra > 0:
        gradient = np.sum(gradient, axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(target) if n == 1 and shape_of(gradient)[i] != 1)
    if stretched:
        gradient = np.sum(gradient, axis=stretched, keepdims=True)
    if shape_of(gradient) != target:
        gradient = np.broadcast_to(gradient, target)
    return gradient


# ---- helpers the rules share (written in traced operations too) ---------------------------------
# Axes, counts, spreading a reduction back, ties of max/min and clip's bounds are in reductions.py,
# which the Taylor table (taylor_rules.py) shares.

def _balanced(x, y):
    """1 where x wins an elementwise max/min against y, 1/2 on a tie, 0 where it loses."""
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


def _var_vjp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **_):
    centred = x - np.mean(x, axis=axis, keepdims=True)
    return _restore_reduced(g, x, axis, keepdims) * 2.0 * centred / (_count(x, axis) - ddof)


def _std_vjp(g, ans, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **_):
    # Where std is 0 (one element, or all equal) take the derivative 0, as abs() does at 0.
    ans = np.where(np.equal(ans, 0.0), np.inf, ans)
    return _var_vjp(g / (2.0 * ans), ans ** 2, x, axis, dtype, out, ddof, keepdims)


def _prod_vjp(g, ans, x, axis=None, dtype=None, out=None, keepdims=False, **_):
    g = _restore_reduced(g, x, axis, keepdims)
    if np.all(np.not_equal(x, 0.0)):
        return g * _restore_reduced(ans, x, axis, keepdims) / x
    return g * _product_of_the_others(x, axis)  # ans / x would be 0 / 0


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

def parse_einsum(subscripts, n_operands):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'); the implicit form gets NumPy's implicit output."""
    subscripts = subscripts.replace(" ", "")
    if "." in subscripts:
        raise NotImplementedError("einsum with '...' is not differentiable in admagic yet; "
                                  "write the axes out, e.g. 'bij,bjk->bik'.")
    inputs, _, output = subscripts.partition("->")
    terms = inputs.split(",")
    if "->" not in subscripts:
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(terms) != n_operands:
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(terms)} operands, got {n_operands}.")
    for term in terms:
        if len(set(term)) != len(term):
            raise NotImplementedError(
                f"einsum with a repeated index in one operand ({term!r}) is not differentiable in "
                "admagic yet; use np.trace or np.diag.")
    return terms, output


def _einsum_vjp(argnum, g, ans, subscripts, *operands, **kwargs):
    operand = argnum - 1  # argument 0 is the subscripts string
    terms, output = parse_einsum(subscripts, len(operands))
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


def tensordot_subscripts(a_ndim, b_ndim, axes=2):
    """The einsum spelling of np.tensordot(a, b, axes)."""
    if isinstance(axes, int):
        a_axes, b_axes = list(range(a_ndim - axes, a_ndim)), list(range(axes))
    else:
        a_axes, b_axes = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                          [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    a_axes = [a % a_ndim for a in a_axes]
    b_axes = [b % b_ndim for b in b_axes]
    letters = iter(string.ascii_letters)
    a_sub = [next(letters) for _ in range(a_ndim)]
    b_sub = [next(letters) for _ in range(b_ndim)]
    for i, j in zip(a_axes, b_axes):
        b_sub[j] = a_sub[i]
    out = [c for i, c in enumerate(a_sub) if i not in a_axes] + \
          [c for j, c in enumerate(b_sub) if j not in b_axes]
    return "".join(a_sub) + "," + "".join(b_sub) + "->" + "".join(out)


def _tensordot_vjp(argnum, g, ans, a, b, axes=2):
    spec = tensordot_subscripts(np.ndim(a), np.ndim(b), axes)
    return _einsum_vjp(argnum + 1, g, ans, spec, a, b)


def _inner_vjp(argnum, g, ans, a, b):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return g * (b if argnum == 0 else a)
    return _tensordot_vjp(argnum, g, ans, a, b, axes=([-1], [-1]))


# ---- primitives admagic defines itself, so that each has one clear rule ---------------------------

def getitem(x, index):
    """x[index], as a primitive."""
    return x[index]


def untake(g, index, shape):
    """The adjoint of x[index]: zeros of `shape` with g added at `index` (repeats add up)."""
    out = np.zeros(shape, dtype=np.result_type(g, np.float64))
    np.add.at(out, index, g)
    return out


def concatenate(*arrays, axis=0):
    """np.concatenate with its arrays as separate arguments, so each can be traced."""
    return np.concatenate(arrays, axis=axis)


def stack(*arrays, axis=0):
    """np.stack with its arrays as separate arguments, so each can be traced."""
    return np.stack(arrays, axis=axis)


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


def _trace_vjp(g, ans, x, offset=0, axis1=0, axis2=1, **_):
    if np.ndim(x) != 2:
        raise NotImplementedError("np.trace is differentiable in admagic for matrices only.")
    return g * np.eye(*np.shape(x), k=offset)


def _transpose_vjp(g, ans, x, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort([a % np.ndim(x) for a in axes]))


def _clip_vjp(g, ans, x, lo=None, hi=None, **bounds):
    lo, hi, _ = clip_bounds(lo, hi, bounds)
    inside = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        inside = np.logical_and(inside, np.greater_equal(x, lo))
    if hi is not None:
        inside = np.logical_and(inside, np.less_equal(x, hi))
    return g * inside


def _recorded(primitive, *args):
    """Call one of admagic's own primitives so that a recording tape sees it, as NumPy's are."""
    from .traced import record  # not at the top: traced.py imports this module

    return record(primitive, *args)


def _zero(g, ans, *args, **kwargs):
    return g * 0.0


# ---- the table ------------------------------------------------------------------------------------
# fmt: off
defvjp(np.add,         lambda g, ans, x, y: g,                         lambda g, ans, x, y: g)
defvjp(np.subtract,    lambda g, ans, x, y: g,                         lambda g, ans, x, y: -g)
defvjp(np.multiply,    lambda g, ans, x, y: g * y,                     lambda g, ans, x, y: g * x)
defvjp(np.divide,      lambda g, ans, x, y: g / y,                     lambda g, ans, x, y: -g * ans / y)
defvjp(np.power,       lambda g, ans, x, y: g * y * _power_less_one(x, y),         lambda g, ans, x, y: g * ans * np.log(np.where(x > 0, x, 1.0)))
defvjp(np.remainder,   lambda g, ans, x, y: g,                         lambda g, ans, x, y: -g * np.floor(x / y))
defvjp(np.maximum,     lambda g, ans, x, y: g * (x >= y) * _balanced(x, y), lambda g, ans, x, y: g * (y >= x) * _balanced(x, y))
defvjp(np.minimum,     lambda g, ans, x, y: g * (x <= y) * _balanced(x, y), lambda g, ans, x, y: g * (y <= x) * _balanced(x, y))
defvjp(np.hypot,       lambda g, ans, x, y: g * x / ans,               lambda g, ans, x, y: g * y / ans)
defvjp(np.arctan2,     lambda g, ans, y, x: g * x / (x**2 + y**2),     lambda g, ans, y, x: -g * y / (x**2 + y**2))
defvjp(np.logaddexp,   lambda g, ans, x, y: g * np.exp(x - ans),       lambda g, ans, x, y: g * np.exp(y - ans))
defvjp(np.negative,    lambda g, ans, x: -g)
defvjp(np.absolute,    lambda g, ans, x: g * np.sign(x))
defvjp(np.square,      lambda g, ans, x: g * 2.0 * x)
defvjp(np.reciprocal,  lambda g, ans, x: -g * ans * ans)
defvjp(np.sqrt,        lambda g, ans, x: g * 0.5 / ans)
defvjp(np.cbrt,        lambda g, ans, x: g / (3.0 * ans * ans))
defvjp(np.exp,         lambda g, ans, x: g * ans)
defvjp(np.exp2,        lambda g, ans, x: g * ans * LN2)
defvjp(np.expm1,       lambda g, ans, x: g * (ans + 1.0))
defvjp(np.log,         lambda g, ans, x: g / x)
defvjp(np.log2,        lambda g, ans, x: g / (x * LN2))
defvjp(np.log10,       lambda g, ans, x: g / (x * LN10))
defvjp(np.log1p,       lambda g, ans, x: g / (x + 1.0))
defvjp(np.sin,         lambda g, ans, x: g * np.cos(x))
defvjp(np.cos,         lambda g, ans, x: -g * np.sin(x))
defvjp(np.tan,         lambda g, ans, x: g / np.cos(x) ** 2)
defvjp(np.arcsin,      lambda g, ans, x: g / np.sqrt(1.0 - x**2))
defvjp(np.arccos,      lambda g, ans, x: -g / np.sqrt(1.0 - x**2))
defvjp(np.arctan,      lambda g, ans, x: g / (1.0 + x**2))
defvjp(np.sinh,        lambda g, ans, x: g * np.cosh(x))
defvjp(np.cosh,        lambda g, ans, x: g * np.sinh(x))
defvjp(np.tanh,        lambda g, ans, x: g * (1.0 - ans**2))
defvjp(np.arcsinh,     lambda g, ans, x: g / np.sqrt(x**2 + 1.0))
defvjp(np.arccosh,     lambda g, ans, x: g / np.sqrt(x**2 - 1.0))
defvjp(np.arctanh,     lambda g, ans, x: g / (1.0 - x**2))
defvjp(np.sign,        _zero)
defvjp(np.floor,       _zero)
defvjp(np.ceil,        _zero)
defvjp(np.round,       _zero)
defvjp(np.rint,        _zero)
defvjp(np.floor_divide, _zero, _zero)

defvjp(np.sum,         lambda g, ans, x, axis=None, dtype=None, out=None, keepdims=False, **_: _restore_reduced(g, x, axis, keepdims))
defvjp(np.mean,        lambda g, ans, x, axis=None, dtype=None, out=None, keepdims=False, **_: _restore_reduced(g / _count(x, axis), x, axis, keepdims))
defvjp(np.prod,        _prod_vjp)
defvjp(np.var,         _var_vjp)
defvjp(np.std,         _std_vjp)
defvjp(np.max,         lambda g, ans, x, axis=None, out=None, keepdims=False, **_: _restore_reduced(g, x, axis, keepdims) * _share_of_ties(x, ans, axis, keepdims))
defvjp(np.min,         lambda g, ans, x, axis=None, out=None, keepdims=False, **_: _restore_reduced(g, x, axis, keepdims) * _share_of_ties(x, ans, axis, keepdims))
defvjp(np.cumsum,      _cumsum_vjp)
defvjp(np.matmul,      lambda g, ans, a, b: _matmul_vjp(0, g, ans, a, b), lambda g, ans, a, b: _matmul_vjp(1, g, ans, a, b))
defvjp(np.dot,         lambda g, ans, a, b: _dot_vjp(0, g, ans, a, b),    lambda g, ans, a, b: _dot_vjp(1, g, ans, a, b))
defvjp(np.inner,       lambda g, ans, a, b: _inner_vjp(0, g, ans, a, b),  lambda g, ans, a, b: _inner_vjp(1, g, ans, a, b))
defvjp(np.outer,       lambda g, ans, a, b: np.reshape(g @ np.ravel(b), np.shape(a)), lambda g, ans, a, b: np.reshape(np.ravel(a) @ g, np.shape(b)))
defvjp(np.tensordot,   lambda g, ans, a, b, axes=2: _tensordot_vjp(0, g, ans, a, b, axes), lambda g, ans, a, b, axes=2: _tensordot_vjp(1, g, ans, a, b, axes))
defvjp_every(np.einsum, _einsum_vjp)
defvjp(np.trace,       _trace_vjp)
defvjp(np.diag,        _diag_vjp)
defvjp(np.reshape,     lambda g, ans, x, shape=None, order="C", **_: np.reshape(g, np.shape(x), order=order))
defvjp(np.ravel,       lambda g, ans, x, order="C": np.reshape(g, np.shape(x), order=order))
defvjp(np.squeeze,     lambda g, ans, x, *_, **__: np.reshape(g, np.shape(x)))
defvjp(np.expand_dims, lambda g, ans, x, axis: np.reshape(g, np.shape(x)))
defvjp(np.transpose,   _transpose_vjp)
defvjp(np.swapaxes,    lambda g, ans, x, axis1, axis2: np.swapaxes(g, axis1, axis2))
defvjp(np.moveaxis,    lambda g, ans, x, source, destination: np.moveaxis(g, destination, source))
defvjp(np.flip,        lambda g, ans, x, axis=None: np.flip(g, axis))
defvjp(np.broadcast_to, lambda g, ans, x, shape, **_: g)   # unbroadcast sums it back down
defvjp(np.where,       None,                                           lambda g, ans, c, x, y: np.where(c, g, 0.0),  lambda g, ans, c, x, y: np.where(c, 0.0, g))
defvjp(np.clip,        _clip_vjp,
                       lambda g, ans, x, lo, hi, **_: g * np.less(x, lo),
                       lambda g, ans, x, lo, hi, **_: g * np.greater(x, hi))
defvjp(getitem,        lambda g, ans, x, index: _recorded(untake, g, index, np.shape(x)))
defvjp(untake,         lambda g, ans, h, index, shape: g[index])
defvjp_every(concatenate, _concatenate_vjp)
defvjp_every(stack,    _stack_vjp)
# fmt: on
