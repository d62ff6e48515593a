"""``%%grad x=1 --plot``: each output and its derivatives over a range around the point, drawn.

With one number as input the cell is drawn over ``x0 ± 2`` (or a range given), every output with
its derivatives up to the order, and the tangent line at x0; with a 1-D array as input, over a
cell that works elementwise, y and dy/dx against x at those points.

The curves come from Taylor mode, not from re-running the cell at every point: the cell runs once
with x = the array of all points, under one tape, and one Taylor sweep (`taylor.py`) carries
``x(t) = x + t`` through it, every element together. For a cell that works elementwise (y[i]
depends on x[i] alone) the coefficients at element i are the derivatives at point i. Whether it
does is checked by running the cell on a few single points; a cell that doesn't (a sum over x, an
``if``) is recorded once per point instead, slower but as right.

Drawing needs matplotlib, an optional extra: ``pip install 'admagic[plot]'``.

>>> figure = plot_cell("y = np.sin(x)", {"x": 0.0}, order=2)    # doctest: +SKIP
>>> figure.savefig("sin.png")                                    # doctest: +SKIP
"""

import base64
import contextlib
import io
import math

import numpy as np

from .inputs import leaf_names
from .messages import text as _t
from .namespace import clean_namespace
from .notation import operand, superscript, typed_number
from .source import Cell
from .tape import Tape
from .taylor import derivatives
from .traced import Traced, new_leaf, plain

POINTS = 200
"""How many points each curve is drawn through."""

SPAN = 2.0
"""By default the range drawn is the point ± this."""

CHECKED_POINTS = 3
"""How many single points the vectorised run is checked against, to trust it is elementwise."""

FONTS = ["DejaVu Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"]
"""Latin text in the first, Chinese in the first Simplified Chinese font matplotlib finds (named
before any generic family, whose fallback picks the first CJK font installed: on Debian the
Japanese forms)."""


def plot_cell(code, inputs, namespace=None, *, order=1, span=None, of=None, points=POINTS):
    """A matplotlib `Figure` of the cell's outputs and their derivatives up to `order`.

    `inputs` holds one input: a number x0, drawn over ``(x0 - 2, x0 + 2)`` or over ``span =
    (lo, hi)``, with the tangent line at x0; or a 1-D array, the points to draw at (the cell must
    work elementwise). `of` picks outputs by name (default: every traced value the cell binds, and
    its last expression). `namespace` is what the cell may read; it is not changed.

    >>> plot_cell("y = x ** 3", {"x": 1.0}, order=2, span=(-2, 2))  # doctest: +SKIP
    <Figure size 640x480 with 1 Axes>
    """
    figure_class = _matplotlib_figure()
    if len(inputs) != 1:
        raise ValueError(_t("plot.one_input", count=len(inputs), names=", ".join(inputs)))
    (name, x0), = inputs.items()
    if leaf_names(name, x0) is not None:  # a dict or list of inputs (inputs.py)
        raise ValueError(_t("plot.container", name=name, kind=type(x0).__name__))
    x0 = np.asarray(plain(x0), dtype=float)
    if x0.ndim > 1:
        raise ValueError(_t("plot.shape", name=name, shape=x0.shape))
    if not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(_t("plot.order", order=repr(order)))
    scalar = x0.ndim == 0
    if scalar:
        lo, hi = _span(float(x0), span)
        xs = np.append(np.linspace(lo, hi, points), float(x0))  # the point itself, last
    else:
        if span is not None:
            raise ValueError(_t("plot.array_no_range", name=name))
        xs = x0.copy()
    curves = evaluate(code, name, xs, namespace, order, of, elementwise_only=not scalar)
    return _figure(figure_class, name, xs, curves, order, scalar)


def _span(x0, span):
    if span is None:
        return x0 - SPAN, x0 + SPAN
    lo, hi = (float(v) for v in span)
    if not lo < hi:
        raise ValueError(_t("plot.low_to_high", lo=f"{lo:g}", hi=f"{hi:g}",
                              low=f"{min(lo, hi):g}", high=f"{max(lo, hi):g}"))
    return lo, hi


# ---- the numbers ---------------------------------------------------------------------------------


def evaluate(code, name, xs, namespace=None, order=1, of=None, elementwise_only=False):
    """``{output: [f(xs), f'(xs), ..., f⁽ᵒʳᵈᵉʳ⁾(xs)]}``: each output and its derivatives at the
    points `xs`, by one vectorised run and one Taylor sweep when the cell works elementwise, else
    (unless `elementwise_only`, which refuses instead) one recording per point."""
    cell = _compile(code)
    namespace = {"np": np} if namespace is None else namespace
    try:
        with np.errstate(all="ignore"):  # log of a negative point gives nan there, and is drawn so
            curves = _vectorised(cell, name, xs, namespace, order, of)
    except Exception as error:  # an `if x > 0`, a math.sin(x): it can't take all points at once
        curves, why = None, _t("plot.raised", error=f"{type(error).__name__}: {error}")
    else:
        why = _not_elementwise(cell, name, xs, namespace, curves)
        if why:
            curves = None
    if curves is not None:
        return curves
    if elementwise_only:
        raise ValueError(_t("plot.needs_elementwise", name=name, why=why))
    with np.errstate(all="ignore"):
        return _point_by_point(cell, name, xs, namespace, order, of)


def _compile(code):
    """The cell compiled as %%grad compiles it: the names it binds, its last expression apart."""
    return Cell(code, None, 1)


def _run(cell, name, value, namespace, of, tape):
    """Run the cell once with `name` = `value`, quietly, in a copy of `namespace`; give its
    outputs, traced on `tape` (all outputs when `tape` is None: a plain run)."""
    scope = dict(namespace)
    scope[name] = value
    with contextlib.redirect_stdout(io.StringIO()):
        last = cell.run(scope)
    found = {n: scope[n] for n in cell.bound if n != name and n in scope}
    if cell.last_source is not None:
        found.setdefault(cell.last_source, last)
    if of:
        missing = [n for n in of if n not in found]
        if missing:
            raise ValueError(_t("error.cell_did_not_set", missing=", ".join(missing),
                                names=", ".join(found) or _t("error.nothing")))
        found = {n: found[n] for n in of}
    elif tape is not None:
        found = {n: v for n, v in found.items() if type(v) is Traced and tape.own(v) is not None}
    if tape is not None:
        clean_namespace(scope)  # nothing traced stays behind in what the cell built
    return found


@contextlib.contextmanager
def _recording():
    """A new tape recording inside the block, whose record is discarded after it (`Tape.discard`):
    a value a run of the cell kept where the cleaner can't reach holds no graph."""
    tape = Tape()
    try:
        with tape:
            yield tape
    finally:
        tape.discard()


def _vectorised(cell, name, xs, namespace, order, of):
    with _recording() as tape:
        x = new_leaf(tape, xs)
        outputs = _run(cell, name, x, namespace, of, tape)
        if not outputs:
            raise ValueError(_t("plot.no_output_short", name=name))
        columns = derivatives(list(outputs.values()), x, order)
    return {n: [_as_curve(c, xs) for c in column] for n, column in zip(outputs, columns)}


def _as_curve(values, xs):
    values = np.asarray(plain(values), dtype=float)
    if values.shape != xs.shape:
        raise ValueError(_t("plot.shape_differs", shape=values.shape, points=xs.shape))
    return values


def _not_elementwise(cell, name, xs, namespace, curves):
    """Why the vectorised run can't be trusted, or None: at a few single points, run plainly, the
    outputs must be what the vectorised run gave there."""
    picks = np.unique(np.linspace(0, len(xs) - 1, CHECKED_POINTS).round().astype(int))
    for i in picks:
        single = _run(cell, name, float(xs[i]), namespace, list(curves), None)
        for output, curve in curves.items():
            alone = np.asarray(plain(single[output]), dtype=float)
            if alone.shape != () or not np.isclose(alone, curve[0][i], rtol=1e-9, atol=1e-12,
                                                   equal_nan=True):
                return _t("plot.not_elementwise", output=output,
                            point=f"{name} = {typed_number(xs[i])}")
    return None


def _point_by_point(cell, name, xs, namespace, order, of):
    curves = {}
    for i, point in enumerate(xs):
        with _recording() as tape:
            x = new_leaf(tape, float(point))
            outputs = _run(cell, name, x, namespace, of, tape)
            if not outputs:
                raise ValueError(_t("plot.no_output", name=name))
            columns = derivatives(list(outputs.values()), x, order)
        for output, column in zip(outputs, columns):
            rows = curves.setdefault(output, [np.full(len(xs), np.nan) for _ in column])
            for k, value in enumerate(column):
                value = np.asarray(plain(value), dtype=float)
                if value.shape != ():
                    raise ValueError(_t("plot.numbers_only", output=output, shape=value.shape))
                rows[k][i] = value
    return curves


# ---- the picture ---------------------------------------------------------------------------------


def _matplotlib_figure():
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(_t("plot.install")) from error
    return Figure


def _fonts():
    """matplotlib's settings for the texts of a figure: `FONTS`, those installed here."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return {"font.family": [f for f in FONTS if f in installed] or ["sans-serif"]}


_STYLES = ["-", "--", "-.", ":"]


def _figure(figure_class, name, xs, curves, order, scalar):
    """One panel per output: the output and its derivatives, and, around a point, the tangent."""
    import matplotlib

    with matplotlib.rc_context(_fonts()):  # each text keeps the fonts it was made with
        return _panels(figure_class, name, xs, curves, order, scalar)


def _panels(figure_class, name, xs, curves, order, scalar):
    rows = len(curves)
    figure = figure_class(figsize=(6.4, 2.2 + 2.4 * rows), layout="constrained")
    if scalar:
        x0, xs = xs[-1], xs[:-1]
        written = f"{name} = {typed_number(x0)}"
    else:
        sort = np.argsort(xs, kind="stable")
    for row, (output, column) in enumerate(curves.items()):
        axes = figure.add_subplot(rows, 1, row + 1)
        for k, values in enumerate(column):
            label = output if k == 0 else _derivative_label(output, name, k)
            if scalar:
                values = values[:-1]  # the last value is at the point itself
                axes.plot(xs, values, _STYLES[k % len(_STYLES)], label=label, linewidth=1.8)
            else:
                axes.plot(xs[sort], values[sort], _STYLES[k % len(_STYLES)], label=label,
                          marker="." if len(xs) <= 60 else None, linewidth=1.8)
        if scalar:
            y0, slope = column[0][-1], column[1][-1]
            axes.plot(xs, y0 + slope * (xs - x0), color="0.45", linewidth=1, zorder=1,
                      label=_t("plot.tangent_at", point=written))
            axes.plot([x0], [y0], "o", color="black", markersize=5, zorder=3)
            axes.axvline(x0, color="0.75", linewidth=0.8, zorder=0)
            _fit_heights(axes, [c[:-1] for c in column])
        axes.set_xlabel(name)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize="small", loc="best")
        title = (_t("plot.title_around", output=output, point=written, count=order) if scalar
                 else _t("plot.title_at", output=output, name=name, count=order))
        axes.set_title(title, fontsize="medium")
    return figure


def _derivative_label(output, name, k):
    """``dy/dx``, ``d²y/dx²``: as the table's headers write it."""
    power = superscript(k) if k > 1 else ""
    return f"d{power}{operand(output)}/d{operand(name)}{power}"


def _fit_heights(axes, curves):
    """Heights to fit the curves (the tangent may leave the picture): their finite values, with
    a margin; a pole's huge values are left out, so one spike doesn't flatten the rest."""
    values = np.concatenate([c[np.isfinite(c)] for c in curves]) if curves else np.array([])
    if values.size == 0:
        return
    lo, hi = values.min(), values.max()
    inner = np.percentile(values, [1, 99])
    if hi - lo > 10 * (inner[1] - inner[0]):  # a spike: fit the rest
        lo, hi = inner
    if not math.isclose(lo, hi):
        margin = 0.08 * (hi - lo)
        axes.set_ylim(lo - margin, hi + margin)


def __getattr__(name):
    if name == "INSTALL":  # what to install for --plot, in the current language
        return _t("plot.install")
    raise AttributeError(name)


def parse_span(text):
    """``"-3:3"`` -> ``(-3.0, 3.0)``: the range ``--plot LO:HI`` asks for; None for no text.

    >>> parse_span("-3:3"), parse_span("0:2.5"), parse_span(None)
    ((-3.0, 3.0), (0.0, 2.5), None)
    """
    if text is None or text == "":
        return None
    lo, colon, hi = str(text).replace("\u2212", "-").partition(":")
    try:
        ends = (float(lo), float(hi)) if colon else None
    except ValueError:
        ends = None
    if ends is None:
        raise ValueError(_t("plot.range_syntax", text=repr(text)))
    return _span(0.0, ends)


def png(figure, dpi=100):
    """The figure as PNG bytes: what a notebook shows and a saved HTML page keeps."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def html(figure, dpi=100):
    """The figure as an ``<img>`` with the PNG inline, for a result's HTML view."""
    data = base64.b64encode(png(figure, dpi)).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}"/>'
