"""What ``%%grad`` shows with an optional package: --plot (matplotlib), --step (anywidget).

`magic.py` calls these after the result is computed; each shows its view, or says in one line why
not and what to install. The views themselves are `plot.py` and `stepper.py`.
"""

import re
from pathlib import Path

from IPython.core.error import UsageError
from IPython.display import Image, display

from .messages import text

_RANGE = re.compile(r"[-+−]?[\d.]+:[-+−]?[\d.]+")


def plot_range_joined(words):
    """The line's words with ``--plot``'s optional range stuck to it, so argparse reads them:
    ``--plot -3:3`` as ``--plot=-3:3`` (else ``-3:3`` looks like an option), and a bare ``--plot``
    as ``--plot=`` (else it takes the input after it, ``--plot x=1``, as its range).

    >>> plot_range_joined(["--plot", "-3:3", "x=1"]), plot_range_joined(["--plot", "x=1"])
    (['--plot=-3:3', 'x=1'], ['--plot=', 'x=1'])
    """
    joined = []
    for word in words:
        if joined and joined[-1] == "--plot":
            joined[-1] = f"--plot={word}" if _RANGE.fullmatch(word) else "--plot="
            if _RANGE.fullmatch(word):
                continue
        joined.append(word)
    if joined and joined[-1] == "--plot":
        joined[-1] = "--plot="
    return joined


def plot_problem(span, inputs):
    """What is wrong with ``--plot`` on this line, in one line, or None: found before the cell runs.

    >>> plot_problem("", [("x", "1"), ("y", "2")]).split(":")[0]
    '--plot draws a function of one input, and this line gives two (x, y)'
    """
    from .plot import parse_span

    if span is None:
        return None
    if len(inputs) != 1:
        return text("plot.one_input_line", count=_count(len(inputs)),
                    names=", ".join(name for name, _ in inputs))
    try:
        parse_span(span or None)
    except ValueError as problem:
        return str(problem)
    return None


def _count(n):
    """A small count in words ("two"; in Chinese 两), a larger one in digits."""
    words = text("plot.count_words").split(", ")
    return words[n] if n < len(words) else str(n)


def show_plot(code, values, namespace, *, order, span, of, save=None):
    """Draw the cell's outputs and derivatives (`plot.plot_cell`) and display the PNG; the figure.
    With `save` (``--save FILE``), also write it beside the graph (`plot_path`).

    A missing matplotlib or a cell that can't be plotted (two inputs, a bad range) is a
    UsageError that says what to do."""
    from .plot import parse_span, plot_cell, png

    try:
        figure = plot_cell(code, values, namespace, order=order, span=parse_span(span or None),
                           of=of)
    except (ImportError, ValueError) as error:
        raise UsageError(str(error)) from None
    display(Image(data=png(figure)))
    if save:
        figure.savefig(plot_path(save), dpi=192)
    return figure


def plot_path(save):
    """Where ``--save FILE`` writes the plot: beside the graph, as ``FILE-plot`` with the graph's
    suffix where matplotlib writes it (.png, .svg, .pdf), else .png.

    >>> str(plot_path("out/graph.dot"))
    'out/graph-plot.png'
    """
    path = Path(save)
    suffix = path.suffix.lower() if path.suffix.lower() in (".png", ".svg", ".pdf") else ".png"
    return path.with_name(f"{path.stem}-plot{suffix}")


def show_stepper(result, *, show_trace, mode):
    """Display the step-through widget for `result` (run with ``step=True``); where it can't be
    made, the static result and one line saying why and what to do."""
    from . import stepper

    html, text = result._repr_html_(), str(result)
    if show_trace:  # the widget shows the trace beside the graph; so does its fallback
        html, text = html + result.trace._repr_html_(), f"{text}\n\n{result.trace}"
    try:
        widget = stepper.stepper(result, show_trace=show_trace, mode=mode, fallback_html=html,
                                 fallback_text=text)
    except (ImportError, ValueError) as problem:
        display(result)
        if show_trace:
            display(result.trace)
        print(f"--step: {problem}")
        return None
    display(widget)
    return widget
