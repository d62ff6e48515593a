"""The derivative rules (vjp) of np.linalg's functions: one line each, in the table of `rules.py`.

This module registers into the same table as `rules.py` (`tape.VJP`, through `defvjp`), with
the same conventions: every rule gets ``(g, ans, *args, **kwargs)`` and is written in NumPy
operations, so an outer tape records it and second derivatives come from differentiating it. It
is its own module only to keep files small. The formulas are the standard matrix-calculus ones
(M. Giles, "An extended collection of matrix derivative results for forward and reverse mode
algorithmic differentiation", 2008; J. Townsend, "Differentiating the singular value
decomposition", 2016; for pinv, Golub & Pereyra 1973). Functions that read one triangle of a
symmetric matrix (eigh, cholesky) give a gradient in that triangle only (`linalg.symmetric_read`).

The pieces of eigh, svd and slogdet are admagic primitives (`primitives.py`); how np.linalg's
calls reach them is in `linalg.py`. The Taylor rules are in `linalg_taylor_rules.py`.
"""

import numpy as np

from .linalg import eigenvalue_gaps, symmetric_read_adjoint
from .primitives import eigh_values, eigh_vectors, slogdet_logabsdet, svd_s, svd_u, svd_vh
from .tape import defvjp
from .traced import record


# ---- helpers the rules share (written in traced operations too) ---------------------------------

def _t(x):
    """The transpose of a matrix, or of each matrix in a stack."""
    return np.swapaxes(x, -1, -2)


def _as_matrix_of_scalars(g):
    """A stack of numbers as a stack of 1×1 matrices, to scale a stack of matrices."""
    return np.expand_dims(g, (-1, -2))


def _solve_vjp(argnum, g, ans, a, b):
    """x = solve(a, b): b̄ = solve(aᵀ, ḡ) and ā = -b̄ xᵀ. A 1-D b is a column (NumPy 2)."""
    vector = np.ndim(b) == 1
    g_col = np.expand_dims(g, -1) if vector else g
    x_col = np.expand_dims(ans, -1) if vector else ans
    b_bar = np.linalg.solve(_t(a), g_col)
    if argnum == 0:
        return -(b_bar @ _t(x_col))
    return b_bar[..., 0] if vector else b_bar


def _cholesky_vjp(g, ans, a, upper=False):
    """a = L Lᵀ: dL = L Φ(L⁻¹ da L⁻ᵀ), Φ the lower triangle with half its diagonal; so the
    gradient is L⁻ᵀ Φ(Lᵀ ḡ) L⁻¹ (upper=True: U = Lᵀ, and the upper triangle is read)."""
    lower, g = (_t(ans), _t(g)) if upper else (ans, g)
    n = np.shape(ans)[-1]
    half_lower = np.tri(n, k=-1) + 0.5 * np.eye(n)
    inverse = np.linalg.inv(lower)
    symmetric = _t(inverse) @ ((_t(lower) @ g) * half_lower) @ inverse
    return symmetric_read_adjoint(symmetric, "U" if upper else "L")


def _pinv_vjp(g, ans, a, **cutoff):
    """Golub & Pereyra's dA⁺ for a matrix of constant rank, transposed: with X = A⁺,
    Ā = -Xᵀ ḡ Xᵀ + (I - A X) ḡᵀ X Xᵀ + Xᵀ X ḡᵀ (I - X A)."""
    x = ans
    rows, cols = np.shape(a)[-2:]
    left = np.eye(rows) - a @ x   # projects onto what A's columns don't span
    right = np.eye(cols) - x @ a  # ... and onto A's null space
    return -(_t(x) @ g @ _t(x)) + left @ _t(g) @ x @ _t(x) + _t(x) @ x @ _t(g) @ right


def _eigh_values_vjp(g, ans, a, UPLO="L"):
    """dλᵢ = vᵢᵀ da vᵢ, so the gradient is V diag(ḡ) Vᵀ."""
    vectors = record(eigh_vectors, a, UPLO)
    return symmetric_read_adjoint((vectors * np.expand_dims(g, -2)) @ _t(vectors), UPLO)


def _eigh_vectors_vjp(g, ans, a, UPLO="L"):
    """dV = V (F ∘ Vᵀ da V), Fᵢⱼ = 1/(λⱼ - λᵢ) off the diagonal, 0 on it; so the gradient is
    V (F ∘ Vᵀ ḡ) Vᵀ. (Repeated eigenvalues make F infinite: their vectors have no derivative.)"""
    values = record(eigh_values, a, UPLO)
    return symmetric_read_adjoint(ans @ (eigenvalue_gaps(values) * (_t(ans) @ g)) @ _t(ans), UPLO)


def _svd_parts(a):
    """U, s, V (not Vᵀ) of the reduced SVD, traced."""
    return record(svd_u, a), record(svd_s, a), _t(record(svd_vh, a))


def _svd_u_vjp(g, ans, a):
    """Townsend (2016): Ā = U [(F ∘ (UᵀŪ - ŪᵀU)) S] Vᵀ + (I - U Uᵀ) Ū S⁻¹ Vᵀ, with
    Fᵢⱼ = 1/(sⱼ² - sᵢ²) off the diagonal."""
    u, s, v = _svd_parts(a)
    inner = eigenvalue_gaps(s * s) * (_t(u) @ g - _t(g) @ u) * np.expand_dims(s, -2)
    beyond = (g - u @ (_t(u) @ g)) / np.expand_dims(s, -2)  # the part of Ū outside U's span
    return (u @ inner + beyond) @ _t(v)


def _svd_vh_vjp(g, ans, a):
    """As `_svd_u_vjp`, for V (V̄ = ḡᵀ): Ā = U [S (F ∘ (VᵀV̄ - V̄ᵀV))] Vᵀ + U S⁻¹ V̄ᵀ (I - V Vᵀ)."""
    u, s, v = _svd_parts(a)
    v_bar = _t(g)
    inner = np.expand_dims(s, -1) * (eigenvalue_gaps(s * s) * (_t(v) @ v_bar - _t(v_bar) @ v))
    beyond = (g - (g @ v) @ _t(v)) / np.expand_dims(s, -1)  # the part of V̄ᵀ outside V's span
    return u @ (inner @ _t(v) + beyond)


def _svd_s_vjp(g, ans, a):
    """dsᵢ = uᵢᵀ da vᵢ, so the gradient is U diag(ḡ) Vᵀ."""
    u, _, v = _svd_parts(a)
    return (u * np.expand_dims(g, -2)) @ _t(v)


# ---- the table ------------------------------------------------------------------------------------
# One line per primitive, as in rules.py. Keep a formatter off it.
# fmt: off
# ---- linear algebra
defvjp(np.linalg.inv,     lambda g, ans, a: -(_t(ans) @ g @ _t(ans)))
defvjp(np.linalg.solve,   lambda g, ans, a, b: _solve_vjp(0, g, ans, a, b),
                          lambda g, ans, a, b: _solve_vjp(1, g, ans, a, b))
defvjp(np.linalg.det,     lambda g, ans, a: _as_matrix_of_scalars(g * ans) * _t(np.linalg.inv(a)))
defvjp(slogdet_logabsdet, lambda g, ans, a: _as_matrix_of_scalars(g) * _t(np.linalg.inv(a)))
defvjp(np.linalg.cholesky, _cholesky_vjp)
defvjp(np.linalg.pinv,    _pinv_vjp)
defvjp(eigh_values,       _eigh_values_vjp)
defvjp(eigh_vectors,      _eigh_vectors_vjp)
defvjp(svd_u,             _svd_u_vjp)
defvjp(svd_s,             _svd_s_vjp)
defvjp(svd_vh,            _svd_vh_vjp)
# fmt: on
