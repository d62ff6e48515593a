"""Which part of a tape's record the graph draws, and, for a big trace, which part to leave out.

`Record` collects what leads to the outputs and names every value (``x``, ``v1``, the user's own
names). A layout engine's time grows faster than the number of nodes, so above ``max_nodes``
`choose` keeps the inputs, the outputs and the operations nearest to them (`Selection`), and
`Plan` decides which edges start from a dashed copy of their value instead: `dot` spends its time
on long edges. `graph.py` then draws what was chosen.
"""

from collections import deque

import numpy as np

from .naming import display_names
from .tape import ancestors
from .traced import Traced, plain

HUB_USES = 3
"""A value used by more operations than this (an input feeding every step of a loop) is drawn once
more, as a dashed copy, for each further use: long edges fanning out of one node to every step make
`dot`'s layout time explode (measured: 34 s for 150 nodes, against 0.03 s with copies)."""

LONG_EDGES = 200
"""How many ranks, in all, the drawn edges may cross before the longest start from copies."""

MAX_RANKS = 16
"""How many ranks (rows, top to bottom) a picture may have before it is summarised: about 110 px
each at 96 dpi, so a long loop's first and last steps fit a screen, about 1,800 px, not 16,000."""

def is_array_constant(value):
    return isinstance(value, np.ndarray) and value.size > 1


# ---- what to draw --------------------------------------------------------------------------------


class Record:
    """The part of a tape's record that leads to the outputs, with everyone's display name."""

    def __init__(self, outputs, inputs, names):
        tape = next((leaf.tape for leaf in inputs.values() if type(leaf) is Traced), None)
        if tape is None:
            tape = next((v.tape for v in outputs.values() if type(v) is Traced), None)
        self.outputs = self._traced(outputs, tape)  # (name, node) of each, in the cell's order
        self.named = self._traced(names, tape)
        given = list({id(v): v for v in inputs.values() if type(v) is Traced}.values())
        every = sorted({n for _, out in self.outputs for n in ancestors(out)},
                       key=lambda n: n.number)
        self.ops = [n for n in every if n.primitive is not None]
        known = set(given)
        self.leaves = given + [n for n in every if n.primitive is None and n not in known]
        self.children = {}  # node -> the operations using it, each once, in order
        self.first_ops = []  # the operations on inputs alone
        for node in self.ops:
            parents = distinct_parents(node)
            for parent in parents:
                self.children.setdefault(parent, []).append(node)
            if all(p.primitive is None for p in parents):
                self.first_ops.append(node)
        # name: how other labels refer to a node; title: the names at the start of its own label
        self.name, self.title = display_names(inputs, self.outputs, self.named, self.leaves,
                                              self.ops)

    @staticmethod
    def _traced(values, tape):
        found = ((name, tape.own(value) if tape is not None else None)
                 for name, value in values.items())
        return [(name, traced) for name, traced in found if traced is not None]


def distinct_parents(node):
    return list({id(p): p for p in node.parents if p is not None}.values())


def array_constants(node):
    """The argument numbers of `node`'s array constants, each drawn as a small node."""
    traced = {argnum for argnum, _ in node.in_edges()}
    return [i for i, a in enumerate(node.args) if i not in traced and is_array_constant(plain(a))]


class Selection:
    """Which nodes to draw: all of them, or, within a budget, those nearest the inputs and outputs.

    ``size`` estimates the nodes the layout engine will get (its operations and inputs, their
    array constants, copies of hub values, the "…" node); `Plan` counts them exactly.
    """

    def __init__(self, record, target, budget=None):
        self.record = record
        self.kept, self.leaves, self.uses, self.size = set(), set(), {}, 0
        self.summarised = budget is not None
        if not self.summarised:
            self.kept, self.leaves = set(record.ops), set(record.leaves)
        else:
            self.size = 1  # the "…" node
            ends = sorted({id(n): n for _, n in record.outputs}.values(),
                          key=lambda n: (n is not target, -n.number))
            for node in ends + record.leaves:
                self._add(node, budget)
            self._grow(budget)
        self.drawn_leaves = [n for n in record.leaves if n in self.leaves]

    def _cost(self, node):
        cost = 1 + len(array_constants(node))
        for parent in distinct_parents(node):
            if self.uses.get(parent, 0) >= HUB_USES:
                cost += 1
        return cost

    def _keep(self, node):
        self.size += self._cost(node)
        self.kept.add(node)
        for parent in distinct_parents(node):
            self.uses[parent] = self.uses.get(parent, 0) + 1

    def _add(self, node, budget):
        if node.primitive is None:
            if node not in self.leaves and self.size + 1 <= budget:
                self.leaves.add(node)
                self.size += 1
        elif node not in self.kept and self.size + self._cost(node) <= budget:
            self._keep(node)

    def _grow(self, budget):
        """Breadth-first from both ends: two steps back from the outputs, one on from the inputs."""
        children = self.record.children
        back = deque(p for n in self.kept for _, p in n.in_edges())
        on = deque(self.record.first_ops)
        while (back or on) and self.size < budget:
            for queue, steps in ((back, 2), (on, 1)):
                for _ in range(steps):
                    node = self._next(queue, forward=queue is on)
                    if node is None or self.size + self._cost(node) > budget:
                        continue
                    self._keep(node)
                    back.extend(p for _, p in node.in_edges() if p.primitive is not None)
                    on.extend(children.get(node, ()))

    def _next(self, queue, forward):
        """The next operation to keep from `queue`. Going forward, only one whose operands are all
        kept already: a hub input's later uses are one edge away from it, but far along the loop."""
        while queue:
            node = queue.popleft()
            if node.primitive is None or node in self.kept:
                continue
            if forward and any(p.primitive is not None and p not in self.kept
                               for _, p in node.in_edges()):
                continue  # it comes back when its last operand is kept
            return node
        return None


class Plan:
    """The edges between the selected nodes, and which of them start from a dashed copy instead.

    `dot` spends its time on long edges (it threads each through every rank it crosses), so a
    value's uses beyond the first `HUB_USES` start from a copy drawn next to the user, and so do
    the longest edges until the ranks they cross add up to at most `LONG_EDGES`.
    """

    def __init__(self, record, selection):
        self.ops = [n for n in record.ops if n in selection.kept]
        drawn = selection.kept | selection.leaves
        rank = {}
        for node in self.ops:
            rank[node] = 1 + max((rank.get(p, 0) for _, p in node.in_edges() if p in drawn),
                                 default=0)
        for leaf in selection.drawn_leaves:  # dot puts an input just before its first user
            users = [rank[c] for c in record.children.get(leaf, ()) if c in selection.kept]
            rank[leaf] = min(users, default=1) - 1
        self.depth = max((rank[n] for n in self.ops), default=0)
        self.ranks = self._ranks_with_ellipsis(record, selection, rank)
        self.edges = []  # [tail, head, from a copy?]
        uses = {}
        for node in self.ops:
            for parent in distinct_parents(node):
                if parent in drawn:
                    uses[parent] = uses.get(parent, 0) + 1
                    self.edges.append([parent, node, uses[parent] > HUB_USES])
        crossed = {id(e): rank[e[1]] - rank[e[0]] - 1 for e in self.edges}
        longest = sorted((e for e in self.edges if not e[2]), key=lambda e: -crossed[id(e)])
        total = sum(max(0, crossed[id(e)]) for e in longest)
        for edge in longest:
            if total <= LONG_EDGES:
                break
            edge[2] = True
            total -= max(0, crossed[id(edge)])
        self.size = (len(selection.drawn_leaves) + len(self.ops) + selection.summarised
                     + sum(len(array_constants(n)) for n in self.ops) + sum(e[2] for e in self.edges))

    def _ranks_with_ellipsis(self, record, selection, rank):
        """The ranks the layout will have: what leads into the "…" node sits above it, and what
        continues after it (an operation whose operand was left out) below it."""
        if not selection.summarised:
            return self.depth + 1
        hidden_children = [n for n in list(self.ops) + selection.drawn_leaves
                           if any(c not in selection.kept for c in record.children.get(n, ()))]
        more = 1 + max((rank[n] for n in hidden_children), default=0)
        below = {}
        for node in self.ops:
            after = [below[p] for _, p in node.in_edges() if p in below]
            if any(p.primitive is not None and p not in selection.kept for _, p in node.in_edges()):
                after.append(more)
            below[node] = 1 + max(after, default=rank[node] - 1)
        return 1 + max([more] + list(below.values()))


def choose(record, target, max_nodes, max_ranks=MAX_RANKS):
    """Everything if it fits in `max_nodes` nodes and `max_ranks` ranks (None: any number), else
    the largest summary that does."""

    def fits(plan):
        return plan.size <= max_nodes and (max_ranks is None or plan.ranks <= max_ranks)

    if len(record.ops) + len(record.leaves) <= max_nodes:
        selection = Selection(record, target)
        plan = Plan(record, selection)
        if fits(plan):
            return selection, plan
    # Copies make the count grow faster than the budget, so search for the largest budget that fits.
    low, high = 1, max_nodes
    best = None
    while low <= high:
        budget = (low + high) // 2
        selection = Selection(record, target, budget)
        plan = Plan(record, selection)
        if fits(plan):
            best, low = (selection, plan), budget + 1
        else:
            high = budget - 1
    return best
