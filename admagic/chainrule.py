"""The chain rule written out with numbers, for each output and input of a recording.

A derivative through a computation is a sum over paths: for every path from the input to the
output, multiply the local partial derivatives along its edges, then add the paths up. For
y = x², z = y² at x = 3 there is one path::

    dz/dx = ∂z/∂y · ∂y/∂x = 18 × 6 = 108

and for f = x·y + sin x at (2, 3) two paths lead from x to f::

    ∂f/∂x = ∂f/∂v1 · ∂v1/∂x + ∂f/∂v2 · ∂v2/∂x = 1 × 3 + 1 × (-0.4161) = 3 + (-0.4161) = 2.584

The local partials are those of the evaluation trace (`evaltrace.py`: each rule of `tape.VJP` run
with g = 1); the sum over all paths is accumulated node by node, so a loop with millions of paths
is still one pass, and only the first few paths are written out.

>>> from admagic import Tape
>>> from admagic.traced import new_leaf
>>> with Tape() as tape:
...     x = new_leaf(tape, 3.0)
...     y = x * x
...     z = y * y
>>> print(explain({"y": y, "z": z}, {"x": x}))
dy/dx = ∂y/∂x = 6
dz/dx = ∂z/∂y · ∂y/∂x = 18 × 6 = 108
"""

import re
from dataclasses import dataclass

import numpy as np

from .evaltrace import EvaluationTrace
from .formatting import format_number
from .forward import tangents
from .messages import listed, text as _t
from .traced import plain

__all__ = ["explain", "Explanation", "ChainRule", "MAX_PATHS"]

MAX_PATHS = 4
"""More paths than this are summarised: their number, their sum, and the first path as an example."""


@dataclass
class ChainRule:
    """The chain rule for one output and one input: `paths` (each a list of names, output first),
    each path's `partials` and `product`, how many paths there are (`count`), and their sum."""
    output: str
    input: str
    count: int
    paths: list  # at most MAX_PATHS + 1 of them
    partials: list  # per path, the local partial of each edge
    products: list
    total: object
    symbol: str  # "d" with one input, "∂" with several
    note: str = ""  # why the paths are not written out, where they are not, in brackets
    max_paths: int = MAX_PATHS  # more paths than this are summarised

    @property
    def text(self):
        """The chain rule as one line of plain text."""
        return _written(self, _TEXT)

    @property
    def latex(self):
        """The same, as LaTeX (no surrounding $)."""
        return _written(self, _LATEX)


class Explanation:
    """Every `ChainRule` of a recording (`rules`), shown as text (`str`) or LaTeX."""

    def __init__(self, rules):
        self.rules = rules

    def __str__(self):
        return "\n".join(rule.text for rule in self.rules)

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def _repr_latex_(self):
        lines = r" \\ ".join(rule.latex for rule in self.rules)
        return rf"$\begin{{array}}{{l}} {lines} \end{{array}}$"


def explain(outputs, inputs, *, names=None, order="recorded", max_paths=MAX_PATHS):
    """The chain rule with numbers for every output (a number) and input (a number): an
    `Explanation`. Arguments as `evaltrace.evaluation_trace` (unnamed values are called by their
    rows' names, ``v3``, numbered as `order` says); raises ValueError for an array
    output or input, whose local partials are matrices rather than numbers."""
    arrays = [name for name, v in list(outputs.items()) + list(inputs.items())
              if np.ndim(plain(v)) != 0]
    if arrays:
        raise ValueError(_t("error.explain_numbers", names=listed(arrays), first=arrays[0],
                            count=len(arrays)))
    trace = EvaluationTrace(outputs, inputs, names=names, order=order)
    rows = {node: row for node, row in zip(trace.nodes, trace.rows)}
    symbol = "d" if len(trace.inputs) == 1 else "∂"
    edges, explained = _edges(trace.nodes, rows), []
    for out_name, out in trace.outputs:
        for in_name, leaf in trace.inputs:
            explained.append(_chain_rule(out, leaf, out_name, in_name, trace.nodes, rows, edges,
                                         symbol, max_paths))
    return Explanation(explained)


def _chain_rule(out, leaf, out_name, in_name, nodes, rows, edges, symbol, max_paths):
    # Paths from leaf, and the sum of their products, accumulated oldest first (forward mode).
    count, total = {leaf: 1}, {leaf: 1.0}
    for node in nodes:
        if node.primitive is None:
            continue
        n, s = 0, 0.0
        for parent, partial in edges[node]:
            if parent in count:
                n += count[parent]
                s = None if s is None or partial is None else s + partial * total[parent]
        if n:
            count[node], total[node] = n, s
    n = count.get(out, 0)
    rule = ChainRule(out_name, in_name, n, [], [], [], 0.0, symbol, max_paths=max_paths)
    if n == 0:
        rule.note = _t("explain.no_path", output=out_name, input=in_name)
        return rule
    rule.total = total[out]
    names = {node: _display(rows[node]) for node in nodes}
    for path in _first_paths(out, leaf, edges, count, min(n, max_paths + 1)):
        partials = [p for _, _, p in path]
        rule.paths.append([names[out]] + [names[parent] for _, parent, _ in path])
        rule.partials.append(partials)
        rule.products.append(None if None in partials else float(np.prod(partials)))
    if rule.total is None:  # no numbers to multiply: the derivative by one tangent sweep instead
        rule.total = float(plain(tangents([out], leaf)[0]))
        rule.note = _t("explain.by_tangents")
    return rule


def _edges(nodes, rows):
    """For each operation, its distinct parents with the local partial (summed over the
    arguments that parent is: x·x has one edge to x, with partial 2x)."""
    edges = {}
    for node in nodes:
        if node.primitive is None:
            continue
        merged = {}
        for (_, parent), partial in zip(node.in_edges(), rows[node].partials):
            value = partial.value
            if value is not None and np.ndim(value) != 0:
                value = None
            if parent in merged:
                earlier = merged[parent]
                merged[parent] = None if earlier is None or value is None else earlier + value
            else:
                merged[parent] = value
        edges[node] = list(merged.items())
    return edges


def _first_paths(out, leaf, edges, count, limit):
    """Up to `limit` paths from `out` back to `leaf`, each a list of (child, parent, partial):
    depth first with a stack, only into parents that lead to the leaf. Each stack entry links to
    the one it came from, so a path is spelled out only once it reaches the leaf."""
    found, stack = [], [(out, None)]
    while stack and len(found) < limit:
        node, link = stack.pop()
        if node is leaf:
            path = []
            while link is not None:
                edge, link = link
                path.append(edge)
            found.append(path[::-1])
            continue
        for parent, partial in reversed(edges.get(node, [])):
            if parent in count:
                stack.append((parent, ((node, parent, partial), link)))
    return found


def _display(row):
    """The cell's name for a row where it has one, else the trace's (``v3``)."""
    return row.label.split(" = ")[0] if row.label else row.name


# ---- writing it ----------------------------------------------------------------------------------

class _TEXT:
    times, dot, plus = " × ", " · ", " + "

    @staticmethod
    def derivative(symbol, top, bottom):
        return f"{symbol}{top}/{symbol}{bottom}"

    @staticmethod
    def name(name):
        return name

    @staticmethod
    def number(x):
        text = format_number(x)
        return f"({text})" if text.startswith("-") else text

    @staticmethod
    def words(text):
        return text


class _LATEX:
    times, dot, plus = r" \times ", r"\,", " + "

    @staticmethod
    def derivative(symbol, top, bottom):
        d = r"\partial " if symbol == "∂" else "d"
        return rf"\frac{{{d}{_LATEX.name(top)}}}{{{d}{_LATEX.name(bottom)}}}"

    @staticmethod
    def name(name):
        match = re.fullmatch(r"v([₋₀₁₂₃₄₅₆₇₈₉]+|\d+)", name)
        if match:
            digits = match.group(1).translate(str.maketrans("₋₀₁₂₃₄₅₆₇₈₉", "-0123456789"))
            return f"v_{{{digits}}}"
        if len(name) == 1:
            return name
        escaped = re.sub(r"([\\{}_^#$%&~])", lambda m: "\\" + m.group(1)
                         if m.group(1) != "\\" else r"\backslash ", name)
        return rf"\mathit{{{escaped}}}"

    @staticmethod
    def number(x):
        text = format_number(x)
        text = re.sub(r"e(-?\d+)$", r" \\cdot 10^{\1}", text)
        return f"({text})" if text.startswith("-") else text

    @staticmethod
    def words(text):
        return rf"\text{{{text}}}"


def _written(rule, w):
    lhs = w.derivative(rule.symbol, rule.output, rule.input)
    if rule.count == 0:
        return f"{lhs} = 0 {w.words(rule.note)}"
    if rule.note:
        return f"{lhs} = {w.number(rule.total)} {w.words(rule.note)}"
    formulas = [w.dot.join(w.derivative("∂", path[i], path[i + 1]) for i in range(len(path) - 1))
                for path in rule.paths]
    numbers = [w.times.join(w.number(p) for p in partials) for partials in rule.partials]
    total = w.number(rule.total)
    if rule.count > rule.max_paths:
        return _summary(rule, w, lhs, formulas, numbers, total)
    if rule.count == 1 and len(rule.partials[0]) == 1:
        return f"{lhs} = {formulas[0]} = {total}"
    parts = [f"{lhs} = {w.plus.join(formulas)}", w.plus.join(numbers)]
    if rule.count > 1 and any(len(p) > 1 for p in rule.partials):
        parts.append(w.plus.join(w.number(p) for p in rule.products))
    parts.append(total)
    return " = ".join(parts)


def _summary(rule, w, lhs, formulas, numbers, total):
    """Many paths: how many, their sum, and the first of them (its middle elided if long)."""
    path, partials = rule.paths[0], rule.partials[0]
    factors = [w.derivative("∂", path[i], path[i + 1]) for i in range(len(path) - 1)]
    values = [w.number(p) for p in partials]
    if len(factors) > 5:
        skipped = len(factors) - 4
        gap = r"\cdots" if w is _LATEX else _t("explain.more_factors", count=skipped)
        factors, values = factors[:2] + [gap] + factors[-2:], values[:2] + [gap] + values[-2:]
    example = f"{w.dot.join(factors)} = {w.times.join(values)} = {w.number(rule.products[0])}"
    paths = _t("explain.paths", count=f"{rule.count:,}", input=rule.input, output=rule.output)
    if w is _LATEX:
        before, after = _t("explain.first", example="\0").split("\0")  # around the formula
        return (rf"{lhs} = \sum_{{\text{{{paths}}}}} \prod \frac{{\partial\,\cdot}}{{\partial\,"
                rf"\cdot}} = {total} \quad \text{{{before}}} {example}\text{{{after}}}")
    return (f"{lhs} = {_t('explain.sum', paths=paths)} = {total}   "
            f"{_t('explain.first', example=example)}")
