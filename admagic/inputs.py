"""What admagic differentiates with respect to: numbers and numeric arrays, made float64, and
lists, tuples and dicts of them (nested), whose numbers and arrays are the leaves.

This module imports nothing of admagic but the texts of its refusals (`messages`);
`traced.as_input` adds traced values to it.
"""

import numpy as np

from .messages import text


def as_float(value):
    """`value` as admagic differentiates with respect to it: floats, never ints; bool, text and
    complex are refused.

    >>> as_float(3), as_float(np.array([1, 2]))
    (3.0, array([1., 2.]))
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(text("error.boolean_input"))
    if isinstance(value, (int, np.integer)):
        return float(value)
    if isinstance(value, float):
        return value
    array = np.asarray(value)
    if np.iscomplexobj(array):
        raise TypeError(text("error.complex_input"))
    if array.dtype.kind not in "fiub":
        raise TypeError(text("error.not_numeric", kind=type(value).__name__, dtype=array.dtype))
    if array.dtype.kind != "f" or array.dtype.itemsize < 8:  # float16/32 too: see `in_dtype_of`
        array = array.astype(np.float64)
    return float(array) if array.ndim == 0 and not isinstance(value, np.ndarray) else array


def as_written(value):
    """`repr` of a plain number or array as a student types it: ``9.0``, not ``np.float64(9.0)``.

    >>> as_written(np.float64(9.0)), as_written(np.array([1.0, 2.0]))
    ('9.0', 'array([1., 2.])')
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return str(value)  # a float32's shortest digits (0.7), not its float64 ones (0.699999988…)
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def in_dtype_of(gradient, original):
    """A plain gradient in the dtype of the input it belongs to (`original`, as the user gave it):
    float32 in, float32 out, as in autograd and PyTorch. The derivative itself was computed in
    float64 (`as_float`), so only its last rounding is float32's; ints and float64 change nothing.

    >>> in_dtype_of(np.array([0.1]), np.ones(1, dtype=np.float32)).dtype
    dtype('float32')
    """
    dtype = getattr(original, "dtype", None)
    if dtype is None or dtype.kind != "f" or dtype.itemsize == 8 or \
            not isinstance(gradient, (np.ndarray, np.floating, float)):
        return gradient
    return np.asarray(gradient, dtype=dtype) if isinstance(original, np.ndarray) else dtype.type(gradient)


# ---- containers: lists, tuples and dicts of inputs -----------------------------------------------

def is_container(value):
    """A list, tuple (named too) or dict: its items are inputs of their own, not one array."""
    return isinstance(value, (list, tuple, dict))


def _sequence_like(sequence, items):
    """A list, tuple or named tuple of the same type as `sequence`, holding `items`."""
    return type(sequence)(*items) if hasattr(sequence, "_fields") else type(sequence)(items)


def map_leaves(function, tree):
    """`tree` with ``function(leaf)`` for each number or array in it, in the order `leaves_of`
    gives them: lists, tuples, named tuples and dicts keep their type, order and keys.

    >>> map_leaves(lambda v: 2 * v, {"w": [1.0, 2.0], "b": (3.0,)})
    {'w': [2.0, 4.0], 'b': (6.0,)}
    """
    if isinstance(tree, dict):
        return type(tree)((key, map_leaves(function, value)) for key, value in tree.items())
    if isinstance(tree, (list, tuple)):
        items = [map_leaves(function, value) for value in tree]
        return _sequence_like(tree, items)
    return function(tree)


def map_pairs(function, tree, other, path, what, of):
    """`tree` with ``function(leaf, other_leaf, path)`` for each of its leaves, `other_leaf` being
    the leaf at the same place in `other` (dict entries matched by key, not order). `other` must
    have tree's structure, or a ValueError says where it differs: `path` names `other` in it (as
    ``tangents[0]``), `what` is what `other` is and `of` what `tree` is (``tangent``, ``primal``).

    >>> add = lambda x, v, path: x + v
    >>> map_pairs(add, {"w": 1.0, "b": 2.0}, {"b": 10.0, "w": 20.0}, "v", "tangent", "primal")
    {'w': 21.0, 'b': 12.0}
    """
    if isinstance(tree, dict):
        if not isinstance(other, dict) or set(other) != set(tree):
            keys = list(other) if isinstance(other, dict) else None
            raise ValueError(_differs(path, what, of, tree, other, "keys", keys, list(tree)))
        return type(tree)((key, map_pairs(function, value, other[key], f"{path}[{key!r}]", what,
                                          of)) for key, value in tree.items())
    if isinstance(tree, (list, tuple)):
        if not isinstance(other, (list, tuple)) or len(other) != len(tree):
            length = len(other) if isinstance(other, (list, tuple)) else None
            raise ValueError(_differs(path, what, of, tree, other, "length", length, len(tree)))
        items = [map_pairs(function, value, paired, f"{path}[{i}]", what, of)
                 for i, (value, paired) in enumerate(zip(tree, other))]
        return _sequence_like(tree, items)
    if is_container(other):
        raise ValueError(_differs(path, what, of, tree, other, "kind", None, None))
    return function(tree, other, path)


def _differs(path, what, of, tree, other, aspect, got, wanted):
    if aspect == "kind" or got is None:
        return text("error.structure_kind", path=path, what=what, of=of,
                    got=type(other).__name__, wanted=type(tree).__name__)
    return text(f"error.structure_{aspect}", path=path, what=what, of=of, got=repr(got),
                wanted=repr(wanted))


def leaves_of(tree):
    """The numbers and arrays in `tree`, in the order `map_leaves` visits them.

    >>> leaves_of({"w": [1.0, 2.0], "b": 3.0})
    [1.0, 2.0, 3.0]
    """
    found = []
    map_leaves(found.append, tree)
    return found


def is_written_array(value):
    """A list or tuple of numbers, nested or not (``[1.0, 2.0]``, ``[[1, 2], [3, 4]]``), that
    np.array reads as an array: one input, as it always was."""
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        if not all(is_written_array(item) for item in value):
            return False
        try:  # a ragged list ([[1, 2], [3]]) is no array: a list of them
            np.asarray(value, dtype=float)
        except ValueError:
            return False
        return True
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def leaf_names(name, tree):
    """``{"params['w']": W, ...}``: each leaf of the input `name` under the Python expression that
    reads it in the cell; None if `tree` is one input. A list of numbers (``[1.0, 2.0]``, nested
    too) is an array as written, wherever it is, so one leaf; %%grad makes it an array.

    >>> leaf_names("p", {"w": 1.0, "layers": [[2.0, 3.0], np.ones(2)]})
    {"p['w']": 1.0, "p['layers'][0]": [2.0, 3.0], "p['layers'][1]": array([1., 1.])}
    """
    if not is_container(tree) or is_written_array(tree):
        return None
    named, pending = {}, [(name, tree)]
    while pending:
        path, item = pending.pop()
        if not is_container(item) or is_written_array(item):
            named[path] = item
            continue
        items = list(item.items()) if isinstance(item, dict) else list(enumerate(item))
        if not items:
            raise TypeError(text("error.empty_container", path=path, kind=type(item).__name__))
        for key, value in reversed(items):
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(text("error.container_key", path=path, key=repr(key)))
            pending.append((f"{path}[{key!r}]", value))
    return named


def with_leaves(tree, named, name):
    """`tree` (as `leaf_names` read it under `name`) with each leaf replaced by ``named[its
    name]``: the container the cell sees, holding traced values (or plain ones, for --check)."""
    def rebuilt(path, item):
        if not is_container(item) or is_written_array(item):
            return named[path]
        if isinstance(item, dict):
            return type(item)((k, rebuilt(f"{path}[{k!r}]", v)) for k, v in item.items())
        items = [rebuilt(f"{path}[{i!r}]", v) for i, v in enumerate(item)]
        return _sequence_like(item, items)

    return rebuilt(name, tree)


def bound(values, containers):
    """What the cell's names hold for its inputs: ``values`` maps every input, leaves included
    (``params['w']``), to its value; each container of `containers` (``{name: as given}``) is
    rebuilt around its leaves' values, and bound under its own name instead of theirs.

    >>> bound({"x": 1.0, "p['w']": 2.0}, {"p": {"w": 0.5}})
    {'x': 1.0, 'p': {'w': 2.0}}
    """
    inside = {leaf for name, tree in containers.items() for leaf in leaf_names(name, tree)}
    seen = {name: value for name, value in values.items() if name not in inside}
    seen.update({name: with_leaves(tree, values, name) for name, tree in containers.items()})
    return seen
