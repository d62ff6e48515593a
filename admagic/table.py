"""The result's table, shown three ways: HTML for a notebook, text for a terminal, LaTeX fractions.

Every view reads the same rows: `GradResult.rows` gives one `Row` per number (an output's value,
a derivative, a finite-difference check), `Grid` lays them out once, an output per line and a
derivative per column, and `html` and `text` only dress that grid up. Nothing here computes or
changes a number, and every name and text is escaped for the format it goes into.

>>> from admagic.result import GradResult
>>> res = GradResult(inputs={"x": 3.0}, outputs={"y": 9.0}, order=1,
...                  derivatives={("y", ("x",)): 6.0})
>>> print(text(res))
at x = 3
   value  d/dx
y  9      6
"""

import html as _html
import unicodedata
from dataclasses import dataclass

import numpy as np

from . import render
from .formatting import format_number, format_value
from .messages import EN, text as _t
from .notation import grouped, latex_name, latex_text, superscript, typed_number


@dataclass(frozen=True)
class Row:
    """One number the table shows: d^k output / d wrt..., with wrt = () for the output's value."""

    output: str
    wrt: tuple
    value: object          # the number or array; None where `missing` stands in its place
    check: bool = False    # a finite-difference estimate of the first derivative, not the exact one
    hint: str = ""         # the tooltip: how to get this number (_grad['dy/dx']), or why it is missing
    missing: str = ""      # the text shown instead of a value: "—", "failed: ZeroDivisionError"
    error: float = None    # for a check: the largest |estimate − exact|
    elementwise: bool = False  # a derivative kept as its diagonal: element i is dy_i/dx_i

    @property
    def order(self):
        return len(self.wrt)


@dataclass(frozen=True)
class Cell:
    text: str
    hint: str = ""
    note: str = ""  # a second, smaller line under the text


class Grid:
    """The rows laid out: `columns` are ``(wrt, check)`` pairs, `cells[output][column]` a Cell."""

    def __init__(self, result):
        rows = result.rows()
        names = list(result.inputs)
        self.partial = len(names) > 1
        self.outputs = list(result.outputs)
        exact = {row.wrt for row in rows if row.wrt and not row.check}
        checked = any(row.check for row in rows)
        self.columns = []
        for wrt in sorted(exact, key=lambda wrt: (len(wrt), [names.index(n) for n in wrt])):
            self.columns.append((wrt, False))
            if checked and len(wrt) == 1:
                self.columns.append((wrt, True))
        self.values = {}
        self.cells = {output: {} for output in self.outputs}
        kinds = {}  # column -> whether each of its derivatives is elementwise
        for row in rows:
            if not row.wrt:
                self.values[row.output] = _cell(row)
            else:
                self.cells[row.output][(row.wrt, row.check)] = _cell(row)
                kinds.setdefault((row.wrt, row.check), set()).add(row.elementwise)
        #: Columns whose every derivative is elementwise: their header says so; in a column with
        #: both kinds, each elementwise cell says so under its numbers.
        self.elementwise = {column for column, seen in kinds.items() if seen == {True}}
        for row in rows:
            column = (row.wrt, row.check)
            if row.wrt and row.elementwise and column not in self.elementwise:
                cell = self.cells[row.output][column]
                self.cells[row.output][column] = Cell(cell.text, cell.hint,
                                                      " ".join(filter(None, [cell.note,
                                                                             _t("table.elementwise_note")])))

    def header(self, column):
        wrt, _ = column
        symbol = "∂" if self.partial else "d"
        top = symbol + (superscript(len(wrt)) if len(wrt) > 1 else "")
        bottom = "".join(symbol + name + (superscript(p) if p > 1 else "")
                         for name, p in grouped(wrt))
        return f"{top}/{bottom}" + (_t("table.elementwise") if column in self.elementwise else "")

    def line(self, output):
        """The cells of `output`'s line: its value, then one per column (empty where none)."""
        return [self.values.get(output, Cell(""))] + [self.cells[output].get(c, Cell(""))
                                                      for c in self.columns]


def _cell(row):
    if row.missing:
        return Cell(row.missing, row.hint)
    if not row.check:
        return Cell(shown(row.value), row.hint)
    error = "" if row.error is None else _t("table.error", error=format_number(row.error))
    if np.ndim(row.value) == 0:
        return Cell(f"{float(row.value):.12g}", error, error)
    return Cell(shown(row.value), error, error)


SMALL = 6
"""A vector of at most this many numbers is shown whole; a matrix at most SMALL × SMALL, in full,
one line per row (a small Jacobian or Hessian, as on the board)."""


def shown(value):
    """A value as the table shows it: `format_value`, except that a small vector is shown whole and
    a small matrix in full, its columns aligned, one text line per row.

    >>> print(shown(np.array([[2.0, 0.0], [0.0, 12.0]])))
    [[2,  0],
     [0, 12]]
    """
    value = np.asarray(value) if isinstance(value, np.ndarray) else value
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf" or value.size == 0:
        return format_value(value)
    if value.ndim == 1 and value.size <= SMALL:
        return format_value(value, items=SMALL)
    if value.ndim != 2 or max(value.shape) > SMALL:
        return format_value(value)
    texts = [[format_number(x) for x in row] for row in value]
    widths = [max(len(row[j]) for row in texts) for j in range(value.shape[1])]
    lines = ["[" + ", ".join(t.rjust(w) for t, w in zip(row, widths)) + "]" for row in texts]
    return "[" + ",\n ".join(lines) + "]"


# A <caption> is as wide as its table, so a short one would wrap under a narrow table
# ("at x = 3 · by" / "reverse mode"); up to this many characters it stays on one line.
CAPTION_ONE_LINE = 100


def _caption_html(text):
    wrap = "white-space:nowrap;" if len(text) <= CAPTION_ONE_LINE else ""
    return ('<caption style="caption-side:top;text-align:left;padding:2px 10px;opacity:0.8;'
            f'{wrap}">{_e(text)}</caption>')


def caption(result):
    """``at x = 1.0001 · by Taylor mode``: the point, with every digit typed (``at x = 1`` would
    be another one), and how the numbers were computed."""
    at = _t("table.caption", inputs=", ".join(f"{name} = {typed_number(v) or _short(v)}"
                                              for name, v in result.inputs.items()))
    return at if result.method is None else _t("table.caption_by", at=at,
                                               method=method_words(result.method))


_METHODS = {EN[key]: key for key in ("method.taylor", "method.interpolation", "method.reverse",
                                     "method.nested", "method.forward")}


def method_words(method):
    """`GradResult.method` (kept in English, as code compares it) in the current language:
    ``"forward mode (order 1), Taylor mode (higher)"`` is the one name made of two."""
    if method in _METHODS:
        return _t(_METHODS[method])
    first, _, higher = method.partition(", ")
    higher = higher[:-len(" (higher)")] if higher.endswith(" (higher)") else higher
    if first == "forward mode (order 1)" and higher in _METHODS:
        return _t("method.forward_then", higher=_t(_METHODS[higher]))
    return method


def _short(value):
    """An input in the caption: a vector of up to SMALL numbers whole, else `format_value`."""
    return format_value(value, items=SMALL if np.ndim(value) == 1 and np.size(value) <= SMALL else 4)


def notes(result):
    """The result's notes, and a line for what was not computed."""
    written = list(result.notes)
    skipped = result.skipped()
    if skipped:
        written.append(_t("note.not_computed", limit=f"{result.max_derivative_size:,}",
                          keys=", ".join(skipped)))
    return written



# ---- HTML ----------------------------------------------------------------------------------------


def html(result, svg):
    """The table as HTML, with `svg` (the graph, laid out) below it as an image.

    Dark and light themes both read it: no background is set, and text takes the theme's color.
    """
    grid = Grid(result)
    head = [_th(""), _th(_t("table.value"))]
    for column in grid.columns:
        if column[1]:
            head.append(_th(_t("table.by_finite_differences", header=grid.header(column)),
                            "font-weight:normal;font-style:italic"))
        else:
            head.append(_th(grid.header(column), "white-space:nowrap"))
    lines = []
    for output in grid.outputs:
        cells = [_th(output)] + [_td(cell) for cell in grid.line(output)]
        lines.append('<tr style="border-top:1px solid rgba(128,128,128,0.35)">'
                     + "".join(cells) + "</tr>")
    if not grid.outputs:
        lines.append('<tr><td colspan="2" style="padding:2px 10px;font-style:italic">'
                     f"{_e(_t('table.no_outputs'))}</td></tr>")
    parts = ['<div class="admagic-grad" style="color:inherit;background:transparent">',
             '<table style="border-collapse:collapse;color:inherit;background:transparent;'
             'margin:0 0 6px 0;font-variant-numeric:tabular-nums">',
             _caption_html(caption(result)),
             "<thead><tr>" + "".join(head) + "</tr></thead>",
             "<tbody>" + "".join(lines) + "</tbody></table>"]
    written = notes(result) + ([result.render_problem] if result.render_problem else [])
    for note in written:
        parts.append(f'<div style="padding:2px 10px;opacity:0.8">{_e(note)}</div>')
    parts.append(graph_html(result.graph, svg, result.render_problem))
    parts.append("</div>")
    return "".join(parts)


def graph_html(graph, svg, problem=None):
    """The graph below the table (see `render.html`); nothing without a graph, or if it failed."""
    if graph is None or problem:
        return ""
    return render.html(graph, svg)


def _th(text, style=""):
    return f'<th style="text-align:left;padding:2px 10px;{style}">{_e(text)}</th>'


def _td(cell):
    title = f' title="{_e(cell.hint)}"' if cell.hint else ""
    note = f'<div style="font-size:85%;opacity:0.7">{_e(cell.note)}</div>' if cell.note else ""
    lines = "white-space:pre;" if "\n" in cell.text else ""  # a small matrix, a row per line
    return (f'<td style="text-align:left;padding:2px 10px;font-family:monospace;{lines}"{title}>'
            f"{_e(cell.text)}{note}</td>")


def _e(text):
    return _html.escape(str(text), quote=True)


# ---- text ----------------------------------------------------------------------------------------


def text(result):
    """The table as aligned text, for a terminal, and a line saying where the graph is."""
    grid = Grid(result)
    header = ["", _t("table.value")] + [_t("table.finite_differences") if column[1]
                                        else grid.header(column) for column in grid.columns]
    table = [header] + [[output] + [_text_of(cell) for cell in grid.line(output)]
                        for output in grid.outputs]
    table = [[cell.split("\n") for cell in row] for row in table]  # a small matrix: many lines
    widths = [max(_width(line) for row in table for line in row[i]) for i in range(len(header))]
    lines = [caption(result)]
    for row in table:
        for k in range(max(len(cell) for cell in row)):
            parts = [cell[k] if k < len(cell) else "" for cell in row]
            lines.append("  ".join(part + " " * (w - _width(part))
                                   for part, w in zip(parts, widths)).rstrip())
    if not grid.outputs:
        lines.append(_t("table.no_outputs"))
    lines += notes(result)
    if result.graph is not None:
        lines.append(_t("table.graph_line", name=result.name))
    return "\n".join(lines)


def _width(line):
    """Columns a terminal gives `line`: two for each wide character (值, 导数), as CJK is drawn."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _text_of(cell):
    """A cell's text, with its note when that says how to read it (elementwise)."""
    return cell.text + (_t("table.elementwise") if _t("table.elementwise_note") in cell.note else "")


# ---- LaTeX ---------------------------------------------------------------------------------------


def latex(result):
    """Each value and derivative as an equation, ``\\frac{dy}{dx} &= 6``, in one aligned block."""
    partial = len(result.inputs) > 1
    lines = []
    for row in result.rows():
        if row.check or row.missing:
            continue
        left = latex_name(row.output) if not row.wrt else _fraction(row.output, row.wrt, partial)
        lines.append(f"{left} &= {_latex_value(row.value)}")
    if not lines:
        return None
    return r"$$\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}$$"


def _fraction(output, wrt, partial):
    d = r"\partial " if partial else "d"
    order = len(wrt)
    top = f"{d}^{{{order}}} {latex_name(output)}" if order > 1 else f"{d}{latex_name(output)}"
    bottom = " ".join(f"{d}{latex_name(n)}" + (f"^{{{p}}}" if p > 1 else "")
                      for n, p in grouped(wrt))
    return rf"\frac{{{top}}}{{{bottom}}}"


def _latex_value(value):
    value = np.asarray(value)
    if value.dtype.kind not in "biufc":  # not numbers: written as text
        return rf"\mathtt{{{latex_text(format_value(value))}}}"
    if value.ndim == 0:
        return latex_number(value[()])
    if value.ndim <= 2 and value.shape[0] <= 8 and value.shape[-1] <= 8 and value.size:
        rows = np.atleast_2d(value)
        body = r" \\ ".join(" & ".join(latex_number(v) for v in row) for row in rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"
    return rf"\mathtt{{{latex_text(format_value(value))}}}"


def latex_number(x):
    """`format_number` in LaTeX: ``1.5e-7`` becomes ``1.5 \\times 10^{-7}``."""
    written = format_number(x)
    mantissa, e, exponent = written.partition("e")
    if e and exponent.lstrip("-").isdigit():
        return rf"{mantissa} \times 10^{{{exponent}}}"
    return {"nan": r"\mathrm{nan}", "inf": r"\infty", "-inf": r"-\infty"}.get(written,
                                                                            latex_text(written))
