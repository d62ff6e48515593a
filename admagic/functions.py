"""How NumPy's functions meet traced values, beyond the derivative rules.

A NumPy function called on a traced value comes to `Traced.__array_function__` (a ufunc to
``__array_ufunc__``). One with a rule in `tape.VJP` is recorded as it is. The ones here need a word
first: ``np.stack([x, y])`` hands its arrays over one by one (`primitives.stack`), ``np.einsum``
refuses what it can't differentiate before it runs, ``np.array([x, y])`` is refused with advice;
and some, like ``np.shape`` or ``np.argmax``, have no derivative, so they see the plain values.

This module fills the tables of `traced.py`, as `rules.py` fills `tape.VJP`.
"""

import numpy as np

from . import linalg
from .primitives import _parse_einsum, concatenate, stack
from .traced import (_ARRAY_ADVICE, FUNCTIONS, UNTRACED_FUNCTIONS, UNTRACED_UFUNCS, _Arithmetic,
                     _recording_error, plain, record)


def _sequence_of(primitive):
    def call(arrays, axis=0, **kwargs):
        return record(primitive, *arrays, axis=axis, **kwargs)
    return call


def _einsum(subscripts, *operands, **kwargs):
    _parse_einsum(subscripts, len(operands))  # refuse what has no derivative, before running
    return record(np.einsum, subscripts, *operands, **kwargs)


def _dot(a, b, out=None):
    if np.ndim(plain(a)) > 2 or np.ndim(plain(b)) > 2:
        raise NotImplementedError("np.dot of arrays with more than 2 dimensions isn't "
                                  "differentiable in admagic; use np.matmul or np.einsum.")
    return record(np.dot, a, b)


def _full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    if not isinstance(fill_value, _Arithmetic):  # a plain fill: the answer is a constant
        return np.full_like(plain(a), fill_value, dtype, order, subok, shape)
    shape = np.shape(plain(a)) if shape is None else shape
    if np.dtype(dtype or np.result_type(plain(a))).kind != "f":
        raise TypeError("np.full_like() of a non-float array would round the traced fill value and "
                        "drop its derivative; write fill_value * np.ones(shape) instead.")
    return record(np.broadcast_to, fill_value, shape)  # every element is the fill value itself


def _array_refused(*args, **kwargs):
    raise _recording_error("np.array()/np.asarray() of a traced value", _ARRAY_ADVICE)


# ---- the tables -----------------------------------------------------------------------------------
# fmt: off
FUNCTIONS.update({
    np.concatenate: _sequence_of(concatenate),
    np.stack: _sequence_of(stack),
    np.full_like: _full_like,
    np.einsum: _einsum,
    np.dot: _dot,
    np.amax: lambda x, *a, **k: record(np.max, x, *a, **k),
    np.amin: lambda x, *a, **k: record(np.min, x, *a, **k),
    np.around: lambda x, *a, **k: record(np.round, x, *a, **k),
    np.copy: lambda x, *a, **k: x,  # traced values never change, so a copy is the value itself
    np.array: _array_refused,
    np.asarray: _array_refused,
    # linear algebra: keywords and complex inputs checked, multi-array results in pieces (linalg.py)
    np.linalg.norm: linalg.norm,
    np.linalg.inv: linalg.inv,
    np.linalg.pinv: linalg.pinv,
    np.linalg.solve: linalg.solve,
    np.linalg.det: linalg.det,
    np.linalg.slogdet: linalg.slogdet,
    np.linalg.cholesky: linalg.cholesky,
    np.linalg.eigh: linalg.eigh,
    np.linalg.eigvalsh: linalg.eigvalsh,
    np.linalg.svd: linalg.svd,
    np.linalg.eig: linalg.refuse_eig,
    np.linalg.eigvals: linalg.refuse_eig,
})

# Functions and ufuncs whose answer has no derivative: they see plain values and give plain ones.
UNTRACED_FUNCTIONS.update({
    np.shape, np.ndim, np.size, np.result_type, np.argmax, np.argmin, np.argsort,
    np.zeros_like, np.ones_like, np.empty_like, np.allclose, np.isclose,
    np.array_equal, np.nonzero, np.count_nonzero, np.any, np.all, np.iscomplexobj,
    np.isrealobj, np.isscalar,
})
UNTRACED_UFUNCS.update({
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.isfinite, np.isinf,
    np.isnan, np.signbit,
})
# fmt: on
