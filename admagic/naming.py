"""How the graph and the evaluation trace write a recording: each value's name, each operation.

One naming for both, so that a step of the reverse sweep, a row of the trace and a box of the
picture call a value the same: the cell's own name where it has one (``u``, ``y``), its input's
name for an input (``x``), and ``v1, v2, …`` for the operations the cell never named, numbered in
the order they ran (skipping any ``vN`` the cell took for itself), ``in1, in2, …`` for leaves
nobody listed (a `Variable` the cell used). `display_names` gives both the name other labels
refer to a value by and the title its own label starts with (``y = v3`` where the output ``y``
is an input's value too); `expression` writes an operation on its arguments' names.

>>> from admagic.tape import Tape
>>> from admagic.traced import new_leaf
>>> with Tape() as tape:
...     x = new_leaf(tape, 3.0)
...     s = x * x
...     y = np.sin(s) * x
>>> name, title = display_names({"x": x}, [("y", y)], [("s", s)], [x], [s, y.parents[0], y])
>>> [name[n] for n in (x, s, y.parents[0], y)]
['x', 's', 'v1', 'y']
>>> expression(s, ["x", "x"]), expression(y.parents[0], ["s"])
('x × x', 'sin(s)')
"""

import itertools

import numpy as np

from . import primitives
from .formatting import format_value, shorten
from .notation import typed_number
from .traced import Traced, plain

__all__ = ["display_names", "expression", "argument_text", "index_text"]


def display_names(inputs, outputs, named, leaves, ops):
    """``(name, title)``: dicts from node to the name other labels call it by (``v1``, ``y``,
    ``x``) and to the names its own label starts with (``y = z`` for one value bound to two
    names). `inputs` maps names to input leaves (in the line's order), `outputs` and `named` are
    ``(name, node)`` pairs (the cell's outputs first; `named` only names what the outputs don't),
    `leaves` every leaf, `ops` every operation in the order they ran."""
    name, title = {}, {}
    for given, leaf in inputs.items():
        if type(leaf) is Traced and leaf not in name:
            name[leaf] = given
    unnamed = (n for n in leaves if n not in name)
    for count, leaf in enumerate(unnamed, start=1):
        name[leaf] = f"in{count}"  # a leaf the caller didn't list, like a Variable
    aliases = {}
    for given, node in outputs:
        aliases.setdefault(node, []).append(given)
    for given, node in named:
        if node not in aliases:
            aliases[node] = [given]
    taken = set(inputs) | {given for names in aliases.values() for given in names}
    fresh = (f"v{count}" for count in itertools.count(1) if f"v{count}" not in taken)
    for node in ops:  # v1, v2, ...: skipping any the user's own names already took
        name[node] = aliases[node][0] if node in aliases else next(fresh)
    for node in leaves:
        title[node] = " = ".join(aliases.get(node, []) + [name[node]])
    for node in ops:
        title[node] = " = ".join(aliases.get(node, [name[node]]))
    return name, title


# ---- operation symbols ---------------------------------------------------------------------------

_INFIX = {np.add: "+", np.subtract: "−", np.multiply: "×", np.divide: "÷", np.power: "**",
          np.matmul: "@", np.remainder: "mod", np.floor_divide: "//"}
_REDUCTIONS = {np.sum: "Σ", np.prod: "Π", np.mean: "mean", np.max: "max", np.min: "min",
               np.var: "var", np.std: "std", np.cumsum: "cumsum"}
_NAMES = {np.absolute: "abs", primitives.concatenate: "concat", primitives.untake: "untake"}


def expression(node, operands):
    """``x × y``, ``sin(v1)``, ``w[1:3]``: the operation, applied to its arguments' names."""
    f, args = node.primitive, operands
    kwargs = {k: v for k, v in (node.kwargs or {}).items() if v is not None and v is not False}
    if f in _INFIX and len(args) == 2 and not kwargs:
        return f"{args[0]} {_INFIX[f]} {args[1]}"
    if f is np.negative:
        return f"−{args[0]}"
    if f is primitives.getitem:
        return f"{args[0]}[{index_text(plain(node.args[1]))}]"
    if f is np.transpose and len(args) == 1:
        return f"{args[0]}ᵀ"
    if f in _REDUCTIONS:
        rest = [a for a in args[1:] if a != "None"]
        if not rest and not kwargs and f is np.sum:
            return f"Σ {args[0]}"
        args = [args[0]] + [f"axis={a}" for a in rest[:1]]
    name = _REDUCTIONS.get(f) or _NAMES.get(f) or getattr(f, "__name__", "op")
    words = [a for a in args if a != "None"] + [f"{k}={argument_text(v)}" for k, v in kwargs.items()]
    if len(words) > 4:
        words = words[:3] + [f"… {len(words)} in all"]
    return f"{name}({', '.join(words)})"


def index_text(index):
    """An index as Python writes it: ``1:``, ``:, 0``, ``::2``, ``..., 1``, ``[0, 2]``."""
    if isinstance(index, tuple):
        if not index:
            return "()"
        return ", ".join(_index_part(part) for part in index) + ("," if len(index) == 1 else "")
    return _index_part(index)


def _index_part(part):
    if isinstance(part, slice):
        start, stop = ("" if p is None else _index_part(p) for p in (part.start, part.stop))
        step = "" if part.step is None else f":{_index_part(part.step)}"
        return f"{start}:{stop}{step}"
    if part is Ellipsis:
        return "..."
    if isinstance(part, (list, np.ndarray)) and np.size(part) <= 6:
        return str(np.asarray(part).tolist())  # a fancy index: [0, 2], [True, False]
    if np.ndim(part):
        return format_value(part)
    return str(part.item() if isinstance(part, np.generic) else part)


def argument_text(value):
    """A constant argument, folded into the expression (arrays get their own node instead), with
    every digit typed: ``y × 1.00001``, not ``y × 1``."""
    value = plain(value)
    typed = typed_number(value)
    if typed is not None:
        return typed
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, np.integer)) for v in value):
        return str(tuple(int(v) for v in value))
    return shorten(format_value(value), 24)
