"""NumPy's shape functions on traced values, each written with primitives that have rules already.

``np.flipud(x)`` is ``np.flip(x, 0)``, ``np.hstack`` is ``np.concatenate``, ``np.roll`` and
``np.tile`` are indexing with a plain index array, ``np.pad`` puts x into zeros (`untake`, the
adjoint of indexing), ``np.kron`` is an einsum reshaped, ``np.gradient`` is a plain difference
matrix applied along an axis. So each is recorded as those primitives, and its derivatives, in
both modes, are theirs: no new rule, nothing to drift. Sorting and its relatives are in
`selection.py`.

This module fills `traced.FUNCTIONS`, as `functions.py` does.

>>> import admagic
>>> admagic.grad(lambda w: np.sum(np.fliplr(w) * np.arange(4.0).reshape(2, 2)))(np.ones((2, 2)))
array([[1., 0.],
       [3., 2.]])
"""

import string

import numpy as np

from .primitives import untake
from .traced import FUNCTIONS, _Arithmetic, plain, record


def _traced(x):
    return isinstance(x, _Arithmetic)


def _along(axis, index):
    """The index that applies `index` along `axis` and takes everything on the others."""
    return (slice(None),) * axis + (index,)


def _refuse_traced(name, **arguments):
    for argument, value in arguments.items():
        if _traced(value):
            raise TypeError(f"np.{name}(..., {argument}=<traced value>): the {argument} must be a "
                            f"plain number or array here, since np.{name} has no derivative in it.")


def _refuse_dtype(name, dtype=None, casting="same_kind"):
    if (dtype is not None and np.dtype(dtype) != np.float64) or casting != "same_kind":
        raise TypeError(f"np.{name}(..., dtype=/casting=) isn't supported on traced values, which are "
                        "float64 already; leave the keyword out.")


# ---- turning and shifting -------------------------------------------------------------------------

def _rot90(m, k=1, axes=(0, 1)):
    """As NumPy does it: a flip and a transpose."""
    ndim = np.ndim(m)
    k %= 4
    a0, a1 = axes[0] % ndim, axes[1] % ndim
    if k == 0:
        return m
    if k == 2:
        return np.flip(np.flip(m, a0), a1)
    order = list(range(ndim))
    order[a0], order[a1] = order[a1], order[a0]
    return np.transpose(np.flip(m, a1), order) if k == 1 else np.flip(np.transpose(m, order), a1)


def _roll(a, shift, axis=None):
    _refuse_traced("roll", shift=shift)
    if axis is None:
        return np.reshape(_roll(np.ravel(a), shift, 0), np.shape(a))
    shape = np.shape(a)
    totals = {}
    for s, ax in np.broadcast(shift, axis):
        totals[int(ax) % len(shape)] = totals.get(int(ax) % len(shape), 0) + int(s)
    for ax, s in totals.items():
        a = a[_along(ax, (np.arange(shape[ax]) - s) % shape[ax])]
    return a


def _fftshift(x, axes=None, undo=False):
    shape = np.shape(x)
    axes = tuple(range(len(shape))) if axes is None else np.atleast_1d(axes).tolist()
    shifts = [(-1 if undo else 1) * (shape[ax] // 2) for ax in axes]
    return _roll(x, shifts, axes)


def _tri_mask(m, k, lower):
    rows, cols = np.shape(m)[-2:] if np.ndim(m) >= 2 else (np.shape(m)[-1],) * 2
    return np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)


def _trace(a, *args, **kwargs):
    if np.ndim(a) == 2:  # a matrix: its own rule, with the arguments as given
        return record(np.trace, a, *args, **kwargs)
    return _trace_of_stack(a, *args, **kwargs)


def _trace_of_stack(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    if out is not None:
        raise TypeError("np.trace(..., out=) would write a traced value into a plain array; use "
                        "the returned value instead.")
    return np.sum(np.diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


# ---- repeating ------------------------------------------------------------------------------------

def _repeat(a, repeats, axis=None):
    _refuse_traced("repeat", repeats=repeats)
    if axis is None:
        a, axis = np.ravel(a), 0
    axis %= np.ndim(a)
    return a[_along(axis, np.repeat(np.arange(np.shape(a)[axis]), repeats))]


def _take(a, indices, axis=None, out=None, mode="raise"):
    _refuse_traced("take", indices=indices)
    if out is not None:
        raise TypeError("np.take(..., out=) would write a traced value into a plain array; use "
                        "the returned value instead.")
    if axis is None:
        a, axis = np.ravel(a), 0
    axis %= np.ndim(a)
    n = np.shape(a)[axis]
    indices = np.asarray(indices)
    if mode == "wrap":
        indices = indices % n
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    return a[_along(axis, indices)]


def _compress(condition, a, axis=None, out=None):
    return _take(a, np.nonzero(np.ravel(plain(condition)))[0], axis, out)


def _ptp(a, axis=None, out=None, keepdims=False):
    if out is not None:
        raise TypeError("np.ptp(..., out=) would write a traced value into a plain array; use "
                        "the returned value instead.")
    return np.max(a, axis, keepdims=keepdims) - np.min(a, axis, keepdims=keepdims)


def _tile(A, reps):
    _refuse_traced("tile", reps=reps)
    reps = tuple(np.atleast_1d(reps).tolist())
    ndim = max(np.ndim(A), len(reps))
    shape = (1,) * (ndim - np.ndim(A)) + np.shape(A)
    reps = (1,) * (ndim - len(reps)) + reps
    A = np.reshape(A, shape)
    return A[np.ix_(*[np.tile(np.arange(n), r) for n, r in zip(shape, reps)])]


def _kron(a, b):
    """kron(a, b)[i·p + k, ...] = a[i, ...] b[k, ...]: an einsum with the axes interleaved."""
    ndim = max(np.ndim(a), np.ndim(b))
    a = np.reshape(a, (1,) * (ndim - np.ndim(a)) + np.shape(a))
    b = np.reshape(b, (1,) * (ndim - np.ndim(b)) + np.shape(b))
    lower, upper = string.ascii_lowercase[:ndim], string.ascii_uppercase[:ndim]
    spec = f"{lower},{upper}->" + "".join(i + j for i, j in zip(lower, upper))
    shape = tuple(m * n for m, n in zip(np.shape(a), np.shape(b)))
    return np.reshape(np.einsum(spec, a, b), shape)


_PAD_BY_INDEX = ("edge", "reflect", "symmetric", "wrap")


def _pad(array, pad_width, mode="constant", **kwargs):
    """Constant padding puts the array into zeros (`untake`), then adds the plain border; the
    modes that copy the array's own elements (edge, reflect, symmetric, wrap) index it."""
    shape = np.shape(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))  # as NumPy reads it
    if mode == "constant":
        values = kwargs.pop("constant_values", 0)
        _refuse_traced("pad", constant_values=values)
        _refuse_keywords(mode, kwargs)
        padded = tuple(n + lo + hi for n, (lo, hi) in zip(shape, widths))
        inside = tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape, widths))
        result = record(untake, array, inside, padded)
        border = np.pad(np.zeros(shape), widths, constant_values=values)
        return result + border if np.any(border) else result
    if mode in _PAD_BY_INDEX:
        if kwargs.get("reflect_type", "even") != "even":
            raise TypeError("np.pad(..., reflect_type='odd') isn't supported on traced values; "
                            "use the default, reflect_type='even'.")
        kwargs.pop("reflect_type", None)
        _refuse_keywords(mode, kwargs)
        return array[np.ix_(*[np.pad(np.arange(n), w, mode=mode, **({"reflect_type": "even"}
                                     if mode in ("reflect", "symmetric") else {}))
                              for n, w in zip(shape, widths)])]
    raise TypeError(f"np.pad(..., mode={mode!r}) isn't supported on traced values; use mode="
                    "'constant', 'edge', 'reflect', 'symmetric' or 'wrap'.")


def _refuse_keywords(mode, kwargs):
    if kwargs:
        raise TypeError(f"np.pad(..., mode={mode!r}) takes no {', '.join(sorted(kwargs))}=.")


def _rollaxis(a, axis, start=0):
    """A transpose: `axis` moved to stand before axis `start`."""
    n = np.ndim(plain(a))
    np.rollaxis(np.empty((0,) * n), axis, start)  # NumPy's own errors for axes out of range
    axis, start = axis % n, start + n if start < 0 else start
    order = [i for i in range(n) if i != axis]
    order.insert(start - 1 if axis < start else start, axis)
    return np.transpose(a, order)


# ---- at least n dimensions, splitting and stacking ------------------------------------------------

def _at_least(ndim):
    def shaped(x):
        shape = np.shape(x)
        if len(shape) >= ndim:
            return x
        if ndim == 1:
            return np.reshape(x, (1,))
        if ndim == 2:
            return np.reshape(x, (1,) + shape + (1,) * (1 - len(shape)))
        return np.reshape(x, {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)])

    def call(*arys):
        out = [shaped(x) if _traced(x) else getattr(np, f"atleast_{ndim}d")(x) for x in arys]
        return out[0] if len(out) == 1 else tuple(out)
    return call


_atleast_1d, _atleast_2d, _atleast_3d = _at_least(1), _at_least(2), _at_least(3)


def _pieces(ary, indices_or_sections, axis, equal):
    """The slices np.split makes, found by splitting plain indices (so NumPy's own errors)."""
    _refuse_traced("split", indices_or_sections=indices_or_sections)
    axis %= np.ndim(ary)
    split = np.split if equal else np.array_split
    parts = split(np.arange(np.shape(ary)[axis]), indices_or_sections)
    starts = np.cumsum([0] + [len(p) for p in parts])
    return [ary[_along(axis, slice(int(lo), int(hi)))] for lo, hi in zip(starts[:-1], starts[1:])]


def _split_along(axis_of, minimum):
    def call(ary, indices_or_sections):
        if np.ndim(ary) < minimum:
            raise ValueError(f"this split needs an array of at least {minimum} dimensions.")
        return _pieces(ary, indices_or_sections, axis_of(np.ndim(ary)), True)
    return call


def _concatenated(name, at_least, axis_of):
    def call(tup, *, dtype=None, casting="same_kind"):
        _refuse_dtype(name, dtype, casting)
        arrays = [at_least(x) for x in tup]
        return np.concatenate(arrays, axis=axis_of(arrays))
    return call


def _column(x):
    return x if np.ndim(x) >= 2 else np.reshape(x, (-1, 1))


# ---- differences ----------------------------------------------------------------------------------

def _diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    axis %= np.ndim(a)
    parts = []
    for end in (prepend, append):
        if end is np._NoValue:
            parts.append(None)
            continue
        shape = list(np.shape(a))
        shape[axis] = 1
        parts.append(np.broadcast_to(end, shape) if np.ndim(end) == 0 else end)
    if parts[0] is not None or parts[1] is not None:
        a = np.concatenate([p for p in (parts[0], a, parts[1]) if p is not None], axis=axis)
    for _ in range(n):
        a = a[_along(axis, slice(1, None))] - a[_along(axis, slice(None, -1))]
    return a


def _gradient(f, *varargs, axis=None, edge_order=1):
    """np.gradient is linear in f: along each axis, the matrix of np.gradient of the unit vectors."""
    _refuse_traced("gradient", spacing=next((v for v in varargs if _traced(v)), None))
    ndim = np.ndim(f)
    axes = tuple(range(ndim)) if axis is None else tuple(np.atleast_1d(axis).tolist())
    axes = tuple(ax % ndim for ax in axes)
    spacing = list(varargs) * len(axes) if len(varargs) == 1 else list(varargs) or [1.0] * len(axes)
    if len(spacing) != len(axes):
        raise TypeError(f"np.gradient got {len(varargs)} spacings for {len(axes)} axes.")
    out = []
    for ax, h in zip(axes, spacing):
        matrix = np.gradient(np.eye(np.shape(f)[ax]), h, axis=0, edge_order=edge_order)
        out.append(np.moveaxis(np.tensordot(matrix, f, axes=([1], [ax])), 0, ax))
    return out[0] if len(out) == 1 else tuple(out)


# ---- values -----------------------------------------------------------------------------------------

def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None):
    """start + (stop - start)·t for the plain fractions t = i / (num - 1) (i / num without the
    endpoint), each end along its own axis."""
    _refuse_dtype("linspace", dtype)
    divisions = num - 1 if endpoint else num
    steps = np.arange(num, dtype=float) / divisions if divisions > 0 else np.zeros(num)
    shape = np.broadcast_shapes(np.shape(start), np.shape(stop))
    steps = np.reshape(steps, (num,) + (1,) * len(shape))
    result = start + (stop - start) * steps
    if endpoint and num > 1:  # the last point is stop itself, as in NumPy
        result = np.concatenate([result[:-1], np.expand_dims(stop + np.zeros(shape), 0)])
    result = np.moveaxis(result, 0, axis) if axis != 0 else result
    if retstep:
        return result, (stop - start) / divisions if divisions > 0 else np.nan
    return result


def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """x where it is finite (derivative 1), the plain replacement elsewhere (derivative 0)."""
    _refuse_traced("nan_to_num", nan=nan, posinf=posinf, neginf=neginf)
    return np.where(np.isfinite(x), x, np.nan_to_num(plain(x), nan=nan, posinf=posinf, neginf=neginf))


def _select(condlist, choicelist, default=0):
    conditions = [plain(c) for c in condlist]
    if len(conditions) != len(choicelist):
        raise ValueError("np.select: condlist and choicelist must be the same length.")
    result = default
    for condition, choice in reversed(list(zip(conditions, choicelist))):
        result = np.where(condition, choice, result)
    return result


def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    if np.shape(a)[-1] not in (2, 3) or np.shape(b)[-1] not in (2, 3):
        raise ValueError("np.cross needs vectors of 2 or 3 components.")
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    a2 = a[..., 2] if np.shape(a)[-1] == 3 else 0.0
    b2 = b[..., 2] if np.shape(b)[-1] == 3 else 0.0
    z = a0 * b1 - a1 * b0
    if np.shape(a)[-1] == 2 and np.shape(b)[-1] == 2:
        return z
    parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z]
    shape = np.broadcast_shapes(*[np.shape(p) for p in parts])
    return np.moveaxis(np.stack([np.broadcast_to(p, shape) for p in parts], -1), -1, axisc)


def _cumprod(a, axis=None, dtype=None, out=None):
    """Product k along the axis is the product of a row with the elements after k replaced by 1:
    np.prod of a masked square, whose rule copes with zeros."""
    _refuse_dtype("cumprod", dtype)
    if out is not None:
        raise TypeError("np.cumprod(..., out=) would write a traced value into a plain array; "
                        "use the returned value instead.")
    if axis is None:
        a, axis = np.ravel(a), 0
    moved = np.moveaxis(a, axis, -1)
    n = np.shape(moved)[-1]
    square = np.where(np.tri(n, dtype=bool), np.expand_dims(moved, -2), 1.0)
    return np.moveaxis(np.prod(square, axis=-1), -1, axis)


def _plain_of_real(function):
    """np.imag/np.angle of real values: constants (0, and 0 or π)."""
    return lambda val, *args, **kwargs: function(plain(val), *args, **kwargs)


# ---- the table --------------------------------------------------------------------------------------
# fmt: off
FUNCTIONS.update({
    np.flipud:       lambda m: np.flip(m, 0),
    np.fliplr:       lambda m: np.flip(m, 1),
    np.rot90:        _rot90,
    np.roll:         _roll,
    np.fft.fftshift: lambda x, axes=None: _fftshift(x, axes),
    np.fft.ifftshift: lambda x, axes=None: _fftshift(x, axes, undo=True),
    np.tril:         lambda m, k=0: np.where(_tri_mask(m, k, True), m, 0.0),
    np.triu:         lambda m, k=0: np.where(_tri_mask(m, k, False), m, 0.0),
    np.trace:        _trace,
    np.repeat:       _repeat,
    np.tile:         _tile,
    np.take:         _take,
    np.compress:     _compress,
    np.ptp:          _ptp,
    np.kron:         _kron,
    np.pad:          _pad,
    np.atleast_1d:   _atleast_1d,
    np.atleast_2d:   _atleast_2d,
    np.atleast_3d:   _atleast_3d,
    np.split:        lambda ary, ios, axis=0: _pieces(ary, ios, axis, True),
    np.array_split:  lambda ary, ios, axis=0: _pieces(ary, ios, axis, False),
    np.hsplit:       _split_along(lambda ndim: 1 if ndim > 1 else 0, 1),
    np.vsplit:       _split_along(lambda ndim: 0, 2),
    np.dsplit:       _split_along(lambda ndim: 2, 3),
    np.vstack:       _concatenated("vstack", _atleast_2d, lambda arrays: 0),
    np.hstack:       _concatenated("hstack", _atleast_1d, lambda arrays: 0 if np.ndim(arrays[0]) == 1 else 1),
    np.dstack:       _concatenated("dstack", _atleast_3d, lambda arrays: 2),
    np.column_stack: _concatenated("column_stack", _column, lambda arrays: 1),
    np.diff:         _diff,
    np.gradient:     _gradient,
    np.linspace:     _linspace,
    np.nan_to_num:   _nan_to_num,
    np.select:       _select,
    np.cross:        _cross,
    np.cumprod:      _cumprod,
    np.rollaxis:     _rollaxis,
    np.real:         lambda val: val,   # traced values are real
    np.real_if_close: lambda a, tol=100: a,  # real already
    np.imag:         _plain_of_real(np.imag),
    np.angle:        _plain_of_real(np.angle),
})
if hasattr(np, "row_stack"):  # deprecated in NumPy 2, gone in later versions
    FUNCTIONS[np.row_stack] = FUNCTIONS[np.vstack]
# fmt: on
