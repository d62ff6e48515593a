"""Rendering through each layout engine: system `dot`, pygraphviz, and none at all.

``ADMAGIC_RENDERER`` forces one path; CI runs this file with Debian's graphviz, with only
pygraphviz, and with neither, and each test skips (saying why) where its engine is missing.
"""

import base64
import html
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap

import graphviz
import pytest

from admagic import render
from admagic.graph import draw
from admagic.tape import Tape
from admagic.traced import new_leaf

HAS_DOT = shutil.which("dot") is not None
try:
    import pygraphviz  # noqa: F401

    HAS_PYGRAPHVIZ = True
except ImportError:
    HAS_PYGRAPHVIZ = False

needs_dot = pytest.mark.skipif(not HAS_DOT, reason="no Graphviz `dot` on PATH (apt install graphviz)")
needs_pygraphviz = pytest.mark.skipif(not HAS_PYGRAPHVIZ,
                                      reason='pygraphviz not installed (pip install "admagic[render]")')


def chain():
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        y = x * x
        z = y * y
    return draw({"y": y, "z": z}, {"x": x}, edges=True)


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # the IHDR chunk: width, height


@pytest.fixture
def only(monkeypatch):
    def force(name):
        monkeypatch.setenv("ADMAGIC_RENDERER", name)
    return force


# ---- each path -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    pytest.param("dot", marks=needs_dot),
    pytest.param("pygraphviz", marks=needs_pygraphviz),
])
def test_each_renderer_draws_svg_and_png_silently(name, only, capfd):
    only(name)
    assert render.renderer() == name
    svg = render.to_svg(chain())
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert "∂z/∂x = 108" in svg and "x = 3" in svg
    width, height = png_size(render.to_png(chain()))
    assert width > 200 and height > 50
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.mark.parametrize("name", [
    pytest.param("dot", marks=needs_dot),
    pytest.param("pygraphviz", marks=needs_pygraphviz),
])
def test_a_fresh_process_prints_nothing_on_stderr(name):
    # pygraphviz's bundled fontconfig warns once per process (on Debian 12), so only a new process
    # shows whether that first warning is kept out of the notebook.
    script = textwrap.dedent("""
        from admagic.graph import draw
        from admagic.render import to_png, to_svg
        from admagic.tape import Tape
        from admagic.traced import new_leaf
        with Tape() as tape:
            x = new_leaf(tape, 3.0)
            y = x * x
        graph = draw({"y": y}, {"x": x})
        assert "</svg>" in to_svg(graph) and to_png(graph)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                          env={**os.environ, "ADMAGIC_RENDERER": name})
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""


@pytest.mark.parametrize("name", [
    pytest.param("dot", marks=needs_dot),
    pytest.param("pygraphviz", marks=needs_pygraphviz),
])
def test_png_resolution_follows_dpi(name, only):
    only(name)
    width, height = png_size(render.to_png(chain(), dpi=72))
    wide, tall = png_size(render.to_png(chain(), dpi=144))
    assert wide == pytest.approx(2 * width, abs=2) and tall == pytest.approx(2 * height, abs=2)


@pytest.mark.parametrize("name", [
    pytest.param("dot", marks=needs_dot),
    pytest.param("pygraphviz", marks=needs_pygraphviz),
])
def test_save_writes_each_format(name, only, tmp_path):
    only(name)
    starts = {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF", ".dot": b"digraph"}
    for suffix, start in starts.items():
        path = render.save(chain(), tmp_path / f"graph{suffix}")
        assert path == str(tmp_path / f"graph{suffix}")
        assert (tmp_path / f"graph{suffix}").read_bytes().startswith(start)


@pytest.mark.parametrize("name", [
    pytest.param("dot", marks=needs_dot),
    pytest.param("pygraphviz", marks=needs_pygraphviz),
])
def test_a_saved_png_has_twice_the_default_resolution_for_slides(name, only, tmp_path):
    only(name)
    width, height = png_size(render.to_png(chain(), dpi=96))
    saved = png_size((tmp_path / "graph.png").read_bytes() if render.save(chain(), tmp_path / "graph.png")
                     else b"")
    assert saved == (pytest.approx(2 * width, abs=2), pytest.approx(2 * height, abs=2))


def test_the_graphs_own_engine_is_used(only):
    if not (HAS_DOT or HAS_PYGRAPHVIZ):
        pytest.skip("no layout engine installed")
    only("auto")
    graph = graphviz.Digraph(engine="circo")  # circo puts a 4-cycle on a circle: a square
    for a, b in ["ab", "bc", "cd", "da"]:
        graph.edge(a, b)
    svg = render.to_svg(graph)
    ys = {round(float(y)) for y in re.findall(r'<ellipse[^>]* cy="([-\d.]+)"', svg)}
    assert len(ys) > 1 and len(ys) < 4  # dot would stack a cycle in 4 ranks


# ---- no layout engine ----------------------------------------------------------------------------


def test_with_no_renderer_there_is_no_picture_and_no_exception(only, capfd):
    only("none")
    assert render.renderer() is None
    assert render.to_svg(chain()) is None
    assert render.to_png(chain()) is None
    assert capfd.readouterr() == ("", "")


def test_with_no_renderer_only_dot_files_can_be_saved(only, tmp_path):
    only("none")
    graph = chain()
    path = render.save(graph, tmp_path / "g.dot")
    assert open(path, encoding="utf-8").read() == graph.source
    with pytest.raises(RuntimeError, match=r'pip install "admagic\[render\]"'):
        render.save(graph, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_unknown_suffix_names_the_allowed_ones(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        render.save(chain(), tmp_path / "g.jpg")


def test_install_advice_is_one_line_naming_both_ways():
    advice = render.install_advice()
    assert "\n" not in advice
    assert 'pip install "admagic[render]"' in advice and "apt install graphviz" in advice


def test_where_graphviz_itself_raises_executable_not_found_admagic_does_not(only, monkeypatch,
                                                                          tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    only("dot")
    graph = chain()
    plain_graph = graphviz.Digraph()
    plain_graph.body[:] = graph.body
    with pytest.raises(graphviz.ExecutableNotFound):
        plain_graph.pipe(format="svg")
    assert render.renderer() is None
    assert render.to_svg(graph) is None
    assert graph._repr_svg_() is None  # no picture, and no exception either
    with pytest.raises(RuntimeError, match=r'pip install "admagic\[render\]"'):
        graph.pipe(format="svg")


# ---- the graph admagic hands out ----------------------------------------------------------------


def _img_svg(page):
    """The SVG inside the <img> of an HTML fragment."""
    match = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert match, page[:200]
    return base64.b64decode(match.group(1)).decode("utf-8")


@needs_pygraphviz
def test_the_graph_displays_pipes_and_saves_through_pygraphviz_without_dot(monkeypatch, tmp_path):
    """Issue 10.7: displaying the graph used to run `dot`, so it raised where only pygraphviz was."""
    monkeypatch.delenv("ADMAGIC_RENDERER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    assert render.renderer() == "pygraphviz"
    graph = chain()
    assert isinstance(graph, graphviz.Digraph)
    bundle = graph._repr_mimebundle_()
    assert "∂z/∂x = 108" in _img_svg(bundle["text/html"])
    assert "∂z/∂x = 108" in graph._repr_svg_()
    svg_and_png = graph._repr_mimebundle_(include=["image/svg+xml", "image/png"])
    assert "</svg>" in svg_and_png["image/svg+xml"] and png_size(svg_and_png["image/png"])
    assert "</svg>" in graph.pipe("svg", encoding="utf-8")
    assert png_size(graph.pipe(format="png"))[0] > 200
    starts = {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF", ".dot": b"digraph",
              ".gv": b"digraph"}
    for suffix, start in starts.items():
        assert graph.save(tmp_path / f"g{suffix}") == str(tmp_path / f"g{suffix}")
        assert (tmp_path / f"g{suffix}").read_bytes().startswith(start), suffix


def test_without_any_engine_the_graph_shows_its_source_and_the_advice(only, tmp_path):
    only("none")
    graph = chain()
    bundle = graph._repr_mimebundle_()
    assert "<img" not in bundle["text/html"] and "digraph" in bundle["text/html"]
    assert 'pip install "admagic[render]"' in html.unescape(bundle["text/html"])
    assert "save('graph.svg')" in bundle["text/plain"]
    assert graph.save(str(tmp_path / "g.dot")).endswith("g.dot")
    with pytest.raises(RuntimeError, match="no layout engine"):
        graph.save(tmp_path / "g.svg")


def test_save_by_suffix_means_a_picture_where_graphviz_would_write_source(tmp_path):
    """graphviz's own Digraph.save("g.svg") writes DOT text into g.svg; admagic's draws it."""
    if render.renderer() is None:
        pytest.skip("no layout engine installed")
    graph = chain()
    graph.save("g.svg", directory=tmp_path)
    assert "</svg>" in (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert graph.save(tmp_path / "g.svg", skip_existing=True) == str(tmp_path / "g.svg")
    graph.save("g", directory=tmp_path)  # no suffix: DOT source, as graphviz does
    assert (tmp_path / "g").read_text(encoding="utf-8") == graph.source
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        graph.save(tmp_path / "g.jpg")


def test_graphviz_editing_api_is_intact_and_the_picture_follows_the_edits(only):
    if not (HAS_DOT or HAS_PYGRAPHVIZ):
        pytest.skip("no layout engine installed")
    only("auto")
    graph = chain()
    before = graph.svg()
    graph.node("note", label="a note for the slide")
    graph.edge("note", "n0")
    graph.attr(rankdir="TB")
    assert "a note for the slide" in graph.source and "rankdir=TB" in graph.source
    after = graph.svg()
    assert "a note for the slide" in after and "a note for the slide" not in before
    assert graph.svg() is after  # kept while the graph doesn't change
    copied = graph.copy()
    assert type(copied) is type(graph) and copied.source == graph.source
    graph.engine = "neato"
    assert graph.svg() != after


@needs_dot
def test_graphviz_render_still_works_with_dot(only, tmp_path):
    only("dot")
    out = chain().render(filename="g", directory=tmp_path, format="svg")
    assert (tmp_path / "g").read_text(encoding="utf-8").startswith("digraph")
    assert "</svg>" in open(out, encoding="utf-8").read()


def test_a_misspelt_choice_says_what_to_write(only):
    only("graphvis")
    with pytest.raises(ValueError, match="dot, pygraphviz, none"):
        render.renderer()


# ---- the order of preference ---------------------------------------------------------------------


def fake_dot(directory, script):
    path = directory / "dot"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


def test_dot_on_path_comes_first(monkeypatch, tmp_path):
    monkeypatch.delenv("ADMAGIC_RENDERER", raising=False)
    fake_dot(tmp_path, "exit 0\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert render.renderer() == "dot"


@needs_pygraphviz
def test_without_dot_pygraphviz_is_next(monkeypatch, tmp_path):
    monkeypatch.delenv("ADMAGIC_RENDERER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert render.renderer() == "pygraphviz"


@needs_pygraphviz
def test_a_broken_dot_falls_back_to_pygraphviz_and_its_complaint_stays_hidden(monkeypatch,
                                                                              tmp_path, capfd):
    monkeypatch.delenv("ADMAGIC_RENDERER", raising=False)
    fake_dot(tmp_path, 'echo "Format: svg not recognized" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(tmp_path))
    assert render.renderer() == "dot"
    assert "∂z/∂x = 108" in render.to_svg(chain())
    assert capfd.readouterr() == ("", "")


def test_a_broken_dot_when_forced_reports_what_it_said(only, monkeypatch, tmp_path):
    fake_dot(tmp_path, 'echo "Format: svg not recognized" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", str(tmp_path))
    only("dot")
    with pytest.raises(RuntimeError, match="svg not recognized"):
        render.to_svg(chain())
