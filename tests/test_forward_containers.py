"""`jvp` and `vjp` take lists, tuples and dicts of arrays (nested), as `grad` does and as JAX
does: tangents have the primals' structure, cotangents the output's, and the answers come back
in those structures. Checked against central differences of the flattened function."""

import numpy as np
import pytest

from admagic.forward import jvp, vjp
from admagic.inputs import leaves_of, map_leaves

RNG = np.random.default_rng(11)
PARAMS = {"w": RNG.standard_normal((2, 3)), "b": RNG.standard_normal(2)}
X = [RNG.standard_normal(3), (0.4, RNG.standard_normal(2))]


def model(params, x):
    """A dict and a nested list in; a dict holding an array and a tuple out."""
    first, (scale, shift) = x
    hidden = np.tanh(params["w"] @ first + params["b"]) * scale
    return {"y": hidden + shift, "extra": (np.sum(hidden ** 2), np.sin(scale) * params["b"][0])}


def _flat(tree):
    return np.concatenate([np.ravel(leaf) for leaf in leaves_of(tree)])


def _unflat(vector, like):
    """`like` with its leaves read in order from the vector."""
    position = [0]

    def take(leaf):
        size = int(np.size(leaf))
        chunk = vector[position[0]:position[0] + size]
        position[0] += size
        return float(chunk[0]) if np.ndim(leaf) == 0 else chunk.reshape(np.shape(leaf))
    return map_leaves(take, like)


def _flat_jacobian(h=1e-6):
    """d(flat output)/d(flat inputs), by central differences in float64."""
    primal = _flat((PARAMS, X))

    def flat_model(vector):
        params, x = _unflat(vector, (PARAMS, X))
        return _flat(model(params, x))
    columns = []
    for i in range(primal.size):
        step = np.zeros(primal.size)
        step[i] = h
        columns.append((flat_model(primal + step) - flat_model(primal - step)) / (2 * h))
    return np.stack(columns, axis=1)


J = _flat_jacobian()


def _tree_like(tree, seed):
    rng = np.random.default_rng(seed)
    return map_leaves(lambda leaf: float(rng.standard_normal()) if np.ndim(leaf) == 0
                      else rng.standard_normal(np.shape(leaf)), tree)


def test_jvp_takes_containers_and_gives_the_output_structure():
    tangents = _tree_like((PARAMS, X), 1)
    value, slope = jvp(model, (PARAMS, X), tangents)
    truth = model(PARAMS, X)
    assert set(value) == set(slope) == {"y", "extra"} and isinstance(slope["extra"], tuple)
    np.testing.assert_allclose(_flat(value), _flat(truth), rtol=1e-12)
    np.testing.assert_allclose(_flat(slope), J @ _flat(tangents), rtol=1e-6, atol=1e-8)


def test_vjp_takes_containers_and_gives_each_primals_structure():
    value, pullback = vjp(model, PARAMS, X)
    cotangent = _tree_like(model(PARAMS, X), 2)
    d_params, d_x = pullback(cotangent)
    assert set(d_params) == {"w", "b"} and isinstance(d_x, list) and isinstance(d_x[1], tuple)
    assert type(d_x[1][0]) is float  # a number in, a number out
    np.testing.assert_allclose(_flat((d_params, d_x)), _flat(cotangent) @ J, rtol=1e-6, atol=1e-8)


def test_dict_tangents_are_matched_by_key_not_by_order():
    tangents = {"b": np.ones(2), "w": np.zeros((2, 3))}  # keys in the other order
    _, slope = jvp(lambda p: p["w"].sum() + 3.0 * p["b"], (PARAMS,), (tangents,))
    np.testing.assert_allclose(slope, [3.0, 3.0])


def test_a_tangent_or_cotangent_of_another_structure_is_refused_with_where_it_differs():
    with pytest.raises(ValueError, match=r"tangents\[0\] has the keys \['w'\], but the primal has the keys \['w', 'b'\]"):
        jvp(model, (PARAMS, X), ({"w": np.ones((2, 3))}, X))
    with pytest.raises(ValueError, match=r"tangent.*\[1\]\[1\].*shape"):
        jvp(model, (PARAMS, X), (PARAMS, [X[0], (1.0, np.ones(3))]))
    _, pullback = vjp(model, PARAMS, X)
    with pytest.raises(ValueError, match=r"cotangent.*\['extra'\].*2"):
        pullback({"y": np.ones(2), "extra": (1.0,)})


def test_vjp_of_a_float32_leaf_is_float32_with_float64_digits():
    x = np.array([0.1, 0.7, -1.3], dtype=np.float32)
    _, pullback = vjp(lambda p: np.sin(p["x"]) * 2.0, {"x": x})
    (got,) = pullback(np.ones(3))
    assert got["x"].dtype == np.float32
    np.testing.assert_array_equal(got["x"], (2.0 * np.cos(x.astype(float))).astype(np.float32))
