"""The evaluation trace: a recorded tape as the table every course teaches reverse mode with.

Griewank & Walther's book and Baydin, Pearlmutter, Radul & Siskind's survey (JMLR 18, 2018,
tables 2 and 3) write a computation as a *Wengert list*: the k inputs are v₋ₖ₊₁ … v₀, then every
operation gets the next number, defined in terms of earlier rows::

    v₋₁ = x1           = 2
    v₀  = x2           = 5
    v1  = ln v₋₁       = 0.6931
    v2  = v₋₁ × v₀     = 10
    ...

Beside each row: its local partial derivatives, its tangent v̇ (forward mode: one forward sweep,
seeded with one input's tangent 1) and its adjoint v̄ (reverse mode: one backward sweep, seeded with
the output's v̄ = 1), the adjoint written as the sum of what each later row sent back to it.

Nothing here knows a derivative: the adjoints come from `tape.backward`, each row's contributions
are recomputed edge by edge with the same rules from `tape.VJP`, and the tangents come from Taylor
mode at order 1 (`taylor.derivatives`): a first-order Taylor sweep *is* the tangent sweep.

>>> from admagic import Tape
>>> from admagic.traced import new_leaf
>>> import numpy as np
>>> with Tape() as tape:
...     x1, x2 = new_leaf(tape, 2.0), new_leaf(tape, 5.0)
...     y = np.log(x1) + x1 * x2 - np.sin(x2)
>>> trace = evaluation_trace({"y": y}, {"x1": x1, "x2": x2})
>>> [row.definition for row in trace.rows][:4]
['v₋₁ = x1', 'v₀ = x2', 'v1 = ln v₋₁', 'v2 = v₋₁ × v₀']
>>> round(trace.rows[0].adjoint, 4), trace.rows[0].tangent
(5.5, 1.0)
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import taylor, tracetable
from .messages import text as _t
from .naming import argument_text, display_names, expression
from .tape import ancestors, backward, by_number, unbroadcast
from .traced import Traced, plain
from .values import plain_share, zeros_like

__all__ = ["evaluation_trace", "EvaluationTrace", "Row", "Partial", "Contribution", "Step",
           "wengert_name"]

_SUBSCRIPTS = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")

# Functions of one argument written as the survey writes them: ``ln v₋₁``, ``sin v₀``.
_PREFIX = {np.log: "ln", np.absolute: "abs"}


def wengert_name(index):
    """The survey's name for row `index`: ``v₋₁``, ``v₀`` for inputs, ``v1``, ``v2``, … after.

    >>> wengert_name(-1), wengert_name(0), wengert_name(3)
    ('v₋₁', 'v₀', 'v3')
    """
    return f"v{str(index).translate(_SUBSCRIPTS)}" if index <= 0 else f"v{index}"


@dataclass
class Partial:
    """∂(row)/∂(`wrt`) = `value`: the local derivative of one operation with respect to one of
    its arguments. `value` is None where it is no number (an array operation's Jacobian)."""
    wrt: str
    value: object


@dataclass
class Contribution:
    """What one later row sent back: ``amount = adjoint of `sender` × ∂sender/∂(this row)``."""
    sender: str
    sender_adjoint: object
    partial: object  # None where the partial is a matrix, not a number
    amount: object


@dataclass
class Row:
    """One line of the evaluation trace; `name` is the survey's (``v2``), `label` the cell's own
    name for the same value (``y``), if it has one, and `drawn` the name the graph draws it
    under (``y``, or ``v1`` for a value the cell never named: `naming.display_names`)."""
    index: int
    name: str
    label: str | None
    definition: str
    value: object
    partials: list = field(default_factory=list)
    adjoint: object = 0.0
    contributions: list = field(default_factory=list)
    tangent: object = None
    is_input: bool = False
    is_output: bool = False
    id: str = ""  # the node's id in graph.py's drawing: ``n<node number>``
    drawn: str = ""

    def as_dict(self):
        """The row as plain data (for a teacher's exercise, or JSON)."""
        return {"index": self.index, "name": self.name, "label": self.label,
                "definition": self.definition, "value": self.value,
                "partials": [(p.wrt, p.value) for p in self.partials],
                "adjoint": self.adjoint, "tangent": self.tangent,
                "contributions": [(c.sender, c.amount) for c in self.contributions],
                "is_input": self.is_input, "is_output": self.is_output, "id": self.id,
                "drawn": self.drawn}


@dataclass
class Step:
    """One node of the reverse sweep: it passes ``g × ∂node/∂parent`` to each parent (`sent`, as
    ``(parent, amount)``), and `adjoints` holds every value's adjoint so far (before the first
    step only the output's is set). Values are called by the names the graph draws (``s``, ``x``,
    ``v1``: `Row.drawn`); `row` is the node's row in the trace (``v2``), `id` its graph id, and
    `receivers` the graph ids of the parents in `sent`, in its order."""
    node: str
    row: str
    id: str
    adjoint: object
    sent: list
    adjoints: dict
    receivers: list = field(default_factory=list)


def evaluation_trace(outputs, inputs, *, names=None, gradient_of=None, seed=None, order="recorded"):
    """The evaluation trace of what `outputs` were computed from: an `EvaluationTrace`.

    `outputs` maps names to values traced by one tape (plain values are skipped), `inputs` the
    input names to their leaves on that tape; `names` maps further names to values (the cell's
    other variables), only to label their rows. Adjoints are those of the output `gradient_of`
    (by default the last), tangents those seeded by the input `seed` (by default the first).
    ``order="recorded"`` numbers the operations in the order they ran; ``order="levels"`` puts
    first every operation on inputs alone, then those one step further, and so on (the survey's
    numbering; each level in the order it ran).
    """
    return EvaluationTrace(outputs, inputs, names=names, gradient_of=gradient_of, seed=seed,
                           order=order)


class EvaluationTrace:
    """The Wengert list of a recording: `rows` (see `Row`), `steps` of the reverse sweep, and
    views as HTML (`_repr_html_`), aligned text (`str`) and LaTeX-free plain data (`Row.as_dict`).
    """

    def __init__(self, outputs, inputs, *, names=None, gradient_of=None, seed=None,
                 order="recorded"):
        if order not in ("recorded", "levels"):
            raise ValueError(f"order must be 'recorded' or 'levels', not {order!r}.")
        tape = _tape_of(inputs, outputs)
        owned = [(name, tape.own(v)) for name, v in outputs.items()] if tape else []
        self.outputs = [(name, node) for name, node in owned if node is not None]
        if not self.outputs:
            raise ValueError(_t("trace.no_output"))
        output_names = [name for name, _ in self.outputs]
        self.gradient_of = output_names[-1] if gradient_of is None else gradient_of
        if self.gradient_of not in output_names:
            raise ValueError(_t("trace.no_output_called", name=repr(self.gradient_of),
                                names=", ".join(output_names)))
        self.inputs = [(name, tape.own(v)) for name, v in inputs.items()
                       if tape.own(v) is not None and tape.own(v).primitive is None]
        input_names = [name for name, _ in self.inputs]
        self.seed = input_names[0] if seed is None and input_names else seed
        if self.seed not in input_names:
            raise ValueError(_t("trace.no_seed", name=repr(self.seed),
                                names=", ".join(input_names) or _t("graph.none")))
        nodes = _nodes_of([node for _, node in self.outputs])
        given = list({id(n): n for _, n in self.inputs}.values())
        other_leaves = [n for n in nodes if n.primitive is None and n not in set(given)]
        ops = [n for n in nodes if n.primitive is not None]
        self._order = given + other_leaves + (_by_level(ops) if order == "levels" else ops)
        self._row_of = {}
        named = _owned(names or {}, tape)
        drawn, titles = display_names(dict(self.inputs), self.outputs, named,
                                      given + other_leaves, ops)  # ops still in recorded order
        labels = _labels(drawn, titles, self.outputs + named)
        outputs_set = {node for _, node in self.outputs}
        first = 1 - len(given) - len(other_leaves)
        for index, node in enumerate(self._order, start=first):
            self._row_of[node] = Row(index=index, name=wengert_name(index), label=labels.get(node),
                                     definition="", value=_tidy(node.value),
                                     is_input=node.primitive is None,
                                     is_output=node in outputs_set, id=f"n{node.number}",
                                     drawn=drawn[node])
        self._by_name = {row.name: node for node, row in self._row_of.items()}
        self._target = dict(self.outputs)[self.gradient_of]
        with np.errstate(all="ignore"):  # the recording has warned about any inf or nan already
            for node in self._order:
                self._define(node)
            self._reverse_sweep()
            self._tangent_sweep(dict(self.inputs)[self.seed])

    # ---- building the rows -----------------------------------------------------------------------

    @property
    def rows(self):
        """Every row, inputs first, then the operations (see `Row`)."""
        return [self._row_of[node] for node in self._order]

    @property
    def nodes(self):
        """The recorded nodes, in the order of `rows`."""
        return list(self._order)

    @property
    def adjoint_of(self):
        """What the adjoints are derivatives of: the output's name, or Σname for an array output
        (an array's adjoints are those of its sum, as in the graph)."""
        array = np.ndim(plain(self._target.value)) != 0
        return f"Σ{self.gradient_of}" if array else self.gradient_of

    def row(self, name):
        """The row called `name` (``"v2"``, ``"v₋₁"``)."""
        return self._row_of[self._by_name[name]]

    def row_of(self, value):
        """The row of a traced value (or node), or None if it is not in this trace."""
        return self._row_of.get(getattr(value, "node", value))

    def _name(self, node):
        return self._row_of[node].name

    def _define(self, node):
        row = self._row_of[node]
        if node.primitive is None:
            row.definition = f"{row.name} = {row.label or _t('trace.input')}"
            return
        by_argnum = dict(node.in_edges())
        operands = [self._name(by_argnum[i]) if i in by_argnum else argument_text(arg)
                    for i, arg in enumerate(node.args)]
        if node.primitive in _PREFIX or (isinstance(node.primitive, np.ufunc) and len(operands) == 1
                                         and not node.kwargs and node.primitive is not np.negative):
            name = _PREFIX.get(node.primitive, node.primitive.__name__)
            text = f"{name} {operands[0]}"
        else:
            text = expression(node, operands)
        row.definition = f"{row.name} = {text}"
        for argnum, parent in node.in_edges():
            row.partials.append(Partial(self._name(parent), _local_partial(node, argnum)))

    def _reverse_sweep(self):
        """Adjoints from `tape.backward`; each edge's share recomputed with the rule it used, in the
        order the sweep visits the nodes (latest first), so the shares can be checked to add up."""
        target = self._target
        value = plain(target.value)
        seed = 1.0 if np.ndim(value) == 0 else np.ones(np.shape(value))
        adjoints = {node: _tidy(g) for node, g in backward(target, seed).items()}
        for node in self._order:
            g = adjoints.get(node)
            self._row_of[node].adjoint = zeros_like(node.value) if g is None else g
        self._sweep = []  # (node, [(parent, amount)]), latest first
        for node in sorted(adjoints, key=by_number, reverse=True):
            if node.primitive is None:
                continue
            g, sent = adjoints[node], []
            partials = self._row_of[node].partials  # one per traced argument, in order
            for (argnum, parent), partial in zip(node.in_edges(), partials):
                amount = _share(node, argnum, g)
                if amount is None:  # an argument with no derivative, like np.where's condition
                    continue
                sent.append((parent, amount))
                self._row_of[parent].contributions.append(
                    Contribution(self._name(node), g, partial.value, amount))
            self._sweep.append((node, sent))

    def _tangent_sweep(self, seed_leaf):
        """Tangents v̇ = d(row)/d(seed input): Taylor mode at order 1 over the same record."""
        latest_first = self._order[::-1]
        series = taylor.derivatives(latest_first, seed_leaf, 1)
        for node, (_, tangent) in zip(latest_first, series):
            self._row_of[node].tangent = _tidy(tangent)

    # ---- the reverse sweep, step by step ---------------------------------------------------------

    @cached_property
    def steps(self):
        """The reverse sweep one node at a time, latest first: a list of `Step`. Before the first
        step only the output has an adjoint (1); after the last, every row has its final one.
        The snapshots make this quadratic in the trace's length: meant for traces you can read."""
        target = self._row_of[self._target]
        running = {target.drawn: target.adjoint}
        steps = []
        for node, sent in self._sweep:
            shares, receivers = [], []
            for parent, amount in sent:
                name = self._row_of[parent].drawn
                running[name] = amount if name not in running else running[name] + amount
                shares.append((name, amount))
                receivers.append(self._row_of[parent].id)
            row = self._row_of[node]
            steps.append(Step(node=row.drawn, row=row.name, id=row.id, adjoint=row.adjoint,
                              sent=shares, adjoints=dict(running), receivers=receivers))
        return steps

    # ---- views: written in tracetable.py -------------------------------------------------------

    def __str__(self):
        return tracetable.text(self)

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def _repr_html_(self):
        return tracetable.html_table(self)

# ---- helpers -------------------------------------------------------------------------------------

def _tape_of(inputs, outputs):
    for value in list(inputs.values()) + list(outputs.values()):
        if type(value) is Traced:
            return value.tape
    return None


def _owned(values, tape):
    found = ((name, tape.own(v) if tape is not None else None) for name, v in values.items())
    return [(name, node) for name, node in found if node is not None]


def _nodes_of(outputs):
    """Every node the outputs depend on, oldest first (iterative: see `tape.ancestors`)."""
    seen = {}
    for out in outputs:
        if out not in seen:
            for node in ancestors(out):
                seen[node] = None
    return sorted(seen, key=by_number)


def _by_level(ops):
    """Operations on inputs alone first, then those one step further, …; ties in recorded order."""
    level = {}
    for node in ops:  # oldest first, so every parent's level is known
        level[node] = 1 + max((level.get(p, 0) for _, p in node.in_edges()), default=0)
    return sorted(ops, key=lambda n: (level[n], n.number))


def _labels(drawn, titles, named):
    """The cell's own names for each row: an input's (``x``), an operation's where the cell named
    it (``y``, ``y = z``: as its box in the graph starts); no label for a value only the trace
    numbers (`naming.display_names` names both)."""
    named = {node for _, node in named}
    return {node: drawn[node] if node.primitive is None else titles[node]
            for node in drawn if node.primitive is None or node in named}


def _share(node, argnum, g):
    """g × ∂node/∂(argument argnum), by that argument's rule in `tape.VJP`, in its shape."""
    try:
        share = plain_share(node, argnum, g)
    except ZeroDivisionError:  # Python floats raise where NumPy gives inf, as in tape.backward
        share = plain_share(node, argnum, np.float64(g))
    if share is None:
        return None
    share = _tidy(share)
    arg = plain(node.args[argnum])
    share = unbroadcast(share, arg)
    return float(share) if np.ndim(share) == 0 and not isinstance(arg, np.ndarray) else share


def _local_partial(node, argnum):
    """∂node/∂(argument argnum) where the node is a number: the rule run with g = 1. None for an
    array node (its partial is a Jacobian matrix) or a rule that can't run on plain numbers."""
    if np.ndim(plain(node.value)) != 0:
        return None
    try:
        return _share(node, argnum, 1.0)
    except Exception:  # a rule that can't run on plain numbers leaves the partial unwritten
        return None


def _tidy(value):
    """The plain value, and a Python float for a NumPy scalar: rows a student reads as numbers."""
    value = plain(value)
    return float(value) if isinstance(value, np.floating) else value
