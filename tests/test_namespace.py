"""`admagic.namespace.clean_namespace`: after a cell, nothing the namespace reaches is traced; every
value equals its plain value; nothing that held no traced value was written to or replaced."""

import collections
import functools
import os
import signal
import sys
import threading
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admagic import namespace as namespace_module
from admagic import tensor
from admagic.cell import differentiate
from admagic.namespace import clean_namespace
from admagic.tape import EAGER, Tape
from admagic.traced import Traced, new_leaf


def run(code, inputs, namespace):
    return differentiate(code, inputs, namespace=namespace, graph=False)


def reachable(root):
    """Every object reachable from `root` through the places a user keeps values, including the
    keys of dicts; a loop, so deep and cyclic structures are fine. Written apart from the
    cleaner, so as not to share its mistakes."""
    found, stack, seen = [], [root], set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        found.append(obj)
        if type(obj) is Traced:
            continue
        if isinstance(obj, dict):
            stack += [*obj.keys(), *obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset, collections.deque)):
            stack += list(obj)
        elif isinstance(obj, np.ndarray) and obj.dtype == object:
            stack += list(obj.ravel())
        elif isinstance(obj, functools.partial):
            stack += [obj.func, *obj.args, *obj.keywords.values()]
        elif isinstance(obj, types.FunctionType):
            stack += [*(obj.__defaults__ or ()), *(obj.__kwdefaults__ or {}).values()]
            stack += [cell.cell_contents for cell in obj.__closure__ or () if _filled(cell)]
        if isinstance(obj, type):
            if obj.__module__ == __name__:
                stack += list(vars(obj).values())
        elif hasattr(obj, "__dict__") and isinstance(obj.__dict__, dict):
            stack += list(obj.__dict__.values())
        for kind in type(obj).__mro__:
            for name in getattr(kind, "__slots__", ()):
                if isinstance(name, str) and hasattr(obj, _mangled(kind, name)):
                    stack.append(getattr(obj, _mangled(kind, name)))
    return found


def _filled(cell):
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _mangled(kind, name):
    private = name.startswith("__") and not name.endswith("__")
    return f"_{kind.__name__.lstrip('_')}{name}" if private else name


def traced_left(namespace):
    return [(key, obj) for key, value in namespace.items() for obj in reachable(value)
            if type(obj) is Traced and obj.tape is not EAGER]


def assert_clean(namespace):
    left = traced_left(namespace)
    assert not left, f"traced values left in the namespace: {left[:5]}"


def _traced(value=1.0):
    """A traced value (not an input: the result of an operation) on a tape that has stopped, as a
    cell leaves them."""
    with Tape() as tape:
        return new_leaf(tape, 0.0) * 1.0 + value


@pytest.fixture
def traced():
    return _traced


# ---- item 13: deep, read-only and large --------------------------------------------------------

def _linked_list(depth, end=None):
    head = end
    for i in range(depth):
        head = (i, head)
    return head


def test_a_deep_linked_list_the_cell_never_touches_does_not_break_the_cell():
    ns = {"np": np, "chain": _linked_list(1500)}
    chain = ns["chain"]
    res = run("y = x * x", {"x": 3.0}, ns)
    assert res["dy/dx"] == 6.0
    assert ns["chain"] is chain and ns["y"] == 9.0
    assert_clean(ns)


def test_a_traced_value_at_the_bottom_of_a_very_deep_chain_is_cleaned(traced):
    ns = {"chain": _linked_list(100_000, end=[traced(7.0)]),
          "nest": _nested_lists(100_000, traced(8.0))}
    clean_namespace(ns)
    assert_clean(ns)
    bottom = ns["chain"]
    while type(bottom) is tuple:
        bottom = bottom[1]
    assert bottom == [7.0] and type(bottom[0]) is float


def _nested_lists(depth, innermost):
    outer = [innermost]
    for _ in range(depth):
        outer = [outer]
    return outer


def test_a_read_only_object_array_does_not_break_the_cell():
    frozen = np.array([[1, 2], "a", None], dtype=object)
    frozen.flags.writeable = False
    ns = {"np": np, "frozen": frozen}
    res = run("y = 2 * x", {"x": 1.0}, ns)
    assert res["dy/dx"] == 2.0 and ns["frozen"] is frozen and not frozen.flags.writeable
    assert_clean(ns)


def test_a_read_only_object_array_holding_a_traced_value_is_cleaned_and_stays_read_only():
    ns = {"np": np}
    code = "o = np.empty(3, dtype=object)\no[0] = x\no[1] = [x * x]\no[2] = 'a'\n"
    run(code + "o.flags.writeable = False", {"x": 2.0}, ns)
    assert list(ns["o"]) == [2.0, [4.0], "a"] and not ns["o"].flags.writeable
    assert_clean(ns)


def test_a_read_only_view_of_an_object_array_is_replaced_by_a_clean_copy(traced):
    base = np.empty(4, dtype=object)
    for i, item in enumerate([traced(1.0), 2, traced(3.0), 4]):
        base[i] = item
    base.flags.writeable = False
    view = base[::2]
    ns = {"view": view, "zero_d": np.array(traced(5.0), dtype=object)}
    clean_namespace(ns)
    assert list(ns["view"]) == [1.0, 3.0] and not ns["view"].flags.writeable
    assert ns["zero_d"][()] == 5.0
    assert_clean(ns)


def test_nothing_that_holds_no_traced_value_is_written(traced):
    class Recording(list):
        writes = 0

        def __setitem__(self, index, value):
            Recording.writes += 1
            super().__setitem__(index, value)

    untouched = Recording([1.0, "a", [2.0], (3.0,)])
    touched = Recording([1.0, traced(2.0), 3.0])
    ns = {"untouched": untouched, "touched": touched, "t": (untouched, 1)}
    t = ns["t"]
    clean_namespace(ns)
    assert Recording.writes == 1  # the one slot that held a traced value
    assert ns["t"] is t and ns["untouched"] is untouched and touched == [1.0, 2.0, 3.0]


# ---- item 15: where traced values hid ---------------------------------------------------------

class Slotted:
    __slots__ = ("a", "__hidden", "empty")

    def __init__(self, a, hidden):
        self.a = a
        self.__hidden = hidden

    def hidden(self):
        return self.__hidden


class Both(Slotted):
    __slots__ = ("b", "__dict__")


def test_slots_defaults_closures_partials_namespaces_and_deques_are_cleaned():
    ns = {"np": np, "functools": functools, "collections": collections, "types": types,
          "Slotted": Slotted, "Both": Both, "__name__": __name__}
    code = """
def f(a=x * 2, *, k=[x]):
    return a
def make():
    v = x * 3
    return lambda: v
g = make()
s = Slotted(x, [x * 4])
both = Both(x, x)
both.b = (x,)
both.extra = {x * 5}
p = functools.partial(print, x, (x, 1), sep=x)
n = types.SimpleNamespace(v=x, w=[x])
d = collections.deque([x, 1.0, [x]], maxlen=5)
class Model:
    weight = x * 6
    def __init__(self, scale=x):
        self.scale = scale
m = Model()
"""
    run(code, {"x": 1.0}, ns)
    assert_clean(ns)
    assert ns["f"].__defaults__ == (2.0,) and ns["f"].__kwdefaults__ == {"k": [1.0]}
    assert ns["g"]() == 3.0 and type(ns["g"]()) is float
    assert ns["s"].a == 1.0 and ns["s"].hidden() == [4.0]
    assert ns["both"].b == (1.0,) and ns["both"].extra == {5.0} and ns["both"].hidden() == 1.0
    p = ns["p"]
    assert p.func is print and p.args == (1.0, (1.0, 1)) and p.keywords == {"sep": 1.0}
    assert ns["n"] == types.SimpleNamespace(v=1.0, w=[1.0])
    assert list(ns["d"]) == [1.0, 1.0, [1.0]] and ns["d"].maxlen == 5
    assert ns["Model"].weight == 6.0 and ns["m"].scale == 1.0
    assert ns["Model"].__init__.__defaults__ == (1.0,)


def test_sets_frozensets_dict_keys_and_nested_tuples_are_rebuilt_in_their_containers(traced):
    a, b = traced(1.0), traced(2.0)
    shared = (a, (b, "deep"))
    Point = collections.namedtuple("Point", "x y")
    ns = {"s": {a, "k"}, "fs": [frozenset({b})], "keys": {a: "first", "z": b, (b,): 3},
          "one": shared, "two": [shared, {"again": shared}], "p": Point(a, shared)}
    s = ns["s"]
    clean_namespace(ns)
    assert_clean(ns)
    assert ns["s"] is s and s == {1.0, "k"}
    assert ns["fs"] == [frozenset({2.0})]
    assert list(ns["keys"].items()) == [(1.0, "first"), ("z", 2.0), ((2.0,), 3)]
    assert ns["one"] == (1.0, (2.0, "deep"))
    assert ns["two"][0] is ns["one"] and ns["two"][1]["again"] is ns["one"]  # still one tuple
    assert type(ns["p"]) is Point and ns["p"].y is ns["one"]


def test_a_tuple_in_a_cycle_through_a_list_is_rebuilt_everywhere(traced):
    holder = []
    cyclic = (traced(1.0), holder)
    holder.append(cyclic)
    ns = {"t": cyclic, "h": holder}
    clean_namespace(ns)
    assert_clean(ns)
    assert ns["t"][0] == 1.0 and ns["t"][1] is holder and holder[0] is ns["t"]


def test_values_of_the_users_eager_tensors_stay_traced():
    t = tensor(2.0, requires_grad=True)
    ns = {"np": np, "t": t}
    run("y = x * x\ne = [t * t]\nz = t * x", {"x": 3.0}, ns)
    assert type(ns["e"][0]) is Traced and ns["e"][0].tape is EAGER
    assert type(ns["z"]) is Traced and ns["z"].tape is EAGER and float(ns["z"].value) == 6.0
    ns["e"][0].backward()
    assert t.grad == 4.0
    assert_clean(ns)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="Ctrl-C goes to the main thread")
def test_a_ctrl_c_while_cleaning_finishes_the_cleaning_then_is_raised(monkeypatch):
    peel = namespace_module._peel
    calls = []

    def peel_and_press_ctrl_c(value):
        if not calls:
            os.kill(os.getpid(), signal.SIGINT)  # delivered at the next bytecode
        calls.append(1)
        return peel(value)

    monkeypatch.setattr(namespace_module, "_peel", peel_and_press_ctrl_c)
    with Tape() as tape:
        x = new_leaf(tape, 2.0)
        ns = {"a": [x * 1.0 for _ in range(2000)], "b": [x * 2.0 for _ in range(2000)]}
    with pytest.raises(KeyboardInterrupt):
        clean_namespace(ns)
    assert_clean(ns)
    assert len(calls) == 4000 and ns["b"][-1] == 4.0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_cleaning_from_another_thread_works():
    errors = []

    def clean_in_thread():
        try:
            with Tape() as tape:
                x = new_leaf(tape, 3.0)
                ns = {"ys": [x * x]}
            clean_namespace(ns)
            assert ns == {"ys": [9.0]}
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=clean_in_thread)
    thread.start()
    thread.join()
    assert not errors


# ---- properties: random structures, with traced values hidden in them ---------------------------

class WithDict:
    def __init__(self, items):
        self.items = items


class WithSlots:
    __slots__ = ("first", "rest")

    def __init__(self, items):
        self.first, self.rest = (items[0], items[1:]) if items else (None, [])


def _build(spec, value_of, made):
    """Turn a spec into (real, expected): the same structure with traced and with plain values.
    Built bottom up with a stack, never by recursion. `made` collects every container built."""
    results = []
    work = [(spec, False)]
    while work:
        node, children_done = work.pop()
        kind, payload = node
        if kind == "leaf":
            results.append(value_of(payload))
            continue
        if not children_done:
            work.append((node, True))
            work += [(child, False) for child in reversed(payload)]
            continue
        parts = [results.pop() for _ in payload][::-1]
        real, expected = _make(kind, [p[0] for p in parts], [p[1] for p in parts])
        made.append((real, kind))
        results.append((real, expected))
    return results[0]


def _make(kind, real, expected):
    if kind == "list":
        return list(real), list(expected)
    if kind == "tuple":
        return tuple(real), tuple(expected)
    if kind == "dict":
        return {i: v for i, v in enumerate(real)}, {i: v for i, v in enumerate(expected)}
    if kind == "deque":
        return collections.deque(real), collections.deque(expected)
    if kind == "object array":
        r, e = np.empty(len(real), dtype=object), np.empty(len(real), dtype=object)
        for i, (a, b) in enumerate(zip(real, expected)):
            r[i], e[i] = a, b
        r.flags.writeable = False
        return r, e
    if kind == "instance":
        return WithDict(real), WithDict(expected)
    if kind == "slots":
        return WithSlots(real), WithSlots(expected)
    if kind == "namespace":
        return types.SimpleNamespace(items=real), types.SimpleNamespace(items=expected)
    if kind == "partial":
        return functools.partial(print, *real), functools.partial(print, *expected)
    raise AssertionError(kind)


_CONTAINER_KINDS = ["list", "tuple", "dict", "deque", "object array", "instance", "slots",
                    "namespace", "partial"]
_leaves = st.one_of(st.tuples(st.just("leaf"), st.tuples(st.just("traced"), st.floats(-9, 9))),
                    st.tuples(st.just("leaf"), st.tuples(st.just("plain"), st.floats(-9, 9))),
                    st.tuples(st.just("leaf"), st.tuples(st.just("array"), st.integers(0, 3))),
                    st.tuples(st.just("leaf"), st.tuples(st.just("text"), st.text(max_size=3))))
specs = st.recursive(_leaves, lambda inner: st.tuples(st.sampled_from(_CONTAINER_KINDS),
                                                       st.lists(inner, max_size=4)), max_leaves=25)


def _value_of(make_traced):
    def value_of(payload):
        kind, v = payload
        if kind == "traced":
            return make_traced(v), v
        if kind == "array":
            a = np.arange(float(v))
            return a, a
        return v, v
    return value_of


def _same(a, b):
    """Structural equality along `reachable`'s edges, for values that may be cyclic."""
    stack, seen = [(a, b)], set()
    while stack:
        x, y = stack.pop()
        if (id(x), id(y)) in seen:
            continue
        seen.add((id(x), id(y)))
        if type(x) is not type(y):
            return False
        if isinstance(x, np.ndarray) and x.dtype != object:
            if not np.array_equal(x, y):
                return False
        elif isinstance(x, (list, tuple, collections.deque)) or (
                isinstance(x, np.ndarray) and x.dtype == object):
            if len(x) != len(y):
                return False
            stack += zip(x, y)
        elif isinstance(x, dict):
            if list(x.keys()) != list(y.keys()):
                return False
            stack += zip(x.values(), y.values())
        elif isinstance(x, (WithDict, types.SimpleNamespace)):
            stack.append((x.items, y.items))
        elif isinstance(x, WithSlots):
            stack += [(x.first, y.first), (x.rest, y.rest)]
        elif isinstance(x, functools.partial):
            stack.append((x.args, y.args))
        elif not (x == y or (x != x and y != y)):
            return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs, st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=4))
def test_any_structure_comes_out_plain_equal_and_with_its_identities(spec, loops):
    with Tape() as tape:
        x = new_leaf(tape, 0.0)
        made = []
        real, expected = _build(spec, _value_of(lambda v: x + v), made)
        # Cycles and sharing: lists get references to other containers (or themselves).
        lists = [(r, i) for i, (r, kind) in enumerate(made) if kind == "list"]
        for a, b in loops:
            if lists:
                target, i = lists[a % len(lists)]
                other = made[b % len(made)][0]
                target.append(other)
                made.append((other, "shared"))
    before = {id(obj): obj for obj, _ in made}
    held_traced = {id(obj) for obj, _ in made
                   if any(type(o) is Traced for o in reachable(obj))}
    ns = {"value": real, "__name__": __name__}
    clean_namespace(ns)
    assert_clean(ns)
    if not loops:
        assert _same(ns["value"], expected)
    after = {id(obj) for obj in reachable(ns["value"])}
    for i, obj in before.items():
        mutable = isinstance(obj, (list, dict, collections.deque, WithDict, WithSlots,
                                   types.SimpleNamespace, functools.partial))
        if mutable or i not in held_traced:
            assert i in after, f"{type(obj).__name__} was replaced, though it could stay"


def test_the_cleaners_own_walks_do_not_recurse():
    # A structure deeper than the recursion limit, with the traced value at the bottom.
    depth = sys.getrecursionlimit() * 5
    with Tape() as tape:
        x = new_leaf(tape, 1.0)
        ns = {"deep": _nested_lists(depth, (x, {"k": collections.deque([x])}))}
    clean_namespace(ns)
    assert_clean(ns)


def test_a_container_that_refuses_to_be_written_does_not_stop_the_cleaning(traced):
    class Refusing(list):
        def __setitem__(self, index, value):
            raise RuntimeError("read only")

    ns = {"refusing": Refusing([traced(1.0)]), "after": [traced(2.0)]}
    clean_namespace(ns)
    assert ns["after"] == [2.0] and type(ns["after"][0]) is float
    assert float(ns["refusing"][0] + 0.0) == 1.0  # left traced, but on a stopped tape: plain


def test_bound_methods_and_dict_views_are_followed(traced):
    class Box:
        def __init__(self, v):
            self.v = v

        def get(self):
            return self.v

    d = {"k": [traced(2.0)]}
    ns = {"get": Box(traced(1.0)).get, "values": d.values(), "__name__": __name__}
    clean_namespace(ns)
    assert ns["get"]() == 1.0 and type(ns["get"]()) is float
    assert d == {"k": [2.0]}
    assert_clean(ns)
