"""How NumPy's functions meet traced values, beyond the derivative rules.

A NumPy function called on a traced value comes to `Traced.__array_function__` (a ufunc to
``__array_ufunc__``). One with a rule in `tape.VJP` is recorded as it is. The ones here need a word
first: ``np.stack([x, y])`` hands its arrays over one by one (`primitives.stack`), ``np.einsum``
refuses what it can't differentiate before it runs, ``np.array([x, y])`` is refused with advice;
and some, like ``np.shape`` or ``np.argmax``, have no derivative, so they see the plain values.

This module fills the tables of `traced.py`, as `rules.py` fills `tape.VJP`.
"""

import string

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
    """Subscripts as a string ('ij,jk->ik', with '...' and repeated indices) or as sublists."""
    if not isinstance(subscripts, str):
        subscripts, operands = _einsum_of_sublists((subscripts, *operands))
    subscripts, operands = _einsum_written_out(subscripts, list(operands))
    _parse_einsum(subscripts, len(operands))  # refuse what has no derivative, before running
    return record(np.einsum, subscripts, *operands, **kwargs)


def _einsum_of_sublists(args):
    """np.einsum(a, [0, 1], b, [1, 2], [0, 2]), NumPy's other form, as np.einsum('ab,bc->ac', a, b):
    each operand is followed by its axes' numbers (or ...), and an odd last list is the output."""
    output = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if output is not None else args
    operands, sublists = list(pairs[0::2]), pairs[1::2]

    def letters(sublist):
        if isinstance(sublist, _Arithmetic) or not isinstance(sublist, (list, tuple)):
            raise TypeError("np.einsum(a, [0, 1], b, [1, 2]) takes each operand's axes as a list "
                            "of numbers; or give the subscripts as a string, np.einsum('ij,jk', a, b).")
        if any(k is not Ellipsis and not 0 <= k < 52 for k in sublist):
            raise ValueError("np.einsum's axis numbers go from 0 to 51.")
        return "".join("..." if k is Ellipsis else string.ascii_letters[k] for k in sublist)

    subscripts = ",".join(letters(s) for s in sublists)
    return subscripts + ("" if output is None else "->" + letters(output)), operands


def _einsum_written_out(subscripts, operands):
    """The same einsum with '...' spelled as letters, an implicit output made explicit, and an
    index repeated in one operand ('ii') taken as np.diagonal of it first: what the einsum rule
    differentiates."""
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if not arrow:  # NumPy's implicit output: '...', then the letters used once, sorted
        letters = inputs.replace("...", "").replace(",", "")
        output = ("..." if "..." in inputs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    if "..." in subscripts:
        free = [c for c in string.ascii_letters if c not in subscripts]
        hidden = [np.ndim(op) - len(t.replace("...", "")) for t, op in zip(terms, operands)]
        widest = max([h for t, h in zip(terms, hidden) if "..." in t], default=0)
        spelled = "".join(free[:widest])
        terms = [t.replace("...", spelled[widest - h:]) for t, h in zip(terms, hidden)]
        output = output.replace("...", spelled)
    for i, term in enumerate(terms):
        while len(set(term)) != len(term):
            letter = next(c for c in term if term.count(c) > 1)
            first, second = term.index(letter), term.index(letter, term.index(letter) + 1)
            operands[i] = np.diagonal(operands[i], 0, first, second)  # its axis goes last
            term = term[:first] + term[first + 1:second] + term[second + 1:] + letter
        terms[i] = term
    return ",".join(terms) + "->" + output, operands


def _dot(a, b, out=None):
    if out is not None:
        raise TypeError("np.dot(..., out=) would write a traced value into a plain array; use "
                        "the returned value instead: y = np.dot(a, b).")
    if np.ndim(plain(a)) == 0 or np.ndim(plain(b)) == 0:  # a number times an array
        return np.multiply(a, b)
    if np.ndim(plain(a)) > 2 or np.ndim(plain(b)) > 2:  # sums a's last axis with b's second-last
        return np.tensordot(a, b, axes=([-1], [-2 if np.ndim(plain(b)) > 1 else 0]))
    return record(np.dot, a, b)


def _sinc(x):
    """sin(πx)/(πx), and at x = 0 exactly its Taylor polynomial (value 1, and the right
    derivatives there), so no 0/0 reaches a derivative."""
    at_zero = np.equal(plain(x), 0.0)
    u = np.pi * x
    safe = np.where(at_zero, 1.0, u)
    near_zero = 1.0 - u ** 2 / 6.0 + u ** 4 / 120.0 - u ** 6 / 5040.0
    return np.where(at_zero, near_zero, np.sin(safe) / safe)


def _full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    if not isinstance(fill_value, _Arithmetic):  # a plain fill: the answer is a constant
        return np.full_like(plain(a), fill_value, dtype, order, subok, shape)
    shape = np.shape(plain(a)) if shape is None else shape
    if np.dtype(dtype or np.result_type(plain(a))).kind != "f":
        raise TypeError("np.full_like() of a non-float array would round the traced fill value and "
                        "drop its derivative; write fill_value * np.ones(shape) instead.")
    return record(np.broadcast_to, fill_value, shape)  # every element is the fill value itself


def _array_refused(*args, **kwargs):
    raise _recording_error("error.array_of_traced", _ARRAY_ADVICE)


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
    np.sinc: _sinc,
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
    np.isrealobj, np.isscalar, np.iscomplex, np.isreal,
})
UNTRACED_UFUNCS.update({
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.isfinite, np.isinf,
    np.isnan, np.signbit,
})
# fmt: on
