"""The Taylor rules of np.linalg's functions: one line each, in the table of `taylor_rules.py`.

This module registers into the same table as `taylor_rules.py` (`taylor.TAYLOR`, through
`deftaylor`), with its conventions: a rule gets ``(ans, *args, **kwargs)``, each moving argument a
`Series`, and gives the Series of ``ans``. It is its own module only to keep files small.

Each rule solves the identity that defines its function, coefficient by coefficient: for
``Y = inv(A)``, ``A(t) Y(t) = I`` gives ``Y_k = -Y_0 Σ_(j=1..k) A_j Y_(k-j)``; for ``det``,
``(log det A)' = tr(A⁻¹ A')``; for ``cholesky``, ``L Lᵀ = A``; for ``eigh``, ``A V = V Λ`` with
``Vᵀ V = I`` (perturbation theory to every order); the SVD through the eigenvalues and
eigenvectors of ``AᵀA``. pinv has no Taylor rule here
(`taylor_rules.REVERSE_ONLY`): a cell that uses it gets its higher derivatives by nested reverse
mode instead.
"""

import numpy as np

from .linalg import eigenvalue_gaps, symmetric_read
from .primitives import eigh_values, eigh_vectors, slogdet_logabsdet, svd_s, svd_u, svd_vh
from .series import Series, integrate, lift, total, value_of
from .series import exp as series_exp
from .series import sqrt as series_sqrt
from .taylor import deftaylor


# ---- rules that need more than one line -----------------------------------------------------------

def _t(x):
    return np.swapaxes(x, -1, -2)


def _inv(ans, a):
    """A Y = I: Y_k = -Y_0 Σ_(j=1..k) A_j Y_(k-j)."""
    y = [ans]
    for k in range(1, len(a)):
        y.append(-(ans @ total(a.c[j] @ y[k - j] for j in range(1, k + 1))))
    return Series(y)


def _solve(ans, a, b):
    """A X = B: X_k = solve(A_0, B_k - Σ_(j=1..k) A_j X_(k-j)). A 1-D b is a column (NumPy 2)."""
    vector = np.ndim(value_of(b)) == 1
    a, b = lift(a, b)
    column = (lambda v: np.expand_dims(v, -1)) if vector else (lambda v: v)
    x = [column(ans)]
    for k in range(1, len(a)):
        rest = column(b.c[k]) - total(a.c[j] @ x[k - j] for j in range(1, k + 1))
        x.append(np.linalg.solve(a.c[0], rest))
    return Series([ans] + [c[..., 0] if vector else c for c in x[1:]])


def _log_det_rate(a):
    """The series of d/dt log|det A(t)| = tr(A⁻¹ A')."""
    inverse = _inv(np.linalg.inv(a.c[0]), a)
    rate = a.d()
    return Series([total(np.sum(inverse.c[j] * _t(rate.c[m - j]), axis=(-2, -1))
                         for j in range(m + 1)) for m in range(len(rate))])


def _cholesky(ans, a, upper=False):
    """L Lᵀ = A: L_0 L_kᵀ + L_k L_0ᵀ = A_k - Σ_(0<j<k) L_j L_(k-j)ᵀ =: S_k, so
    L_k = L_0 Φ(L_0⁻¹ S_k L_0⁻ᵀ), Φ the lower triangle with half its diagonal."""
    a = a.map(lambda c: symmetric_read(c, "U" if upper else "L"))
    lower = _t(ans) if upper else ans
    n = np.shape(ans)[-1]
    half_lower = np.tri(n, k=-1) + 0.5 * np.eye(n)
    inverse = np.linalg.inv(lower)
    factor = [lower]
    for k in range(1, len(a)):
        s = a.c[k] - total(factor[j] @ _t(factor[k - j]) for j in range(1, k))
        factor.append(lower @ ((inverse @ s @ _t(inverse)) * half_lower))
    return Series([_t(c) for c in factor] if upper else factor)


def _eigh(a, UPLO, start=None):
    """The series of eigenvalues Λ and eigenvectors V = V_0 C of a symmetric A(t).

    From A V = V Λ at order k, times V_0ᵀ: Λ_k + C_k Λ_0 - Λ_0 C_k = R_k, where
    R_k = V_0ᵀ Σ_(j=1..k) A_j V_(k-j) - Σ_(0<j<k) C_j Λ_(k-j); so Λ_k is R_k's diagonal and
    (C_k)ᵢⱼ = (R_k)ᵢⱼ / (λⱼ - λᵢ) off it. From Vᵀ V = I: C_k + C_kᵀ = -Σ_(0<j<k) C_jᵀ C_(k-j),
    which gives C_k's diagonal. `start`: the eigenvalues and eigenvectors at t = 0, if known (the
    SVD's, whose signs the series must continue)."""
    a = a.map(lambda c: symmetric_read(c, UPLO))
    values, vectors = np.linalg.eigh(a.c[0], UPLO) if start is None else start
    n = np.shape(values)[-1]
    gaps, eye = eigenvalue_gaps(values), np.eye(n)
    lam, turn, v = [values], [None], [vectors]
    for k in range(1, len(a)):
        r = _t(vectors) @ total(a.c[j] @ v[k - j] for j in range(1, k + 1)) \
            - total(turn[j] * np.expand_dims(lam[k - j], -2) for j in range(1, k))
        lengths = total(_t(turn[j]) @ turn[k - j] for j in range(1, k))
        turn.append(gaps * r - 0.5 * (lengths * eye))
        lam.append(np.sum(r * eye, axis=-1))
        v.append(vectors @ turn[k])
    return Series(lam), Series(v)


def _svd(a):
    """The series of U, s and V (not Vᵀ) of the reduced SVD of A(t).

    For a tall (or square) A: AᵀA = V S² Vᵀ, so V and s² are the eigenvectors and eigenvalues of
    AᵀA (largest first, V's signs those of NumPy's SVD at t = 0), and U = A V S⁻¹. A wide A is
    the transpose of a tall one, with U and V swapped."""
    wide = np.shape(a.c[0])[-2] < np.shape(a.c[0])[-1]
    b = a.map(_t) if wide else a
    u0, s0, vh0 = np.linalg.svd(a.c[0], full_matrices=False)  # A's own, for its signs
    v0 = u0 if wide else _t(vh0)
    gram = Series([total(_t(c) @ d for c, d in zip(b.c[:k + 1], b.c[k::-1])) for k in range(len(b))])
    values, v = _eigh(gram, "L", (np.flip(s0 * s0, -1), np.flip(v0, -1)))
    s = series_sqrt(values.map(lambda c: np.flip(c, -1)), s0)
    v = v.map(lambda c: np.flip(c, -1))
    products = Series([total(c @ d for c, d in zip(b.c[:k + 1], v.c[k::-1])) for k in range(len(b))])
    u = products / s.map(lambda c: np.expand_dims(c, -2))
    return (v, s, u) if wide else (u, s, v)


# ---- the table ------------------------------------------------------------------------------------
# One line per primitive, aligned, as in taylor_rules.py; keep an auto-formatter off it.
# fmt: off
# ---- linear algebra
deftaylor(np.linalg.inv,      _inv)
deftaylor(np.linalg.solve,    _solve)
deftaylor(np.linalg.det,      lambda ans, a: series_exp(integrate(0.0, _log_det_rate(a)), ans))
deftaylor(slogdet_logabsdet,  lambda ans, a: integrate(ans, _log_det_rate(a)))
deftaylor(np.linalg.cholesky, _cholesky)
deftaylor(eigh_values,        lambda ans, a, UPLO="L": _eigh(a, UPLO)[0])
deftaylor(eigh_vectors,       lambda ans, a, UPLO="L": _eigh(a, UPLO)[1])
deftaylor(svd_u,              lambda ans, a: _svd(a)[0])
deftaylor(svd_s,              lambda ans, a: _svd(a)[1])
deftaylor(svd_vh,             lambda ans, a: _svd(a)[2].map(_t))
# fmt: on
