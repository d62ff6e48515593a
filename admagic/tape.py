"""The tape: how admagic records a computation and runs it backwards.

Every operation on a traced value leaves a `Node`: which primitive ran, on which arguments, with
what result, and which earlier nodes it was computed from. Nodes point back at their parents, so
they form a DAG; and the `Tape` keeps a list of its nodes in the order they were made.

A `Tape` is one *level* of recording. Tapes nest: an operation is recorded by the innermost tape
among its arguments, which then unwraps its own level and lets the operation run again one level
down, where outer tapes record it too. That is the whole of higher-order derivatives, and what keeps
nested tapes from confusing each other's variables (perturbation confusion).

`backward()` below is reverse mode: walk the tape backwards, from the output to the inputs, and
at each node apply the chain rule with the primitive's vector-Jacobian product from `rules.py`.
"""

import gc
import itertools
import operator

import numpy as np

from .rules import VJP, unbroadcast

_node_numbers = itertools.count()
_tape_levels = itertools.count(1)

#: The tapes currently recording, outermost first.
active_tapes = []


class Node:
    """One recorded operation: ``value = primitive(*args, **kwargs)``, recorded by `tape`.

    Every traced value is a node (`Traced` adds arithmetic to this class), so the values a
    program holds are the record itself, as in micrograd. ``args`` and ``value`` are one level down
    from the tape: plain numbers, or values traced by an outer tape. ``parents`` lines up with
    ``args``: ``parents[i]`` is the node argument i came from, or None where this tape did not
    trace that argument. A leaf (an input) has no primitive and no parents; ``source`` is the
    user's `Tensor` it stands for, if any. ``number`` grows with every node, so it orders them in
    time.
    """

    __slots__ = ("value", "tape", "primitive", "args", "kwargs", "parents", "number", "source")

    def __init__(self, value, tape, primitive, args, kwargs, parents, source=None):
        self.value = value
        self.tape = tape
        self.primitive = primitive
        self.args = args
        self.kwargs = kwargs
        self.parents = parents
        self.number = next(_node_numbers)
        self.source = source
        if tape.nodes is not None:
            tape.nodes.append(self)

    def in_edges(self):
        """``(argnum, parent)`` for each argument this tape traced: the edges into this node."""
        return [(argnum, p) for argnum, p in enumerate(self.parents) if p is not None]

    @property
    def node(self):
        """The record entry of this value: the value itself, since a traced value is its node."""
        return self

    def __repr__(self):
        name = getattr(self.primitive, "__name__", "input")
        return f"<Node #{self.number} {name}>"


def ancestors(output_node):
    """All nodes `output_node` depends on (itself included), latest first.

    Nodes are numbered in the order they were made, and an operation is always made after its
    inputs, so sorting by number is a topological order. The walk is a loop with a stack, not a
    recursion, so a 100,000-step chain is no problem.
    """
    seen = {output_node}
    stack = [output_node]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent is not None and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=by_number, reverse=True)


by_number = operator.attrgetter("number")  # the order nodes were made in: a topological order


def backward(output_node, seed, keep_interior=True):
    """Reverse mode: the adjoint d(output)/d(node), times `seed`, for every node the output needs.

    Returns ``{node: adjoint}``. When an outer tape is recording, the adjoints are traced values of
    that tape, so the derivative can itself be differentiated. With ``keep_interior=False`` only
    the inputs' adjoints are kept: the others are dropped as soon as they are passed on, so the
    sweep never holds them all at once.
    """
    adjoints = {output_node: seed}
    take = adjoints.get if keep_interior else adjoints.pop
    _pause_cyclic_gc()  # see _pause_cyclic_gc
    try:
        for node in output_node.tape.latest_first(output_node):
            primitive = node.primitive
            if primitive is None:  # an input: nothing to pass on
                continue
            g = take(node, None)
            if g is None:  # not on the way to the output
                continue
            rules, args, kwargs, ans = VJP[primitive], node.args, node.kwargs, node.value
            for argnum, parent in enumerate(node.parents):
                if parent is None:
                    continue
                rule = rules[argnum]
                if rule is None:  # an argument with no derivative, like np.where's condition
                    continue
                # The chain rule: what flows to the parent is g times d(node)/d(parent).
                try:
                    contribution = rule(g, ans, *args, **kwargs) if kwargs else rule(g, ans, *args)
                except ZeroDivisionError:  # Python floats raise where NumPy gives inf: be NumPy
                    g = np.float64(g)
                    contribution = rule(g, ans, *args, **kwargs) if kwargs else rule(g, ans, *args)
                if type(contribution) is not float or type(args[argnum]) is not float:
                    contribution = _shaped_like(contribution, args[argnum])
                earlier = adjoints.get(parent)
                adjoints[parent] = contribution if earlier is None else earlier + contribution
    finally:
        _resume_cyclic_gc()
    return adjoints


def _shaped_like(gradient, arg):
    """The gradient of `arg` in arg's shape (see `unbroadcast`); a Python float for a float arg,
    though a rule's np.cos(x) gives an np.float64, whose arithmetic is about three times slower."""
    if type(gradient) is np.float64 and type(arg) is float:
        return float(gradient)
    return unbroadcast(gradient, arg)


# A record is a large, growing heap of small objects, all in use until the tape is done; Python's
# cyclic garbage collector would walk it again and again as it grows, finding nothing to free
# (measured: ~45% of recording time in a scalar loop). So the collector pauses while any Tape
# records, and during each backward sweep (~3% of its time), and resumes after.
_gc_was_enabled = []


def _pause_cyclic_gc():
    _gc_was_enabled.append(gc.isenabled())
    gc.disable()


def _resume_cyclic_gc():
    if _gc_was_enabled.pop():
        gc.enable()


class Tape:
    """Records operations on the values it watches, to differentiate them afterwards.

    Used like TensorFlow's ``GradientTape``:

    >>> from admagic import Tape, constant
    >>> x = constant(3.0)
    >>> with Tape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    constant(6.0)

    `Variable` values are watched automatically when used inside the tape
    (``watch_accessed_variables=True``). A tape answers ``gradient()`` once unless
    ``persistent=True``. Tapes nest: an outer tape records the inner tape's ``gradient()``, which
    gives second derivatives.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self.level = None  # given on entry: inner tapes are entered later, so get higher levels
        self.recording = False
        self._leaves = {}  # id(tensor) -> (tensor, leaf node) for what this tape watched
        self._used = False
        self.nodes = []  # every node recorded, in the order they were made: the tape itself

    def __enter__(self):
        if self.level is not None:
            raise RuntimeError("A Tape can only be used in one `with` block; make a new Tape().")
        self.level = next(_tape_levels)
        self.recording = True
        if not active_tapes:
            _pause_cyclic_gc()
        active_tapes.append(self)
        return self

    def __exit__(self, *exc_info):
        self.recording = False
        active_tapes.remove(self)
        if not active_tapes:
            _resume_cyclic_gc()
        for tensor, _ in self._leaves.values():
            tensor._forget(self)
        return False

    def watch(self, tensor):
        """Record operations on `tensor` (an `admagic.constant`, `Variable` or `tensor`) from now on.

        Accepts one tensor or a list/tuple of them.
        """
        if isinstance(tensor, (list, tuple)):
            for each in tensor:
                self.watch(each)
            return
        if not self.recording:
            raise RuntimeError("watch() only works inside the tape's `with` block.")
        watched_by = getattr(tensor, "_watched_by", None)
        if watched_by is None:
            raise TypeError(
                f"Tape.watch() needs an admagic value, not {type(tensor).__name__}. "
                "Wrap it first: x = admagic.constant(3.0), then tape.watch(x)."
            )
        if id(tensor) not in self._leaves:
            self._leaves[id(tensor)] = (tensor, watched_by(self))

    def watched_variables(self):
        """The tensors this tape watched, in the order it started watching them."""
        return tuple(tensor for tensor, _ in self._leaves.values())

    def gradient(self, target, sources, output_gradients=None):
        """d(target)/d(source) for each source, as TensorFlow's ``GradientTape.gradient``.

        `sources` may be one tensor, a list or tuple, or a dict; the answer has the same form. A
        source the target does not depend on, or that the tape never watched, gives ``None``.
        For an array target the gradient is that of its sum, unless `output_gradients` (an array
        of the target's shape) weights it.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "This Tape already answered gradient() once. To ask for several gradients, "
                "record with Tape(persistent=True)."
            )
        self._used = True
        target = self.own(target)
        adjoints = {}
        if target is not None:
            seed = output_gradients
            if seed is None:
                shape = np.shape(target.value)
                seed = np.ones(shape) if shape else 1.0
            adjoints = backward(target, seed)
        if not self.persistent:
            self.release()

        def answer(source):
            node = self._leaf_of(source)
            g = adjoints.get(node) if node is not None else None
            return None if g is None else self._as_tensor(g)

        if isinstance(sources, dict):
            return {key: answer(s) for key, s in sources.items()}
        if isinstance(sources, (list, tuple)):
            return [answer(s) for s in sources]
        return answer(sources)

    def latest_first(self, output):
        """The nodes a reverse sweep from `output` visits: the tape read backwards.

        A tape that keeps no list (the eager tape, or one released) finds `output`'s ancestors by
        walking the graph instead, which gives them in the same order.
        """
        if self.nodes is None:
            return ancestors(output)
        return reversed(self.nodes)

    def release(self):
        """Let go of the list of nodes, once no more gradients will be asked of this tape.

        Nodes point at their tape, and the tape at its nodes: a reference cycle, which only the
        cyclic garbage collector would free. Values still held keep their own part of the
        record, and `gradient()` still works, walking the graph instead of the list:

        >>> from admagic import Tape, Variable
        >>> x = Variable(3.0)
        >>> with Tape(persistent=True) as tape:
        ...     y = x * x
        >>> tape.release()
        >>> tape.gradient(y, x)
        constant(6.0)

        ``grad``, ``jacobian`` and the rest, ``%%grad``, and a non-persistent tape's
        ``gradient()`` release their tapes themselves.
        """
        self.nodes = None

    def own(self, value):
        """`value` as this tape traced it, looking through the wrappers of tapes further in (a
        value from an inner tape is also a value of this one, one level down); None if this tape
        did not trace it."""
        while getattr(value, "tape", None) is not None:
            if value.tape is self:
                return value
            if self.level is None or value.tape.level < self.level:
                return None
            value = value.value
        return None

    def _leaf_of(self, source):
        entry = self._leaves.get(id(source))
        if entry is not None and entry[0] is source:
            return entry[1]
        traced = self.own(source)
        return traced

    @staticmethod
    def _as_tensor(gradient):
        # Plain results come back as constants so `.numpy()` works on them, as in TensorFlow;
        # traced ones (an outer tape is recording) stay traced so they can be differentiated.
        from .tensor import constant
        from .traced import Traced

        return gradient if isinstance(gradient, Traced) else constant(gradient)

    def __repr__(self):
        state = "recording" if self.recording else "stopped"
        return f"<Tape level={self.level} {state}{' persistent' if self.persistent else ''}>"


class _EagerTape(Tape):
    """The always-on tape under every other: it records operations on ``tensor(..., requires_grad=True)``
    the way PyTorch does, with no ``with`` block."""

    def __init__(self):
        super().__init__(persistent=True, watch_accessed_variables=False)
        self.level = 0
        self.recording = True
        self.nodes = None  # it never ends, so a list would only grow: its sweeps walk the graph

    def __enter__(self):
        raise RuntimeError("The eager tape is always on; use admagic.Tape() for a `with` block.")


EAGER = _EagerTape()
