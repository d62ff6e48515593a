"""How np.linalg's functions meet traced values.

Most are recorded as they are (``np.linalg.inv``, ``solve``, ``det``, ``cholesky``, ``pinv``), after
their keywords and a complex input are checked here. Those that give several arrays are recorded
piece by piece, each piece a primitive of `primitives.py` with its own rule: ``np.linalg.eigh(a)``
is `eigh_values` and `eigh_vectors`, ``svd`` is `svd_u`, `svd_s`, `svd_vh`, ``slogdet`` is its sign
(a constant) and `slogdet_logabsdet`; the pieces come back in NumPy's own named tuples, so
``res.eigenvalues`` works. ``np.linalg.norm`` is written in traced operations (``sqrt``, ``sum``,
``abs``, ``max``, and the singular values for ``ord=2``/``'nuc'`` of matrices), so its derivatives
of every order come from theirs.

`functions.py` puts these in the dispatch table; their derivative rules are in `linalg_rules.py`
(reverse) and `linalg_taylor_rules.py` (Taylor).

>>> import admagic
>>> admagic.grad(np.linalg.det)(np.array([[2.0, 1.0], [1.0, 3.0]]))  # det(a) · inv(a)ᵀ
array([[ 3., -1.],
       [-1.,  2.]])
"""

import numpy as np

from .primitives import eigh_values, eigh_vectors, slogdet_logabsdet, svd_s, svd_u, svd_vh
from .traced import plain, record

_EighResult = type(np.linalg.eigh(np.eye(1)))        # NumPy's named tuples, (eigenvalues, eigenvectors)
_SVDResult = type(np.linalg.svd(np.eye(1)))          # (U, S, Vh)
_SlogdetResult = type(np.linalg.slogdet(np.eye(1)))  # (sign, logabsdet)


def _real(name, *arrays):
    """Refuse complex matrices: admagic's derivatives are of real functions."""
    if any(np.iscomplexobj(plain(a)) for a in arrays):
        raise TypeError(f"np.linalg.{name} of a complex matrix isn't differentiable in admagic: "
                        "its derivatives are of real functions. Split it into real and imaginary "
                        "parts (real arrays), or differentiate a real matrix.")


def inv(a):
    _real("inv", a)
    return record(np.linalg.inv, a)


def solve(a, b):
    _real("solve", a, b)
    return record(np.linalg.solve, a, b)


def det(a):
    _real("det", a)
    return record(np.linalg.det, a)


def slogdet(a):
    """(sign, log|det a|): the sign is a step, so a plain constant; the log is traced."""
    _real("slogdet", a)
    return _SlogdetResult(np.linalg.slogdet(plain(a))[0], record(slogdet_logabsdet, a))


def cholesky(a, /, *, upper=False):
    _real("cholesky", a)
    return record(np.linalg.cholesky, a, upper=bool(upper)) if upper else record(np.linalg.cholesky, a)


def pinv(a, rcond=None, hermitian=False, **rtol):
    _real("pinv", a)
    if hermitian:
        raise TypeError("np.linalg.pinv(..., hermitian=True) isn't differentiable in admagic (it reads "
                        "one triangle only); leave hermitian out: np.linalg.pinv(a).")
    if set(rtol) - {"rtol"}:
        raise TypeError(f"np.linalg.pinv() got an unexpected keyword {sorted(set(rtol) - {'rtol'})[0]!r}.")
    cutoff = {"rcond": rcond} if rcond is not None else {}
    return record(np.linalg.pinv, a, **cutoff, **rtol)


def _uplo(UPLO):
    if not isinstance(UPLO, str) or UPLO.upper() not in ("L", "U"):
        raise ValueError(f"UPLO must be 'L' (read the lower triangle) or 'U' (the upper); got {UPLO!r}.")
    return UPLO.upper()


def eigh(a, UPLO="L"):
    """(eigenvalues, eigenvectors) of a symmetric matrix, each piece recorded on its own."""
    _real("eigh", a)
    UPLO = _uplo(UPLO)
    return _EighResult(record(eigh_values, a, UPLO), record(eigh_vectors, a, UPLO))


def eigvalsh(a, UPLO="L"):
    _real("eigvalsh", a)
    return record(eigh_values, a, _uplo(UPLO))


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """The reduced SVD, (U, S, Vh), each piece recorded on its own; or S alone."""
    _real("svd", a)
    if hermitian:
        raise TypeError("np.linalg.svd(..., hermitian=True) isn't differentiable in admagic; leave "
                        "hermitian out: np.linalg.svd(a, full_matrices=False).")
    if not compute_uv:
        return record(svd_s, a)
    rows, cols = np.shape(plain(a))[-2:]
    if full_matrices and rows != cols:
        raise TypeError(f"np.linalg.svd of a {rows}×{cols} matrix with full_matrices=True (the "
                        "default) adds singular vectors that no singular value pins down, so they "
                        "have no derivative; write np.linalg.svd(a, full_matrices=False).")
    return _SVDResult(record(svd_u, a), record(svd_s, a), record(svd_vh, a))


def refuse_eig(a, *args, **kwargs):
    raise TypeError("np.linalg.eig/eigvals of a traced matrix aren't differentiable in admagic: a "
                    "non-symmetric matrix can have complex eigenvalues. For a symmetric matrix use "
                    "np.linalg.eigh(a) (or eigvalsh); otherwise np.linalg.svd(a, "
                    "full_matrices=False) gives a real factorisation.")


# ---- what both rule tables need: the triangle a symmetric-matrix function reads ----------------
# eigh (UPLO) and cholesky (upper) read one triangle of their input and take the matrix to be
# symmetric; so a change in the other triangle changes nothing, and a derivative must say so.

def _masks(n, UPLO):
    """The triangle read (diagonal included) and the same without its diagonal, as 0/1 arrays."""
    read, strict = np.tri(n), np.tri(n, k=-1)
    return (read, strict) if UPLO == "L" else (read.T, strict.T)


def symmetric_read(x, UPLO="L"):
    """The symmetric matrix (or stack) a function that reads triangle `UPLO` of x sees."""
    read, strict = _masks(np.shape(plain(x))[-1], UPLO)
    return x * read + np.swapaxes(x * strict, -1, -2)


def symmetric_read_adjoint(g, UPLO="L"):
    """The adjoint of `symmetric_read`: a gradient with respect to the symmetric matrix read, as
    one with respect to x (zero in the triangle not read)."""
    read, strict = _masks(np.shape(plain(g))[-1], UPLO)
    return g * read + np.swapaxes(g, -1, -2) * strict


def eigenvalue_gaps(values):
    """Fᵢⱼ = 1/(λⱼ - λᵢ) for i ≠ j, 0 for i = j, for a vector (or stack) of eigenvalues λ: how
    eigenvectors turn toward each other (infinite for repeated eigenvalues)."""
    n = np.shape(plain(values))[-1]
    differences = np.expand_dims(values, -2) - np.expand_dims(values, -1)
    off = np.logical_not(np.eye(n, dtype=bool))
    return np.where(off, 1.0 / np.where(off, differences, 1.0), 0.0)


# ---- np.linalg.norm, in traced operations --------------------------------------------------------

def norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm, every ord and axis NumPy takes, as traced operations.

    >>> float(norm(np.array([3.0, -4.0]), 1))
    7.0
    """
    _real("norm", x)
    ndim = np.ndim(plain(x))
    if axis is None and ord is None:  # every element, whatever the shape: the 2-norm of them all
        result = np.sqrt(np.sum(x * x))
        return np.reshape(result, (1,) * ndim) if keepdims else result
    if axis is None:
        axis = tuple(range(ndim))
    axes = tuple(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,)))
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2 and axes[0] != axes[1]:
        result = _matrix_norm(x, ord, *axes)
        return np.expand_dims(result, tuple(sorted(axes))) if keepdims else result
    raise ValueError(f"np.linalg.norm: axis must name one axis (a vector norm) or two (a matrix "
                     f"norm) of an array with {ndim} dimensions; got {axis!r}.")


def _vector_norm(x, ord, axis, keepdims):
    size = np.abs(x)
    if ord is None or ord == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return np.max(size, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return np.min(size, axis=axis, keepdims=keepdims)
    if ord == 1:
        return np.sum(size, axis=axis, keepdims=keepdims)
    if ord == 0:  # how many are nonzero: a step, so a constant
        return np.sum(np.not_equal(plain(x), 0.0), axis=axis, keepdims=keepdims).astype(float)
    if isinstance(ord, str):
        raise ValueError(f"np.linalg.norm(..., ord={ord!r}) is a matrix norm; a vector takes a number.")
    return np.sum(size ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x, ord, row, col):
    if ord is None or ord == "fro":
        return np.sqrt(np.sum(x * x, axis=(row, col)))
    if ord in (2, -2, "nuc"):
        singular = record(svd_s, np.moveaxis(x, (row, col), (-2, -1)))
        if ord == "nuc":
            return np.sum(singular, axis=-1)
        return np.max(singular, axis=-1) if ord == 2 else np.min(singular, axis=-1)
    if ord in (1, -1, np.inf, -np.inf):
        if ord in (np.inf, -np.inf):  # the largest row sum is the 1-norm with rows and columns swapped
            row, col = col, row
        sums = np.sum(np.abs(x), axis=row)  # column sums, the column axis one lower if after the row
        col = col - 1 if col > row else col
        return np.max(sums, axis=col) if ord > 0 else np.min(sums, axis=col)
    raise ValueError(f"np.linalg.norm: a matrix norm takes ord None, 'fro', 'nuc', 1, -1, 2, -2, "
                     f"inf or -inf; got {ord!r}.")
