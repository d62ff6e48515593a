"""Every primitive in the Taylor table, with the keywords its NumPy function accepts, against
nested central finite differences of the plain NumPy call (or a refusal at the call, for the
keywords admagic refuses and only those: see keywords.py, and test_rules_keywords.py for the same
keywords in reverse mode).

Along a random line through the inputs, g(t) = u · f(x + t v): Taylor mode's g, g', g'', g''' at
t = 0 must match D(D(D g)) with D g(t) = (g(t + h) - g(t - h)) / 2h (at two steps h, combined to
cancel the h² error). Points where the plain
function isn't smooth at the scale of h (a floor's jump, a max's tie) are skipped: there finite
differences are no truth.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from admagic import Tape
from admagic.taylor import TAYLOR, derivatives
from admagic.traced import new_leaf
from test_linalg import LINALG_PRIMITIVES
from test_rules import BINARY_DOMAINS, CASES, UNARY_DOMAINS, _shaped, distinct, normal

OMIT = object()  # a keyword left out of the call
MASK = np.array([[True, False, True, True], [True, True, False, True], [False, True, True, True]])
UFUNC_KEYWORDS = {"dtype": [OMIT, np.float64, np.float32], "where": [OMIT, MASK[0]],
                  "casting": [OMIT, "same_kind"]}
REDUCTION = {"axis": [OMIT, None, 0, 1, -1, (0, 1)], "keepdims": [OMIT, True]}
away_from_bounds = _shaped(lambda rng, shape: rng.choice([-1.5, -0.2, 0.2, 1.5], shape)
                           + rng.uniform(-0.1, 0.1, shape))

WHERE, INITIAL, DTYPE = [OMIT, MASK], [OMIT, 2.5], [OMIT, np.float64, np.float32]
MATRIX, TWO_MATRICES = [(normal(), (3, 4))], [(normal(), (2, 3)), (normal(), (3, 4))]

# primitive: (call, inputs as (domain, shape), the keywords to draw from, keywords refused)
KEYWORD_CALLS = {
    np.sum:     (np.sum, MATRIX, {**REDUCTION, "where": WHERE, "initial": INITIAL, "dtype": DTYPE}, ()),
    np.mean:    (np.mean, MATRIX, {**REDUCTION, "where": WHERE, "dtype": DTYPE}, ()),
    np.prod:    (np.prod, MATRIX, {**REDUCTION, "where": WHERE, "initial": [OMIT, -1.5]}, ()),
    np.var:     (np.var, MATRIX, {**REDUCTION, "where": WHERE, "ddof": [OMIT, 1],
                                  "correction": [OMIT, 1], "mean": [OMIT, "mean"]}, ("mean",)),
    np.std:     (np.std, MATRIX, {**REDUCTION, "where": WHERE, "ddof": [OMIT, 1],
                                  "correction": [OMIT, 1], "dtype": DTYPE}, ()),
    np.max:     (np.max, [(distinct, (3, 4))],
                 {**REDUCTION, "where": WHERE, "initial": [OMIT, 3.0, 100.0]}, ()),
    np.min:     (np.min, [(distinct, (3, 4))],
                 {**REDUCTION, "where": WHERE, "initial": [OMIT, 3.0, -100.0]}, ()),
    np.cumsum:  (np.cumsum, MATRIX, {"axis": [OMIT, 0, 1], "dtype": DTYPE}, ()),
    np.trace:   (np.trace, MATRIX, {"offset": [OMIT, 1], "dtype": DTYPE}, ()),
    np.reshape: (lambda x, **kw: np.reshape(x, (4, 3), **kw), MATRIX, {"order": [OMIT, "F"]}, ()),
    np.ravel:   (np.ravel, MATRIX, {"order": [OMIT, "F"]}, ()),
    np.round:   (np.round, [(normal(3.0), (3, 4))], {"decimals": [OMIT, 1]}, ()),
    np.einsum:  (lambda a, b, **kw: np.einsum("ij,jk->ik", a, b, **kw), TWO_MATRICES,
                 {"optimize": [OMIT, True], "dtype": DTYPE}, ()),
    np.clip:    (lambda x, **kw: np.clip(x, **kw), [(away_from_bounds, (3, 4))],
                 {"a_min": [OMIT, -0.5], "max": [OMIT, 0.5], "where": WHERE, "dtype": DTYPE},
                 ("where",)),
    np.matmul:  (np.matmul, TWO_MATRICES, {"dtype": DTYPE}, ()),
}
for _ufunc, _domain in UNARY_DOMAINS.items():  # np.round, not a ufunc, is above already
    KEYWORD_CALLS.setdefault(_ufunc, (_ufunc, [(_domain, (3, 4))], UFUNC_KEYWORDS, ("where",)))
for _ufunc, (_x, _y) in BINARY_DOMAINS.items():
    KEYWORD_CALLS[_ufunc] = (_ufunc, [(_x, (3, 4)), (_y, (4,))], UFUNC_KEYWORDS, ("where",))

# The rest take no keyword that changes a number (out= is refused, see test_taylor.py): their
# cases from test_rules.py, with the arguments that say "how" fixed in the call.
WITHOUT_KEYWORDS = {}
for _param in CASES:
    _primitive, _call, _inputs, _argnum = _param.values
    if _primitive not in KEYWORD_CALLS:
        WITHOUT_KEYWORDS.setdefault(_primitive, []).append((_call, _inputs, _argnum))


def _name(primitive):
    return getattr(primitive, "__name__", repr(primitive))


def test_every_taylor_rule_is_checked_here():  # or, for linear algebra, in test_linalg.py
    assert set(TAYLOR) - LINALG_PRIMITIVES == set(KEYWORD_CALLS) | set(WITHOUT_KEYWORDS)


def central(g, h):
    return lambda t: (g(t + h) - g(t - h)) / (2.0 * h)


def nested_differences(g, order, h):
    """[g(0), g'(0), ..., g^(order)(0)] by central differences nested `order` times."""
    out = [g(0.0)]
    for _ in range(order):
        g = central(g, h)
        out.append(g(0.0))
    return out


@pytest.mark.filterwarnings("ignore:'where' used without 'out'")
@pytest.mark.parametrize("primitive", [p for p in TAYLOR if p not in LINALG_PRIMITIVES], ids=_name)
@settings(max_examples=12, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_taylor_rule_with_keywords_matches_finite_differences_or_refuses(primitive, data, seed):
    rng = np.random.default_rng(seed)
    if primitive in KEYWORD_CALLS:
        function, inputs, options, refused = KEYWORD_CALLS[primitive]
        keywords = {name: data.draw(st.sampled_from(values), label=name)
                    for name, values in options.items()}
        keywords = {name: value for name, value in keywords.items() if value is not OMIT}
        argnum = range(len(inputs))
    else:
        function, inputs, argnum = data.draw(st.sampled_from(WITHOUT_KEYWORDS[primitive]))
        keywords, refused = {}, ()
    args = [domain(rng, shape) for domain, shape in inputs]
    if keywords.get("mean") == "mean":
        keywords["mean"] = np.mean(args[0], axis=keywords.get("axis"), keepdims=True)
    call = lambda *a: function(*a, **keywords)
    try:
        with np.errstate(all="ignore"):
            plain_out = call(*args)
    except (TypeError, ValueError):
        assume(False)  # NumPy itself refuses this combination of keywords
    assume(np.all(np.isfinite(plain_out)))
    directions = {i: rng.standard_normal(np.shape(args[i])) * 0.3 for i in argnum}
    u = rng.standard_normal(np.shape(plain_out))

    def along(t, f=call):
        return f(*[a + t * directions[i] if i in directions else a for i, a in enumerate(args)])

    if any(name in keywords for name in refused):  # refused at the call, in both modes
        with pytest.raises(TypeError, match="isn't supported"), Tape() as tape:
            derivatives([along(new_leaf(tape, 0.0))], tape.nodes[0], 3)
        return
    with Tape() as tape:
        t = new_leaf(tape, 0.0)
        out = along(t)
    got = [np.sum(u * d) for d in derivatives([out], t, 3)[0]]

    # dtype=float32 is checked against the float64 function: float32 values are too coarse for
    # finite differences, and the Taylor coefficients are float32 roundings of the float64 ones.
    float32 = keywords.get("dtype") is np.float32
    truth_keywords = {**keywords, "dtype": np.float64} if float32 else keywords
    plain = lambda *a: function(*a, **truth_keywords)

    def g(s):
        moved = along(s, plain)
        # A boolean mask (x[x > 0]) can pick other elements a step away: not smooth here.
        assume(np.shape(moved) == np.shape(plain_out))
        return float(np.sum(u * moved))

    fine, coarse = (np.array(nested_differences(g, 3, h)) for h in (2e-3, 4e-3))
    assume(np.allclose(fine, coarse, rtol=1e-2, atol=1e-2))  # smooth here at the scale of h
    truth = (4.0 * fine - coarse) / 3.0  # Richardson: the h² error terms cancel
    np.testing.assert_allclose(got, truth, rtol=1e-4, atol=1e-4,
                               err_msg=f"{_name(primitive)}({', '.join(keywords)}) orders 0-3")
    if float32:  # the derivatives have the dtype NumPy gave the value (NumPy 2.1's einsum with
        # optimize=True gives float64 whatever dtype= says)
        assert all(np.result_type(d) == np.result_type(plain_out)
                   for d in derivatives([out], t, 3)[0][1:])
