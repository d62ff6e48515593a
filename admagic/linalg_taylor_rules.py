"""The Taylor rules of np.linalg's functions: one line each, in the table of `taylor_rules.py`.

This module registers into the same table as `taylor_rules.py` (`taylor.TAYLOR`, through
`deftaylor`), with its conventions: a rule gets ``(ans, *args, **kwargs)``, each moving argument a
`Series`, and gives the Series of ``ans``. It is its own module only to keep files small.

Each rule solves the identity that defines its function, coefficient by coefficient: for
``Y = inv(A)``, ``A(t) Y(t) = I`` gives ``Y_k = -Y_0 Σ_(j=1..k) A_j Y_(k-j)``; for ``det``,
``(log det A)' = tr(A⁻¹ A')``; for ``cholesky``, ``L Lᵀ = A``; for ``eigh``, ``A V = V Λ`` with
``Vᵀ V = I`` (perturbation theory to every order); for the SVD, ``A = U S Vᵀ`` with
``UᵀU = VᵀV = I``, on A itself (``AᵀA`` would square its condition number). pinv has no Taylor rule here
(`taylor_rules.REVERSE_ONLY`): a cell that uses it gets its higher derivatives by nested reverse
mode instead.
"""

import numpy as np

from .linalg import eigenvalue_gaps, symmetric_read
from .primitives import eigh_values, eigh_vectors, slogdet_logabsdet, svd_s, svd_u, svd_vh
from .series import Series, integrate, lift, total, value_of
from .series import exp as series_exp
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
    """The series of U, s and V (not Vᵀ) of the reduced SVD A(t) = U S Vᵀ, from A itself.

    For a tall (or square) A, write U = U_0 P + (the part outside U_0's columns) and V = V_0 Q.
    At order k, A_k minus the products of lower coefficients, times V_0, is D_k = U_k S_0 +
    U_0 S_k + U_0 S_0 Q_kᵀ. Its top part R = U_0ᵀ D_k is P_k S_0 + S_k + S_0 Q_kᵀ, and UᵀU = VᵀV = I
    give the symmetric parts of P_k and Q_k (-M_p/2, -M_q/2, from lower orders); so with
    R' = R + (M_p S_0 + S_0 M_q)/2, s_k is R''s diagonal and the antisymmetric parts are
    X_p = F ∘ (R' S_0 + S_0 R'ᵀ), X_q = F ∘ (S_0 R' + R'ᵀ S_0), Fᵢⱼ = 1/(s_j² - s_i²) (as the
    reverse rule has it). A tall A's U also turns out of U_0's columns: (D_k - U_0 R) S_0⁻¹. A wide
    A is the transpose of a tall one. Working on A, not AᵀA, keeps the digits a small singular
    value would lose squared."""
    wide = np.shape(a.c[0])[-2] < np.shape(a.c[0])[-1]
    b = a.map(_t) if wide else a
    tall = np.shape(b.c[0])[-2] > np.shape(b.c[0])[-1]
    u0, s0, vh0 = np.linalg.svd(a.c[0], full_matrices=False)  # A's own, for its signs
    u0, v0 = (_t(vh0), u0) if wide else (u0, _t(vh0))
    row, column = np.expand_dims(s0, -2), np.expand_dims(s0, -1)  # s_j and s_i
    gaps = eigenvalue_gaps(s0 * s0)
    u, s, v = [u0], [s0], [v0]
    s_vt = [row * _t(v0)]  # the series of S Vᵀ, known up to order k - 1
    for k in range(1, len(b)):
        known = total([*(u[i] @ s_vt[k - i] for i in range(1, k)),
                       *(u0 @ (np.expand_dims(s[j], -1) * _t(v[k - j])) for j in range(1, k))])
        d = (b.c[k] - known) @ v0
        r = _t(u0) @ d
        m_p = total(_t(u[j]) @ u[k - j] for j in range(1, k))
        m_q = total(_t(v[j]) @ v[k - j] for j in range(1, k))
        r_sym = r + 0.5 * (m_p * row + column * m_q)
        s.append(np.diagonal(r_sym, 0, -2, -1))
        x_p = gaps * (r_sym * row + column * _t(r_sym))
        x_q = gaps * (column * r_sym + _t(r_sym) * row)
        u_k = u0 @ (x_p - 0.5 * m_p)
        if tall:
            u_k = u_k + (d - u0 @ r) / row
        u.append(u_k)
        v.append(v0 @ (x_q - 0.5 * m_q))
        s_vt.append(total(np.expand_dims(s[j], -1) * _t(v[k - j]) for j in range(k + 1)))
    u, s, v = Series(u), Series(s), Series(v)
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
