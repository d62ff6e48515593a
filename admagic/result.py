"""`GradResult`: what a ``%%grad`` cell computed, looked up by Leibniz keys.

>>> res = GradResult(inputs={"x": 3.0}, outputs={"y": 9.0}, order=1,
...                  derivatives={("y", ("x",)): 6.0})
>>> res["dy/dx"], res.d("y", "x"), list(res)
(6.0, 6.0, ['dy/dx'])

Keys are written as on paper: ``dy/dx``, ``d2y/dx2``, ``d2z/dxdy``, ``dloss/dw1`` (a name ending
in a digit takes its power after ``^``: ``d2loss/dw1^2``). ``∂``, ``²`` and spaces are accepted too;
`notation.py` writes and reads them. The result is laid out as rows (`rows`), which `table.py`
shows as an HTML table with the graph below it, as text in a terminal and as LaTeX fractions.
"""

import time
from collections.abc import Mapping

import numpy as np

from . import table
from .formatting import format_value
from .messages import text
from .notation import leibniz, operand, readings
from .render import save, to_svg
from .values import NotComputed


class GradResult(Mapping):
    """The values a ``%%grad`` cell computed and their derivatives.

    ``res["dz/dx"]`` or ``res.d("z", "x")``; for arrays the shape is ``z.shape + x.shape`` (a
    Jacobian), and each further input adds its shape (a Hessian is ``d2loss/dw2``, shape
    ``w.shape + w.shape``). An output that depends on the inputs elementwise (``y = np.sin(x) * x``
    over an array x; its names are in ``res.elementwise``) has its derivatives elementwise instead,
    shaped like x: ``res["dy/dx"][i]`` is dy_i/dx_i; ``res.jacobian("y", "x")`` is the full matrix. ``res.values`` has every input and output as a plain value;
    ``res.graph`` is the computation graph (an `admagic.render.Digraph`, or None), which displays
    and saves itself through admagic's layout engine. `name` is what the user calls this result
    (``_grad``, or the ``--out`` name): the hints it prints use it.

    With ``--trace``, ``res.trace`` is the evaluation trace (an `evaltrace.EvaluationTrace`: its
    ``rows``, and ``res.steps``, the reverse sweep one node at a time); with ``--explain``,
    ``res.explanation`` is the chain rule written out (a `chainrule.Explanation`). Each displays
    itself; `method` says which mode computed the numbers, where the cell asked.
    """

    def __init__(self, *, inputs, outputs, derivatives, order, checks=None, graph=None, notes=(),
                 max_derivative_size=None, timings=None, taylor=None, name="_grad", trace=None,
                 explanation=None, method=None, elementwise=()):
        self.inputs = dict(inputs)
        self.outputs = dict(outputs)
        self.order = order
        self.derivatives = dict(derivatives)  # (output, (input, ...)) -> value or NotComputed
        self.checks = dict(checks or {})       # (output, input) -> finite-difference estimate
        self.graph = graph
        self.notes = list(notes)
        self.max_derivative_size = max_derivative_size
        self.timings = dict(timings or {})
        self.taylor = taylor  # a TaylorPolynomials (--taylor), shown as its own output, or None
        self.name = name
        self.trace = trace  # an EvaluationTrace (--trace), shown as its own output, or None
        self.explanation = explanation  # a chainrule.Explanation (--explain), or None
        self.method = method  # how the numbers were computed ("Taylor mode", ...), or None
        self.render_problem = None  # why render() gave no picture, when Graphviz failed
        self.elementwise = list(elementwise)  # outputs whose derivatives are kept as diagonals

    @property
    def steps(self):
        """The reverse sweep of the trace one node at a time (see `evaltrace.Step`); needs
        ``--trace`` (or ``--step``). Made on first use from the trace's own copy of the sweep, not
        from the cell's record, which is discarded when the cell ends: each step's snapshot makes
        them quadratic in the trace's length, so a cell that never asks doesn't pay for them."""
        if self.trace is None:
            raise AttributeError(text("error.no_trace", name=self.name))
        return self.trace.steps

    # ---- the numbers -----------------------------------------------------------------------------

    @property
    def values(self):
        """Every input and output by name, as plain floats and arrays."""
        return {**self.inputs, **self.outputs}

    def d(self, output, *wrt):
        """d^k output / d wrt[0] ... d wrt[-1], by names: ``res.d("z", "x", "y")`` is
        ``res["d2z/dxdy"]``.

        With arrays, the axes follow the order asked: output's, then each input's in turn.
        """
        if output not in self.outputs:
            raise KeyError(text("error.unknown_output", name=repr(output),
                                outputs=", ".join(self.outputs) or text("graph.none")))
        if not wrt:
            return self.outputs[output]
        unknown = [name for name in wrt if name not in self.inputs]
        if unknown:
            raise KeyError(text("error.unknown_input", name=repr(unknown[0]),
                                inputs=", ".join(self.inputs)))
        if len(wrt) > self.order:
            raise KeyError(text("error.order_too_high", key=leibniz(output, wrt), order=len(wrt),
                                result_order=self.order))
        canonical = self._canonical(wrt)
        value = self.derivatives[(output, canonical)]
        if isinstance(value, NotComputed):
            raise KeyError(text("error.was_not_computed", key=leibniz(output, wrt),
                                reason=value.explain()))
        if output in self.elementwise:  # a diagonal: the same in any order of the inputs
            return value
        return _transposed(value, output, wrt, canonical, self)

    def jacobian(self, output, *wrt):
        """d output / d wrt... as the full tensor, shape ``output.shape + wrt[0].shape + ...``,
        also where ``res[...]`` gives it elementwise (its diagonal): then every entry off the
        diagonal is exactly 0. ``res.jacobian("y", "x", "x")`` is the full Hessian.

        >>> res = GradResult(inputs={"x": np.array([1.0, 2.0])}, outputs={"y": np.array([1.0, 4.0])},
        ...                  order=1, derivatives={("y", ("x",)): np.array([2.0, 4.0])},
        ...                  elementwise=["y"])
        >>> res.jacobian("y", "x")
        array([[2., 0.],
               [0., 4.]])
        """
        value = self.d(output, *wrt)
        if output not in self.elementwise or not wrt:
            return value
        shape = np.shape(value)
        size = np.size(value) ** (len(wrt) + 1)
        limit = self.max_derivative_size or 10_000
        if size > limit:
            raise ValueError(f"The full {leibniz(output, wrt)} would have {size:,} numbers (over "
                             f"max_derivative_size={limit:,}), nearly all 0: "
                             f"{self.name}[{self.key(output, wrt)!r}] is its diagonal, elementwise.")
        full = np.zeros(shape * (len(wrt) + 1))
        diagonal = tuple(np.indices(shape).reshape(len(shape), -1))
        full[diagonal * (len(wrt) + 1)] = np.ravel(value)
        return full

    def _canonical(self, wrt):
        names = list(self.inputs)
        return tuple(sorted(wrt, key=names.index))

    def __getitem__(self, key):
        found = readings(key, list(self.outputs), list(self.inputs)) if isinstance(key, str) else []
        if not found:
            raise KeyError(text("error.no_such_key", key=repr(key),
                                keys=", ".join(self) or text("graph.none")))
        if len(found) > 1:
            raise KeyError(f"{key!r} can be read {len(found)} ways here: "
                           f"{' or '.join(self._spelled(o, w) for o, w in found)}. Write one of "
                           f"those, or use {self.name}.d(output, input, ...).")
        output, wrt = found[0]
        return self.d(output, *wrt)

    def key(self, output, wrt):
        """The key of d(output)/d(wrt...) here: its Leibniz key, or, where that reads more than
        one way with these names, one with each input in parentheses (``d2y/d(x)d(xdx)``)."""
        plain = leibniz(output, wrt)
        if readings(plain, list(self.outputs), list(self.inputs)) == [(output, tuple(wrt))]:
            return plain
        return self._spelled(output, wrt)

    @staticmethod
    def _spelled(output, wrt):
        """A key that reads one way only: each input in parentheses, no powers."""
        order = len(wrt)
        return f"d{order if order > 1 else ''}{operand(output)}/" + "".join(f"d({n})" for n in wrt)

    def __iter__(self):
        """The keys: first derivatives, then second, ...; outputs and inputs in their order."""
        for output, wrt in self._ordered():
            if not isinstance(self.derivatives[(output, wrt)], NotComputed):
                yield self.key(output, wrt)

    def _ordered(self):
        outputs, inputs = list(self.outputs), list(self.inputs)

        def place(item):
            output, wrt = item
            return len(wrt), outputs.index(output), [inputs.index(name) for name in wrt]

        return sorted(self.derivatives, key=place)

    def __len__(self):
        return sum(1 for _ in self)

    def __contains__(self, key):
        try:
            self[key]
        except KeyError:
            return False
        return True

    # ---- the rows every view shows ---------------------------------------------------------------

    def rows(self):
        """Everything the table shows, as `table.Row`s: each output's value, its derivatives
        (lowest order first), and with ``--check`` the finite-difference estimates."""
        rows = [table.Row(output, (), value, hint=f"{self.name}.values[{output!r}]")
                for output, value in self.outputs.items()]
        for output, wrt in self._ordered():
            value = self.derivatives[(output, wrt)]
            if isinstance(value, NotComputed):
                rows.append(table.Row(output, wrt, None, missing="—",
                                      hint=f"{leibniz(output, wrt)} {value.explain()}"))
            else:
                rows.append(table.Row(output, wrt, value,
                                      hint=f"{self.name}[{self.key(output, wrt)!r}]",
                                      elementwise=output in self.elementwise))
        for (output, name), estimate in self.checks.items():
            rows.append(self._check_row(output, name, estimate))
        return rows

    def _check_row(self, output, name, estimate):
        if isinstance(estimate, NotComputed):
            return table.Row(output, (name,), None, check=True, missing="—",
                             hint=estimate.explain())
        if isinstance(estimate, BaseException):
            return table.Row(output, (name,), None, check=True,
                             missing=text("table.failed", error=type(estimate).__name__),
                             hint=text("hint.check_raised", name=name, error=repr(estimate)))
        exact = self.derivatives.get((output, (name,)))
        error, elementwise = None, output in self.elementwise
        if exact is not None and not isinstance(exact, NotComputed):
            full = self.jacobian(output, name) if elementwise else exact  # off the diagonal too
            error = float(np.max(np.abs(np.asarray(full) - estimate)))
        if elementwise and exact is not None:  # shown beside the exact diagonal
            estimate = np.reshape(estimate, (np.size(exact), -1)).diagonal().reshape(np.shape(exact))
        return table.Row(output, (name,), estimate, check=True, error=error,
                         elementwise=elementwise)

    def skipped(self):
        """The keys of the derivatives not computed (over max_derivative_size)."""
        return [leibniz(o, w) for o, w in self._ordered()
                if isinstance(self.derivatives[(o, w)], NotComputed)]

    # ---- the graph -------------------------------------------------------------------------------

    def render(self):
        """Lay the graph out now: its SVG text, or None without a graph, without a layout engine,
        or when Graphviz fails (`render_problem` then says why). The picture is kept, so showing
        the result again costs nothing.

        >>> res = GradResult(inputs={}, outputs={}, derivatives={}, order=1)
        >>> res.render() is None
        True
        """
        if self.graph is None:
            return None
        started = time.perf_counter()
        try:
            svg = _svg_of(self.graph)
            self.render_problem = None
        except (RuntimeError, ValueError) as error:  # dot failed or timed out: keep the table
            svg, self.render_problem = None, text("note.graph_failed", error=error)
        self.timings.setdefault("rendering", time.perf_counter() - started)
        return svg

    @property
    def svg(self):
        """The graph as SVG text, or None: `render()`, under the name older code used."""
        return self.render()

    def save(self, path):
        """Write the graph to `path` (.svg, .png, .pdf or .dot, by the suffix); give the path.

        ``res.save("graph.png")`` draws it at 192 dpi, for a slide; ``.dot`` writes DOT source.
        """
        if self.graph is None:
            raise ValueError(text("graph.no_graph_to_save"))
        return save(self.graph, path)

    # ---- showing it: every view is in table.py ---------------------------------------------------

    def _repr_html_(self):
        svg = self.render()
        return table.html(self, svg)

    def __str__(self):
        return table.text(self)

    def _repr_pretty_(self, printer, cycle):
        printer.text("GradResult(...)" if cycle else str(self))

    def __repr__(self):
        keys = list(self)
        shown = ", ".join(f"{key}={format_value(self[key])}" for key in keys[:6])
        more = ", …" if len(keys) > 6 else ""
        return f"<GradResult {shown}{more}>"

    def _repr_latex_(self):
        return table.latex(self)


def _svg_of(graph):
    """An admagic Digraph keeps its picture; a plain graphviz one (built by hand) is drawn now."""
    if hasattr(graph, "svg") and callable(graph.svg):
        return graph.svg()
    return to_svg(graph)


def _transposed(value, output, wrt, canonical, result):
    """The derivative stored for the inputs in `canonical` order, with axes in `wrt`'s order."""
    if wrt == canonical or np.ndim(value) == 0:
        return value
    out_axes = np.ndim(result.outputs[output])
    spans, start = [], out_axes
    for name in canonical:
        width = np.ndim(result.inputs[name])
        spans.append((name, list(range(start, start + width))))
        start += width
    order = list(range(out_axes))
    for name in wrt:
        i = next(i for i, (n, _) in enumerate(spans) if n == name)
        order += spans.pop(i)[1]
    return np.transpose(value, order)
