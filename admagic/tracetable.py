"""How an evaluation trace looks: aligned text for a terminal, a plain HTML table for a notebook.

The rows are built in `evaltrace.py`; this module only writes them out. Long traces are shown as
their first and last rows around one "… N more rows …" line, as long graphs are summarised.
"""

import html
import unicodedata

import numpy as np

from .formatting import format_value
from .messages import text as _t

MAX_ROWS = 40
"""Traces longer than this are shown as their first and last rows around a "… N more …" line."""

MAX_SHARES = 6
"""An adjoint made of more shares than this shows the first and last few around "… N more …"."""

COLUMNS = 7


def text(trace, max_rows=MAX_ROWS):
    """The trace as aligned text: one line per row, more where a cell has several."""
    shown, hidden = _shown(trace, max_rows)
    table = [_headings(trace)]
    for row in shown:
        table.append(["", "", _more_rows(hidden)] + [""] * (COLUMNS - 3) if row is None
                     else _columns(trace, row))
    # Cells may hold several lines (the adjoint's increments): pad each line to its column.
    split = [[cell.split("\n") for cell in line] for line in table]
    widths = [max(_width(part) for line in split for part in line[c]) for c in range(COLUMNS)]
    out = []
    for line in split:
        for k in range(max(len(cell) for cell in line)):
            parts = [cell[k] if k < len(cell) else "" for cell in line]
            out.append("  ".join(part + " " * (w - _width(part))
                                 for part, w in zip(parts, widths)).rstrip())
    title = _t("trace.title", rows=f"{len(trace.rows):,}", seed=trace.seed, of=trace.adjoint_of)
    return title + "\n" + "\n".join(out)


def html_table(trace, max_rows=MAX_ROWS):
    """The trace as one HTML table (no JavaScript); cells keep their line breaks."""
    shown, hidden = _shown(trace, max_rows)
    head = "".join(f"<th style='text-align:left;padding:2px 12px 2px 0'>{html.escape(h)}</th>" for h in _headings(trace))
    body = []
    for row in shown:
        if row is None:
            body.append(f"<tr><td colspan='{COLUMNS}' style='text-align:center'><i>"
                        f"{html.escape(_more_rows(hidden))}</i></td></tr>")
            continue
        cells = "".join(f"<td style='text-align:left;vertical-align:top;white-space:pre;padding:2px 12px 2px 0'>{html.escape(c)}</td>"
                        for c in _columns(trace, row))
        style = " style='font-weight:bold'" if row.is_output else ""
        body.append(f"<tr{style}>{cells}</tr>")
    caption = html.escape(_t("trace.caption", rows=f"{len(trace.rows):,}", seed=trace.seed,
                             of=trace.adjoint_of))
    return (f"<table class='admagic-trace'><caption style='text-align:left'>{caption}"
            f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _shown(trace, max_rows):
    """The rows to show, with None where the "… N more …" line goes."""
    rows = trace.rows
    if len(rows) <= max_rows:
        return rows, 0
    head, tail = max_rows * 2 // 3, max_rows - max_rows * 2 // 3
    return rows[:head] + [None] + rows[-tail:], len(rows) - head - tail


def _columns(trace, row):
    label = row.label or ""
    partials = "; ".join(f"∂{row.name}/∂{p.wrt} = {_number(p.value)}" for p in row.partials)
    return [row.name, label, row.definition, format_value(row.value), partials,
            _tangent_text(trace, row), _adjoint_text(trace, row)]


def _tangent_text(trace, row):
    """``v̇2 = ∂v2/∂v₋₁·v̇₋₁ + ∂v2/∂v₀·v̇₀ = 5 × 1 + 2 × 0 = 5``: the survey's table 2. The
    partials are the reverse rules' and the tangents Taylor mode's, so the line checks both."""
    dot = _dot(row.name)
    total = format_value(row.tangent)
    if row.is_input or not row.partials:
        return f"{dot} = {total}"
    parents = [trace.row(p.wrt) for p in row.partials]
    how = " + ".join(f"∂{row.name}/∂{p.wrt}·{_dot(p.wrt)}" for p in row.partials)
    if any(p.value is None or np.ndim(parent.tangent) for p, parent in zip(row.partials, parents)):
        return f"{dot} = {how} = {total}"
    numbers = " + ".join(f"{_factor(p.value)} × {_factor(parent.tangent)}"
                         for p, parent in zip(row.partials, parents))
    return f"{dot} = {how}\n   = {numbers} = {total}"


def _adjoint_text(trace, row):
    """``v̄₀ = v̄3·∂v3/∂v₀ = (-1) × 0.2837 = -0.2837``, then ``v̄₀ += v̄2·∂v2/∂v₀ = 1 × 2 = 2``
    and ``→ v̄₀ = 1.716``: one line per share, in the order the sweep sent them."""
    bar = _bar(row.name)
    if not row.contributions:
        return f"{bar} = {format_value(row.adjoint)}" + (_t("trace.seed") if row.is_output else "")
    shares = list(enumerate(row.contributions))
    if len(shares) > MAX_SHARES:  # a value used in every step of a loop: the first and last few
        shares = shares[:MAX_SHARES - 2] + [None] + shares[-2:]
    parts = []
    for share in shares:
        if share is None:
            parts.append(f"{bar} += {_counted('trace.more_shares', len(row.contributions) - MAX_SHARES + 2)}")
            continue
        i, c = share
        how = f"{_bar(c.sender)}·∂{c.sender}/∂{row.name}"
        numbers = (f" = {_factor(c.sender_adjoint)} × {_factor(c.partial)}"
                   if c.partial is not None and np.ndim(c.sender_adjoint) == 0 else "")
        parts.append(f"{bar} {'=' if i == 0 else '+='} {how}{numbers} = {format_value(c.amount)}")
    if len(parts) > 1:
        parts.append(f"→ {bar} = {format_value(row.adjoint)}")
    return "\n".join(parts)


def _headings(trace):
    return [_t("trace.row"), _t("trace.cells_name"), _t("trace.definition"), _t("trace.value"),
            _t("trace.partials"), _t("trace.tangent", seed=trace.seed),
            _t("trace.adjoint", of=trace.adjoint_of)]


def _more_rows(hidden):
    return _counted("trace.more_rows", hidden)


def _counted(key, count):
    """The text `key` for `count` things, the count written with thousands separators."""
    return _t(key, count=count if count == 1 else f"{count:,}")


def _bar(name):
    """v̄: the name with a combining macron on its first letter (``v̄₀``, ``ȳ``)."""
    return name[0] + "\u0304" + name[1:]


def _width(line):
    """How many columns `line` takes in a terminal: combining marks (the bar of v̄) take none."""
    return sum(1 for ch in line if not unicodedata.combining(ch))


def _dot(name):
    """v̇: the name with a combining dot above its first letter (``v̇₀``)."""
    return name[0] + "\u0307" + name[1:]


def _number(value):
    if value is None:
        return _t("trace.matrix")
    return format_value(value)


def _factor(value):
    """A number as a factor in a product: negative ones in brackets, ``1 × (-0.5)``."""
    text = _number(value)
    return f"({text})" if text.startswith("-") else text
