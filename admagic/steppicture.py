"""The step-through's picture: one SVG from Graphviz, with room kept on its edges for the shares
and its parts marked for the browser (stepper.py makes the frames, static/stepper.js shows them).

Dot lays the graph out once. Each edge that will carry shares gets an empty label cell of their
size (`with_room`), so dot keeps that place free of nodes and other labels, and the browser writes
the shares there; `prepare_svg` then marks nodes, bands and edges (and each edge's room) by the ids
graph.py gave them, so that the browser can restyle them frame by frame.

>>> from admagic.graph import draw                                  # doctest: +SKIP
>>> svg = drawn_with_room(draw({"y": y}, {"x": x}), frames(trace))  # doctest: +SKIP
>>> marked, bands, names = prepare_svg(svg)                         # doctest: +SKIP
"""

import html
import re
import xml.etree.ElementTree as ET

from .graph import GRADIENT, WIDE
from .messages import text as _t
from .render import to_svg

__all__ = ["prepare_svg", "with_room", "drawn_with_room", "tangents_legend"]

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_ROOM = "#fffffe"  # the fill of the empty label cell that holds an edge's place for its shares
_SHARE_FONT = 11  # points: the shares' font size (stepper.css), in the SVG's units
TOO_WIDE = 1.25 * WIDE
"""Pixels: a left-to-right drawing with room for the shares wider than this is drawn top to bottom
instead, if that is narrower. A little over graph.py's limit, so that a row that fits a projected
notebook stays a row, as the picture above the step-through draws it."""


def _share_room(all_frames):
    """``(tail, head) -> (width, height)`` in points: the room the largest shares written on
    that edge in any frame need (estimated generously: the browser measures, Graphviz can't)."""
    room = {}
    for frame in all_frames:
        for share in frame["shares"]:
            key, lines = (share["tail"], share["head"]), share["lines"]
            width = max(map(len, lines)) * 0.58 * _SHARE_FONT + 8
            height = len(lines) * 1.2 * _SHARE_FONT + 4
            old = room.get(key, (0, 0))
            room[key] = (max(old[0], width), max(old[1], height))
    return room


_EDGE_LINE = re.compile(r"\t(\S+) -> (\S+)(?: \[(.*)\])?\n", re.S)


def with_room(picture, room):
    """A copy of the Digraph `picture` in which each edge that will carry shares has an empty label
    cell of their size (`room`, from `_share_room`; below the edge's own label, if any), so that
    dot lays the graph out around them: the shares the browser writes there cover nothing."""
    picture, left, body = picture.copy(), dict(room), []
    for line in picture.body:
        match = _EDGE_LINE.fullmatch(line)
        key = match and (re.sub(r"_to_n\d+$", "", match[1]), match[2])
        if key not in left:  # not an edge, one without shares, or a second use's copy
            body.append(line)
            continue
        width, height = left.pop(key)
        attrs = match[3] or ""
        own = re.search(r"label=<(<TABLE.*</TABLE>)>", attrs, re.S)
        label = (f'label=<<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="2">'
                 f'{f"<TR><TD>{own[1]}</TD></TR>" if own else ""}<TR><TD FIXEDSIZE="TRUE" '
                 f'WIDTH="{width:.0f}" HEIGHT="{height:.0f}" BGCOLOR="{_ROOM}"></TD></TR></TABLE>>')
        attrs = attrs.replace(own[0], label) if own else f"{label} {attrs}".strip()
        body.append(f"\t{match[1]} -> {match[2]} [{attrs}]\n")
    picture.body = body
    picture.attr(ranksep="0.3")  # the labels themselves make the room now
    return picture


def drawn_with_room(picture, all_frames):
    """The SVG of the Digraph `picture` with room on its edges for the shares written in
    `all_frames` (`stepper.frames`), or None without a layout engine or when dot fails."""
    room = _share_room(all_frames)
    try:
        svg = to_svg(with_room(picture, room))
        if svg is not None and _width(svg) > TOO_WIDE * 0.75:  # px to points
            # The shares lengthen a left-to-right row most: top to bottom may fit the screen.
            tall = with_room(picture, room)
            tall.attr(rankdir="TB")
            svg = min(svg, to_svg(tall), key=_width)
        return svg
    except (RuntimeError, ValueError):  # dot failed: the caller draws the picture as it is
        return None


def _width(svg):
    found = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    return float(found[1]) if found else 0.0


def prepare_svg(svg):
    """Mark Graphviz's SVG for stepping: give `(svg, bands, names)`.

    Every node's group gets ``data-node="n<number>"`` (the id graph.py gives it, which Graphviz
    writes only as the group's title), every edge ``data-tail``/``data-head`` (a dashed copy of a
    node counts as that node), and each gradient band's text the class ``admagic-band``, centred
    on its orange box so that shorter and longer texts stay inside it. An edge with room kept for
    its shares (`with_room`) gets that room as ``data-share="x y width height"``, and the empty
    cell that held it is removed. `bands` maps node ids to
    the band texts as drawn, `names` node ids to the names drawn (``u`` for ``u = x × x``).
    """
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", svg, count=1).strip().encode("utf-8"))
    bands, names = {}, {}
    for group in root.iter(f"{{{_SVG}}}g"):
        kind = group.get("class")
        title = group.find(f"{{{_SVG}}}title")
        if title is None or kind not in ("node", "edge"):
            continue
        if kind == "edge":
            tail, _, head = (title.text or "").partition("->")
            group.set("data-tail", re.sub(r"_to_n\d+$", "", tail))
            group.set("data-head", head)
            _mark_room(group)
            continue
        node_id = title.text or ""
        group.set("data-node", node_id)
        texts = list(group.iter(f"{{{_SVG}}}text"))
        if texts and " = " in (texts[0].text or ""):
            names[node_id] = texts[0].text.split(" = ", 1)[0]
        band = _mark_band(group)
        if band is not None:
            bands[node_id] = band
    return ET.tostring(root, encoding="unicode"), bands, names


def _mark_room(edge):
    """Move the edge's empty room cell (`with_room`) into a ``data-share`` attribute."""
    for parent in edge.iter():
        for element in list(parent):
            if (element.get("fill") or "").lower() == _ROOM and element.get("points"):
                xs, ys = zip(*(map(float, p.split(",")) for p in element.get("points").split()))
                edge.set("data-share", f"{min(xs):.2f} {min(ys):.2f} "
                                       f"{max(xs) - min(xs):.2f} {max(ys) - min(ys):.2f}")
                parent.remove(element)
                return


def _mark_band(group):
    """Find the node's gradient band (the text on the orange box), mark and centre it."""
    box, found = None, None
    for element in group.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "polygon" and (element.get("fill") or "").lower() == GRADIENT:
            box = element
        elif tag == "text" and box is not None and (element.text or "").startswith("∂"):
            found = (box, element)
    if found is None:
        return None
    box, text = found
    xs = [float(point.split(",")[0]) for point in box.get("points", "").split()]
    text.set("class", "admagic-band")
    text.set("text-anchor", "middle")
    text.set("x", f"{(min(xs) + max(xs)) / 2:.2f}")
    text.set("data-width", f"{max(xs) - min(xs):.2f}")
    return text.text


def tangents_legend(svg, seed):
    """The SVG with its legend's "∂f/∂(node): gradients of f" saying what the bands hold in a
    tangent sweep: "∂(node)/∂x: tangents, forward mode seeded by x" (in the current language)."""
    parts = _t("graph.gradients", output="\0").split("\0")  # around each name of the output
    gradients = "[^<]*?".join(re.escape(html.escape(part, quote=False)) for part in parts)
    tangents = html.escape(_t("graph.tangents", seed=seed), quote=False)
    return re.sub(f">{gradients}[^<]*<", lambda _: f">{tangents}<", svg)
