"""Leaving a namespace with plain values only: what `%%grad` does after every cell.

While the cell runs, its inputs are traced and so is everything computed from them. Afterwards the
user must find numbers and arrays in their variables, never a traced value that still points into
a tape, also inside the lists, tuples, dicts and sets the cell built, and whether the cell
finished, raised, or was interrupted.
"""

import builtins

import numpy as np

from .tape import EAGER
from .traced import Traced

_ATOMS = {int, float, complex, bool, str, bytes, type(None), np.float64, np.int64, np.bool_,
          type, type(len), type(builtins), type(lambda: 0)}
_CONTAINERS = (list, tuple, dict, set, frozenset)


def clean_namespace(namespace):
    """Replace every traced value in `namespace` by its plain value, also inside the lists, tuples,
    dicts and sets it holds and in the attributes of objects of classes it defined.

    Values traced by the always-on eager tape (``tensor(..., requires_grad=True)``) are kept: they
    are the user's own, and ``y.backward()`` needs them.
    """
    walker = _Detracer(namespace.get("__name__"))
    for key, value in list(namespace.items()):
        clean = walker.clean(value)
        if clean is not value:
            namespace[key] = clean


class _Detracer:
    def __init__(self, module_name):
        self.module_name = module_name
        self.seen = {}  # id -> cleaned object, so shared and cyclic structures are walked once

    def clean(self, value):
        kind = type(value)
        if kind is Traced:
            return _peel(value)
        if kind in _ATOMS:
            return value
        if id(value) in self.seen:
            return self.seen[id(value)]
        self.seen[id(value)] = value
        if isinstance(value, list):
            if _may_hold_traced(value):
                for i, item in enumerate(value):
                    clean = self.clean(item)
                    if clean is not item:
                        value[i] = clean
        elif isinstance(value, dict):
            if _may_hold_traced(value.values()):
                for key, item in list(value.items()):
                    clean = self.clean(item)
                    if clean is not item:
                        value[key] = clean
        elif isinstance(value, (tuple, set, frozenset)):
            value = self._rebuilt(value)
        elif isinstance(value, np.ndarray):
            if value.dtype == object:
                for index, item in np.ndenumerate(value):
                    value[index] = self.clean(item)
        elif getattr(kind, "__module__", None) == self.module_name and isinstance(
                getattr(value, "__dict__", None), dict):
            for key, item in list(vars(value).items()):
                clean = self.clean(item)
                if clean is not item:
                    vars(value)[key] = clean
        self.seen[id(value)] = value
        return value

    def _rebuilt(self, value):
        if not _may_hold_traced(value):
            return value
        items = [self.clean(item) for item in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        if isinstance(value, set):
            value.clear()
            value.update(items)
            return value
        if hasattr(value, "_make"):  # a namedtuple
            return value._make(items)
        return type(value)(items)


def _may_hold_traced(items):
    return not set(map(type, items)) <= _ATOMS


def _peel(value):
    """The value without the wrappers of admagic's tapes (the eager tape's own is kept)."""
    while type(value) is Traced and value.tape is not EAGER:
        value = value.value
    return float(value) if type(value) is np.float64 else value  # y shows as 9.0, not np.float64
