"""`GradResult`: what a ``%%grad`` cell computed, looked up by Leibniz keys and shown as a table.

>>> res = GradResult(inputs={"x": 3.0}, outputs={"y": 9.0}, order=1,
...                  derivatives={("y", ("x",)): 6.0})
>>> res["dy/dx"], res.d("y", "x"), list(res)
(6.0, 6.0, ['dy/dx'])

Keys are written as on paper: ``dy/dx``, ``d2y/dx2``, ``d2z/dxdy``, ``dloss/dw1`` (a name ending
in a digit takes its power after ``^``: ``d2loss/dw1^2``). ``∂``, ``²`` and spaces are accepted too.
The result shows itself as an HTML table with the graph below it (`_repr_html_`), as text in a
terminal (`_repr_pretty_`) and as fractions (`_repr_latex_`).
"""

import base64
import html
import re
from collections.abc import Mapping

import numpy as np

from .formatting import format_number, format_value


class NotComputed:
    """Stands for a derivative that was not computed, because it has too many numbers."""

    def __init__(self, shape, size, limit, reason=None):
        self.shape, self.size, self.limit, self.reason = shape, size, limit, reason

    def explain(self):
        if self.reason:
            return f"not computed: {self.reason}"
        return (f"not computed: {self.size:,} numbers, over the limit of {self.limit:,} "
                "(max_derivative_size)")

    def __repr__(self):
        return f"<{self.explain()}>"


def leibniz(output, wrt):
    """The key of d^k output / d wrt[0] ... d wrt[-1]: ``leibniz("z", ("x", "x", "y"))`` is
    ``"d3z/dx2dy"``."""
    order = len(wrt)
    top = f"d{order if order > 1 else ''}{_wrapped(output)}"
    return f"{top}/" + "".join(f"d{name}{_power(name, power)}" for name, power in _grouped(wrt))


def _wrapped(name):
    return name if name.isidentifier() else f"({name})"


def _power(name, power):
    if power == 1:
        return ""
    return f"^{power}" if name[-1].isdigit() else str(power)


def _grouped(wrt):
    """("x", "x", "y") -> [("x", 2), ("y", 1)]."""
    groups = []
    for name in wrt:
        if groups and groups[-1][0] == name:
            groups[-1][1] += 1
        else:
            groups.append([name, 1])
    return [tuple(g) for g in groups]


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _normal(text):
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "^" + m.group().translate(_SUPERSCRIPTS), text)
    return "".join(text.replace("∂", "d").split())


class GradResult(Mapping):
    """The values a ``%%grad`` cell computed and their derivatives.

    ``res["dz/dx"]`` or ``res.d("z", "x")``; for arrays the shape is ``z.shape + x.shape`` (a
    Jacobian), and each further input adds its shape (a Hessian is ``d2loss/dw2``, shape
    ``w.shape + w.shape``). ``res.values`` has every input and output as a plain value;
    ``res.graph`` is the computation graph (a `graphviz.Digraph`, or None).
    """

    def __init__(self, *, inputs, outputs, derivatives, order, checks=None, graph=None, notes=(),
                 max_derivative_size=None, timings=None, taylor=None):
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
        self._svg = None

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
            raise KeyError(f"{output!r} is not an output here; the outputs are: "
                           f"{', '.join(self.outputs) or '(none)'}.")
        if not wrt:
            return self.outputs[output]
        unknown = [name for name in wrt if name not in self.inputs]
        if unknown:
            raise KeyError(f"{unknown[0]!r} is not an input here; the inputs are: "
                           f"{', '.join(self.inputs)}.")
        if len(wrt) > self.order:
            raise KeyError(f"{leibniz(output, wrt)} is a derivative of order {len(wrt)}, but this "
                           f"result has order {self.order}: run it with --order {len(wrt)}.")
        names = list(self.inputs)
        canonical = tuple(sorted(wrt, key=names.index))
        value = self.derivatives[(output, canonical)]
        if isinstance(value, NotComputed):
            raise KeyError(f"{leibniz(output, wrt)} was {value.explain()}. Ask for less (fewer "
                           "outputs with --of, a lower --order) or raise max_derivative_size.")
        return _transposed(value, output, wrt, canonical, self)

    def __getitem__(self, key):
        parsed = self._parse(key) if isinstance(key, str) else None
        if parsed is None:
            raise KeyError(f"No derivative {key!r} here. The keys are: "
                           f"{', '.join(self) or '(none)'}.")
        return self.d(*parsed)

    def __iter__(self):
        """The keys: first derivatives, then second, ...; outputs and inputs in their order."""
        for output, wrt in self._ordered():
            if not isinstance(self.derivatives[(output, wrt)], NotComputed):
                yield leibniz(output, wrt)

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

    def _parse(self, key):
        """``"d2z/dxdy"`` -> ``("z", "x", "y")``, or None if it names no output and inputs here."""
        text = _normal(key)
        if not text.startswith("d"):
            return None
        for output in sorted(self.outputs, key=len, reverse=True):
            for spelled in {_normal(_wrapped(output)), _normal(output)}:
                match = re.fullmatch(r"d(\^?(\d+))?" + re.escape(spelled) + r"/(.+)", text)
                if match is None:
                    continue
                wrt = _parse_denominator(match.group(3), list(self.inputs))
                if wrt is None:
                    continue
                stated = int(match.group(2)) if match.group(2) else 1
                if stated == len(wrt):
                    return (output, *wrt)
        return None

    # ---- the graph -------------------------------------------------------------------------------

    @property
    def svg(self):
        """The graph as SVG text; None without a graph or without a layout engine."""
        if self.graph is None:
            return None
        if self._svg is None:
            import time

            from .render import to_svg

            started = time.perf_counter()
            try:
                self._svg = to_svg(self.graph) or ""
            except (RuntimeError, ValueError) as error:  # dot failed or timed out: keep the table
                self._svg = ""
                self.notes.append(f"The graph could not be drawn: {error}")
            self.timings["rendering"] = time.perf_counter() - started
        return self._svg or None

    def save(self, path):
        """Write the graph to `path` (.svg, .png, .pdf or .dot, by the suffix); give the path."""
        if self.graph is None:
            raise ValueError("This result has no graph to save (it was made without one).")
        from .render import save

        return save(self.graph, path)

    # ---- showing it ------------------------------------------------------------------------------

    def _columns(self):
        """The derivative columns, (input, ...) each, lowest order first, in the inputs' order."""
        names = list(self.inputs)
        columns = {wrt for _, wrt in self.derivatives}
        return sorted(columns, key=lambda wrt: (len(wrt), [names.index(n) for n in wrt]))

    def _header(self, wrt):
        symbol = "d" if len(self.inputs) == 1 else "∂"
        order = len(wrt)
        top = symbol + (_superscript(order) if order > 1 else "")
        bottom = "".join(symbol + name + (_superscript(p) if p > 1 else "")
                         for name, p in _grouped(wrt))
        return f"{top}/{bottom}"

    def _cells(self, output, wrt):
        """(text, tooltip) for the cell of d(output)/d(wrt...)."""
        value = self.derivatives.get((output, wrt))
        key = leibniz(output, wrt)
        if value is None:
            return "", ""
        if isinstance(value, NotComputed):
            return "—", f"{key} {value.explain()}"
        return format_value(value), f"res['{key}']"

    def _check_cell(self, output, name):
        estimate = self.checks.get((output, name))
        if estimate is None:
            return "", ""
        if isinstance(estimate, NotComputed):
            return "—", estimate.explain()
        if isinstance(estimate, BaseException):
            return f"failed: {type(estimate).__name__}", f"at x ± h the cell raised {estimate!r}"
        exact = self.derivatives.get((output, (name,)))
        error = "" if isinstance(exact, NotComputed) or exact is None else \
            f"error {format_number(float(np.max(np.abs(np.asarray(exact) - estimate))))}"
        if np.ndim(estimate) == 0:
            return f"{float(estimate):.12g}", error
        return format_value(estimate), error

    def _caption(self):
        return "at " + ", ".join(f"{name} = {format_value(v)}" for name, v in self.inputs.items())

    def _repr_html_(self):
        graph = self._graph_html()  # first, so a note about drawing it shows with the others
        columns = self._columns()
        head = [_th(""), _th("value")]
        for wrt in columns:
            head.append(_th(self._header(wrt), "white-space:nowrap"))
            if len(wrt) == 1 and self.checks:
                head.append(_th(f"{self._header(wrt)} by finite differences",
                                "font-weight:normal;font-style:italic"))
        rows = []
        for output, value in self.outputs.items():
            cells = [_th(output), _td(format_value(value), f"res.values['{output}']")]
            for wrt in columns:
                cells.append(_td(*self._cells(output, wrt)))
                if len(wrt) == 1 and self.checks:
                    text, error = self._check_cell(output, wrt[0])
                    cells.append(_td(text, error, note=error))
            rows.append("<tr style=\"border-top:1px solid rgba(128,128,128,0.35)\">"
                        + "".join(cells) + "</tr>")
        if not self.outputs:
            rows.append(f'<tr><td colspan="2" style="padding:2px 10px;font-style:italic">'
                        f"{_e(_NO_OUTPUTS)}</td></tr>")
        parts = ['<div class="admagic-grad" style="color:inherit;background:transparent">',
                 '<table style="border-collapse:collapse;color:inherit;background:transparent;'
                 'margin:0 0 6px 0;font-variant-numeric:tabular-nums">',
                 f'<caption style="caption-side:top;text-align:left;padding:2px 10px;opacity:0.8">'
                 f"{_e(self._caption())}</caption>",
                 "<thead><tr>" + "".join(head) + "</tr></thead>",
                 "<tbody>" + "".join(rows) + "</tbody></table>"]
        for note in self._all_notes():
            parts.append(f'<div style="padding:2px 10px;opacity:0.8">{_e(note)}</div>')
        parts.append(graph)
        parts.append("</div>")
        return "".join(parts)

    def _graph_html(self):
        if self.graph is None:
            return ""
        svg = self.svg
        if svg is not None:
            data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            return (f'<div style="padding:4px 10px"><img src="data:image/svg+xml;base64,{data}" '
                    'alt="the computation graph" style="max-width:100%;background:transparent">'
                    "</div>")
        from .render import install_advice

        return ('<details style="padding:2px 10px"><summary>the computation graph, as DOT source '
                "(no layout engine here to draw it)</summary>"
                f'<pre style="background:transparent;color:inherit">{_e(self.graph.source)}</pre>'
                f'</details><div style="padding:2px 10px">{_e(install_advice())}</div>')

    def _all_notes(self):
        notes = list(self.notes)
        skipped = [leibniz(o, w) for o, w in self._ordered()
                   if isinstance(self.derivatives[(o, w)], NotComputed)]
        if skipped:
            notes.append(f"Not computed, over max_derivative_size={self.max_derivative_size:,} "
                         f"numbers: {', '.join(skipped)}. Ask for less with --of NAME or a lower "
                         "--order, or raise it: %config GradMagics.max_derivative_size = N.")
        return notes

    def __str__(self):
        columns = self._columns()
        header = ["", "value"]
        for wrt in columns:
            header.append(self._header(wrt))
            if len(wrt) == 1 and self.checks:
                header.append("finite diff.")
        table = [header]
        for output, value in self.outputs.items():
            row = [output, format_value(value)]
            for wrt in columns:
                row.append(self._cells(output, wrt)[0])
                if len(wrt) == 1 and self.checks:
                    row.append(self._check_cell(output, wrt[0])[0])
            table.append(row)
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        lines = [self._caption()]
        for row in table:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if not self.outputs:
            lines.append(_NO_OUTPUTS)
        lines += self._all_notes()
        if self.graph is not None:
            lines.append("graph: res.graph (a graphviz.Digraph); res.save('graph.svg') writes it")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):
        printer.text("GradResult(...)" if cycle else str(self))

    def __repr__(self):
        shown = ", ".join(f"{key}={format_value(self[key])}" for key in list(self)[:6])
        more = ", …" if len(self) > 6 else ""
        return f"<GradResult {shown}{more}>"

    def _repr_latex_(self):
        lines = [f"{_latex_name(name)} &= {_latex_value(v)}" for name, v in self.outputs.items()]
        for output, wrt in self._ordered():
            value = self.derivatives[(output, wrt)]
            if not isinstance(value, NotComputed):
                lines.append(f"{_latex_fraction(output, wrt, len(self.inputs) > 1)} "
                             f"&= {_latex_value(value)}")
        if not lines:
            return None
        return r"$$\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}$$"


_NO_OUTPUTS = ("No output depends on the inputs: assign something computed from them, "
               "e.g. y = x * x.")


def _parse_denominator(text, names):
    """``"dx2dy"`` -> ``["x", "x", "y"]`` (longest names first, so w1 wins over w), or None."""
    if not text:
        return []
    if not text.startswith("d"):
        return None
    for name in sorted(names, key=len, reverse=True):
        spelled = _normal(name)
        if not text.startswith(spelled, 1):
            continue
        rest = text[1 + len(spelled):]
        power = re.match(r"\^?(\d+)", rest)
        options = [(int(power.group(1)), rest[power.end():])] if power else []
        options.append((1, rest))
        for count, tail in options:
            after = _parse_denominator(tail, names)
            if after is not None and count >= 1:
                return [name] * count + after
    return None


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


def _th(text, style=""):
    return f'<th style="text-align:left;padding:2px 10px;{style}">{_e(text)}</th>'


def _td(text, tooltip="", note=""):
    title = f' title="{_e(tooltip)}"' if tooltip else ""
    extra = (f'<div style="font-size:85%;opacity:0.7">{_e(note)}</div>' if note else "")
    return (f'<td style="text-align:left;padding:2px 10px;font-family:monospace"{title}>'
            f"{_e(text)}{extra}</td>")


def _e(text):
    return html.escape(str(text), quote=True)


def _superscript(n):
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _latex_name(name):
    match = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if match:
        return f"{match.group(1)}_{{{match.group(2)}}}"
    if len(name) == 1:
        return name
    escaped = name.replace("\\", r"\backslash ").replace("_", r"\_").replace("{", r"\{") \
                  .replace("}", r"\}").replace("%", r"\%").replace("#", r"\#").replace("&", r"\&")
    return rf"\mathrm{{{escaped}}}" if name.isidentifier() else rf"\texttt{{{escaped}}}"


def _latex_fraction(output, wrt, partial):
    d = r"\partial " if partial else "d"
    order = len(wrt)
    top = f"{d}^{{{order}}} {_latex_name(output)}" if order > 1 else f"{d}{_latex_name(output)}"
    bottom = " ".join(f"{d}{_latex_name(n)}" + (f"^{{{p}}}" if p > 1 else "")
                      for n, p in _grouped(wrt))
    return rf"\frac{{{top}}}{{{bottom}}}"


def _latex_value(value):
    value = np.asarray(value)
    if value.ndim == 0:
        return _latex_number(value[()])
    if value.ndim <= 2 and value.shape[0] <= 8 and value.shape[-1] <= 8:
        rows = np.atleast_2d(value)
        body = r" \\ ".join(" & ".join(_latex_number(v) for v in row) for row in rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"
    return rf"\text{{{_latex_text(format_value(value))}}}"


def _latex_number(x):
    text = format_number(x)
    match = re.fullmatch(r"(-?[\d.]+)e(-?\d+)", text)
    if match:
        return rf"{match.group(1)} \times 10^{{{match.group(2)}}}"
    return {"nan": r"\mathrm{nan}", "inf": r"\infty", "-inf": r"-\infty"}.get(text, text)


def _latex_text(text):
    return text.replace("…", r"\ldots ").replace("_", r"\_").replace("%", r"\%")
