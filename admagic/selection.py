"""Sorting and what is built on it (np.sort, np.partition, np.median, np.quantile, np.percentile)
on traced values, written with primitives that have rules already.

A sorted array is the input taken in another order, so its derivative flows back through that
permutation: indexing with the plain ``argsort``. Where elements tie, which of them lands where is
arbitrary, so each tied place gets the mean of the tied elements, and the derivative is shared
equally among them, as ``np.max`` shares it between ties. The median and the quantiles then take
one or two sorted elements and interpolate between them with plain weights (as NumPy does), so
their derivatives come along.

This module fills `traced.FUNCTIONS`, as `functions.py` does.

>>> import admagic
>>> admagic.grad(lambda w: np.median(w))(np.array([3.0, 1.0, 2.0]))
array([0., 0., 1.])
"""

import numpy as np

from .reductions import positive_axes
from .traced import FUNCTIONS, _Arithmetic, plain


def _along_last(x, index):
    """x[..., index] with a separate index for every lane: take_along_axis(x, index, -1)."""
    lanes = np.shape(index)[:-1]
    grid = tuple(np.reshape(np.arange(n), [-1 if e == d else 1 for e in range(len(lanes) + 1)])
                 for d, n in enumerate(lanes))
    return x[grid + (index,)]


def _matched(x, target):
    """Along the last axis, x rearranged so its value is the plain `target` (a rearrangement of
    each lane): each place takes the element of x equal to it, the mean of them where several are."""
    x0 = np.asarray(plain(x))
    order = np.argsort(x0, axis=-1, kind="stable")
    ascending = np.take_along_axis(x0, order, -1)
    if not np.any(ascending[..., 1:] == ascending[..., :-1]) and not np.any(np.isnan(x0)):
        rank = np.sum(x0[..., None, :] < target[..., :, None], axis=-1)  # where target sits
        return _along_last(x, np.take_along_axis(order, rank, -1))
    same = (target[..., :, None] == x0[..., None, :]) | (np.isnan(target)[..., :, None]
                                                         & np.isnan(x0)[..., None, :])
    share = same / np.sum(same, axis=-1, keepdims=True)
    mean = np.einsum("...kj,...j->...k", share, x)
    return mean + (target - plain(mean))  # a plain correction of the last bit, so the value is exact


def _refuse_keywords(name, **keywords):
    given = sorted(k for k, v in keywords.items() if v is not None and v is not False)
    if given:
        raise TypeError(f"np.{name}(..., {', '.join(k + '=...' for k in given)}) isn't supported on "
                        f"traced values; leave it out (e.g. np.{name}(x, axis=0)).")


def _sort(a, axis=-1, kind=None, order=None, *, stable=None):
    _refuse_keywords("sort", order=order)
    if axis is None:
        a, axis = np.ravel(a), 0
    moved = np.moveaxis(a, axis, -1)
    return np.moveaxis(_matched(moved, np.sort(plain(moved), axis=-1)), -1, axis)


def _partition(a, kth, axis=-1, kind="introselect", order=None):
    _refuse_keywords("partition", order=order)
    if axis is None:
        a, axis = np.ravel(a), 0
    moved = np.moveaxis(a, axis, -1)
    target = np.partition(plain(moved), plain(kth), axis=-1)
    return np.moveaxis(_matched(moved, target), -1, axis)


def _reduced_last(a, axis):
    """a with the axes reduced moved last and merged into one; and the axes, as positive ones."""
    ndim = np.ndim(a)
    axes = positive_axes(axis, ndim)
    kept = [d for d in range(ndim) if d not in axes]
    moved = np.transpose(a, kept + list(axes)) if ndim else a
    shape = tuple(np.shape(a)[d] for d in kept) + (-1,)
    return np.reshape(moved, shape), axes


def _with_kept_dims(result, a, axes, leading=0):
    """The reduced axes put back as size 1 (keepdims=True), after `leading` axes of q."""
    shape = list(np.shape(result))
    for d in axes:
        shape.insert(leading + d, 1)
    return np.reshape(result, shape)


def _median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    _refuse_keywords("median", out=out)
    flat, axes = _reduced_last(a, axis)
    ordered = _sort(flat, -1)
    n = np.shape(flat)[-1]
    middle = ordered[..., (n - 1) // 2:n // 2 + 1]  # one element, or the two middle ones
    result = np.mean(middle, axis=-1)
    return _with_kept_dims(result, a, axes) if keepdims else result


_LINEAR_ALIKE = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
              *, weights=None, interpolation=None):
    _refuse_keywords("quantile", out=out, weights=weights, interpolation=interpolation)
    if method not in _LINEAR_ALIKE:
        raise TypeError(f"np.quantile(..., method={method!r}) isn't supported on traced values; "
                        f"use one of {', '.join(_LINEAR_ALIKE)}.")
    flat, axes = _reduced_last(a, axis)
    ordered = _sort(flat, -1)
    n = np.shape(flat)[-1]
    q = q if isinstance(q, _Arithmetic) else np.asarray(q, dtype=float)
    virtual = (n - 1) * q  # where q falls among the sorted elements, as NumPy computes it
    below = np.clip(np.floor(plain(virtual)), 0, n - 1).astype(int)
    above = np.clip(below + 1, 0, n - 1)
    gamma = virtual - np.floor(plain(virtual))
    gamma = np.reshape(gamma, np.shape(gamma) + (1,) * (np.ndim(flat) - 1))  # over q, then lanes
    if method == "lower":
        result = _take(ordered, below)
    elif method == "higher":
        result = _take(ordered, np.clip(np.ceil(plain(virtual)), 0, n - 1).astype(int))
    elif method == "nearest":
        result = _take(ordered, np.clip(np.around(plain(virtual)), 0, n - 1).astype(int))
    else:
        if method == "midpoint":
            gamma = 0.5 + 0.0 * gamma
        result = _lerp(_take(ordered, below), _take(ordered, above), gamma)
    return _with_kept_dims(result, a, axes, np.ndim(plain(q))) if keepdims else result


def _take(ordered, index):
    """ordered[..., index] with q's axes first, as np.quantile puts them."""
    taken = ordered[..., index]
    return np.moveaxis(taken, tuple(range(-np.ndim(index), 0)), tuple(range(np.ndim(index))))


def _lerp(a, b, t):
    """NumPy's interpolation, term for term, so the values agree to the last bit."""
    difference = b - a
    return np.where(np.greater_equal(plain(t), 0.5), b - difference * (1 - t), a + difference * t)


def _percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None, interpolation=None):
    return _quantile(a, np.true_divide(q, 100), axis, out, overwrite_input, method, keepdims,
                     weights=weights, interpolation=interpolation)


# fmt: off
FUNCTIONS.update({
    np.sort:       _sort,
    np.partition:  _partition,
    np.median:     _median,
    np.quantile:   _quantile,
    np.percentile: _percentile,
})
# fmt: on
