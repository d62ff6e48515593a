"""Stepping through the reverse sweep, one node at a time, on the graph admagic draws.

Reverse mode visits the recorded operations latest first. At each one it knows the node's
gradient g (its adjoint) and sends ``g × ∂node/∂parent`` back along every in-edge; a parent used
twice collects two shares, and its gradient is their sum. The widget shows exactly that, one
*frame* per moment of the sweep:

- frame 0, before the sweep: every gradient blank but the output's seed 1;
- frame k: the k-th node of `EvaluationTrace.steps` highlighted, each share written on its in-edge
  (``3 × 2 = 6``), each parent's running sum in its orange band;
- the last frame: the sweep done, the picture exactly as ``%%grad`` draws it.

Everything is computed here, once, in Python (`frames`); the browser only swaps texts and classes
in one SVG drawn by Graphviz (`prepare_svg` marks its nodes, bands and edges), so stepping needs
no kernel and works from a saved notebook. Where widgets can't run, the output is the static
table and graph (`Stepper._repr_mimebundle_`).

The widget needs anywidget (``pip install "admagic[step]"``); `frames` and `prepare_svg` don't.

>>> from admagic import Tape
>>> from admagic.traced import new_leaf
>>> from admagic.evaltrace import evaluation_trace
>>> with Tape() as tape:
...     x = new_leaf(tape, 3.0)
...     y = x * x
>>> trace = evaluation_trace({"y": y}, {"x": x})
>>> [frame["caption"][0].split(":")[0] for frame in frames(trace)]
['Before the sweep', 'Step 1 of 1', 'Done']
"""

import re
from pathlib import Path

import numpy as np

from .formatting import format_value
from .messages import text as _t
from .steppicture import tangents_legend, drawn_with_room, prepare_svg

__all__ = ["stepper", "step_through", "frames", "forward_frames", "prepare_svg", "widget_available",
           "button_texts", "INSTALL_ADVICE"]

STATIC = Path(__file__).parent / "static"

MAX_STEPS = 2000
"""Sweeps longer than this are refused: nobody watches more steps, and each frame is kept."""

SHARE_ROOM = "1.1"
"""Inches between ranks in the static picture of a ``--step`` cell (graph.py draws 0.4): room on
each edge for the shares the widget writes there. The widget's own drawing reserves that room
exactly instead (`steppicture.drawn_with_room`)."""
_BLANK = "?"  # what a gradient the sweep hasn't reached yet shows


# ---- the frames: what each moment of the sweep shows ---------------------------------------------

def frames(trace, bands=None, names=None, mode="reverse"):
    """The frames of the reverse sweep of `trace` (an `EvaluationTrace`), as plain data;
    ``mode="forward"``: of its tangent sweep instead (see `forward_frames`).

    Each frame is a dict: ``caption`` (lines of text), ``current`` (the graph id of the node being
    processed, or None), ``receiving`` (its parents' ids), ``bands`` (graph id -> the text of its
    gradient band), ``shares`` (one ``{"tail", "head", "lines"}`` per in-edge that carries
    something) and ``rows`` (trace rows to highlight). `bands` maps graph ids to the band texts the
    drawing has (``"∂f/∂x = 11.58"``, from `prepare_svg`): a gradient the sweep has finished shows
    exactly that text, so the last frame is the drawing. `names` maps graph ids to the names drawn.
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}.")
    if mode == "forward":
        return forward_frames(trace, names)
    rows = {row.id: row for row in trace.rows}
    names = {row.id: row.drawn for row in trace.rows} | (names or {})
    target = trace.row_of(trace._target)
    of = trace.adjoint_of
    prefix = {row.id: f"∂{of}/∂{names[row.id]}" for row in trace.rows}
    if bands:
        prefix |= {gid: text.split(" = ", 1)[0] for gid, text in bands.items()}
    final = {row.id: (bands or {}).get(row.id) or f"{prefix[row.id]} = {format_value(row.adjoint)}"
             for row in trace.rows}
    # Shares each row has received so far: once all have arrived, its gradient is final.
    arrived = {row.id: 0 for row in trace.rows}
    unreached = {row.id for row in trace.rows if not row.contributions and row is not target}
    shown = {row.id: final[row.id] if row.id in unreached else f"{prefix[row.id]} = {_BLANK}"
             for row in trace.rows}
    shown[target.id] = final[target.id]
    steps = trace.steps
    out = [_frame([_t("step.before", band=prefix[target.id], blank=_BLANK), _t("step.how")],
                  None, [], shown, [], [target.id])]
    running = {target.id: target.adjoint}
    for k, step in enumerate(steps, start=1):
        node = rows[step.id]
        lines = [_t("step.step", k=k, n=len(steps), name=names[node.id], band=prefix[node.id],
                    value=format_value(step.adjoint))]
        shares, by_edge = [], {}
        for parent_id, (_, amount) in zip(step.receivers, step.sent):
            parent = rows[parent_id]
            share = parent.contributions[arrived[parent_id]]  # they're in sweep order
            arrived[parent_id] += 1
            done = arrived[parent_id] == len(parent.contributions)
            before = running.get(parent_id)
            running[parent_id] = amount if before is None else before + amount
            how = _share_text(share)
            by_edge.setdefault(parent.id, []).append(how)
            total = format_value(running[parent_id])
            sum_text = (total if before is None
                        else f"{format_value(before)} + {format_value(amount)} = {total}")
            lines.append(_t("step.to", name=names[parent.id], how=how, band=prefix[parent.id],
                            sum=sum_text) + (_t("step.final") if done else ""))
            shown[parent.id] = final[parent.id] if done else f"{prefix[parent.id]} = {total}"
        for parent_id, texts in by_edge.items():
            shares.append({"tail": parent_id, "head": node.id, "lines": texts})
        out.append(_frame(lines, node.id, list(by_edge), shown, shares,
                          [node.id] + list(by_edge)))
    out.append(_frame([_t("step.done")], None, [], {gid: final[gid] for gid in shown}, [], []))
    return out


def forward_frames(trace, names=None):
    """The frames of the tangent sweep (forward mode), in the direction of the edges.

    It starts with the inputs' tangents known (the seed input's 1, the others' 0). Each step
    takes the next operation in recorded order and adds up what its in-edges bring, each the local
    partial times that input's tangent (``2 × 1 = 2``); its band then holds its tangent,
    ∂(node)/∂(seed). Arguments and frames are as in `frames`.
    """
    rows = {row.name: row for row in trace.rows}
    names = {row.id: row.drawn for row in trace.rows} | (names or {})
    seed = trace.seed
    prefix = {row.id: f"∂{names[row.id]}/∂{seed}" for row in trace.rows}
    final = {row.id: f"{prefix[row.id]} = {format_value(row.tangent)}" for row in trace.rows}
    shown = {row.id: final[row.id] if row.is_input else f"{prefix[row.id]} = {_BLANK}"
             for row in trace.rows}
    inputs = [row.id for row in trace.rows if row.is_input]
    ops = [row for row in trace.rows if not row.is_input]
    out = [_frame([_t("step.forward_before", seed=seed, blank=_BLANK), _t("step.forward_how")],
                  None, [], shown, [], inputs)]
    for k, row in enumerate(ops, start=1):
        by_edge, terms = {}, []
        for partial in row.partials:
            parent = rows[partial.wrt]
            if partial.value is None or np.ndim(parent.tangent):
                text = f"∂{names[row.id]}/∂{names[parent.id]} · {format_value(parent.tangent)}"
            else:
                amount = partial.value * parent.tangent
                text = f"{_factor(partial.value)} × {_factor(parent.tangent)} = {format_value(amount)}"
                terms.append(_factor(amount))
            by_edge.setdefault(parent.id, []).append(text)
        total = format_value(row.tangent)
        how = " + ".join(terms) if len(terms) == len(row.partials) and len(terms) > 1 else None
        lines = [_t("step.forward_step", k=k, n=len(ops), name=names[row.id], band=prefix[row.id],
                    sum=f"{how + ' = ' if how else ''}{total}")]
        lines += [_t("step.from", name=names[gid], how=t) for gid, texts in by_edge.items()
                  for t in texts]
        shown[row.id] = final[row.id]
        shares = [{"tail": gid, "head": row.id, "lines": texts} for gid, texts in by_edge.items()]
        out.append(_frame(lines, row.id, list(by_edge), shown, shares, [row.id] + list(by_edge)))
    out.append(_frame([_t("step.forward_done", seed=seed)], None, [], shown, [], []))
    return out


def _frame(caption, current, receiving, bands, shares, rows):
    return {"caption": caption, "current": current, "receiving": receiving,
            "bands": dict(bands), "shares": shares, "rows": rows}


def _share_text(share):
    """``3 × 2 = 6``: the sender's gradient times the local partial; the amount alone where either
    is an array (the partial is then a Jacobian, not a number)."""
    amount = format_value(share.amount)
    if share.partial is None or np.ndim(share.sender_adjoint) or np.ndim(share.amount):
        return _t("step.sends", amount=amount)
    return f"{_factor(share.sender_adjoint)} × {_factor(share.partial)} = {amount}"


def _factor(value):
    text = format_value(value)
    return f"({text})" if text.startswith("-") else text


# ---- the picture (steppicture.py) and the trace beside it --------------------------------------

def _marked_table(trace):
    """The trace's HTML table (`tracetable.html_table`) with each row marked by its graph id."""
    from . import tracetable

    table = tracetable.html_table(trace)
    shown, _ = tracetable._shown(trace, tracetable.MAX_ROWS)
    head, body = table.split("<tbody>", 1)
    ids = iter(["" if row is None else row.id for row in shown])
    body = re.sub(r"<tr", lambda _: f"<tr data-row='{next(ids, '')}'", body)
    return f"{head}<tbody>{body}"


# ---- the widget ----------------------------------------------------------------------------------

def widget_available():
    """True if anywidget can be imported (the widget needs it; the frames don't)."""
    try:
        import anywidget  # noqa: F401
    except ImportError:
        return False
    return True


def stepper(source, svg=None, *, show_trace=False, fallback_html=None, fallback_text=None,
            mode="reverse"):
    """A widget stepping through the reverse sweep: previous, next, a slider and play.

    `source` is an `EvaluationTrace`, or a result with a ``trace`` attribute (then `svg`,
    `fallback_html` and `fallback_text` default to its picture, HTML and text). `svg` is the
    graph's SVG text, drawn by `admagic.graph.draw` from the same recording with the same output's
    gradients (None: no picture, only the trace table). ``show_trace=True`` puts the evaluation
    trace beside the graph, its current row highlighted; ``mode="forward"`` steps the tangent
    sweep seeded by the trace's `seed` input instead. Where widgets can't run, the output is
    `fallback_html` / `fallback_text` (by default the graph and the trace table / the trace).

    >>> stepper(trace, svg)          # doctest: +SKIP
    """
    widget_class = _widget_class()  # first: without anywidget, say so before any work
    trace = getattr(source, "trace", source)
    steps = sum(not row.is_input for row in trace.rows)
    if steps > MAX_STEPS:
        raise ValueError(_t("step.too_many", steps=f"{steps:,}", limit=f"{MAX_STEPS:,}"))
    if trace is not source:
        if svg is None and getattr(source, "graph", None) is not None:
            svg = drawn_with_room(source.graph, frames(trace, mode=mode))
        svg = svg if svg is not None else source.render()
        fallback_html = fallback_html if fallback_html is not None else source._repr_html_()
        fallback_text = fallback_text if fallback_text is not None else str(source)
    if svg is not None:
        svg, bands, names = prepare_svg(svg)
        if mode == "forward":  # the legend names what the bands hold now
            svg = tangents_legend(svg, trace.seed)
    else:
        bands, names, show_trace = {}, {}, True
    table = _marked_table(trace) if show_trace else ""
    if fallback_html is None:
        fallback_html = (svg or "") + trace._repr_html_()
    if fallback_text is None:
        fallback_text = str(trace)
    shown = _changes(frames(trace, bands, names, mode), set(bands) if svg else None)
    return widget_class(svg=svg or "", frames=shown, table=table, labels=button_texts(),
                        fallback_html=fallback_html, fallback_text=fallback_text)


_BUTTONS = ("start", "start_title", "previous", "previous_title", "play", "pause", "play_title",
            "next", "next_title", "slider_title")


def button_texts():
    """The widget's button texts and tooltips, in the current language: ``{"play": "▶ play", …}``."""
    return {name: _t(f"step.{name}") for name in _BUTTONS}


def _changes(all_frames, drawn):
    """The frames as the browser gets them: each frame's bands only where they changed (the
    browser replays them), and only for the nodes drawn, so a long sweep stays small."""
    out, before = [], {}
    for frame in all_frames:
        bands = {gid: text for gid, text in frame["bands"].items()
                 if (drawn is None or gid in drawn) and before.get(gid) != text}
        before |= bands
        out.append(dict(frame, bands=bands))
    return out


def step_through(outputs, inputs, *, names=None, gradient_of=None, edges=False, max_nodes=150,
                 show_trace=False, mode="reverse", seed=None):
    """Draw and trace values still traced by one tape, and step through their reverse sweep.

    The arguments are those of `admagic.graph.draw` (and `evaluation_trace`): `outputs` maps names
    to traced values, `inputs` input names to their leaves; `mode` and `seed` (the input whose
    tangents ``mode="forward"`` steps, by default the first) are as in `stepper`.

    >>> with Tape() as tape:                                       # doctest: +SKIP
    ...     x = new_leaf(tape, 2.0); y = x * x + np.sin(x)
    >>> step_through({"y": y}, {"x": x})                           # doctest: +SKIP
    """
    from .evaltrace import evaluation_trace
    from .graph import draw
    from .render import to_svg

    trace = evaluation_trace(outputs, inputs, names=names, gradient_of=gradient_of, seed=seed)
    picture = draw(outputs, inputs, gradient_of=trace.gradient_of, edges=edges,
                   max_nodes=max_nodes, names=names)
    picture.attr(ranksep=SHARE_ROOM)  # the static picture: longer edges, as %%grad --step draws
    svg = drawn_with_room(picture, frames(trace, mode=mode))
    fallback = (to_svg(picture) or "") + trace._repr_html_()
    return stepper(trace, svg, show_trace=show_trace, fallback_html=fallback, mode=mode)


_WIDGET = None


def _widget_class():
    """The anywidget class, made on first use so that admagic imports without anywidget."""
    global _WIDGET
    if _WIDGET is not None:
        return _WIDGET
    try:
        import anywidget
        import ipywidgets
        import traitlets
    except ImportError as error:
        raise ImportError(_t("step.install")) from error

    class Stepper(anywidget.AnyWidget):
        """The step-through: one SVG and its frames; the browser does the stepping."""
        _esm = (STATIC / "stepper.js").read_text(encoding="utf-8")
        _css = (STATIC / "stepper.css").read_text(encoding="utf-8")
        svg = traitlets.Unicode("").tag(sync=True)
        frames = traitlets.List([]).tag(sync=True)
        table = traitlets.Unicode("").tag(sync=True)
        labels = traitlets.Dict({}).tag(sync=True)  # the buttons' texts (`button_texts`)
        step = traitlets.Int(0).tag(sync=True)  # the frame shown first
        interval = traitlets.Int(900).tag(sync=True)  # milliseconds per frame when playing

        def __init__(self, *, fallback_html="", fallback_text="", **kwargs):
            super().__init__(**kwargs)
            self.fallback_html, self.fallback_text = fallback_html, fallback_text

        def _repr_mimebundle_(self, **kwargs):
            # The widget view for a live frontend, the static picture and table for everything
            # else: nbconvert skips a view whose state wasn't saved, GitHub and untrusted
            # notebooks show text/html, a terminal shows text/plain.
            bundle = super()._repr_mimebundle_(**kwargs)
            data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
            data = dict(data or {})
            data["text/plain"] = self.fallback_text
            data["text/html"] = self.fallback_html
            return data, metadata

        if hasattr(ipywidgets.Widget, "_ipython_display_"):
            # ipywidgets 7 (Colab) displays widgets through _ipython_display_, which IPython
            # prefers to _repr_mimebundle_: route it through ours so the fallbacks go out too.
            def _ipython_display_(self, **kwargs):
                from IPython.display import display

                data, metadata = self._repr_mimebundle_()
                display(data, metadata=metadata, raw=True)
                if hasattr(self, "_handle_displayed"):
                    self._handle_displayed(**kwargs)

    _WIDGET = Stepper
    return Stepper


def __getattr__(name):
    if name == "Stepper":  # admagic.stepper.Stepper, for isinstance checks
        return _widget_class()
    if name == "INSTALL_ADVICE":  # what to install for --step, in the current language
        return _t("step.install")
    raise AttributeError(name)
