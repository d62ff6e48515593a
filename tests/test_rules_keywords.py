"""Every reverse rule (admagic/rules.py) with the keywords its NumPy function accepts: nested
reverse mode (grad, and grad of grad) against nested central finite differences of the plain
NumPy call, or a refusal at the call, for the same keywords Taylor mode refuses and only those.

The calls and keyword sets are test_taylor_keywords.py's, so both modes meet the same ones. Along a
random line through the inputs, g(t) = u · f(x + t v): grad(g) and grad(grad(g)) at t = 0 run
every rule's vjp (and the vjp of that vjp) contracted with random directions. Then
`test_reverse_and_taylor_refuse_the_same_keywords` holds the two tables to one policy, for every
keyword of every primitive in both, and the tests below it pin down each keyword that was once
swallowed (each failed before keywords.py).
"""

import inspect

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import admagic as am
from admagic.keywords import TAYLOR_MODE, honoured_keywords, keywords_named, reverse_keywords
from admagic.tape import VJP
from admagic.taylor import TAYLOR
from admagic.testing import check_grads
from test_taylor_keywords import KEYWORD_CALLS, MASK, OMIT, WITHOUT_KEYWORDS, nested_differences
from test_linalg import LINALG_PRIMITIVES


def _name(primitive):
    return getattr(primitive, "__name__", repr(primitive))


def test_every_reverse_rule_is_checked_here_or_has_no_keywords():
    # np.linalg's keywords are checked where its calls are dispatched (linalg.py; test_linalg.py).
    assert set(VJP) - LINALG_PRIMITIVES == set(KEYWORD_CALLS) | set(WITHOUT_KEYWORDS)


@pytest.mark.filterwarnings("ignore:'where' used without 'out'")
@pytest.mark.parametrize("primitive", list(KEYWORD_CALLS), ids=_name)
@settings(max_examples=12, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_reverse_rule_with_keywords_matches_finite_differences_or_refuses(primitive, data, seed):
    rng = np.random.default_rng(seed)
    function, inputs, options, refused = KEYWORD_CALLS[primitive]
    keywords = {name: data.draw(st.sampled_from(values), label=name) for name, values in options.items()}
    keywords = {name: value for name, value in keywords.items() if value is not OMIT}
    args = [domain(rng, shape) for domain, shape in inputs]
    if keywords.get("mean") == "mean":
        keywords["mean"] = np.mean(args[0], axis=keywords.get("axis"), keepdims=True)
    try:
        with np.errstate(all="ignore"):
            plain_out = function(*args, **keywords)
    except (TypeError, ValueError):
        assume(False)  # NumPy itself refuses this combination of keywords
    assume(np.all(np.isfinite(plain_out)))
    directions = [rng.standard_normal(np.shape(a)) * 0.3 for a in args]
    u = rng.standard_normal(np.shape(plain_out))

    def along(t, **kw):
        return np.sum(u * function(*[a + t * d for a, d in zip(args, directions)], **kw))

    first = am.grad(lambda t: along(t, **keywords))
    if any(name in keywords for name in refused):
        with pytest.raises(TypeError, match="isn't supported on traced values"):
            first(0.0)
        return
    with np.errstate(all="ignore"):
        got = [first(0.0), am.grad(first)(0.0)]
    # float32 results are checked against the float64 function: too coarse for finite differences
    truth_keywords = {**keywords, "dtype": np.float64} if keywords.get("dtype") is np.float32 else keywords
    g = lambda s: float(along(s, **truth_keywords))
    fine, coarse = (np.array(nested_differences(g, 2, h)[1:]) for h in (2e-3, 4e-3))
    assume(np.allclose(fine, coarse, rtol=1e-2, atol=1e-2))  # smooth here at the scale of h
    truth = (4.0 * fine - coarse) / 3.0  # Richardson: the h² error terms cancel
    np.testing.assert_allclose(got, truth, rtol=1e-4, atol=1e-4,
                               err_msg=f"{_name(primitive)}({', '.join(keywords)}) orders 1-2")


# ---- one policy: the two tables refuse the same keywords -----------------------------------------

_UFUNC_KEYWORDS = ("out", "where", "casting", "order", "dtype", "subok", "signature")
_GUFUNC_KEYWORDS = ("axes", "axis", "keepdims")
#: Values to try for each keyword (one that changes nothing and ones that do); others get 1.
_VALUES = {"out": [None, np.zeros(3)], "where": [True, MASK], "dtype": [None, np.float32, np.int64, bool],
           "casting": ["unsafe"], "order": ["F"], "subok": [False], "signature": [None, "dd->d"],
           "axes": [[(0, 1), (0, 1), (0, 1)]], "axis": [None, 0], "keepdims": [True],
           "initial": [2.0], "mean": [np.zeros((1, 1))], "optimize": [True], "copy": [True]}


_BUILTIN_KEYWORDS = {np.dot: ["out"], np.inner: [], np.where: []}  # from their NumPy docs


def _keywords_of(primitive):
    """The keywords a call of `primitive` can take, as NumPy (or admagic's primitive) spells them."""
    if isinstance(primitive, np.ufunc):
        return _UFUNC_KEYWORDS + (_GUFUNC_KEYWORDS if primitive.signature else ())
    try:
        parameters = list(inspect.signature(primitive).parameters.values())[1:]
    except ValueError:  # a builtin without a signature (np.dot, np.inner, np.where on NumPy 2.1)
        return _BUILTIN_KEYWORDS[primitive]
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if primitive is np.einsum:  # what it takes through **kwargs
        names += ["dtype", "order", "casting"]
    return names


def _refuses(primitive, accepted, keywords, mode="on traced values"):
    try:
        honoured_keywords(primitive, keywords, accepted, mode)
    except TypeError:
        return True
    return False


@pytest.mark.parametrize("primitive", [p for p in VJP if p in TAYLOR], ids=_name)
def test_reverse_and_taylor_refuse_the_same_keywords(primitive):
    reverse, taylor = reverse_keywords(primitive), keywords_named(TAYLOR[primitive], primitive)
    for name in _keywords_of(primitive):
        for value in _VALUES.get(name, [1]):
            by_reverse = _refuses(primitive, reverse, {name: value})
            by_taylor = _refuses(primitive, taylor, {name: value}, TAYLOR_MODE)
            assert by_reverse == by_taylor, (f"{_name(primitive)}(..., {name}={value!r}) is refused "
                                             f"by {'reverse mode' if by_reverse else 'Taylor mode'} only")


# ---- keywords once swallowed by a reverse rule: each now honoured, or refused at the call ---------

X = np.array([1.0, 2.0, 3.0, 4.0])
M = np.array([True, False, True, True])
XM = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
MM = np.array([[True, False, True], [True, True, False]])


@pytest.mark.filterwarnings("ignore:'where' used without 'out'")
@pytest.mark.parametrize("f, x", [
    (lambda w: np.sum(w * w, where=M), X),
    (lambda w: np.sum(w ** 3, axis=1, where=MM, initial=2.0), XM),
    (lambda w: np.mean(w * w, where=M), X),
    (lambda w: np.mean(w ** 3, axis=0, keepdims=True, where=MM), XM),
    (lambda w: np.var(w, correction=1), X),
    (lambda w: np.var(w * w, where=M), X),
    (lambda w: np.var(w, axis=1, ddof=1, where=MM), XM),
    (lambda w: np.std(w, correction=1), X),
    (lambda w: np.std(w * w, axis=1, where=MM), XM),
    (lambda w: np.prod(w, where=M), X),
    (lambda w: np.prod(w, axis=1, where=MM, initial=-1.5), XM),
    (lambda w: np.prod(w, initial=-0.5), np.array([1.0, 0.0, 3.0])),  # the path without ans / x
    (lambda w: np.prod(w, where=M, initial=2.0), np.array([1.0, 0.0, 0.0, 3.0])),
    (lambda w: np.max(w, where=M, initial=-10.0), np.array([1.0, 5.0, 3.0, 2.0])),
    (lambda w: np.min(w, axis=1, where=MM, initial=10.0), XM),
    (lambda w: np.max(w * w, initial=100.0), X),  # the initial wins: derivative 0
    (lambda w: np.sum(np.add(w, 1.0, dtype=np.float64) ** 2), X),
    (lambda w: np.sum(np.multiply(w, w, casting="same_kind", order="K")), X),
    (lambda w: np.sum(np.sin(w, dtype=np.float64)), X),
    (lambda w: np.sum(np.clip(w, 1.5, 3.5, dtype=np.float64) ** 2), X),
    (lambda w: np.sum(np.cumsum(w * w, dtype=np.float64)), X),
    (lambda w: np.einsum("i,i->", w, w, dtype=np.float64, optimize=True), X),
    (lambda w: np.trace(np.outer(w, w), dtype=np.float64), X),
    (lambda w: np.sum(np.broadcast_to(w, (2, 4), subok=True) ** 2), X),
    (lambda w: np.sum(np.reshape(w, (2, 2), order="F", copy=True) * [[1.0, 2.0], [3.0, 4.0]]), X),
], ids=["sum-where", "sum-where-initial", "mean-where", "mean-where-axis", "var-correction",
        "var-where", "var-where-ddof", "std-correction", "std-where", "prod-where", "prod-where-initial",
        "prod-initial-zero", "prod-where-initial-zeros", "max-where", "min-where", "max-initial-wins",
        "add-dtype", "ufunc-casting-order", "sin-dtype", "clip-dtype", "cumsum-dtype", "einsum-dtype",
        "trace-dtype", "broadcast-subok", "reshape-order-copy"])
def test_keywords_a_reverse_rule_once_swallowed_are_honoured(f, x):
    check_grads(f, x, order=2)


@pytest.mark.filterwarnings("ignore:'where' used without 'out'")
@pytest.mark.parametrize("f, message", [
    (lambda w: np.sum(w, dtype=np.int64), r"np.sum\(..., dtype=...\) .*dtype=int64 rounds"),
    (lambda w: np.mean(w, dtype=np.int32), r"np.mean\(..., dtype=...\)"),
    (lambda w: np.var(w, mean=np.mean(X, keepdims=True)), r"np.var\(..., mean=...\)"),
    (lambda w: np.std(w, mean=np.mean(X, keepdims=True)), r"np.std\(..., mean=...\)"),
    (lambda w: np.var(w, dtype=np.int64), r"np.var\(..., dtype=...\)"),
    (lambda w: np.prod(w, dtype=np.int64), r"np.prod\(..., dtype=...\)"),
    (lambda w: np.sum(np.cumsum(w, dtype=np.int64)), r"np.cumsum\(..., dtype=...\)"),
    (lambda w: np.sum(np.floor(w, where=M)), r"np.floor\(..., where=...\) .*unset"),
    (lambda w: np.sum(np.sin(w, where=M)), r"np.sin\(..., where=...\) .*np.where\(mask"),
    (lambda w: np.sum(np.add(w, 1.0, where=M)), r"np.add\(..., where=...\)"),
    (lambda w: np.sum(np.add(w, 1.0, dtype=np.int64, casting="unsafe")), r"np.add\(..., dtype="),
    (lambda w: np.sum(np.clip(w, 0.0, 2.0, where=M)), r"np.clip\(..., where=...\)"),
    (lambda w: np.einsum("i,i->", w, w, out=np.zeros(())), r"np.einsum\(..., out=...\)"),
    (lambda w: np.trace(np.outer(w, w), dtype=np.int64), r"np.trace\(..., dtype=...\)"),
    (lambda w: np.sum(np.matmul(np.outer(w, w), np.outer(w, w), axes=[(0, 1), (0, 1), (0, 1)])),
     r"np.matmul\(..., axes=...\)"),
], ids=["sum-dtype-int", "mean-dtype-int", "var-mean", "std-mean", "var-dtype-int", "prod-dtype-int",
        "cumsum-dtype-int", "floor-where", "sin-where", "add-where", "add-dtype-int", "clip-where",
        "einsum-out", "trace-dtype-int", "matmul-axes"])
def test_keywords_no_rule_can_honour_are_refused_at_the_call(f, message):
    with am.Tape(), pytest.raises(TypeError, match=message):
        f(am.Variable(X) * 1.0)  # refused as it is recorded: no gradient was asked for yet


@pytest.mark.filterwarnings("ignore:'where' used without 'out'")
def test_a_refusal_says_what_to_write_instead():
    with pytest.raises(TypeError) as refusal:
        am.grad(lambda w: np.sum(np.sin(w, where=M)))(X)
    assert "Instead, write np.where(mask, f(x), other)" in str(refusal.value)


def test_keywords_that_change_nothing_are_not_kept_on_the_record():
    with am.Tape() as tape:
        y = np.add(am.Variable(X), 1.0, dtype=np.float64, casting="same_kind")
        s = np.sum(y, axis=0, keepdims=False, out=None)
    assert tape.own(y).kwargs is None and tape.own(s).kwargs == {"axis": 0, "keepdims": False}
