"""np.linalg on traced values (admagic/linalg.py, linalg_rules.py, linalg_taylor_rules.py) against
independent truth.

- Every function, over several shapes (stacks of matrices included), at orders 1 and 2 by reverse
  mode with `check_grads` (central differences along random directions, which are not symmetric:
  so eigh's and cholesky's reading of one triangle is checked too).
- The same calls at orders 1 and 2 by Taylor mode, against Richardson-extrapolated central
  differences along a random line; the functions without a Taylor rule
  (`taylor_rules.REVERSE_ONLY`) fall back to nested reverse mode in a cell.
- In `%%grad` cells (`admagic.differentiate`): a least-squares fit with solve and L2
  regularisation with norm, against closed forms.
- NumPy's named results, and refusals that say what to write instead.
"""

import numpy as np
import pytest

from admagic import Tape, differentiate, grad, primitives
from admagic.taylor import TAYLOR, derivatives
from admagic.taylor_rules import REVERSE_ONLY
from admagic.testing import check_grads
from admagic.traced import new_leaf

#: The primitives this file checks (test_rules.py and test_taylor_keywords.py count them as covered).
LINALG_PRIMITIVES = {np.linalg.inv, np.linalg.pinv, np.linalg.solve, np.linalg.det, np.linalg.cholesky,
                     primitives.eigh_values, primitives.eigh_vectors, primitives.svd_u,
                     primitives.svd_s, primitives.svd_vh, primitives.slogdet_logabsdet}


# ---- inputs ---------------------------------------------------------------------------------------

def general(shape):
    """A well-conditioned matrix (or stack): random, plus 3 on the diagonal."""
    def make(rng):
        return rng.standard_normal(shape) + 3.0 * np.eye(shape[-1])
    return make


def symmetric_positive(shape):
    """A symmetric positive-definite matrix (or stack) with eigenvalues 2, 5, 8, ... (well apart,
    so its eigenvectors are far from turning fast): Q diag(λ) Qᵀ, Q a random rotation."""
    def make(rng):
        q = np.linalg.qr(rng.standard_normal(shape))[0]
        values = 2.0 + 3.0 * np.arange(shape[-1])
        return (q * values) @ np.swapaxes(q, -1, -2)
    return make


def rectangular(shape):
    def make(rng):
        return rng.standard_normal(shape)
    return make


def vector(shape):
    return rectangular(shape)


SQUARE = [(2, 2), (3, 3), (2, 3, 3)]
RECTANGULAR = [(4, 3), (3, 4), (2, 4, 3)]
B = np.array([0.3, -1.2, 0.8])


def _svd(a):
    return np.linalg.svd(a, full_matrices=False)


# name: (function, input makers); sign-free uses of eigenvectors and singular vectors (they are
# defined up to sign, which finite differences could see flip).
CALLS = {
    "inv":            (np.linalg.inv, [general(s) for s in SQUARE]),
    "det":            (np.linalg.det, [general(s) for s in SQUARE]),
    "slogdet":        (lambda a: np.linalg.slogdet(a).logabsdet, [general(s) for s in SQUARE]),
    "solve-A":        (lambda a: np.linalg.solve(a, B), [general(s) for s in [(3, 3), (2, 3, 3)]]),
    "solve-b":        (lambda b: np.linalg.solve(general((2, 3, 3))(np.random.default_rng(5)), b),
                       [vector((3,)), vector((2, 3, 2))]),
    "solve-both":     (lambda a: np.linalg.solve(a, a[..., :2] ** 2), [general(s) for s in [(3, 3), (2, 3, 3)]]),
    "cholesky":       (np.linalg.cholesky, [symmetric_positive(s) for s in SQUARE]),
    "cholesky-upper": (lambda a: np.linalg.cholesky(a, upper=True), [symmetric_positive(s) for s in SQUARE]),
    "eigh-values":    (lambda a: np.linalg.eigh(a).eigenvalues, [symmetric_positive(s) for s in SQUARE]),
    "eigh-values-U":  (lambda a: np.linalg.eigh(a, UPLO="U")[0], [symmetric_positive(s) for s in SQUARE]),
    "eigvalsh":       (np.linalg.eigvalsh, [symmetric_positive(s) for s in SQUARE]),
    "eigh-vectors":   (lambda a: np.linalg.eigh(a).eigenvectors ** 2, [symmetric_positive(s) for s in SQUARE]),
    "eigh-vectors-U": (lambda a: np.linalg.eigh(a, "U")[1] ** 2, [symmetric_positive(s) for s in SQUARE]),
    "eigh-both":      (lambda a: (lambda r: (r[1] * r[0][..., None, :]) @ np.swapaxes(r[1], -1, -2))(
                       np.linalg.eigh(np.sin(a))), [symmetric_positive(s) for s in SQUARE]),
    "pinv":           (np.linalg.pinv, [rectangular(s) for s in RECTANGULAR]),
    "pinv-rank-1":    (lambda v: np.linalg.pinv(np.outer(v, v + 1.0)), [vector((3,))]),
    "svd-values":     (lambda a: np.linalg.svd(a, compute_uv=False), [rectangular(s) for s in RECTANGULAR]),
    "svd-U":          (lambda a: _svd(a).U ** 2, [rectangular(s) for s in RECTANGULAR]),
    "svd-Vh":         (lambda a: _svd(a).Vh ** 2, [rectangular(s) for s in RECTANGULAR]),
    "svd-U@Vh":       (lambda a: (lambda r: r.U @ r.Vh)(_svd(a)), [rectangular(s) for s in RECTANGULAR]),
    "svd-square":     (lambda a: np.linalg.svd(a)[1], [general((3, 3))]),
}
NORMS = {  # (ord, axis, keepdims) -> shapes
    (None, None, False): [(3,), (3, 4), (2, 3, 4)],
    (None, None, True): [(3, 4)],
    (2, None, False): [(4,), (3, 4)],
    (1, None, False): [(4,), (3, 4)],
    (-1, None, False): [(3, 4)],
    (np.inf, None, False): [(4,), (3, 4)],
    (-np.inf, None, False): [(4,), (3, 4)],
    (3, None, False): [(4,)],
    (0.5, 0, False): [(3, 4)],
    ("fro", None, False): [(3, 4)],
    ("nuc", None, False): [(3, 4), (4, 3)],
    (-2, None, False): [(3, 4)],
    (2, (1, 2), False): [(2, 3, 4)],
    ("nuc", (2, 0), True): [(3, 2, 4)],
    (1, (-1, -2), True): [(2, 3, 4)],
    (np.inf, (0, 2), False): [(3, 2, 4)],
    (None, -1, False): [(2, 3, 4)],
    (None, (0, 1), False): [(3, 4)],
}
for (_ord, _axis, _keep), _shapes in NORMS.items():
    CALLS[f"norm-{_ord}-{_axis}-{_keep}"] = (
        lambda x, o=_ord, a=_axis, k=_keep: np.linalg.norm(x, o, a, k), [rectangular(s) for s in _shapes])

CASES = [pytest.param(f, make, id=f"{name}-{i}") for name, (f, makers) in CALLS.items()
         for i, make in enumerate(makers)]
REVERSE_ONLY_CALLS = ("pinv",)


def _seed(request):
    return sum(map(ord, request.node.callspec.id))


@pytest.mark.parametrize("f, make", CASES)
def test_reverse_mode_orders_1_and_2_match_finite_differences(request, f, make):
    check_grads(f, make(np.random.default_rng(_seed(request))), order=2, rtol=1e-5, atol=1e-6)


def richardson_derivatives(g, h=1e-3):
    """g'(0) and g''(0) by central differences at steps h and h/2, combined to cancel the h² error."""
    def first(s):
        return (g(s) - g(-s)) / (2 * s)

    def second(s):
        return (g(s) - 2 * g(0.0) + g(-s)) / s ** 2
    return [(4 * d(h / 2) - d(h)) / 3 for d in (first, second)]


@pytest.mark.parametrize("f, make", [c for c in CASES if not c.id.startswith(REVERSE_ONLY_CALLS)])
def test_taylor_mode_orders_1_and_2_match_finite_differences(request, f, make):
    rng = np.random.default_rng(_seed(request))
    x = make(rng)
    v = rng.standard_normal(np.shape(x))
    u = rng.standard_normal(np.shape(f(x)))
    with Tape() as tape:
        t = new_leaf(tape, 0.0)
        out = f(x + t * v)
    for node in tape.nodes:  # every operation replayed by a Taylor rule: no fallback here
        assert node.primitive is None or node.primitive in TAYLOR
    (series,) = derivatives([out], t, 2)
    got = [float(np.sum(u * d)) for d in series[1:]]
    expected = richardson_derivatives(lambda s: float(np.sum(u * f(x + s * v))))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_svd_and_pinv_fall_back_to_nested_reverse_mode_in_a_cell():
    a = np.array([[2.0, 0.5], [0.3, 1.0], [1.0, -1.0]])
    code = "s = np.linalg.svd(x * a, compute_uv=False)[0] + np.sum(np.linalg.pinv(x * a))"
    res = differentiate(code, {"x": 1.3}, order=2, namespace={"np": np, "a": a}, graph=False)
    assert "nested reverse mode" in res.method

    def s(x):
        return np.linalg.svd(x * a, compute_uv=False)[0] + np.sum(np.linalg.pinv(x * a))
    top = np.linalg.svd(a, compute_uv=False)[0]
    # closed forms: s(x) = x·σ₁ + Σ pinv(a) / x
    assert res.d("s", "x") == pytest.approx(top - np.sum(np.linalg.pinv(a)) / 1.3 ** 2, rel=1e-10)
    assert res.d("s", "x", "x") == pytest.approx(2 * np.sum(np.linalg.pinv(a)) / 1.3 ** 3, rel=1e-10)
    assert s(1.3) == pytest.approx(res.values["s"])


# ---- in %%grad cells --------------------------------------------------------------------------------

LEAST_SQUARES = """
A = np.stack([np.ones(4), t, t ** 2], axis=1)
w = np.linalg.solve(A.T @ A + lam * np.eye(3), A.T @ y)
loss = np.sum((A @ w - y) ** 2) + lam * np.linalg.norm(w) ** 2
"""


def test_a_ridge_least_squares_fit_in_a_cell_matches_the_closed_form():
    t, y = np.array([0.0, 0.5, 1.0, 1.5]), np.array([1.0, 1.4, 2.3, 3.9])
    res = differentiate(LEAST_SQUARES, {"lam": 0.3}, order=2, namespace={"np": np, "t": t, "y": y},
                        graph=False)
    a = np.stack([np.ones(4), t, t ** 2], axis=1)

    def w(lam):
        return np.linalg.solve(a.T @ a + lam * np.eye(3), a.T @ y)
    # dw/dλ = -(AᵀA + λI)⁻¹ w, d²w/dλ² = 2 (AᵀA + λI)⁻² w: closed forms from differentiating
    # (AᵀA + λI) w = Aᵀy twice.
    m = np.linalg.inv(a.T @ a + 0.3 * np.eye(3))
    np.testing.assert_allclose(res.d("w", "lam"), -m @ w(0.3), rtol=1e-10)
    np.testing.assert_allclose(res.d("w", "lam", "lam"), 2 * m @ m @ w(0.3), rtol=1e-9)
    # the loss of ridge regression at its own minimum: d loss/dλ = |w|² (the envelope theorem)
    assert res.d("loss", "lam") == pytest.approx(np.sum(w(0.3) ** 2), rel=1e-9)


def test_l2_regularisation_with_norm_in_a_cell():
    code = "r = np.linalg.norm(v) ** 2 + np.linalg.norm(v, 1)"
    v = np.array([0.5, -1.5, 2.0])
    res = differentiate(code, {"v": v}, order=2, graph=False)
    np.testing.assert_allclose(res.d("r", "v"), 2 * v + np.sign(v), rtol=1e-12)
    np.testing.assert_allclose(res.d("r", "v", "v"), 2 * np.eye(3), rtol=1e-10, atol=1e-12)


def test_a_determinant_in_a_cell_by_taylor_mode_to_order_4():
    code = "d = np.linalg.det(np.array([[1.0, 2.0], [3.0, 4.0]]) + x * np.eye(2))"
    res = differentiate(code, {"x": 0.5}, order=4, graph=False)
    # det = (1 + x)(4 + x) - 6 = x² + 5x - 2
    assert [res.d("d", *["x"] * k) for k in range(1, 5)] == pytest.approx([6.0, 2.0, 0.0, 0.0], abs=1e-9)


def test_a_nuclear_norm_in_a_cell_by_taylor_mode_to_order_3():
    rotations = [np.linalg.qr(np.random.default_rng(i).standard_normal((3, 3)))[0] for i in (1, 2)]
    code = "n = np.linalg.norm(p @ np.diag(np.stack([x ** 2, 1 + x, 0.5 + 0 * x])) @ q, 'nuc')"
    res = differentiate(code, {"x": 1.5}, order=3, graph=False,
                        namespace={"np": np, "p": rotations[0], "q": rotations[1]})
    assert "Taylor mode" in res.method
    # the singular values are x², 1 + x and 0.5, so the nuclear norm is x² + x + 1.5
    assert res.values["n"] == pytest.approx(1.5 ** 2 + 1.5 + 1.5, rel=1e-12)
    assert [res.d("n", *["x"] * k) for k in (1, 2, 3)] == pytest.approx([4.0, 2.0, 0.0], abs=1e-9)


# ---- results and refusals -------------------------------------------------------------------------

def test_named_results_work_as_numpys():
    a = symmetric_positive((3, 3))(np.random.default_rng(0))
    values = grad(lambda m: np.sum(np.linalg.eigh(m).eigenvalues))(a)
    np.testing.assert_allclose(values, np.eye(3), atol=1e-12)  # the trace: the diagonal only
    sign = grad(lambda m: np.linalg.slogdet(m).sign * np.linalg.slogdet(m).logabsdet)(-a)
    np.testing.assert_allclose(sign, -np.linalg.inv(-a).T, rtol=1e-12)
    s = grad(lambda m: np.sum(np.linalg.svd(m, full_matrices=False).S))(a)
    np.testing.assert_allclose(s, np.eye(3), atol=1e-12)  # U Vᵀ, and U = V for this matrix


@pytest.mark.parametrize("call, words", [
    (lambda a: np.linalg.eig(a), "np.linalg.eigh"),
    (lambda a: np.linalg.eigvals(a), "np.linalg.eigh"),
    (lambda a: np.linalg.svd(a[:, :2]), "full_matrices=False"),
    (lambda a: np.linalg.svd(a, hermitian=True), "leave hermitian out"),
    (lambda a: np.linalg.pinv(a, hermitian=True), "leave hermitian out"),
    (lambda a: np.linalg.eigh(a, UPLO="X"), "UPLO must be 'L'"),
    (lambda a: np.linalg.inv(a * (1 + 1j)), "real"),
    (lambda a: np.linalg.solve(np.eye(3) * 1j, a[0]), "real"),
    (lambda a: np.linalg.norm(a[0], "fro"), "matrix norm"),
    (lambda a: np.linalg.norm(a, 3), "a matrix norm takes ord"),
])
def test_what_has_no_derivative_is_refused_saying_what_to_write(call, words):
    a = symmetric_positive((3, 3))(np.random.default_rng(0))
    with pytest.raises((TypeError, ValueError)) as raised:
        grad(lambda m: np.sum(np.abs(call(m))))(a)
    assert words in str(raised.value)


# ---- the SVD's Taylor rule near a small singular value, against 60-digit arithmetic ----------------

def _mpmath_svd_line(a, direction, weights, t):
    """u·U + s·S + w·Vh of A + t·direction by mpmath's SVD at 60 digits, each pair of singular
    vectors signed as NumPy's at t = 0 (so the line is smooth, on the branch admagic
    differentiates). A wide A is done as its transpose, whose U and Vh are A's Vhᵀ and Uᵀ."""
    import mpmath as mp
    wide = a.shape[0] < a.shape[1]
    u0 = np.linalg.svd(a, full_matrices=False)[2].T if wide else np.linalg.svd(a, full_matrices=False)[0]
    if wide:
        a, direction, weights = a.T, direction.T, [weights[2].T, weights[1], weights[0].T]
    rows, cols = a.shape
    m = mp.matrix([[mp.mpf(a[i, j]) + t * mp.mpf(direction[i, j]) for j in range(cols)]
                   for i in range(rows)])
    u, s, v = mp.svd_r(m, full_matrices=False)
    total = mp.mpf(0)
    for j in range(cols):
        sign = 1 if sum(u[i, j] * u0[i, j] for i in range(rows)) > 0 else -1
        total += sum(weights[0][i, j] * sign * u[i, j] for i in range(rows)) + weights[1][j] * s[j]
        total += sum(weights[2][j, i] * sign * v[j, i] for i in range(cols))
    return total


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4)])
def test_svd_taylor_rule_keeps_its_digits_near_a_small_singular_value(shape):
    """The SVD's Taylor rule once went through AᵀA, which squares the condition number: with a
    singular value of 3e-3 it gave second derivatives right to only 6 to 8 digits (autograd's
    test_svd_square_3d found it). Against mpmath's SVD at 60 digits (central differences with
    h = 1e-12), orders 1 to 3 are now right to 1e-10."""
    import mpmath as mp
    mp.mp.dps = 60
    rng = np.random.default_rng(4)
    q1 = np.linalg.qr(rng.standard_normal((max(shape), max(shape))))[0][:, :min(shape)]
    q2 = np.linalg.qr(rng.standard_normal((min(shape), min(shape))))[0]
    a = (q1 * np.array([3.0, 1.5, 3e-3])) @ q2.T  # singular values 3, 1.5 and 3e-3
    a = a if shape[0] >= shape[1] else a.T
    direction = rng.standard_normal(shape)
    weights = [rng.standard_normal(p.shape) for p in np.linalg.svd(a, full_matrices=False)]

    def line(t):
        u, s, vh = np.linalg.svd(a + t * direction, full_matrices=False)
        return np.sum(weights[0] * u) + np.sum(weights[1] * s) + np.sum(weights[2] * vh)

    with Tape() as tape:
        t = new_leaf(tape, 0.0)
        y = line(t)
    got = derivatives([y], t, order=3)[0]
    h = mp.mpf("1e-12")
    f = {k: _mpmath_svd_line(a, direction, weights, k * h) for k in (-2, -1, 0, 1, 2)}
    expected = [f[0], (f[1] - f[-1]) / (2 * h), (f[1] - 2 * f[0] + f[-1]) / h ** 2,
                (f[2] - 2 * f[1] + 2 * f[-1] - f[-2]) / (2 * h ** 3)]
    for k in (1, 2, 3):
        truth = float(expected[k])
        assert abs(got[k] - truth) <= 1e-10 * max(1.0, abs(truth)), (k, got[k], truth)
