"""Turning a graph into a picture: finding a layout engine, and keeping its noise out of the notebook.

The `graphviz` package only writes DOT text; a layout engine draws it. admagic looks for one in
this order:

1. ``dot`` on PATH: the system Graphviz (Debian/Ubuntu ``graphviz``, conda, Homebrew, Colab);
2. ``pygraphviz`` (>= 2.0.4), whose wheels carry Graphviz inside, so ``pip install "admagic[render]"``
   is enough on a laptop with no Graphviz at all;
3. neither: no picture, and `install_advice` says what to install.

Set the environment variable ``ADMAGIC_RENDERER`` to ``dot``, ``pygraphviz`` or ``none`` to use
only that one (the tests do, to check each path).

>>> renderer() in ("dot", "pygraphviz", None)
True

Whatever the engine prints on stderr (warnings about fonts, say) is captured, never shown: ``dot``
runs with its stderr piped, and around pygraphviz, which prints from C, file descriptor 2 itself is
pointed elsewhere for the length of the call. admagic never runs the `graphviz` package's own
drawing, which raises ``ExecutableNotFound`` where there is no ``dot``: the graphs it hands out are
a `Digraph` whose display, ``save()`` and ``pipe()`` come here. With no layout engine at all,
`to_svg` and `to_png` give None.
"""

import base64
import html as html_module
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

import graphviz

from .messages import text

FORMATS = (".svg", ".png", ".pdf", ".dot")
"""The files a graph can be saved as (`save`, ``--save``), by suffix."""
_RENDERERS = ("dot", "pygraphviz")
_MINIMUM_PYGRAPHVIZ = (2, 0, 4)
SLIDE_DPI = 192
MIN_TEXT_PX = 10
"""CSS pixels: a notebook shrinks a wide graph to fit its output, but never so far that its smallest
text is drawn below this at 100% zoom; a wider graph scrolls sideways instead."""
_TIMEOUT = 120  # seconds; a graph admagic draws takes well under one


def renderer():
    """The layout engine admagic will use: ``"dot"``, ``"pygraphviz"``, or None if there is none.

    ``ADMAGIC_RENDERER=dot|pygraphviz|none`` forces one (None when the forced one is missing).
    """
    forced = os.environ.get("ADMAGIC_RENDERER", "").strip().lower()
    if forced and forced not in _RENDERERS + ("none", "auto"):
        raise ValueError(f"ADMAGIC_RENDERER={forced!r}: use one of dot, pygraphviz, none, auto.")
    candidates = (forced,) if forced in _RENDERERS + ("none",) else _RENDERERS
    for name in candidates:
        if name == "dot" and shutil.which("dot"):
            return "dot"
        if name == "pygraphviz" and _pygraphviz() is not None:
            return "pygraphviz"
    return None


def install_advice():
    """One line saying exactly what to install to see the graph."""
    return text("graph.install")


def to_svg(graph):
    """The graph as SVG text, or None if there is no layout engine.

    `graph` is a `graphviz.Digraph` (its ``engine``, e.g. ``"neato"``, is used) or DOT source.
    """
    picture = _render(graph, "svg")
    return None if picture is None else picture.decode("utf-8")


def to_png(graph, dpi=None):
    """The graph as PNG bytes (transparent background), or None if there is no layout engine.

    `dpi` sets the resolution (Graphviz's default is 96; 192 looks sharp on a high-density screen).
    """
    return _render(graph, "png", dpi=dpi)


def save(graph, path):
    """Write the graph to `path`, as .svg, .png, .pdf or .dot by its suffix; give the path back.

    >>> save(graphviz.Digraph(), "graph.dot")  # doctest: +SKIP
    'graph.dot'

    A .dot file needs no layout engine; the others raise RuntimeError, with the advice, without one.
    A .png is drawn at 192 dpi (twice Graphviz's default), sharp enough for a slide. A .svg keeps
    admagic's tooltips but not Graphviz's ids, which a browser would show on hover ("n4").
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"Can't save a graph as {suffix or 'a file without a suffix'!r}: name the "
                         f"file with one of {', '.join(FORMATS)} (e.g. graph.svg).")
    if suffix == ".dot":
        path.write_text(_source(graph), encoding="utf-8")
        return str(path)
    picture = _render(graph, suffix[1:], dpi=SLIDE_DPI if suffix == ".png" else None)
    if picture is None:
        raise RuntimeError(f"Can't write {path.name}: no layout engine was found. {install_advice()}")
    if suffix == ".svg":  # Graphviz titles each part by its id: a browser shows "n4" on hover
        picture = re.sub(rb"<title>[^<]*</title>\n?", b"", picture)
    path.write_bytes(picture)
    return str(path)


class Digraph(graphviz.Digraph):
    """A `graphviz.Digraph` that admagic draws: it shows itself in a notebook, saves itself and
    pipes itself through `renderer()` (the system ``dot`` or pygraphviz), so it works wherever
    admagic can draw, and ``save("g.svg")`` writes a picture. Everything else is graphviz's own:
    ``node()``, ``edge()``, ``attr()``, ``source``, ``engine``, ``copy()``.

    >>> g = Digraph()
    >>> g.edge("x", "y")
    >>> g.save("xy.svg"), g.save("xy.dot")  # doctest: +SKIP
    ('xy.svg', 'xy.dot')

    (graphviz's ``render()`` and ``view()`` still run its own ``dot`` command.)
    """

    def svg(self):
        """The graph laid out as SVG text; None without a layout engine, RuntimeError if Graphviz
        can't draw it. The picture is kept until the graph (or the layout engine) changes."""
        key = (self.source, self.engine, renderer())
        drawn = getattr(self, "_drawn", None)
        if drawn is None or drawn[0] != key:
            try:
                drawn = (key, to_svg(self), None)
            except RuntimeError as error:
                drawn = (key, None, str(error))
            self._drawn = drawn
        _, picture, problem = drawn
        if problem is not None:
            raise RuntimeError(problem)
        return picture

    def _repr_svg_(self):
        try:
            return self.svg()
        except RuntimeError:
            return None

    def _repr_html_(self):
        try:
            return html(self, self.svg())
        except RuntimeError as error:
            return f"<pre>{_escape(text('note.graph_failed', error=error))}</pre>"

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        """What a notebook shows: the picture as an <img> (which untrusted notebooks show, unlike
        bare SVG), or the DOT source and what to install; never graphviz's ExecutableNotFound."""
        wanted = set(include) if include else {"text/html", "text/plain"}
        wanted -= set(exclude or ())
        bundle = {"text/plain": text("graph.plain_text")}
        if "text/html" in wanted:
            bundle["text/html"] = self._repr_html_()
        for mimetype, fmt in (("image/svg+xml", "svg"), ("image/png", "png")):
            if mimetype in wanted:
                picture = _render(self, fmt)
                if picture is not None:
                    bundle[mimetype] = picture.decode("utf-8") if fmt == "svg" else picture
        return {mimetype: data for mimetype, data in bundle.items() if mimetype in wanted}

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        """The graph drawn as `format` (``"svg"``, ``"png"``, ...): bytes, or text if `encoding`
        is given. Drawn by admagic's layout engine; RuntimeError, with the advice, without one."""
        if renderer or formatter or neato_no_op:  # options only graphviz's own call of dot knows
            return super().pipe(format, renderer=renderer, formatter=formatter,
                                neato_no_op=neato_no_op, quiet=quiet, engine=engine,
                                encoding=encoding)
        picture = _render(self, format or self.format, engine=engine)
        if picture is None:
            raise RuntimeError(f"Can't draw the graph: no layout engine was found. "
                               f"{install_advice()}")
        return picture.decode(encoding) if encoding else picture

    def save(self, filename=None, directory=None, *, skip_existing=False):
        """Write the graph to `filename` in `directory`: a picture for .svg, .png or .pdf, DOT
        source for .dot, .gv or no suffix; give the path back."""
        # graphviz's own render() saves its DOT source first, with skip_existing=None.
        if filename is None or skip_existing is None \
                or Path(filename).suffix.lower() in ("", ".gv"):
            return super().save(filename, directory=directory, skip_existing=skip_existing)
        path = Path(directory or "") / filename
        if skip_existing and path.exists():
            return str(path)
        return save(self, path)


def html(graph, svg):
    """The graph for a notebook: an <img> of `svg`, or, where there was no layout engine to draw
    it (`svg` None), its DOT source folded away and what to install."""
    if svg is not None:
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        width, narrowest = drawn_widths(svg)
        # An <img> shows none of the SVG's own tooltips (round-off drawn as 0): the picture's does.
        tips = "\n".join(html_module.unescape(t) for t in re.findall(r'xlink:title="([^"]*)"', svg))
        return (f'<div style="padding:4px 10px;overflow-x:auto">'
                f'<img src="data:image/svg+xml;base64,{data}" alt="{_escape(text("graph.picture"))}" '
                + (f'title="{_escape(tips)}" ' if tips else "")
                + f'width="{width:.0f}" style="max-width:100%;min-width:{narrowest:.0f}px;height:auto;'
                'background:transparent"></div>')
    return ('<details style="padding:2px 10px">'
            f"<summary>{_escape(text('graph.dot_source'))}</summary>"
            f'<pre style="background:transparent;color:inherit">{_escape(_source(graph))}</pre>'
            f'</details><div style="padding:2px 10px">{_escape(install_advice())}</div>')


def drawn_widths(svg):
    """`(width, narrowest)` in CSS pixels: the width Graphviz drew `svg` at (1 pt is 4/3 px), and
    the narrowest a notebook may shrink it to, at which its smallest text is `MIN_TEXT_PX` high.

    >>> drawn_widths('<svg width="300pt" height="50pt" viewBox="0 0 300 50"><text font-size="12">')
    (400.0, 250.0)
    """
    width = float(re.search(r'<svg[^>]*?\swidth="([\d.]+)pt"', svg).group(1)) * 4 / 3
    view_box = re.search(r'<svg[^>]*?\sviewBox="[-\d.]+ [-\d.]+ ([\d.]+)', svg)
    view_width = float(view_box.group(1)) if view_box else width * 3 / 4
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    if not sizes or view_width <= 0:
        return width, width
    # Text `size` viewBox units high is drawn size × (shown width / view_width) px.
    return width, min(width, MIN_TEXT_PX * view_width / min(sizes))


def _escape(words):
    return html_module.escape(str(words), quote=True)


def _render(graph, fmt, dpi=None, engine=None):
    """Rendered bytes, or None if no layout engine works here."""
    source = _source(graph)
    engine = engine or getattr(graph, "engine", "dot") or "dot"
    if dpi is not None:
        source = _with_dpi(source, dpi)
    chosen = renderer()
    if chosen == "dot":
        try:
            picture = _with_dot(source, engine, fmt)
        except RuntimeError:
            # A broken Graphviz install (a conda dot without its plugins, say) shouldn't cost the
            # picture when pygraphviz can draw it; a graph that can't be drawn fails there too.
            if os.environ.get("ADMAGIC_RENDERER") == "dot" or _pygraphviz() is None:
                raise
            picture = None
        if picture is not None:
            return picture
        if os.environ.get("ADMAGIC_RENDERER") == "dot":
            return None
        chosen = "pygraphviz"
    if chosen == "pygraphviz" and _pygraphviz() is not None:
        return _with_pygraphviz(source, engine, fmt)
    return None


def _source(graph):
    return graph if isinstance(graph, str) else graph.source


def _with_dpi(source, dpi):
    # A graph attribute statement right after the opening brace; a later one in `source` wins.
    head, brace, tail = source.partition("{")
    return f"{head}{brace}\n\tdpi={float(dpi)!r}{tail}"


def _with_dot(source, engine, fmt):
    """Run the Graphviz command line; None if it can't be run at all."""
    try:
        done = subprocess.run(["dot", f"-K{engine}", f"-T{fmt}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=_TIMEOUT, check=False)
    except OSError:  # dot vanished, or isn't executable: treat as not there
        return None
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"Graphviz took more than {_TIMEOUT} s to lay this graph out; draw "
                           "fewer nodes (admagic's draw() has max_nodes).") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz could not draw this graph: {message or 'no output'}")
    return done.stdout


def _with_pygraphviz(source, engine, fmt):
    pygraphviz = _pygraphviz()
    with _quiet_stderr() as captured, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            graph = pygraphviz.AGraph(string=source)
            return graph.draw(format=fmt, prog=engine)
        except (ValueError, OSError, RuntimeError) as error:
            problem = error
    raise RuntimeError(f"Graphviz (pygraphviz) could not draw this graph: {problem} "
                       f"{captured.text.strip()}".strip())


_pygraphviz_module = []  # [module or None], once looked for


def _pygraphviz():
    """The pygraphviz module if it is installed and new enough, else None."""
    if not _pygraphviz_module:
        module = None
        try:
            with _quiet_stderr():
                import pygraphviz as module
        except ImportError:
            pass
        version = getattr(module, "__version__", "0")
        if module is not None and _version_tuple(version) < _MINIMUM_PYGRAPHVIZ:
            module = None
        _pygraphviz_module.append(module)
    return _pygraphviz_module[0]


def _version_tuple(version):
    numbers = []
    for part in version.split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        numbers.append(int(digits or 0))
    return tuple(numbers)


class _Captured:
    """What a C library printed on stderr while it was pointed away (filled in at the end)."""

    text = ""


@contextmanager
def _quiet_stderr():
    """Point file descriptor 2 at a temporary file: what C libraries print goes there, not to the
    notebook (ipykernel forwards fd 2 into the cell's output)."""
    captured = _Captured()
    with tempfile.TemporaryFile() as sink:
        try:
            saved = os.dup(2)
        except OSError:  # no fd 2 at all: nothing to protect
            yield captured
            return
        try:
            os.dup2(sink.fileno(), 2)
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read().decode("utf-8", "replace")
