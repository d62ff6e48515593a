"""Every derivative rule in `admagic.tape.VJP` (the table admagic/rules.py fills), checked against
central finite differences.

Each primitive has cases in `CASES`: a call of it, and where its inputs are drawn (inside its
domain, away from kinks). Each case is checked at first and second order with `check_grads`
(through `grad`), at first order through `jacobian` and the Tape API, and at second order through
nested tapes, all against finite differences. Binary ufuncs (and `where`, `clip`, `matmul`) are
also checked over broadcasting shape pairs drawn by hypothesis.
`test_every_primitive_in_the_table_has_a_case` fails when a primitive is added to the table without
a case here.
"""

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import admagic
from admagic import constant, primitives
from admagic.testing import check_grads, numerical_jacobian
from admagic.tape import VJP
from admagic.traced import record

# ---- where inputs come from: each domain is (rng, shape) -> a float or an array --------------------


def _shaped(draw):
    def domain(rng, shape):
        value = draw(rng, shape)
        return float(value) if shape == () else value
    return domain


def normal(scale=1.0):
    return _shaped(lambda rng, shape: scale * rng.standard_normal(shape))


def uniform(lo, hi):
    return _shaped(lambda rng, shape: rng.uniform(lo, hi, shape))


def away_from_zero(lo=0.5, hi=2.0):
    return _shaped(lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(lo, hi, shape))


def distinct(rng, shape):
    """Well separated values, so max/min/sort have no near-ties for finite differences to cross."""
    n = int(np.prod(shape))
    values = rng.permutation(n) * 0.5 + rng.uniform(-0.1, 0.1, n)
    return float(values[0]) if shape == () else values.reshape(shape)


# ---- the table of cases ------------------------------------------------------------------------

CASES = []


def case(primitive, call, *inputs, argnum=None, label=""):
    """A call of `primitive`; inputs are (domain, shape) pairs; argnum defaults to every input."""
    argnum = tuple(range(len(inputs))) if argnum is None else argnum
    CASES.append(pytest.param(primitive, call, inputs, argnum,
                              id=f"{_name(primitive)}-{label}" if label else _name(primitive)))


def _name(primitive):
    return getattr(primitive, "__name__", repr(primitive))


UNARY_DOMAINS = {
    np.negative: normal(), np.absolute: normal(), np.square: normal(),
    np.reciprocal: away_from_zero(), np.sqrt: uniform(0.5, 2.0), np.cbrt: away_from_zero(),
    np.exp: normal(), np.exp2: normal(), np.expm1: normal(),
    np.log: uniform(0.5, 2.0), np.log2: uniform(0.5, 2.0), np.log10: uniform(0.5, 2.0),
    np.log1p: uniform(-0.5, 2.0),
    np.sin: normal(2.0), np.cos: normal(2.0), np.tan: uniform(-1.2, 1.2),
    np.arcsin: uniform(-0.9, 0.9), np.arccos: uniform(-0.9, 0.9), np.arctan: normal(2.0),
    np.sinh: normal(), np.cosh: normal(), np.tanh: normal(),
    np.arcsinh: normal(2.0), np.arccosh: uniform(1.2, 3.0), np.arctanh: uniform(-0.9, 0.9),
    # piecewise constant: derivative 0 almost everywhere (random points miss the jumps)
    np.sign: normal(3.0), np.floor: normal(3.0), np.ceil: normal(3.0),
    np.round: normal(3.0), np.rint: normal(3.0),
    np.deg2rad: normal(), np.radians: normal(), np.rad2deg: normal(), np.degrees: normal(),
    np.fabs: normal(), np.conjugate: normal(),
}
for ufunc, domain in UNARY_DOMAINS.items():
    case(ufunc, ufunc, (domain, ()), label="scalar")
    case(ufunc, ufunc, (domain, (2, 3)), label="array")
case(np.round, lambda x: np.round(x, 1), (normal(3.0), (4,)), label="decimals")
case(np.absolute, abs, (normal(), (3,)), label="builtin-abs")
case(np.negative, lambda x: -x, (normal(), ()), label="operator")

BINARY_DOMAINS = {
    np.add: (normal(), normal()),
    np.subtract: (normal(), normal()),
    np.multiply: (normal(), normal()),
    np.divide: (normal(), away_from_zero()),
    np.power: (uniform(0.5, 2.0), normal()),
    np.remainder: (uniform(0.5, 5.0), uniform(0.7, 1.5)),
    np.maximum: (normal(), normal()),
    np.minimum: (normal(), normal()),
    np.hypot: (away_from_zero(), away_from_zero()),
    np.arctan2: (away_from_zero(), away_from_zero()),
    np.logaddexp: (normal(), normal()),
    np.floor_divide: (normal(3.0), away_from_zero()),
    np.fmax: (normal(), normal()),
    np.fmin: (normal(), normal()),
    np.logaddexp2: (normal(), normal()),
    np.heaviside: (normal(), normal()),
}
for ufunc, (x_domain, y_domain) in BINARY_DOMAINS.items():
    case(ufunc, ufunc, (x_domain, ()), (y_domain, ()), label="scalars")
    case(ufunc, ufunc, (x_domain, (2, 3)), (y_domain, (3,)), label="broadcast")
case(np.add, lambda x: x + 2.5, (normal(), (3,)), label="operator-with-number")
case(np.subtract, lambda y: 1.5 - y, (normal(), (3,)), label="reflected-operator")
case(np.divide, lambda y: 2.0 / y, (away_from_zero(), (3,)), label="reflected-operator")
case(np.power, lambda x: x ** 3, (normal(), (4,)), label="negative-base-integer-exponent")
case(np.power, lambda y: 2.0 ** y, (normal(), (3,)), label="reflected-operator")
case(np.multiply, lambda x: x * x, (normal(), (3,)), label="same-argument-twice")
case(np.remainder, lambda x: x % 1.5, (uniform(0.1, 5.0), (3,)), label="operator")
case(np.floor_divide, lambda x: x // 0.7, (normal(3.0), (3,)), label="operator")

# reductions
for reduction in (np.sum, np.mean, np.prod, np.var, np.std, np.max, np.min):
    domain = distinct if reduction in (np.max, np.min) else normal()
    case(reduction, reduction, (domain, (2, 3, 4)), label="all")
    case(reduction, lambda x, r=reduction: r(x, axis=1), (domain, (2, 3, 4)), label="axis")
    case(reduction, lambda x, r=reduction: r(x, axis=(0, 2), keepdims=True), (domain, (2, 3, 4)),
         label="axes-keepdims")
    case(reduction, lambda x, r=reduction: r(x, axis=-1), (domain, (3, 2)), label="negative-axis")
    case(reduction, reduction, (domain, ()), label="scalar")
case(np.sum, lambda x: x.sum(axis=0), (normal(), (3, 2)), label="method")
case(np.var, lambda x: np.var(x, axis=0, ddof=1), (normal(), (4, 3)), label="ddof")
case(np.std, lambda x: np.std(x, ddof=1), (normal(), (5,)), label="ddof")
case(np.max, np.amax, (distinct, (3, 2)), label="amax")
case(np.min, np.amin, (distinct, (3, 2)), label="amin")
case(np.prod, lambda x: np.prod(x, axis=0),
     (_shaped(lambda rng, shape: rng.standard_normal(shape) * [[1, 0, 1], [1, 1, 0], [1, 1, 0]]),
      (3, 3)),  # columns with no zero, one zero, two zeros
     label="with-zeros")
case(np.cumsum, np.cumsum, (normal(), (2, 3)), label="flat")
case(np.cumsum, lambda x: np.cumsum(x, axis=1), (normal(), (2, 3)), label="axis")
case(np.cumsum, lambda x: np.cumsum(x, axis=0), (normal(), (4,)), label="vector")

# products
case(np.matmul, np.matmul, (normal(), (2, 3)), (normal(), (3, 4)), label="matrices")
case(np.matmul, np.matmul, (normal(), (3,)), (normal(), (3, 4)), label="vector-matrix")
case(np.matmul, np.matmul, (normal(), (2, 3)), (normal(), (3,)), label="matrix-vector")
case(np.matmul, np.matmul, (normal(), (3,)), (normal(), (3,)), label="vectors")
case(np.matmul, np.matmul, (normal(), (2, 2, 3)), (normal(), (3, 4)), label="stacked")
case(np.matmul, np.matmul, (normal(), (3,)), (normal(), (2, 3, 2)), label="vector-stack")
case(np.matmul, np.matmul, (normal(), (2, 2, 3)), (normal(), (3,)), label="stack-vector")
case(np.matmul, lambda a, b: a @ b, (normal(), (2, 3)), (normal(), (3, 2)), label="operator")
case(np.dot, np.dot, (normal(), (2, 3)), (normal(), (3, 4)), label="matrices")
case(np.dot, np.dot, (normal(), (3,)), (normal(), (3,)), label="vectors")
case(np.dot, np.dot, (normal(), ()), (normal(), (3,)), label="scalar")
case(np.dot, lambda a, b: a.dot(b), (normal(), (2, 3)), (normal(), (3,)), argnum=(0,), label="method")
case(np.inner, np.inner, (normal(), (3,)), (normal(), (3,)), label="vectors")
case(np.inner, np.inner, (normal(), (2, 3)), (normal(), (4, 3)), label="matrices")
case(np.inner, np.inner, (normal(), ()), (normal(), (2,)), label="scalar")
case(np.outer, np.outer, (normal(), (3,)), (normal(), (4,)), label="vectors")
case(np.outer, np.outer, (normal(), (2, 2)), (normal(), (3,)), label="flattens")
case(np.tensordot, np.tensordot, (normal(), (2, 3, 4)), (normal(), (3, 4, 2)), label="axes-2")
case(np.tensordot, lambda a, b: np.tensordot(a, b, axes=1), (normal(), (2, 3)), (normal(), (3, 4)),
     label="axes-1")
case(np.tensordot, lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 2])), (normal(), (3, 2)),
     (normal(), (2, 4, 3)), label="axes-pairs")
case(np.tensordot, lambda a, b: np.tensordot(a, b, axes=0), (normal(), (2,)), (normal(), (3,)),
     label="axes-0")
for spec, shapes in {"ij,jk->ik": [(2, 3), (3, 4)], "ij->j": [(2, 3)], "i,i->": [(3,), (3,)],
                     "ij,ij->ij": [(2, 3), (2, 3)], "ij,jk": [(2, 3), (3, 2)],
                     "ijk->kji": [(2, 3, 4)], "ij->": [(2, 3)], "ij,jk,kl->il": [(2, 3), (3, 2), (2, 2)],
                     "ij,k->ik": [(2, 3), (4,)]}.items():
    case(np.einsum, lambda *ops, s=spec: np.einsum(s, *ops), *[(normal(), s) for s in shapes],
         label=spec.replace(",", "_").replace("->", "_to_"))

# matrices
case(np.trace, np.trace, (normal(), (3, 3)), label="square")
case(np.trace, lambda x: np.trace(x, 1), (normal(), (3, 4)), label="offset")
case(np.trace, lambda x: x.trace(), (normal(), (2, 3)), label="method")
case(np.diag, np.diag, (normal(), (3,)), label="vector-to-matrix")
case(np.diag, np.diag, (normal(), (3, 3)), label="matrix-to-vector")
case(np.diag, lambda x: np.diag(x, 1), (normal(), (3, 4)), label="above")
case(np.diag, lambda x: np.diag(x, -1), (normal(), (4, 3)), label="below")
case(np.diag, lambda x: np.diag(x, -1), (normal(), (2,)), label="vector-below")
case(np.diagonal, np.diagonal, (normal(), (3, 3)), label="square")
case(np.diagonal, lambda x: x.diagonal(), (normal(), (2, 4)), label="method-wide")
case(np.diagonal, lambda x: np.diagonal(x, 1), (normal(), (3, 4)), label="above")
case(np.diagonal, lambda x: x.diagonal(-2), (normal(), (4, 3)), label="method-below")
case(np.diagonal, lambda x: np.diagonal(x, 1, 2, 0), (normal(), (3, 2, 4)), label="axes-3d")
case(np.diagonal, lambda x: x.diagonal(0, axis1=1, axis2=0), (normal(), (2, 3)), label="axes-swapped")

# shapes
case(np.reshape, lambda x: np.reshape(x, (3, 2)), (normal(), (2, 3)))
case(np.reshape, lambda x: x.reshape(-1), (normal(), (2, 3)), label="method")
case(np.reshape, lambda x: x.reshape(3, 2), (normal(), (2, 3)), label="method-separate-sizes")
case(np.reshape, lambda x: np.reshape(x, (3, 2), order="F"), (normal(), (2, 3)), label="fortran")
case(np.ravel, np.ravel, (normal(), (2, 3)))
case(np.ravel, lambda x: np.ravel(x, order="F"), (normal(), (2, 3)), label="fortran")
case(np.ravel, lambda x: x.flatten(), (normal(), (2, 3)), label="flatten")
case(np.squeeze, np.squeeze, (normal(), (1, 3, 1)))
case(np.squeeze, lambda x: np.squeeze(x, axis=0), (normal(), (1, 3, 1)), label="axis")
case(np.expand_dims, lambda x: np.expand_dims(x, 1), (normal(), (2, 3)))
case(np.expand_dims, lambda x: np.expand_dims(x, (0, -1)), (normal(), (2,)), label="axes")
case(np.transpose, np.transpose, (normal(), (2, 3)))
case(np.transpose, lambda x: x.T, (normal(), (2, 3)), label="T")
case(np.transpose, lambda x: np.transpose(x, (1, 2, 0)), (normal(), (2, 3, 4)), label="axes")
case(np.transpose, lambda x: x.transpose(2, 0, 1), (normal(), (2, 3, 4)), label="method-axes")
case(np.swapaxes, lambda x: np.swapaxes(x, 0, 2), (normal(), (2, 3, 4)))
case(np.moveaxis, lambda x: np.moveaxis(x, 0, -1), (normal(), (2, 3, 4)))
case(np.moveaxis, lambda x: np.moveaxis(x, (0, 1), (2, 0)), (normal(), (2, 3, 4)), label="several")
case(np.flip, np.flip, (normal(), (2, 3)))
case(np.flip, lambda x: np.flip(x, 1), (normal(), (2, 3)), label="axis")
case(np.broadcast_to, lambda x: np.broadcast_to(x, (2, 3)), (normal(), (3,)))
case(np.broadcast_to, lambda x: np.broadcast_to(x, (4, 2, 3)), (normal(), (2, 1)), label="stretch")
case(np.broadcast_to, lambda x: np.broadcast_to(x, (2, 2)), (normal(), ()), label="scalar")

# selection
case(np.where, lambda x, y: np.where(x > y, x, y), (normal(), (2, 3)), (normal(), (3,)))
case(np.where, lambda x: np.where(x > 0, x, 0.0), (normal(), (4,)), label="relu")
case(np.where, lambda y: np.where([True, False, True], 1.0, y), (normal(), (3,)), label="constant-x")
case(np.clip, lambda x: np.clip(x, -0.5, 0.5), (normal(), (3, 4)))
case(np.clip, lambda x: x.clip(-0.5, 0.5), (normal(), (3, 4)), label="method")
case(np.clip, lambda x, lo, hi: np.clip(x, lo, hi), (normal(), (2, 3)), (uniform(-1.0, -0.2), (3,)),
     (uniform(0.2, 1.0), (2, 1)), label="array-bounds")
case(np.clip, lambda x: np.clip(x, None, 0.5), (normal(), (5,)), label="no-lower-bound")
case(np.clip, lambda x: np.clip(x, -0.5, None), (normal(), (5,)), label="no-upper-bound")
case(np.clip, lambda x: np.clip(x, a_min=-0.5, a_max=0.5), (normal(), (5,)), label="keyword-bounds")
case(primitives.getitem, lambda x: x[1], (normal(), (3, 2)), label="integer")
case(primitives.getitem, lambda x: x[1:], (normal(), (3, 2)), label="slice")
case(primitives.getitem, lambda x: x[::-2, 1], (normal(), (5, 2)), label="negative-step")
case(primitives.getitem, lambda x: x[[0, 2, 0]], (normal(), (3, 2)), label="repeated-indices")
case(primitives.getitem, lambda x: x[x > 0], (normal(), (3, 2)), label="boolean-mask")
case(primitives.getitem, lambda x: x[None, ..., 0], (normal(), (2, 3)), label="newaxis-ellipsis")
case(primitives.getitem, lambda x: x[np.array([1, 0]), np.array([0, 2])], (normal(), (2, 3)),
     label="fancy-pairs")
case(primitives.getitem, lambda x: x[1] * x[1], (normal(), (3,)), label="same-index-twice")
case(primitives.untake, lambda g: record(primitives.untake, g, np.s_[1:], (3, 2)), (normal(), (2, 2)),
     label="slice")
case(primitives.untake, lambda g: record(primitives.untake, g, [0, 2, 0], (3,)), (normal(), (3,)),
     label="repeated-indices")
case(primitives.concatenate, lambda a, b: np.concatenate([a, b]), (normal(), (2, 3)), (normal(), (1, 3)),
     label="axis-0")
case(primitives.concatenate, lambda a, b: np.concatenate([a, b], axis=-1), (normal(), (2, 3)),
     (normal(), (2, 1)), label="last-axis")
case(primitives.concatenate, lambda a, b: np.concatenate((a, b, a), axis=None), (normal(), (2, 2)),
     (normal(), (3,)), label="flat")
case(primitives.concatenate, lambda a: np.concatenate([np.ones(2), a]), (normal(), (3,)),
     label="with-constant")
case(primitives.stack, lambda a, b: np.stack([a, b]), (normal(), (2, 3)), (normal(), (2, 3)),
     label="axis-0")
case(primitives.stack, lambda a, b: np.stack([a, b], axis=-1), (normal(), (2, 3)), (normal(), (2, 3)),
     label="last-axis")
case(primitives.stack, lambda a, b: np.stack([a, b, a * b]), (normal(), ()), (normal(), ()),
     label="scalars")


def test_every_primitive_in_the_table_has_a_case():
    from test_linalg import LINALG_PRIMITIVES  # checked there, over shapes of their own
    covered = {param.values[0] for param in CASES} | LINALG_PRIMITIVES
    missing = sorted(_name(p) for p in set(VJP) - covered)
    assert not missing, f"primitives in VJP with no case in tests/test_rules.py: {missing}"


def _inputs(inputs, seed_text):
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    return [domain(rng, shape) for domain, shape in inputs]


# ---- first and second order, through grad, jacobian and the Tape API ----------------------------

@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_rule_matches_finite_differences_to_second_order(request, primitive, call, inputs, argnum):
    args = _inputs(inputs, request.node.callspec.id)
    def named(*a):
        return call(*a)

    def inside_sin(*a):  # a nonlinear outside makes g traced in the rule's second-order pass
        return np.sin(call(*a))

    named.__name__ = request.node.callspec.id  # so a failure names the case
    inside_sin.__name__ = f"sin({request.node.callspec.id})"
    check_grads(named, *args, order=2, argnum=argnum)
    check_grads(inside_sin, *args, order=2, argnum=argnum)


@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_rule_jacobian_matches_finite_differences(request, primitive, call, inputs, argnum):
    args = _inputs(inputs, request.node.callspec.id)
    for i in argnum:
        def of_one(x, i=i):
            return call(*args[:i], x, *args[i + 1:])
        got = admagic.jacobian(call, argnum=i)(*args)
        expected = numerical_jacobian(of_one, args[i])
        assert np.shape(got) == np.shape(call(*args)) + np.shape(args[i])
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"jacobian with respect to argument {i}")


def _tape_gradient(call, point, argnum, weights):
    """u · J at `point` through the Tape API: constants, watched, and gradient(output_gradients=)."""
    sources = [constant(p) for p in point]
    watched = [sources[i] for i in argnum]
    with admagic.Tape() as tape:
        tape.watch(watched)
        out = call(*[s if i in argnum else p for i, (s, p) in enumerate(zip(sources, point))])
    return [_or_zero(g, point[i]) for i, g in zip(argnum, tape.gradient(out, watched, weights))]


def _or_zero(gradient, like):
    """A gradient as an array; None (the output doesn't depend on the source) as zeros."""
    return np.zeros(np.shape(like)) if gradient is None else gradient.numpy()


@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_rule_through_tape_matches_finite_differences(request, primitive, call, inputs, argnum):
    args = _inputs(inputs, request.node.callspec.id)
    weights = np.random.default_rng(1).standard_normal(np.shape(call(*args)))
    for i, got in zip(argnum, _tape_gradient(call, args, argnum, weights)):
        def of_one(x, i=i):
            return call(*args[:i], x, *args[i + 1:])
        expected = np.tensordot(weights, numerical_jacobian(of_one, args[i]), axes=np.ndim(weights))
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"Tape gradient with respect to argument {i}")


@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_rule_second_order_through_nested_tapes_matches_finite_differences(
        request, primitive, call, inputs, argnum):
    args = _inputs(inputs, request.node.callspec.id)
    rng = np.random.default_rng(2)

    def inside_sin(*a):  # a nonlinear outside makes the inner gradient depend on x
        return np.sin(call(*a))

    weights = rng.standard_normal(np.shape(call(*args)))
    v = [rng.standard_normal(np.shape(args[i])) for i in argnum]
    w = [rng.standard_normal(np.shape(args[i])) for i in argnum]
    # Second order: the outer tape records the inner tape's gradient, then differentiates v · it.
    sources = [constant(a) for a in args]
    watched = [sources[i] for i in argnum]
    with admagic.Tape() as outer:
        outer.watch(watched)
        with admagic.Tape() as inner:
            inner.watch(watched)
            out = inside_sin(*[s if i in argnum else a for i, (s, a) in enumerate(zip(sources, args))])
        first = inner.gradient(out, watched, output_gradients=weights)
        along_v = sum(np.sum(g * vi) for g, vi in zip(first, v) if g is not None)
    second = [_or_zero(g, args[i]) for i, g in zip(argnum, outer.gradient(along_v, watched))]
    got = sum(np.sum(g * wi) for g, wi in zip(second, w))

    def v_dot_first_order(t):  # v · (u · J) at args + t·w, through a plain (single) tape
        point = list(args)
        for i, wi in zip(argnum, w):
            point[i] = args[i] + t * wi
        return sum(np.sum(g * vi) for g, vi in zip(_tape_gradient(inside_sin, point, argnum, weights), v))

    eps = 1e-6
    expected = (v_dot_first_order(eps) - v_dot_first_order(-eps)) / (2 * eps)
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-6)


# ---- broadcasting, over shapes drawn by hypothesis ------------------------------------------------

def _draw(domain, shape, seed):
    return domain(np.random.default_rng(seed), shape)


@pytest.mark.parametrize("ufunc", list(BINARY_DOMAINS), ids=_name)
@settings(max_examples=15, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=st.integers(0, 2**32 - 1))
def test_binary_rule_unbroadcasts_over_shape_pairs(ufunc, shapes, seed):
    x_domain, y_domain = BINARY_DOMAINS[ufunc]
    (x_shape, y_shape), _ = shapes
    x, y = _draw(x_domain, x_shape, seed), _draw(y_domain, y_shape, seed + 1)
    check_grads(ufunc, x, y, order=2, argnum=(0, 1))


@settings(max_examples=20, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3),
       seed=st.integers(0, 2**32 - 1))
def test_where_and_clip_unbroadcast_over_shape_triples(shapes, seed):
    (c_shape, x_shape, y_shape), _ = shapes
    rng = np.random.default_rng(seed)
    condition = rng.random(c_shape) > 0.5
    x, y = normal()(rng, x_shape), normal()(rng, y_shape)
    check_grads(lambda x, y: np.where(condition, x, y), x, y, argnum=(0, 1))
    lo, hi = uniform(-1.0, -0.1)(rng, x_shape), uniform(0.1, 1.0)(rng, y_shape)
    check_grads(np.clip, normal()(rng, c_shape), lo, hi, argnum=(0, 1, 2))


@settings(max_examples=20, deadline=None)
@given(shapes=mutually_broadcastable_shapes(signature="(m?,n),(n,p?)->(m?,p?)",
                                            max_dims=2, max_side=3),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_rule_over_stacked_shapes(shapes, seed):
    (a_shape, b_shape), _ = shapes
    rng = np.random.default_rng(seed)
    check_grads(np.matmul, rng.standard_normal(a_shape), rng.standard_normal(b_shape),
                argnum=(0, 1))


REDUCTIONS = [np.sum, np.mean, np.prod, np.var, np.std, np.max, np.min, np.cumsum]


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=_name)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_reduction_rules_over_shapes_and_axes(reduction, data):
    shape = data.draw(array_shapes(min_dims=1, max_dims=3, max_side=3), label="shape")
    axis = data.draw(st.sampled_from([None, *range(-len(shape), len(shape))]), label="axis")
    x = distinct(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))), shape)
    if reduction is np.cumsum:
        check_grads(lambda x: np.cumsum(x, axis=axis), x)
    else:
        keepdims = data.draw(st.booleans(), label="keepdims")
        check_grads(lambda x: reduction(x, axis=axis, keepdims=keepdims), x)


# ---- rules at the points where finite differences can't be used ----------------------------------

def test_max_shares_the_gradient_equally_between_ties():
    assert np.allclose(admagic.grad(np.max)(np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])


def test_maximum_splits_the_gradient_on_a_tie():
    assert admagic.grad(np.maximum, argnum=(0, 1))(2.0, 2.0) == (0.5, 0.5)


def test_prod_gradient_with_one_zero_is_the_product_of_the_others():
    assert np.allclose(admagic.grad(np.prod)(np.array([0.0, 2.0, 3.0])), [6.0, 0.0, 0.0])


def test_prod_hessian_with_two_zeros():
    # prod(x) = x0 x1 x2: the Hessian entry (i, j), i != j, is the remaining factor.
    got = admagic.hessian(np.prod)(np.array([0.0, 0.0, 5.0]))
    assert np.allclose(got, [[0.0, 5.0, 0.0], [5.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def test_absolute_has_derivative_zero_at_zero():
    assert admagic.grad(np.abs)(0.0) == 0.0


# ---- check_grads itself: it must fail on a wrong rule, and say where --------------------------

def _cube(x):
    return x ** 3


def cube(x):
    return record(_cube, x)


def test_check_grads_fails_on_a_wrong_first_order_rule(monkeypatch):
    monkeypatch.setitem(VJP, _cube, (lambda g, ans, x: g * 2.0 * x ** 2,))  # should be 3x²
    with pytest.raises(AssertionError, match=r"(?s)order-1 derivative of cube.*argument 0"
                                             r".*expected.*got"):
        check_grads(cube, 0.7)


def test_check_grads_fails_at_order_2_on_a_rule_not_written_in_traced_operations(monkeypatch):
    # Right values, but plain(x) hides x from an outer tape, so the second derivative is lost.
    from admagic.traced import plain
    monkeypatch.setitem(VJP, _cube, (lambda g, ans, x: g * 3.0 * plain(x) ** 2,))
    check_grads(cube, np.array([0.7, -1.2]), order=1)
    with pytest.raises(AssertionError, match=r"order-2 derivative of cube"):
        check_grads(cube, np.array([0.7, -1.2]), order=2)


def test_check_grads_passes_a_right_rule_to_third_order(monkeypatch):
    monkeypatch.setitem(VJP, _cube, (lambda g, ans, x: g * 3.0 * x ** 2,))
    check_grads(cube, np.array([0.7, -1.2]), order=3)


def test_check_grads_handles_several_arguments_and_tuple_outputs():
    check_grads(lambda x, w: (x * w, np.sum(w) * x ** 2), 0.5, np.array([1.0, -2.0]),
                argnum=(0, 1), order=2)


def test_testing_module_docstring_examples_run():
    import doctest

    import admagic.testing

    assert doctest.testmod(admagic.testing).failed == 0
