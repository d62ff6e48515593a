"""Arrays built from traced values, ``np.array([x, y])``, and lists of them, ``np.mean([x, y])``.

NumPy hands traced values to every function through ``__array_function__`` except the ones that
make arrays: ``np.array`` and ``np.asarray`` have no protocol (NEP 18 leaves them out on purpose),
and ``np.r_``, ``np.c_`` and ``np.append`` call them inside NumPy. And a list is not an array, so
``np.mean([x, y])`` dispatches on nothing: NumPy makes an array of numbers of it. Left alone, each
would ask the traced values for their numbers, and the derivative would be lost.

So while any thread records on a `Tape`, the module attributes user code calls are wrappers that
first call NumPy's own: the six array makers (``numpy.array``, ``asarray``, ``asanyarray``,
``append``, ``r_``, ``c_``) and every function of numpy, numpy.linalg and numpy.fft that admagic
follows. Only when NumPy refuses a traced value (`DerivativeDroppedError`), and only in a thread
that is recording, does a wrapper act: the makers build the array by recorded stacking
(`from_nested`: `primitives.stack`, `primitives.concatenate`, which both rule tables
differentiate); the other functions make arrays of their list arguments that way and call NumPy's
own again. Other threads get NumPy's answer, errors included, and admagic's own modules always
read NumPy's own functions (they record them and compare them by identity).

The wrappers are descriptors on a subclass of the module type, one per module, made at the first
recording; the first recording thread sets ``numpy.__class__`` to it and the last sets it back
(a count under a lock, as `collector.py` counts pauses of the garbage collector): one assignment
per module at a tape's entry and exit, not one per function.

>>> from admagic import grad
>>> grad(lambda x: np.sum(np.array([x, x * x]) ** 2))(2.0)  # d/dx (x² + x⁴) = 2x + 4x³
36.0
>>> grad(lambda x: np.mean([x, x * x]))(2.0)  # d/dx (x + x²)/2 = (1 + 2x)/2
2.5
>>> np.array is NUMPY["array"]  # no tape is recording: NumPy's own
True
"""


import contextlib
import functools
import os
import sys
import threading

import numpy as np

from .primitives import concatenate, stack
from .tape import EAGER, RECORDING_HOOKS, VJP, current_tape
from .traced import (FUNCTIONS, UNTRACED_FUNCTIONS, DerivativeDroppedError, HeldValue, Traced,
                     _recording_error, plain, record)

NUMPY = {name: getattr(np, name) for name in ("array", "asarray", "asanyarray", "append", "r_", "c_")}
_lock = threading.Lock()
_recording_threads = 0

_CAST_ADVICE = ("A traced value is a float64, so np.array(w, dtype=float) is w itself; to round it "
                "use np.round(w) (derivative 0), or w.numpy().astype(int) to read it, detached.")


def _is_traced(value):
    return type(value) is Traced or isinstance(value, HeldValue)


def _holds_traced(obj):
    """Whether `obj` is, or holds in nested lists and tuples, a traced value."""
    pending = [obj]
    while pending:
        item = pending.pop()
        if _is_traced(item):
            return True
        if type(item) in (list, tuple):
            pending.extend(item)
    return False


def _recording_here(obj):
    return current_tape() is not EAGER and _holds_traced(obj)


def from_nested(obj):
    """The array NumPy would make of `obj`, recorded: each list holding traced values stacked.

    >>> from admagic import Tape
    >>> from admagic.traced import new_leaf
    >>> with Tape() as tape:
    ...     x = new_leaf(tape, 2.0)
    ...     m = from_nested([[x, 1.0], [0.0, 3 * x]])  # what np.array(...) gives while recording
    >>> m.primitive is stack, m.numpy().tolist()
    (True, [[2.0, 1.0], [0.0, 6.0]])
    """
    if type(obj) not in (list, tuple):
        return obj
    if not _holds_traced(obj):
        return NUMPY["array"](obj)
    return record(stack, *[from_nested(item) for item in obj], axis=0)


def _cast(array, dtype=None, ndmin=0):
    """`array` as np.array(array, dtype, ndmin=ndmin) gives it: a float cast is the value itself."""
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise _recording_error(f"np.array(..., dtype={np.dtype(dtype).name})", _CAST_ADVICE)
    shape = np.shape(plain(array))
    if ndmin > len(shape):
        array = record(np.reshape, array, (1,) * (ndmin - len(shape)) + shape)
    return array


def _array_maker(numpy_own):
    """np.array / np.asarray / np.asanyarray, which also take (lists of) traced values."""

    @functools.wraps(numpy_own)
    def make(obj, *args, **kwargs):
        try:
            return numpy_own(obj, *args, **kwargs)
        except DerivativeDroppedError:
            if not _recording_here(obj):
                raise
        return _cast(from_nested(obj), args[0] if args else kwargs.get("dtype"),
                     kwargs.get("ndmin", 0))

    return make


def append(arr, values, axis=None):
    """np.append(arr, values, axis) of traced values, recorded as a concatenation.

    >>> from admagic import grad
    >>> grad(lambda x: np.sum(np.append(np.ones(2), [x, 2 * x]) ** 2))(1.0)  # d/dx 5x² at 1
    10.0
    """
    arr, values = from_nested(arr), from_nested(values)
    if axis is None:
        return record(concatenate, record(np.ravel, arr), record(np.ravel, values), axis=0)
    return record(concatenate, arr, values, axis=axis)


@functools.wraps(NUMPY["append"])
def _append(arr, values, axis=None):
    try:
        return NUMPY["append"](arr, values, axis)
    except DerivativeDroppedError:
        if not _recording_here([arr, values]):
            raise
    return append(arr, values, axis)


class _Concatenator:
    """np.r_ (rows: ``axis=0``) or np.c_ (columns: ``axis=-1``), which also take traced values."""

    def __init__(self, numpy_own, axis):
        self._numpy_own, self._axis = numpy_own, axis

    def __getitem__(self, key):
        try:
            return self._numpy_own[key]
        except DerivativeDroppedError:
            items = key if type(key) is tuple else (key,)
            if not _recording_here(list(items)):
                raise
        if any(isinstance(item, str) for item in items):
            raise DerivativeDroppedError(
                "np.r_/np.c_ with a directive string ('r', '0,2', ...) can't take traced values; "
                "use np.concatenate, np.stack or np.column_stack, which can.") from None
        return record(concatenate, *[self._piece(item) for item in items], axis=self._axis)

    def _piece(self, item):
        """One item as NumPy would put it in: numbers as 1-element rows (r_) or columns (c_)."""
        if not _holds_traced(item):
            return self._numpy_own[item]  # a slice, a number, a plain array: NumPy's own way
        item = from_nested(item)
        shape = np.shape(plain(item))
        if self._axis == 0 and not shape:
            return record(np.reshape, item, (1,))
        if self._axis == -1 and len(shape) < 2:
            return record(np.reshape, item, (shape or (1,)) + (1,))
        return item

    def __len__(self):
        return 0


_WRAPPERS = {
    "array": _array_maker(NUMPY["array"]),
    "asarray": _array_maker(NUMPY["asarray"]),
    "asanyarray": _array_maker(NUMPY["asanyarray"]),
    "append": _append,
    "r_": _Concatenator(NUMPY["r_"], axis=0),
    "c_": _Concatenator(NUMPY["c_"], axis=-1),
}


def _retried_with_arrays(numpy_own):
    """A NumPy function that also takes lists and tuples holding traced values, while recording:
    NumPy's own first; if it refuses a traced value in a list, the lists become recorded arrays
    (`from_nested`) and NumPy's own runs again, on values its dispatch can see."""

    arrayed = _items_arrayed if numpy_own in _SEQUENCES_OF_ARRAYS else _arrayed

    @functools.wraps(numpy_own)
    def call(*args, **kwargs):
        try:
            return numpy_own(*args, **kwargs)
        except DerivativeDroppedError:
            if not _recording_here([args, list(kwargs.values())]):
                raise
        return numpy_own(*[arrayed(a) for a in args],
                         **{name: arrayed(value) for name, value in kwargs.items()})

    return call


def _arrayed(arg):
    return from_nested(arg) if type(arg) in (list, tuple) and _holds_traced(arg) else arg


def _items_arrayed(arg):
    """A sequence of arrays (np.concatenate([[x, y], w])) with each item made an array: its items
    may differ in shape, so the sequence itself is not one array."""
    if type(arg) not in (list, tuple) or not _holds_traced(arg):
        return arg
    return type(arg)(_arrayed(item) for item in arg)


# The functions whose list arguments are sequences of arrays, which NumPy dispatches on one by one.
_SEQUENCES_OF_ARRAYS = {np.concatenate, np.stack, np.vstack, np.hstack, np.dstack,
                        np.column_stack, np.select, *([np.row_stack] if hasattr(np, "row_stack") else [])}


class _WhileRecording:
    """A module attribute that reads as its wrapper while a tape records; NumPy's own otherwise.

    It lives on the module's recording class (`_recording_class`), so it is seen only while the
    module's ``__class__`` is that class. admagic's own modules always read NumPy's own function:
    they record it as a primitive and compare it by identity (``node.primitive is np.sum``). An
    assignment by the user goes to the module as usual, and wins over the wrapper."""

    __slots__ = ("name", "numpy_own", "wrapper")

    def __init__(self, name, numpy_own, wrapper):
        self.name, self.numpy_own, self.wrapper = name, numpy_own, wrapper

    def __get__(self, module, owner=None):
        if module is None:
            return self
        here = module.__dict__.get(self.name)
        if here is not self.numpy_own or sys._getframe(1).f_code.co_filename.startswith(_OURS):
            return here
        return self.wrapper

    def __set__(self, module, value):
        module.__dict__[self.name] = value

    def __delete__(self, module):
        del module.__dict__[self.name]


_OURS = os.path.dirname(os.path.abspath(__file__)) + os.sep  # admagic's source files (not doctests)


def _takes_traced_values(function):
    return not isinstance(function, np.ufunc) and (
        function in FUNCTIONS or function in VJP or function in UNTRACED_FUNCTIONS)


def _recording_class(module, special):
    """`module`'s class while a tape records: every NumPy function admagic follows, wrapped."""
    wrappers = {}  # one wrapper per function, shared by its aliases (np.round, np.around)
    attributes = {}
    for name, value in vars(module).items():
        if name in special:
            attributes[name] = _WhileRecording(name, value, special[name])
        elif callable(value) and _takes_traced_values(value):
            wrapper = wrappers.setdefault(id(value), _retried_with_arrays(value))
            attributes[name] = _WhileRecording(name, value, wrapper)
    return type(f"{module.__name__} (while a tape records)", (type(module),), attributes)


MODULES = (np, np.linalg, np.fft)  # the modules whose functions take lists of traced values
_recording_classes = {}  # module -> its recording class, made at the first recording


def _thread_starts_recording():
    global _recording_threads
    with _lock:
        _recording_threads += 1
        if _recording_threads == 1:
            if not _recording_classes:  # every rule table is filled by now
                for module in MODULES:
                    special = _WRAPPERS if module is np else {}
                    _recording_classes[module] = _recording_class(module, special)
            for module, recording in _recording_classes.items():
                module.__class__ = recording


def _thread_stops_recording():
    global _recording_threads
    with _lock:
        _recording_threads = max(0, _recording_threads - 1)
        if _recording_threads == 0:
            for module, recording in _recording_classes.items():
                if module.__class__ is recording:  # not if something else has swapped it since
                    module.__class__ = recording.__base__


RECORDING_HOOKS.append((_thread_starts_recording, _thread_stops_recording))
FUNCTIONS[NUMPY["append"]] = append  # np.append(w, x) with w or x traced: NumPy dispatches it here


_ELEMENT_ADVICE = (
    "a[i] = x can't store a traced value in a plain NumPy array: it holds only numbers, so the "
    "derivative would be lost. Build the array from the values instead, e.g. a = np.array([x, y]) "
    "(or np.stack, np.concatenate), or a = np.where(np.arange(len(a)) == i, x, a).")


@contextlib.contextmanager
def element_assignment_explained():
    """Turn NumPy's "setting an array element with a sequence" for ``a[i] = x``, x traced, into
    advice: NumPy raises it with the traced value's refusal as its cause."""
    try:
        yield
    except ValueError as error:
        if not isinstance(error.__cause__, DerivativeDroppedError):
            raise
        raise DerivativeDroppedError(_ELEMENT_ADVICE).with_traceback(error.__traceback__) from None
