"""The textbook's views of a traced run: the evaluation trace (`--trace`), the chain rule written
out with numbers (`--explain`), and forward mode's tangents (`--mode forward`).

Each is read off the record the cell's run left, while its values are still traced; `cell.py`
calls `views` once the derivatives are taken, before the tapes let go of the record.
"""

import time

import numpy as np

from . import chainrule, evaltrace, forward
from .messages import listed, text
from .tape import ancestors
from .traced import Traced, plain
from .usage import GradUsageError


def _explained(outputs, leaves, named, notes):
    """The chain rule for every output that is a number (`notes` says which arrays are left
    out); a GradUsageError if none is."""
    numbers = {name: v for name, v in outputs.items() if np.ndim(plain(v)) == 0}
    arrays = [name for name in outputs if name not in numbers]
    if not numbers:
        raise GradUsageError(text("error.explain_array_outputs", names=listed(arrays),
                                  count=len(arrays)))
    explanation = chainrule.explain(numbers, leaves, names=named)
    if arrays:
        notes.append(text("note.explain_arrays", names=listed(arrays), count=len(arrays)))
    return explanation


def forward_mode(traced, leaves):
    """The first derivatives again, by one tangent sweep per input (`forward.py`)."""
    try:
        return forward.forward_derivatives(traced, leaves)
    except ValueError as problem:
        raise GradUsageError(str(problem)) from None


def views(request, run, timings):
    """--trace, --explain, and the tangents --mode forward draws: each from the same record."""
    leaves, outputs = run.leaves[-1], run.traced
    tape = next(iter(leaves.values())).tape
    if not any(type(v) is Traced and tape.own(v) is not None for v in outputs.values()):
        if (request.trace or request.explain) and not run.notes:
            run.notes.append(text("note.no_trace"))
        return
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        if request.trace:
            graph_of = request.graph_of if request.graph_of in outputs else None
            try:
                run.trace = evaltrace.evaluation_trace(outputs, leaves, names=run.named,
                                                       gradient_of=graph_of, seed=request.seed)
            except ValueError as problem:
                raise GradUsageError(str(problem)) from None
            timings["trace"] = time.perf_counter() - started
        if request.explain:
            run.explanation = _explained(outputs, leaves, run.named, run.notes)
            timings["explaining"] = time.perf_counter() - started - timings.get("trace", 0.0)
        if request.mode == "forward" and request.graph and request.graph_kind == "forward":
            seed = leaves[request.seed or next(iter(leaves))]
            drawn = [v for v in outputs.values() if type(v) is Traced]
            nodes = list({node: None for v in drawn for node in ancestors(seed.tape.own(v))})
            run.tangents = dict(zip(nodes, forward.tangents(nodes, seed)))
