"""NumPy's shape, selection and elementwise functions, einsum's '...' and repeated indices, np.dot
beyond 2-D and the ndarray methods, on traced values, against independent truth.

Each case is checked
- by reverse mode at orders 1 and 2 with `check_grads` (central finite differences along random
  directions), of the function followed by tanh, so order 2 meets a curved function;
- by Taylor mode at orders 1 and 2: along a random line, g(t) = u · tanh(f(x + t·v)) is recorded
  once and swept in Taylor mode, against central differences of the plain NumPy call;
- for its value: the traced result equals plain NumPy's.
Then ties (sort, median), points where a formula would divide by 0 (sinc at 0), refusals, and a
few idioms inside `%%grad` cells (`admagic.differentiate`).
"""

import math
import warnings
import zlib

import numpy as np
import pytest

import admagic
from admagic import Tape, differentiate
from admagic.taylor import derivatives
from admagic.testing import check_grads
from admagic.traced import new_leaf, plain


def normal(rng, shape):
    return rng.standard_normal(shape)


def distinct(rng, shape):
    """Well separated values (0.5 apart, shuffled), so no two cross within a finite difference."""
    n = int(np.prod(shape))
    return np.reshape(rng.permutation(n) * 0.5 - n / 4 + rng.uniform(-0.1, 0.1, n), shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


CASES = []


def case(label, f, shape, domain=normal):
    CASES.append(pytest.param(f, shape, domain, id=label))


# ---- shape and selection --------------------------------------------------------------------------
A = np.arange(12.0).reshape(3, 4) / 7 - 0.5  # a fixed matrix some cases combine with
for shape in [(3, 4), (2, 3, 4)]:
    s = "x".join(map(str, shape))
    case(f"flipud-{s}", np.flipud, shape)
    case(f"fliplr-{s}", np.fliplr, shape)
    case(f"rot90-{s}", np.rot90, shape)
    case(f"rot90-k2-{s}", lambda x: np.rot90(x, 2), shape)
    case(f"rot90-k3-axes-{s}", lambda x: np.rot90(x, -1, axes=(1, 0)), shape)
    case(f"roll-flat-{s}", lambda x: np.roll(x, 5), shape)
    case(f"roll-axes-{s}", lambda x: np.roll(x, (1, -2), axis=(0, -1)), shape)
    case(f"fftshift-{s}", np.fft.fftshift, shape)
    case(f"ifftshift-axis-{s}", lambda x: np.fft.ifftshift(x, axes=-1), shape)
    case(f"tril-{s}", np.tril, shape)
    case(f"triu-k1-{s}", lambda x: np.triu(x, 1), shape)
    case(f"tril-k-1-{s}", lambda x: np.tril(x, -1), shape)
    case(f"repeat-axis-{s}", lambda x: np.repeat(x, 2, axis=1), shape)
    case(f"repeat-counts-{s}", lambda x: np.repeat(x, [2, 0, 1], axis=-2), shape)
    case(f"tile-{s}", lambda x: np.tile(x, (2, 1, 2)), shape)
    case(f"pad-constant-{s}", lambda x: np.pad(x, 1, constant_values=1.5), shape)
    case(f"pad-edge-{s}", lambda x: np.pad(x, 2, mode="edge"), shape)
    case(f"pad-reflect-{s}", lambda x: np.pad(x, 1, mode="reflect"), shape)
    case(f"pad-symmetric-{s}", lambda x: np.pad(x, 2, mode="symmetric"), shape)
    case(f"pad-wrap-{s}", lambda x: np.pad(x, 3, mode="wrap"), shape)
    case(f"split-{s}", lambda x: np.split(x, 2, axis=-1)[1] * np.split(x, 2, axis=-1)[0], shape)
    case(f"array_split-{s}", lambda x: np.array_split(x, 2, axis=0)[0], shape)
    case(f"hsplit-{s}", lambda x: np.hsplit(x, [1])[1], shape)
    case(f"vsplit-{s}", lambda x: np.vsplit(x, [2])[0], shape)
    case(f"vstack-{s}", lambda x: np.vstack([x, x ** 2]), shape)
    case(f"hstack-{s}", lambda x: np.hstack([x, 2.0 * x]), shape)
    case(f"dstack-{s}", lambda x: np.dstack([x, x * x]), shape)
    case(f"column_stack-{s}", lambda x: np.column_stack([x[0], x[-1] ** 2]), shape)
    case(f"diff-{s}", np.diff, shape)
    case(f"diff-n2-axis0-prepend-{s}", lambda x: np.diff(x, 2, axis=0, prepend=0.5), shape)
    case(f"diff-prepend-traced-{s}", lambda x: np.diff(x, 1, -1, x[..., :1] ** 2), shape)
    case(f"diff-append-{s}", lambda x: np.diff(x, append=np.ones(np.shape(x)[:-1] + (2,))), shape)
    case(f"gradient-{s}", lambda x: np.stack(np.gradient(x)), shape)
    case(f"gradient-edge2-{s}", lambda x: np.gradient(x, 0.5, axis=-1, edge_order=2), shape)
    case(f"select-{s}", lambda x: np.select([x > 0.5, x < -0.5], [x ** 2, 3 * x], -x), shape)
    case(f"sort-{s}", np.sort, shape, distinct)
    case(f"sort-axis0-{s}", lambda x: np.sort(x, axis=0), shape, distinct)
    case(f"sort-flat-{s}", lambda x: np.sort(x, axis=None), shape, distinct)
    case(f"partition-{s}", lambda x: np.partition(x, 1), shape, distinct)
    case(f"median-{s}", np.median, shape, distinct)
    case(f"median-axis-{s}", lambda x: np.median(x, axis=-1), shape, distinct)
    case(f"median-axis0-keepdims-{s}", lambda x: np.median(x, axis=0, keepdims=True), shape, distinct)
    case(f"quantile-{s}", lambda x: np.quantile(x, [0.1, 0.5, 0.85], axis=-1), shape, distinct)
    case(f"quantile-keepdims-{s}", lambda x: np.quantile(x, 0.3, axis=0, keepdims=True), shape, distinct)
    case(f"percentile-{s}", lambda x: np.percentile(x, 37.0), shape, distinct)
    case(f"nan_to_num-{s}", lambda x: np.nan_to_num(np.log(x)), shape)  # log of negatives: nan
    case(f"cumprod-{s}", lambda x: np.cumprod(x, axis=-1), shape)
    case(f"cumprod-flat-{s}", np.cumprod, shape)
    case(f"take-{s}", lambda x: np.take(x, [2, 0, 2], axis=-1), shape)
    case(f"compress-{s}", lambda x: np.compress([True, False, True], x, axis=-1), shape)
    case(f"ptp-{s}", lambda x: np.ptp(x, axis=-1), shape, distinct)
    case(f"trace-{s}", lambda x: np.trace(x, 1, -2, -1), shape)
case("dsplit-2x2x4", lambda x: np.dsplit(x, 2)[1], (2, 2, 4))
case("trace-stack-axes", lambda x: np.trace(x, -1, 2, 0), (3, 2, 4))
case("kron-self", lambda x: np.kron(x, x), (2, 3))
case("kron-plain-vector", lambda x: np.kron(np.array([1.0, -2.0]), x), (2, 3))
case("kron-vectors", lambda x: np.kron(x, x[::-1]), (3,))
case("atleast_1d-scalar", np.atleast_1d, ())
case("atleast_2d-vector", np.atleast_2d, (3,))
case("atleast_3d-vector", np.atleast_3d, (3,))
case("atleast_3d-matrix", np.atleast_3d, (2, 3))
case("atleast_2d-several", lambda x: np.concatenate(np.atleast_2d(x, x[0]), axis=1), (3,))
case("hstack-vectors", lambda x: np.hstack([x, x[:2] ** 2, 1.0]), (3,))
case("vstack-vectors", lambda x: np.vstack([x, np.ones(3)]), (3,))
case("column_stack-vectors", lambda x: np.column_stack([x, x ** 2]), (3,))
if hasattr(np, "row_stack"):
    case("row_stack", lambda x: np.row_stack([x, x]), (3,))
case("gradient-coordinates", lambda x: np.gradient(x, np.array([0.0, 0.5, 1.5, 1.7])), (4,))
case("linspace-scalars", lambda x: np.linspace(x[0], x[1], 5), (2,))
case("linspace-arrays-axis", lambda x: np.linspace(x[:2], x[2:], 4, axis=1), (4,))
case("linspace-no-endpoint-retstep",
     lambda x: np.linspace(x[0], x[1], 4, endpoint=False, retstep=True)[0]
     * np.linspace(x[0], x[1], 4, endpoint=False, retstep=True)[1], (2,))
case("linspace-plain-start", lambda x: np.linspace(1.0, x, 3), ())
case("cross-3", lambda x: np.cross(x[0], x[1]), (2, 3))
case("cross-stacks", lambda x: np.cross(x[:, :3], x[::-1, 1:]), (3, 4))
case("cross-axis", lambda x: np.cross(x, x ** 2, axis=0), (3, 2))
case("outer", lambda x: np.outer(x, x[::-1] ** 2), (2, 2))
case("median-even-tuple-axes", lambda x: np.median(x, axis=(0, 2)), (2, 3, 4), distinct)
case("quantile-methods", lambda x: np.stack([np.quantile(x, 0.3, method=m) for m in
                                             ("lower", "higher", "nearest", "midpoint")]), (7,), distinct)
case("quantile-traced-q", lambda x: np.quantile(np.array([1.0, 3.0, 4.0, 8.0]), x), (2,),
     lambda rng, shape: rng.uniform(0.05, 0.3, shape))

# ---- elementwise ----------------------------------------------------------------------------------
for shape in [(), (2, 3)]:
    s = "x".join(map(str, shape)) or "scalar"
    for function in (np.deg2rad, np.radians, np.fabs, np.sinc, np.conj, np.real):
        case(f"{function.__name__}-{s}", function, shape)
    for function in (np.rad2deg, np.degrees):  # scaled back, so tanh after it isn't too steep
        case(f"{function.__name__}-{s}", lambda x, f=function: f(x) / 60.0, shape)
    case(f"fmax-{s}", lambda x: np.fmax(x, np.full(np.shape(x), np.nan)) + np.fmax(x, 0.3 - x), shape)
    case(f"fmin-{s}", lambda x: np.fmin(np.nan, x) * np.fmin(x ** 2, 0.5), shape)
    case(f"logaddexp2-{s}", lambda x: np.logaddexp2(x, 2.0 * x - 0.3), shape)
    case(f"heaviside-{s}", lambda x: np.heaviside(np.zeros(np.shape(x)), x) + np.heaviside(x, 0.5) * x,
         shape)
    case(f"imag-angle-{s}", lambda x: x * (1 + np.imag(x)) + np.angle(x), shape)
case("sinc-through-zero", lambda x: np.sinc(x - x * np.array([0.0, 1.0, 0.0])), (3,))

# ---- einsum and dot ------------------------------------------------------------------------------
for spec, shapes in {"ii->": (3, 3), "ii->i": (3, 3), "ii": (3, 3), "iij->j": (2, 2, 3),
                     "...ij->...ji": (2, 3, 4), "...i->...": (2, 3), "i...->...": (3, 2),
                     "ij...": (2, 3, 2), "ijj->ij": (2, 3, 3)}.items():
    case(f"einsum-{spec}", lambda x, s=spec: np.einsum(s, x), shapes)
case("einsum-lli-lk", lambda x: np.einsum("lli,lk->ik", x, x[:, 0, :]), (2, 2, 2))
case("einsum-ellipsis-matmul", lambda x: np.einsum("...ij,...jk", x, x ** 2), (2, 3, 3))
case("einsum-ellipsis-broadcast", lambda x: np.einsum("...j,jk->...k", x, A), (2, 3, 3))
case("dot-3d-3d", lambda x: np.dot(x, np.swapaxes(x, 1, 2) ** 2), (2, 3, 4))
case("dot-3d-vector", lambda x: np.dot(x, x[0, 0]), (2, 3, 3))
case("dot-matrix-3d", lambda x: np.dot(x[0], x), (3, 3, 3))

# einsum's sublist form: each operand followed by its axes' numbers, an output list last
case("einsum-sublists-matmul", lambda x: np.einsum(x, [0, 1], x.T ** 2, [1, 2], [0, 2]), (2, 3))
case("einsum-sublists-implicit", lambda x: np.einsum(x, [0, 1], A[:3, :3], [1, 2]), (2, 3))
case("einsum-sublists-transpose", lambda x: np.einsum(x, (0, 1), (1, 0)), (3, 4))
case("einsum-sublists-ellipsis", lambda x: np.einsum(x, [Ellipsis, 0, 1], x, [Ellipsis, 1, 2],
                                                     [Ellipsis, 0, 2]), (2, 3, 3))
case("einsum-sublists-repeated", lambda x: np.einsum(x, [0, 0, 1], [1]), (2, 2, 3))
case("dot-number-array", lambda x: np.dot(x[0, 0], x) + np.dot(x, 1.5), (2, 3))
case("dot-number-3d", lambda x: np.dot(2.5, x), (2, 2, 3))

# ---- rollaxis, real_if_close, pad's other ways to give widths, iscomplex/isreal ------------------
for axis, start in [(0, 0), (2, 0), (0, 3), (1, -1), (-1, 1)]:
    case(f"rollaxis-{axis}-{start}", lambda x, a=axis, b=start: np.rollaxis(x, a, b), (2, 3, 4))
case("rollaxis-matrix", lambda x: np.rollaxis(x, 1), (3, 4))
for shape in [(), (3,), (2, 3)]:
    s = "x".join(map(str, shape)) or "scalar"
    case(f"real_if_close-{s}", lambda x: np.real_if_close(x) * x, shape)
    case(f"iscomplex-isreal-{s}", lambda x: np.where(np.isreal(x), x ** 2, 0.0)
         + (0.0 if np.any(np.iscomplex(x)) else np.sin(x)), shape)
for widths in [(3,), (1, 2), ((1, 2),), ((1, 2), (3, 0)), ((0, 0), (0, 0))]:
    case(f"pad-widths-{widths}", lambda x, w=widths: np.pad(x, w), (2, 2))
case("pad-widths-3d", lambda x: np.pad(x, ((1, 0), (0, 2), (1, 1)), mode="edge"), (2, 2, 3))

# ---- methods --------------------------------------------------------------------------------------
case("method-cumprod", lambda x: x.cumprod(axis=0), (3, 2))
case("method-repeat", lambda x: x.repeat(2, axis=0), (3, 2))
case("method-std-keywords", lambda x: x.std(axis=0, ddof=1, keepdims=True), (3, 2))
case("method-var-keywords", lambda x: x.var(1, ddof=1, keepdims=True), (3, 4))
case("method-sum-keywords", lambda x: x.sum(axis=1, keepdims=True, initial=1.0), (3, 2))
case("method-round", lambda x: x.round(1) * x, (3,))
case("method-clip-keywords", lambda x: x.clip(max=0.5), (3, 4))
case("method-take", lambda x: x.take([2, 0], axis=1), (2, 3))
case("method-compress", lambda x: x.compress([True, False, True], axis=1), (2, 3))
case("method-conj", lambda x: x.conj() * x.conjugate() + x.real - x.imag, (3,))
case("method-flatten-fortran", lambda x: x.flatten("F"), (2, 3))
case("method-dot", lambda x: x.dot(x.T), (2, 3))
case("method-dot-3d", lambda x: x.dot(x[0]), (2, 3, 3))
case("method-trace-diagonal", lambda x: x.trace(1) * x.diagonal(-1), (3, 3))
case("method-max-min-mean-prod", lambda x: x.max(0) + x.min(axis=1)[0] + x.mean(0) * x.prod(0), (3, 3),
     distinct)
case("method-transpose-reshape-squeeze",
     lambda x: x.transpose(1, 0).reshape(1, 6).squeeze(0) * x.swapaxes(0, 1).ravel(), (2, 3))


def _point(shape, domain, label):
    rng = np.random.default_rng(zlib.crc32(label.encode()))
    value = domain(rng, shape)
    return float(value) if shape == () else value


def _curved(f):
    return lambda x: np.tanh(f(x))


@pytest.mark.parametrize("f, shape, domain", CASES)
def test_reverse_mode_matches_finite_differences_to_second_order(request, f, shape, domain):
    x = _point(shape, domain, request.node.callspec.id)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", DeprecationWarning)
        check_grads(_curved(f), x, order=2)


def _line(f, x, v, u):
    return lambda t: float(np.sum(u * np.tanh(f(x + t * v))))


@pytest.mark.parametrize("f, shape, domain", CASES)
def test_taylor_mode_matches_finite_differences_to_second_order(request, f, shape, domain):
    label = request.node.callspec.id
    x = _point(shape, domain, label)
    rng = np.random.default_rng(zlib.crc32(label.encode()) + 1)
    v = rng.standard_normal(np.shape(x)) if np.ndim(x) else float(rng.standard_normal())
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", DeprecationWarning)
        out_shape = np.shape(f(x))
        u = rng.standard_normal(out_shape)
        g = _line(f, x, v, u)
        with Tape() as tape:
            t = new_leaf(tape, 0.0)
            y = np.sum(u * np.tanh(f(x + t * v)))
        taylor = derivatives([y], t, 2)[0]
        h1, h2 = 1e-5, 1e-3
        first = (g(h1) - g(-h1)) / (2 * h1)
        second = (g(h2) - 2 * g(0.0) + g(-h2)) / h2 ** 2
    assert taylor[0] == pytest.approx(g(0.0), rel=1e-12, abs=1e-12)
    assert taylor[1] == pytest.approx(first, rel=1e-6, abs=1e-7)
    assert taylor[2] == pytest.approx(second, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("f, shape, domain", CASES)
def test_traced_value_is_numpys(request, f, shape, domain):
    x = _point(shape, domain, request.node.callspec.id)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", DeprecationWarning)
        with Tape() as tape:
            traced = plain(f(new_leaf(tape, x)))
        expected = f(x)
    assert np.shape(traced) == np.shape(expected)
    np.testing.assert_allclose(traced, expected, rtol=1e-14, atol=1e-15)


# ---- ties, special points ------------------------------------------------------------------------

def test_sort_shares_the_derivative_between_tied_elements():
    weights = np.array([1.0, 2.0, 3.0])  # sorted [1, 2, 2]: places 1 and 2 tie
    gradient = admagic.grad(lambda w: np.sum(np.sort(w) * weights))(np.array([2.0, 1.0, 2.0]))
    np.testing.assert_array_equal(gradient, [2.5, 1.0, 2.5])


def test_median_of_an_even_count_splits_between_the_two_middle_elements():
    gradient = admagic.grad(np.median)(np.array([5.0, 1.0, 3.0, 2.0]))
    np.testing.assert_array_equal(gradient, [0.0, 0.0, 0.5, 0.5])


def test_median_with_tied_middle_elements_shares_as_max_does():
    gradient = admagic.grad(np.median)(np.array([2.0, 1.0, 2.0, 2.0, 7.0]))
    np.testing.assert_allclose(gradient, [1 / 3, 0.0, 1 / 3, 1 / 3, 0.0])


def test_quantile_derivative_in_q_is_the_slope_between_the_sorted_neighbours():
    data = np.array([4.0, 1.0, 2.0])  # sorted 1, 2, 4: q = 0.7 is between 2 and 4, (n - 1) = 2
    assert admagic.grad(lambda q: np.quantile(data, q))(0.7) == pytest.approx(2 * (4.0 - 2.0))


def test_sinc_derivatives_at_zero_are_its_taylor_coefficients():
    # sinc x = 1 - (πx)²/6 + (πx)⁴/120 - ...: sinc'(0) = 0, sinc''(0) = -π²/3, sinc⁽⁴⁾(0) = π⁴/5
    assert admagic.derivative(np.sinc)(0.0) == 0.0
    assert admagic.derivative(np.sinc, order=2)(0.0) == pytest.approx(-np.pi ** 2 / 3)
    assert admagic.derivative(np.sinc, order=4)(0.0) == pytest.approx(np.pi ** 4 / 5)


def test_heaviside_moves_with_h_only_where_x_is_zero():
    gradient = admagic.grad(lambda h: np.sum(np.heaviside(np.array([-1.0, 0.0, 2.0]), h)))
    np.testing.assert_array_equal(gradient(np.array([0.5, 0.5, 0.5])), [0.0, 1.0, 0.0])
    assert admagic.grad(lambda x: np.heaviside(x, 0.5))(1.0) == 0.0


def test_fmax_ignores_nan_where_maximum_would_not():
    gradient = admagic.grad(lambda x: np.sum(np.fmax(x, np.array([np.nan, 0.0]))))
    np.testing.assert_array_equal(gradient(np.array([1.0, 0.0])), [1.0, 0.5])  # a tie shares


def test_einsum_with_a_repeated_index_is_the_trace_and_diagonal():
    x = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(admagic.grad(lambda a: np.einsum("ii", a))(x), np.eye(3))
    hessian = admagic.hessian(lambda a: np.einsum("ii->", a) ** 2)(x)
    np.testing.assert_array_equal(hessian, 2 * np.einsum("ij,kl->ijkl", np.eye(3), np.eye(3)))


def test_nan_to_num_has_derivative_zero_where_it_replaced():
    gradient = admagic.grad(lambda x: np.sum(np.nan_to_num(3.0 * x, nan=-10.0)))
    np.testing.assert_array_equal(gradient(np.array([4.0, np.nan, -np.inf])), [3.0, 0.0, 0.0])


def test_cumprod_with_zeros_is_the_product_of_the_others():
    x = np.array([2.0, 0.0, 3.0])  # cumprod: 2, 0, 0; d(sum)/dx1 = 2 + 2·3
    np.testing.assert_array_equal(admagic.grad(lambda w: np.sum(np.cumprod(w)))(x), [1.0, 8.0, 0.0])


# ---- refusals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, advice", [("sort", "np.sort(w)"), ("partition", "np.partition"),
                                            ("fill", "np.full_like")])
def test_in_place_methods_are_refused_with_what_to_write(method, advice):
    with pytest.raises(TypeError, match=r"in place.*" + advice.replace("(", r"\(").replace(")", r"\)")):
        admagic.grad(lambda w: getattr(w, method)(1) or np.sum(w))(np.array([2.0, 1.0]))


def test_pad_modes_with_no_derivative_here_are_refused_by_name():
    with pytest.raises(TypeError, match="mode='mean'.*'constant', 'edge'"):
        admagic.grad(lambda w: np.sum(np.pad(w, 1, mode="mean")))(np.ones(3))


def test_quantile_methods_not_supported_are_refused_by_name():
    with pytest.raises(TypeError, match="method='weibull'.*linear"):
        admagic.grad(lambda w: np.quantile(w, 0.5, method="weibull"))(np.ones(3))


def test_a_traced_shift_or_repeat_count_is_refused():
    with pytest.raises(TypeError, match="shift must be a plain"):
        admagic.grad(lambda w: np.sum(np.roll(w, w[0])))(np.array([1.0, 2.0]))


# ---- inside %%grad cells --------------------------------------------------------------------------

def test_idioms_inside_a_cell_give_the_derivatives_of_their_closed_forms():
    code = """
v = np.linspace(0.0, x, 5)                # 0, x/4, x/2, 3x/4, x
m = np.median(np.concatenate([v, v ** 2]))
p = np.sum(np.pad(np.diff(v), 1, mode="edge"))
s = np.sum(np.sort(-v)[:2]) + np.trace(np.kron(np.eye(2), np.outer(v[:2], v[:2])))
"""
    x = 1.7  # v = [0, .425, .85, 1.275, 1.7], v² = [0, .18, .72, 1.63, 2.89]: middle pair .72, .85
    result = differentiate(code, {"x": x}, order=2, graph=False)
    # m = (x²/4 + x/2) / 2; p = 6 · x/4; s = -(x + 3x/4) + 2 · (x/4)²
    assert result["dm/dx"] == pytest.approx((x / 2 + 0.5) / 2)
    assert result["d2m/dx2"] == pytest.approx(0.25)
    assert result["dp/dx"] == pytest.approx(1.5)
    assert result["ds/dx"] == pytest.approx(-1.75 + x / 4)
    assert result["d2s/dx2"] == pytest.approx(0.25)


def test_a_cell_with_stacks_splits_and_methods_matches_finite_differences():
    code = """
parts = np.array_split(w, 3)
stacked = np.vstack([parts[0], parts[1] ** 2]).T
loss = np.sum(np.tril(stacked.repeat(2, axis=0)).cumprod(axis=1)) + np.einsum("ii", stacked[:2])
"""
    w = np.array([0.3, -0.8, 1.1, 0.4, 0.9, -0.2])
    result = differentiate(code, {"w": w}, graph=False, check=True)

    def loss(w):
        parts = np.array_split(w, 3)
        stacked = np.vstack([parts[0], parts[1] ** 2]).T
        return np.sum(np.tril(stacked.repeat(2, axis=0)).cumprod(axis=1)) + np.trace(stacked[:2])

    numeric = [(loss(w + 1e-6 * e) - loss(w - 1e-6 * e)) / 2e-6 for e in np.eye(6)]
    np.testing.assert_allclose(result["dloss/dw"], numeric, rtol=1e-7, atol=1e-8)
    assert math.isclose(result.values["loss"], loss(w), rel_tol=1e-14)


def test_a_cast_on_a_stack_or_linspace_is_refused_by_name():
    with pytest.raises(TypeError, match=r"np\.vstack\(\.\.\., dtype=/casting=\)"):
        admagic.grad(lambda w: np.sum(np.vstack([w, w], dtype=np.float32)))(np.ones(2))
    with pytest.raises(TypeError, match=r"np\.linspace\(\.\.\., dtype="):
        admagic.grad(lambda w: np.sum(np.linspace(w, 2 * w, 3, dtype=int)))(1.0)
