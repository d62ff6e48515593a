"""What both rule tables (reverse, `rules.py`; Taylor, `taylor_rules.py`) need to know about
reductions and keywords, in one place.

A reduction (``np.sum``, ``np.mean``, ``np.max``, ...) takes an `axis`: None (every axis), one
axis or a tuple, counted from the end when negative. The helpers here turn that into positive
axes, count the elements reduced, spread a reduced value back over the input's shape, and say how
a max/min shares its derivative between ties. They are written in NumPy operations, so they work
on traced values too (an outer tape records them). Also here: how ``np.clip`` names its bounds,
and the constants ``LN2``, ``LN10``.

>>> positive_axes(-1, 3)
(2,)
>>> count(np.zeros((2, 3, 4)), (0, -1))
8
"""

import numpy as np

__all__ = ["LN2", "LN10", "positive_axes", "count", "restore_reduced", "share_of_ties",
           "clip_bounds"]

LN2, LN10 = np.log(2.0), np.log(10.0)


def positive_axes(axis, ndim):
    """`axis` (None, an int or a tuple, negatives counted from the end) as sorted positive axes.

    >>> positive_axes(None, 2), positive_axes((-1, 0), 3)
    ((0, 1), (0, 2))
    """
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def count(x, axis):
    """How many elements of x a reduction over `axis` takes together.

    >>> count(np.zeros((2, 3)), 1)
    3
    """
    if axis is None:
        return int(np.size(x))
    shape = np.shape(x)
    return int(np.prod([shape[a] for a in positive_axes(axis, np.ndim(x))]))


def restore_reduced(g, x, axis, keepdims):
    """Spread g, the result (or gradient) of a reduction of x over `axis`, back over x's shape.

    >>> restore_reduced(np.array([1.0, 2.0]), np.zeros((2, 3)), 1, False)
    array([[1., 1., 1.],
           [2., 2., 2.]])
    """
    if not keepdims and axis is not None:
        g = np.expand_dims(g, positive_axes(axis, np.ndim(x)))
    return np.broadcast_to(g, np.shape(x))


def share_of_ties(x, ans, axis=None, keepdims=False, initial=None, where=True):
    """Each element's share of the derivative of ``ans = np.max(x, ...)`` (or min): 1/(number of
    ties) where x equals ans, 0 elsewhere. Elements `where` leaves out get 0; an `initial` that
    equals ans counts as one more tie (and takes its share, a constant's, with it).

    >>> share_of_ties(np.array([1.0, 3.0, 3.0]), 3.0)
    array([0. , 0.5, 0.5])
    >>> share_of_ties(np.array([1.0, 3.0]), 10.0, initial=10.0)
    array([0., 0.])
    """
    hits = np.logical_and(np.equal(x, restore_reduced(ans, x, axis, keepdims)), where)
    counts = np.sum(hits, axis=axis, keepdims=True)
    if initial is not None:
        won_by_initial = np.equal(ans, initial)
        if not keepdims and axis is not None:
            won_by_initial = np.expand_dims(won_by_initial, positive_axes(axis, np.ndim(x)))
        counts = counts + won_by_initial
    return hits / np.maximum(counts, 1)  # counts is 0 only where the initial wins: share 0


def clip_bounds(lo, hi, keywords):
    """np.clip's bounds and the keywords left over, however they were named.

    ``np.clip(x, 0, 1)``, ``np.clip(x, a_min=0, a_max=1)`` and (NumPy 2.1+) ``np.clip(x, min=0,
    max=1)`` all mean the same; what remains of `keywords` (``dtype=``, ``where=``, ...) is for
    the ufunc underneath.

    >>> clip_bounds(None, None, {"a_min": 0.0, "max": 1.0, "dtype": float})
    (0.0, 1.0, {'dtype': <class 'float'>})
    """
    rest = dict(keywords)
    lo = rest.pop("a_min", rest.pop("min", lo))
    hi = rest.pop("a_max", rest.pop("max", hi))
    return lo, hi, rest
