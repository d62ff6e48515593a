"""Drawing the computation graph: what a tape recorded, as a `graphviz.Digraph`.

The graph is an `admagic.render.Digraph`: graphviz's own class, with its editing API, that displays
and saves itself through admagic's layout engine (`render.py`).

Every node is a small table. Inputs are green (``x = 3``), operations blue, the cell's outputs
purple; each is named the way a Wengert list names them (the user's names where there are any,
``v1, v2, …`` for the intermediate values the user never named), so every operation reads as a
line of algebra (``v1 = x × y``) however its arguments are drawn. Under the forward value, an
orange row holds the gradient: the derivative of one chosen output with respect to that node,
exactly the adjoint reverse mode computes. With ``edges=True`` each edge carries the local partial
derivative, so multiplying along the paths from an input to the output, and adding the paths up,
is the chain rule.

>>> from admagic.tape import Tape
>>> from admagic.traced import new_leaf
>>> with Tape() as tape:
...     x = new_leaf(tape, 3.0)
...     y = x * x
...     z = y * y
>>> dot = draw({"y": y, "z": z}, {"x": x}).source
>>> "∂z/∂x = 108" in dot
True

The layout engine's time grows faster than the number of nodes, so above `max_nodes` the picture
keeps the inputs, the outputs and the operations nearest to them, and one "…" node says how many
were left out; `summary.py` chooses what to keep. The numbers in every label come from `formatting.py`, which the result table uses too.
"""

import html
import itertools
import math

import numpy as np

from .formatting import format_number, format_value
from .messages import text as _t
from .naming import argument_text, expression
from .notation import operand, typed_number
from .render import Digraph
from .roundoff import gradient_scale, sum_scale, without_roundoff
from .summary import MAX_RANKS, Record, choose, is_array_constant
from .tape import backward
from .traced import Traced, plain
from .values import plain_share

# ---- how it looks: mid-saturation fills under dark text, on a transparent background, so the
# same picture reads on a light and on a dark notebook theme ---------------------------------------

INPUT, OPERATION, OUTPUT, GRADIENT = "#8fd4a4", "#a3c8ec", "#c9abe6", "#f7bb86"
QUIET, TEXT, BORDER, EDGE = "#e3e3e3", "#1d1d1d", "#4f4f4f", "#8c8c8c"
# Latin text in the first of these a machine has; Chinese in a Simplified Chinese font, named
# before the generic family, whose fallback would pick the first CJK font installed (on Debian
# the Japanese forms). Graphviz measures with the kernel's fonts, the browser draws with its own.
FONT = "Helvetica,Arial,DejaVu Sans,Noto Sans CJK SC,PingFang SC,Microsoft YaHei,sans-serif"

_GRAPH_STYLE = {"rankdir": "LR", "bgcolor": "transparent", "fontname": FONT, "fontsize": "12",
                "labelloc": "t", "labeljust": "l", "nodesep": "0.25", "ranksep": "0.4",
                "pad": "0.15"}
_NODE_STYLE = {"shape": "plain", "fontname": FONT, "fontsize": "12", "fontcolor": TEXT}
_EDGE_STYLE = {"color": EDGE, "penwidth": "1.3", "arrowsize": "0.7", "fontname": FONT,
               "fontsize": "10", "fontcolor": TEXT}

DEEP = 8
"""Graphs more operations deep than this are laid out top to bottom, so that a notebook shows them
at full size (scrolling down) instead of shrinking a long row to fit its width."""

WIDE = 1000
"""Pixels: a left-to-right drawing estimated wider than this (about 7 px a character of the widest
label, per column) is laid out top to bottom, as one too wide would be shrunk unreadably."""

# ---- drawing -------------------------------------------------------------------------------------


def draw(outputs, inputs, *, gradient_of=None, edges=False, max_nodes=150, title=None, names=None,
         max_ranks=MAX_RANKS, tangents=None, seed=None):
    """The computation graph that produced `outputs` from `inputs`, as a `graphviz.Digraph` (an
    `admagic.render.Digraph`, which displays and saves itself through admagic's layout engine).

    `outputs` maps the cell's names to its values (plain values are skipped), `inputs` the input
    names to the traced leaves. Gradients shown are those of the output `gradient_of` (by
    default the last traced one). ``edges=True`` labels each edge with the local partial
    derivative. Above `max_nodes` nodes the graph is summarised; the layout never gets more.
    `names` maps further names to values (the cell's other variables, the namespace): they only
    label what is drawn anyway: a traced value's node, or an array constant (``X``, not ``c1``).
    Above `max_ranks` ranks (None: no limit) the graph is summarised too, so that a long loop
    shows its first and last steps and fits a screen.
    `tangents` (node -> tangent, from a forward sweep seeded by the input `seed`) puts each
    node's tangent on its band instead of its gradient: forward mode's picture.

    >>> with Tape() as tape:                                  # doctest: +SKIP
    ...     x = new_leaf(tape, 3.0); y = x * x
    >>> draw({"y": y}, {"x": x}).render("y", format="svg")    # doctest: +SKIP
    """
    if max_nodes < 3:
        raise ValueError(_t("error.max_nodes", max_nodes=max_nodes))
    names = names or {}
    record = Record(outputs, inputs, {n: v for n, v in names.items() if type(v) is Traced})
    constants = {}  # id of an array -> its name; the first name wins, private ones (_, _3) skipped
    for name, value in names.items():
        if isinstance(value, np.ndarray) and not name.startswith("_"):
            constants.setdefault(id(value), name)
    traced_names = [name for name, _ in record.outputs]
    if gradient_of is None:
        gradient_of = traced_names[-1] if traced_names else None
    elif gradient_of not in traced_names:
        raise ValueError(_unknown_output(gradient_of, outputs, traced_names))
    target = dict(record.outputs).get(gradient_of)
    selection, plan = choose(record, target, max_nodes, max_ranks)
    picture = _Picture(record, selection, plan, _adjoints(target), gradient_of, target, edges,
                       constants, (seed, tangents) if tangents is not None else None)
    picture.legend(title, max_nodes)
    return picture.graph


def _unknown_output(name, outputs, traced_names):
    if name in outputs:
        return _t("graph.no_gradient_for", name=repr(name),
                  names=", ".join(traced_names) or _t("graph.none"))
    return _t("graph.no_output_called", name=repr(name),
              names=", ".join(traced_names) or _t("graph.none"))


def _adjoints(target):
    if target is None:
        return {}
    value = plain(target.value)
    seed = 1.0 if np.ndim(value) == 0 else np.ones(np.shape(value))
    with np.errstate(all="ignore"):
        return {node: plain(g) for node, g in backward(target, seed).items()}


class _Picture:
    """Builds the Digraph: one node per selected value, the planned edges, the legend."""

    def __init__(self, record, selection, plan, adjoints, gradient_of, target, edges, constants,
                 tangents=None):
        self.record, self.selection, self.adjoints = record, selection, adjoints
        self.constant_names = dict(constants)  # id(array) -> name: given, or c1, c2, ... as met
        self.tangents = tangents  # (seed input's name, node -> tangent), or None
        self.graph = Digraph(graph_attr=_GRAPH_STYLE, node_attr=_NODE_STYLE,
                                      edge_attr=_EDGE_STYLE)
        self.grad_of = None
        if target is not None:
            self.grad_of = operand(gradient_of)
            if np.ndim(plain(target.value)):
                self.grad_of = f"Σ{self.grad_of}"  # an array's gradient is that of its sum
        self.outputs = {n for _, n in record.outputs}
        self._constants = 0
        self._to_ellipsis = set()
        self._labelled = False  # any edge carries a partial derivative
        self._copied = set()  # the names of values drawn again as dashed copies
        self._fills = set()  # the kinds of node drawn, for the legend
        self._widest = 0  # characters in the longest line of any label
        for leaf in selection.drawn_leaves:
            value = typed_number(plain(leaf.value)) or format_value(leaf.value)
            self._node(_id(leaf), [f"{record.title[leaf]} = {value}"], INPUT, *self._gradient(leaf))
        for node in plan.ops:
            self._operation(node)
        for tail, head, copied in plan.edges:
            self._edge(tail, head, copied, edges)
        if selection.summarised:
            self._ellipsis()
        if plan.ranks > DEEP + 1 or plan.ranks * (self._widest * 7 + 50) > WIDE:
            self.graph.attr(rankdir="TB")

    def _gradient(self, node):
        """The gradient's line, and a tooltip when round-off was shown as the 0 it stands for."""
        if self.tangents is not None:  # forward mode: d(node)/d(seed), not d(output)/d(node)
            seed, tangents = self.tangents
            t = format_value(tangents.get(node, 0.0))
            return f"∂{operand(self.record.name[node])}/∂{operand(seed)} = {t}", None
        if self.grad_of is None:
            return None, None
        g = self.adjoints.get(node)
        g = 0.0 if g is None else g
        shown = without_roundoff(g, gradient_scale(node, self.record.children.get(node, ()),
                                                    self.adjoints))
        line = f"∂{self.grad_of}/∂{operand(self.record.name[node])} = "
        if shown is g:
            return line + format_value(g), None
        return line + format_value(shown), _t("graph.roundoff_gradient", line=line,
                                              value=format_value(g))

    def _node(self, node_id, lines, fill, gradient=None, tooltip=None, quiet=False, dashed=False):
        """A node: bold first line, then plain lines, then the gradient on an orange band."""
        self._widest = max([self._widest] + [len(t) for t in lines + [gradient or ""]])
        rows = "".join(f"<TR><TD>{_fitted(line) if i or quiet else _b(line)}</TD></TR>"
                       for i, line in enumerate(lines))
        if gradient is not None:
            rows += f'<TR><TD BGCOLOR="{GRADIENT}">{_fitted(gradient)}</TD></TR>'
        style = 'STYLE="dashed" ' if quiet or dashed else ""
        size = ' POINT-SIZE="10"' if quiet else ""
        label = (f'<<TABLE {style}BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
                 f'BGCOLOR="{fill}" COLOR="{BORDER}"><TR><TD><FONT COLOR="{TEXT}"{size}>'
                 f'<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>'
                 f"</FONT></TD></TR></TABLE>>")
        self.graph.node(node_id, label=label, **({"tooltip": tooltip} if tooltip else {}))
        self._fills.add(fill)

    def _fill(self, node):
        return INPUT if node.primitive is None else OUTPUT if node in self.outputs else OPERATION

    def _operation(self, node):
        record, kept = self.record, self.selection.kept
        by_argnum = dict(node.in_edges())
        operands, constants = [], []
        for argnum, arg in enumerate(node.args):
            if argnum in by_argnum:
                operands.append(record.name[by_argnum[argnum]])
            elif is_array_constant(plain(arg)):
                constants.append((self._constant_name(plain(arg)), arg))
                operands.append(constants[-1][0])
            else:
                operands.append(argument_text(arg))
        value = plain(node.value)
        shown = without_roundoff(value, sum_scale(node))
        lines = [f"{record.title[node]} = {expression(node, operands)}",
                 f"= {format_value(shown)}"]
        gradient, why = self._gradient(node)
        if shown is not value:
            why = "; ".join(filter(None, [_t("graph.roundoff_value", line=lines[0],
                                             value=format_value(value)), why]))
        self._node(_id(node), lines, self._fill(node), gradient, why)
        for argnum, (name, value) in enumerate(constants):
            self._node(f"{_id(node)}_c{argnum}", [f"{name} = {format_value(value)}"], QUIET,
                       quiet=True)
            self.graph.edge(f"{_id(node)}_c{argnum}", _id(node), style="dashed")
        if any(p not in kept and p not in self.selection.leaves for _, p in node.in_edges()):
            self._ellipsis_edge("more", _id(node))
        if any(child not in kept for child in record.children.get(node, ())):
            self._ellipsis_edge(_id(node), "more")

    def _constant_name(self, value):
        """The name of an array the cell uses but does not trace: its own (``X``), else c1, c2, …"""
        if id(value) not in self.constant_names:
            taken = set(self.constant_names.values()) | set(self.record.name.values())
            fresh = next(f"c{n}" for n in itertools.count(1) if f"c{n}" not in taken)
            self.constant_names[id(value)] = fresh
        return self.constant_names[id(value)]

    def _edge(self, tail, head, copied, labelled):
        tail_id = _id(tail)
        if copied:  # a dashed copy of the tail, drawn next to this use
            tail_id = f"{_id(tail)}_to_{_id(head)}"
            self._node(tail_id, [self.record.name[tail]], self._fill(tail), dashed=True)
            self._copied.add(self.record.name[tail])
        label = None
        partial = _local_partial(head, tail) if labelled else None
        if partial is not None:
            self._labelled = True
            names = [operand(self.record.name[n]) for n in (head, tail)]
            label = _edge_label(f"∂{names[0]}/∂{names[1]} = {partial}")
        spine = tail.primitive is not None and not copied  # weighted: operations in a straight line
        self.graph.edge(tail_id, _id(head), label=label, **({"weight": "4"} if spine else {}))

    def _ellipsis_edge(self, tail, head):
        if (tail, head) not in self._to_ellipsis:
            self._to_ellipsis.add((tail, head))
            self.graph.edge(tail, head, style="dashed")

    def _ellipsis(self):
        record, selection = self.record, self.selection
        missing = [n for n in record.ops if n not in selection.kept]
        period = _period([n.primitive for n in missing])
        count = len(missing)
        if period and count % period == 0:  # a loop's steps, each `period` operations
            lines = [_t("graph.more_steps", steps=f"{count // period:,}"),
                     _t("graph.steps_of", count=f"{count:,}", period=period)]
        else:
            lines = [_t("graph.more_operations", count=count if count == 1 else f"{count:,}")]
        if missing:
            lines.append(f"({record.name[missing[0]]} … {record.name[missing[-1]]})")
        hidden = len(record.leaves) - len(selection.drawn_leaves)
        if hidden:
            lines.append(_t("graph.more_inputs", count=hidden if hidden == 1 else f"{hidden:,}"))
        self._node("more", lines, QUIET, quiet=True)
        for leaf in selection.drawn_leaves:
            if any(c not in selection.kept for c in record.children.get(leaf, ())):
                self._ellipsis_edge(_id(leaf), "more")

    def legend(self, title, max_nodes):
        """The graph's label: the title, what the colours mean, and what was left out."""
        kinds = [(INPUT, _t("graph.input")), (OPERATION, _t("graph.operation")),
                 (OUTPUT, _t("graph.output"))]
        cells = [(fill, text) for fill, text in kinds if fill in self._fills]
        if self.tangents is not None:
            seed = operand(self.tangents[0])
            cells.append((GRADIENT, _t("graph.tangents", seed=seed)))
        elif self.grad_of is not None:
            cells.append((GRADIENT, _t("graph.gradients", output=self.grad_of)))
        else:
            cells.append((QUIET, _t("graph.no_gradients")))
        rows = "<TR>" + "".join(_legend_cell(fill, text) for fill, text in cells) + "</TR>"
        notes = []
        if self._labelled:
            notes.append(_t("graph.edge_partials"))
        if self._copied:
            names = ", ".join(sorted(self._copied))
            notes.append(_t("graph.copies", names=names))
        if self.selection.summarised:
            total = len(self.record.ops) + len(self.record.leaves)
            shown = len(self.selection.kept) + len(self.selection.drawn_leaves)
            notes.append(_t("graph.summarised", shown=f"{shown:,}", total=f"{total:,}",
                            max_nodes=max_nodes))
        for note in notes:  # a row each: one long row would widen the whole picture
            rows += "<TR>" + _legend_cell(QUIET, note, len(cells)) + "</TR>"
        if title:
            # Not bold: Graphviz sizes the cell with plain-text widths, and bold would overflow it.
            rows = "<TR>" + _legend_cell(QUIET, title, len(cells)) + "</TR>" + rows
        self.graph.attr(label=(f'<<FONT COLOR="{TEXT}" POINT-SIZE="10"><TABLE BORDER="0" '
                               f'CELLSPACING="2" CELLPADDING="2">{rows}</TABLE></FONT>>'))


def _period(primitives, longest=24):
    """The shortest p (up to `longest`) with which the sequence repeats, at least twice: a loop's
    body. None if it doesn't."""
    for p in range(1, min(longest, len(primitives) // 2) + 1):
        if all(primitives[i] is primitives[i - p] for i in range(p, len(primitives))):
            return p
    return None


def _legend_cell(fill, text, span=1):
    return f'<TD COLSPAN="{span}" BGCOLOR="{fill}" BORDER="1" COLOR="{BORDER}">{_fitted(text)}</TD>'


def _local_partial(node, parent):
    """∂node/∂parent as text, for a scalar node and a scalar parent: the rule from the rule table,
    run with g = 1 on plain numbers (summed over the arguments `parent` is). None otherwise."""
    if np.ndim(plain(node.value)) != 0 or np.ndim(plain(parent.value)) != 0:
        return None
    total = None
    for argnum, each in node.in_edges():
        if each is not parent:
            continue
        try:
            with np.errstate(all="ignore"):
                partial = plain_share(node, argnum, 1.0)
        except Exception:  # a rule that can't run on plain numbers leaves the edge unlabelled
            return None
        if partial is None:
            continue
        partial = plain(partial)
        if np.ndim(partial) != 0:
            return None
        total = partial if total is None else total + partial
    return None if total is None else format_number(total)


def _id(node):
    return f"n{node.number}"


def _html(text):
    """Text made safe for a Graphviz HTML-like label."""
    return html.escape(str(text), quote=True).replace("\n", "<BR/>")


SLACK = 12
"""Every label line ends in one no-break space per this many characters: a browser draws text
about 2% wider than Graphviz measured it (Chromium, measured), so without slack the end of a long
line crossed its box's border (issue 15: "gradients of (dy/dx" with the ")" cut off)."""


def _fitted(text):
    """`text` for a label, with room after it to be drawn a little wider than measured."""
    return _html(text) + "&#160;" * math.ceil(len(str(text)) / SLACK)


def _b(text):
    return f"<B>{_html(text)}</B>" + "&#160;" * math.ceil(len(str(text)) / SLACK)


def _edge_label(text):
    return (f'<<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0" BGCOLOR="{QUIET}"><TR><TD>'
            f'<FONT COLOR="{TEXT}">{_fitted(text)}</FONT></TD></TR></TABLE>>')
