"""Leaving a namespace with plain values only: what `%%grad` does after every cell.

While the cell runs, its inputs are traced and so is everything computed from them. Afterwards the
user must find numbers and arrays in their variables, never a traced value that still points into
a tape: also inside the lists, tuples, dicts, sets and deques the cell built or filled, in the
attributes (``__dict__`` and ``__slots__``) of their own objects and classes, in object arrays, in
functions' default arguments and closures, and in ``functools.partial`` objects; whether the cell
finished, raised, or was interrupted.

Any container the namespace reaches could have been filled by the cell (``history.append(loss)``),
so all of them are looked at, but cheaply: a first walk only *looks*, a level at a time, with
`gc.get_referents` and set operations that run at C speed and skip numbers, strings and numeric
arrays by their type. Only a namespace entry where that walk meets a traced value is walked again
to be repaired, and only a container that holds a traced value is written to: lists, dicts, sets
and the like in place, tuples and frozensets (which can't change) rebuilt in whatever held them.
Both walks are loops, not recursions, so a linked list a million deep is no problem.
"""

import gc
import operator
import signal
import threading
import types
from collections import deque
from functools import partial
from itertools import compress

import numpy as np

from .tape import EAGER
from .traced import HeldValue, Traced

# What can't hold a traced value, by type: the walk never looks inside these.
_LEAVES = {int, float, complex, bool, str, bytes, bytearray, type(None), range,
           type(Ellipsis), type(NotImplemented), np.dtype, *np.sctypeDict.values()}
# What `gc.get_referents` lists exactly the contents of: the walks read these in bulk.
_BULK_BASES = (list, tuple, dict, set, frozenset, deque, types.SimpleNamespace, partial,
               types.CellType, types.MethodType, type({}.keys()), type({}.values()),
               type({}.items()))
_LEAF, _BULK, _SPECIAL, _STOP = range(4)
_KNOWN_KINDS = {**{kind: _LEAF for kind in _LEAVES}, Traced: _STOP}  # traced: looked at apart
_TRACED_TYPE = partial(operator.is_, Traced)
_PLAIN_CONTAINERS = {list, tuple, dict, set, frozenset, deque, types.CellType, types.FunctionType,
                     type}  # those with no attributes of their own to clean


def clean_namespace(namespace):
    """Replace every traced value `namespace` reaches by its plain value; write nothing else.

    Values traced by the always-on eager tape (``tensor(..., requires_grad=True)``) are kept: they
    are the user's own, and ``y.backward()`` needs them. A Ctrl-C while cleaning is held back until
    the cleaning is done, then raised.

    >>> from admagic.tape import Tape
    >>> from admagic.traced import new_leaf
    >>> with Tape() as tape:
    ...     x = new_leaf(tape, 3.0)
    ...     ns = {"y": x * x, "ys": [x, (x, "x")]}
    >>> clean_namespace(ns)
    >>> ns
    {'y': 9.0, 'ys': [3.0, (3.0, 'x')]}
    """
    with interrupts_held_back():
        _Cleaner(namespace).run()


class _Cleaner:
    """One cleaning of one namespace. Its walks share what they learn: which objects are clean,
    and what replaced what (so a tuple two entries share is rebuilt once, and stays shared)."""

    def __init__(self, namespace):
        self.namespace = namespace
        self.module = namespace.get("__name__")
        self.kinds = dict(_KNOWN_KINDS)  # type -> how to look inside its values
        self.leaf_kinds = set(_LEAVES)  # the types above that are never looked inside
        self.clean = {id(namespace)}  # ids of objects nothing traced is reachable from
        self.changed = {}  # id(old) -> its clean replacement (traced values, rebuilt tuples, ...)
        self.rebuilt = set()  # the ids in `changed` that are not traced values but containers
        self.entered = set()  # ids the repair walk has started on
        self.revisit = []  # containers that met a tuple being rebuilt (a cycle): fix at the end
        self.last_kinds = set()  # the types of what `_followed` last returned
        self.alive = []  # every object whose id is a key above, so no id is reused meanwhile

    def run(self):
        namespace = self.namespace
        for key, value in list(namespace.items()):
            if type(value) in _LEAVES or id(value) in self.clean:
                continue
            if id(value) in self.changed:  # a tuple another entry shares, rebuilt already
                namespace[key] = self.changed[id(value)]
                continue
            if _is_traced(value) or self._reaches_traced(value):
                self._repair(value)
                new = self.changed.get(id(value))
                if new is not None:
                    namespace[key] = new
        for container in self.revisit:
            self._fix_if_possible(container)

    # ---- the first walk: does anything traced hang below this value? ----------------------------

    def _reaches_traced(self, root):
        """Whether a traced value (or an object replaced already) is reachable from `root`.

        Breadth first, a level at a time, each level a few C-speed passes over it. A level whose
        objects hold only leaves (a list of a million short lists of numbers) is not even
        remembered: nothing below it can lead back up."""
        visited = {id(root)}
        inside = self._followed(self._children_of_all([root]))
        while inside:
            if self.rebuilt and not self.rebuilt.isdisjoint(map(id, inside)):
                return True
            below = self._followed(self._children_of_all(inside, self.last_kinds))
            if below is None:
                return True
            if not below:
                break  # nothing more to look inside
            fresh = dict(zip(map(id, inside), inside))
            known = fresh.keys() & visited
            known |= fresh.keys() & self.clean
            for i in known:
                del fresh[i]
            visited.update(fresh)
            inside = self._followed(self._children_of_all(list(fresh.values()))) if known else below
        if inside is None:
            return True
        self.clean |= visited
        return False

    def _followed(self, children):
        """The objects among `children` worth looking inside; None if one of them is traced."""
        kinds = set(map(type, children))
        if Traced in kinds:
            if any(map(_is_traced, compress(children, map(_TRACED_TYPE, map(type, children))))):
                return None
        self._classify(kinds)
        followed = {kind for kind in kinds if self.kinds[kind] in (_BULK, _SPECIAL)}
        self.last_kinds = followed  # saves `_children_of_all` a pass over them
        if not followed:
            return []
        if followed == kinds:
            return children
        return list(compress(children, map(followed.__contains__, map(type, children))))

    def _children_of_all(self, objects, kinds=None):
        if kinds is None:
            kinds = set(map(type, objects))
            self._classify(kinds)
        if all(self.kinds[kind] == _BULK for kind in kinds):
            return gc.get_referents(*objects)
        codes = list(map(self.kinds.__getitem__, map(type, objects)))
        children = gc.get_referents(*compress(objects, map(_BULK.__eq__, codes)))
        for special in compress(objects, map(_SPECIAL.__eq__, codes)):
            children += self._special_children(special)
        return children

    def _classify(self, kinds):
        for kind in kinds - self.kinds.keys():
            self.kinds[kind] = self._kind_of(kind)
            if self.kinds[kind] in (_LEAF, _STOP):
                self.leaf_kinds.add(kind)

    def _kind_of(self, kind):
        if issubclass(kind, HeldValue):  # the user's tensors: tapes take their stand-ins back
            return _STOP
        if issubclass(kind, (np.ndarray, type, types.FunctionType)):
            return _SPECIAL
        if issubclass(kind, _BULK_BASES) or kind.__module__ == self.module:
            return _BULK  # containers, and objects of the user's own classes
        return _STOP  # modules, library objects, generators, ...: not ours to rewrite

    def _special_children(self, obj):
        if isinstance(obj, np.ndarray):
            if obj.dtype != object:
                return []
            return obj.ravel().tolist() if obj.ndim else [obj[()]]
        if isinstance(obj, type):
            return list(vars(obj).values()) if obj.__module__ == self.module else []
        if obj.__globals__ is not self.namespace:  # a library's function
            return []
        return [part for part in (obj.__defaults__, obj.__kwdefaults__, obj.__dict__)
                if part is not None] + list(obj.__closure__ or ())

    def _children(self, obj):
        kind = self.kinds.get(type(obj))
        if kind is None:
            self._classify({type(obj)})
            kind = self.kinds[type(obj)]
        if kind == _BULK:
            return gc.get_referents(obj)
        if kind == _SPECIAL:
            return self._special_children(obj)
        return []

    # ---- the second walk: repair what holds a traced value ---------------------------------------

    def _repair(self, root):
        """Clean everything reachable from `root`: children before the containers that hold
        them, so a rebuilt tuple is ready when its container is fixed. A loop, not a recursion."""
        stack = [root]
        while stack:
            obj = stack[-1]
            oid = id(obj)
            if oid in self.clean or oid in self.changed:
                stack.pop()
                continue
            if oid not in self.entered:
                self.entered.add(oid)
                self.alive.append(obj)
                if type(obj) is Traced:
                    stack.pop()
                    self._replace(obj, _peel(obj))
                    continue
                below = self._to_visit(self._children(obj))
                if below is None:  # nothing below can be traced: most of what a walk meets
                    stack.pop()
                    self.clean.add(oid)
                    continue
                if not self.entered.isdisjoint(below):
                    self.revisit.append(obj)  # in a cycle: fix again once all is rebuilt
                    for i in below.keys() & self.entered:
                        del below[i]
                if below:
                    stack += below.values()
                    continue
            stack.pop()
            self._fix_if_possible(obj)
            if oid not in self.changed:
                self.clean.add(oid)

    def _to_visit(self, children):
        """{id: child} for the children the repair walk must enter (traced values, containers not
        known to be clean); None if no child can be or hold a traced value, or has been replaced."""
        kinds = set(map(type, children))
        if kinds <= self.leaf_kinds:
            return None
        self._classify(kinds - {Traced})
        entered = {kind for kind in kinds if kind not in self.leaf_kinds}
        if entered != kinds:
            children = compress(children, map(entered.__contains__, map(type, children)))
        below = {id(child): child for child in children
                 if type(child) is not Traced or child.tape is not EAGER}
        for i in below.keys() & self.clean:
            del below[i]
        replaced = below.keys() & self.changed.keys()
        for i in replaced:
            del below[i]
        return below if below or replaced else None

    def _replace(self, old, new):
        self.changed[id(old)] = new
        self.alive.append(old)
        if type(old) is not Traced:
            self.rebuilt.add(id(old))

    def _fix_if_possible(self, obj):
        try:
            self._fix(obj)
        except Exception:  # noqa: BLE001 - e.g. a class of the user's whose __setitem__ refuses
            pass  # what stays traced there is harmless: its tape has stopped; clean the rest

    def _fix(self, obj):
        """Write the clean version of each changed child into `obj` (or rebuild it, if it can't
        change); write nothing if no child changed."""
        changed = self.changed
        children = self._children(obj)
        if changed.keys().isdisjoint(map(id, children)):
            return
        def new(item):
            return changed.get(id(item), item)

        if isinstance(obj, (list, deque)):
            for i in compress(range(len(obj)), map(changed.__contains__, map(id, obj))):
                obj[i] = changed[id(obj[i])]
        elif isinstance(obj, dict):
            if changed.keys().isdisjoint(map(id, obj)):
                for key, item in obj.items():
                    if id(item) in changed:
                        obj[key] = changed[id(item)]
            else:  # a traced key: rebuild in place, keeping the order
                items = [(new(key), new(item)) for key, item in obj.items()]
                obj.clear()
                obj.update(items)
        elif isinstance(obj, set):
            items = list(map(new, obj))
            obj.clear()
            obj.update(items)
        elif isinstance(obj, tuple):
            rebuilt = _rebuilt_tuple(obj, list(map(new, obj)))
            if rebuilt is not None:
                self._replace(obj, rebuilt)
        elif isinstance(obj, frozenset):
            self._replace(obj, type(obj)(map(new, obj)))
        elif isinstance(obj, partial):
            state = (obj.func, tuple(map(new, obj.args)), obj.keywords, obj.__dict__ or None)
            obj.__setstate__(state)  # a partial's arguments can't be set one by one
        elif isinstance(obj, types.CellType):
            obj.cell_contents = new(obj.cell_contents)
        elif isinstance(obj, types.FunctionType):
            if obj.__defaults__ is not None:
                obj.__defaults__ = new(obj.__defaults__)
        elif isinstance(obj, type):
            for name, item in list(vars(obj).items()):
                if id(item) in changed:
                    setattr(obj, name, changed[id(item)])
        elif isinstance(obj, np.ndarray):
            self._fix_object_array(obj)
            return
        if type(obj) not in _PLAIN_CONTAINERS:  # an object of the user's class, or a subclass
            _fix_attributes(obj, changed)

    def _fix_object_array(self, array):
        target, locked = array, not array.flags.writeable
        if locked:
            try:
                array.flags.writeable = True  # put back below: cleaning changes no flag
            except ValueError:  # a read-only view: a cleaned copy takes its place
                target = array.copy()
        for index, item in np.ndenumerate(array):
            if id(item) in self.changed:
                target[index] = self.changed[id(item)]
        if locked:
            target.flags.writeable = False
        if target is not array:
            self._replace(array, target)


def _rebuilt_tuple(old, items):
    """A tuple of `old`'s kind (a namedtuple stays one) holding `items`; None if that can't be."""
    if type(old) is tuple:
        return tuple(items)
    try:
        return old._make(items) if hasattr(old, "_make") else type(old)(items)
    except TypeError:  # a kind of tuple we can't rebuild: stopped tapes make its values plain
        return None


def _fix_attributes(obj, changed):
    """Write clean values into the attributes of `obj`: its ``__dict__`` (which Python may keep
    inside the object, so `gc.get_referents` lists the values, not the dict) and ``__slots__``."""
    try:
        attributes = object.__getattribute__(obj, "__dict__")
    except AttributeError:
        attributes = None
    if type(attributes) is dict:  # not a class's read-only mappingproxy
        for name, item in attributes.items():
            if id(item) in changed:
                attributes[name] = changed[id(item)]
    for kind in type(obj).__mro__:
        for slot in vars(kind).values():
            if type(slot) is types.MemberDescriptorType:
                try:
                    item = slot.__get__(obj)
                except AttributeError:  # an empty slot
                    continue
                if id(item) in changed:
                    slot.__set__(obj, changed[id(item)])


def _is_traced(value):
    return type(value) is Traced and value.tape is not EAGER


def _peel(value):
    """The value without the wrappers of admagic's tapes (the eager tape's own is kept)."""
    while type(value) is Traced and value.tape is not EAGER:
        value = value.value
    return float(value) if type(value) is np.float64 else value  # y shows as 9.0, not np.float64


class interrupts_held_back:
    """Hold a Ctrl-C back while inside; raise it on the way out (half a cleaning would leave a
    session with traced values). Only the main thread gets Ctrl-C, so elsewhere it does nothing."""

    def __enter__(self):
        self.pressed = []
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            try:
                self.previous = signal.signal(signal.SIGINT, self._hold)
            except ValueError:  # not the main interpreter
                self.previous = None
        return self

    def _hold(self, *args):
        self.pressed.append(args)

    def __exit__(self, *exc_info):
        if self.previous is None:
            return False
        signal.signal(signal.SIGINT, self.previous)
        if self.pressed:
            if callable(self.previous):
                self.previous(*self.pressed[0])  # Python's own handler raises KeyboardInterrupt
            elif self.previous != signal.SIG_IGN:
                raise KeyboardInterrupt
        return False
