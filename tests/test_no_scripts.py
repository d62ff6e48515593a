"""Every output admagic makes renders without JavaScript.

VS Code's notebook renderer, Colab's sandboxed output frames, GitHub and untrusted notebooks run
scripts in outputs in their own ways, or not at all; admagic's outputs must not need them. Each
output is produced here the way a user produces it (`differentiate` with each option that adds
something to show, then IPython's display formatter, which calls every ``_repr_*_``), and every
HTML or SVG text in it, including the SVG inside an ``<img>``'s data URL, is parsed and searched
for ``<script>``, ``on*=`` event attributes and ``javascript:`` URLs.

The step-through widget (`admagic.stepper`) is the one output that needs JavaScript; it must
carry a static text/html fallback, itself script-free.
"""

import base64
import html.parser
import importlib.util
import re
import shutil

import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter

from admagic import differentiate, render
from admagic.chainrule import explain
from admagic.evaltrace import evaluation_trace
from admagic.tape import Tape
from admagic.traced import new_leaf

HAS_DOT = shutil.which("dot") is not None

_DATA_URL = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "data", "srcdoc"}
_ACTIVE_TAGS = {"script", "iframe", "object", "embed"}


class _ScriptFinder(html.parser.HTMLParser):
    """Collects what would run JavaScript: script-like tags, on* attributes, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag.lower() in _ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            # Browsers ignore whitespace and control characters inside the scheme.
            scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in _URL_ATTRIBUTES | {"style"} and "javascript:" in scheme:
                self.found.append(f"<{tag} {name}={value[:40]!r}>")

    handle_startendtag = handle_starttag


def scripts_in(markup):
    """Everything in `markup` (HTML or SVG, with embedded SVG pictures decoded) that runs script."""
    finder = _ScriptFinder()
    finder.feed(markup)
    finder.close()
    found = list(finder.found)
    if re.search(r"<\s*script", markup, re.IGNORECASE):  # however the parser took it
        found.append("<script")
    for picture in _DATA_URL.findall(markup):
        found += scripts_in(base64.b64decode(picture).decode("utf-8"))
    return found


def formatted(obj):
    """What a notebook receives for `obj`: IPython's formatter, every mimetype it has."""
    data, _ = DisplayFormatter().format(obj)
    return data


def assert_no_scripts(obj, *, expect_html=True):
    data = formatted(obj)
    markup = {mime: text for mime, text in data.items()
              if mime in ("text/html", "image/svg+xml") and isinstance(text, str)}
    if expect_html:
        assert "text/html" in markup, f"{type(obj).__name__} gave no HTML: {sorted(data)}"
    for mime, text in markup.items():
        assert not scripts_in(text), f"{type(obj).__name__}'s {mime} runs script: {scripts_in(text)}"
    return data


# ---- the checker itself catches what it should --------------------------------------------------

@pytest.mark.parametrize("markup", [
    "<div><script>alert(1)</script></div>",
    "<SCRIPT src='x.js'></SCRIPT>",
    '<img src="x.png" onerror="alert(1)">',
    '<svg><g onclick="f()"></g></svg>',
    '<a href=" JaVa\tScript:alert(1)">x</a>',
    '<svg><a xlink:href="javascript:f()"><text>x</text></a></svg>',
    "<iframe srcdoc='<p>x</p>'></iframe>",
    '<img src="data:image/svg+xml;base64,'
    + base64.b64encode(b'<svg><script>f()</script></svg>').decode() + '">',
])
def test_the_checker_finds_scripts(markup):
    assert scripts_in(markup)


def test_the_checker_passes_plain_markup():
    assert not scripts_in('<table title="on click: _grad[\'dy/dx\']"><tr><td>online</td></tr>'
                          '</table><a href="https://example.org/javascript-guide">x</a>')


# ---- the result of a cell, with every option that adds to what it shows -------------------------

CELL = "y = x * x\nz = np.sin(y) + y"
OPTIONS = {
    "plain": dict(),
    "second order": dict(order=2),
    "no graph": dict(graph=False),
    "edges": dict(edges=True),
    "backward graph": dict(graph_kind="backward"),
    "graph of y": dict(graph_of="y"),
    "check": dict(check=True),
    "taylor": dict(order=3, taylor=True),
    "summarised graph": dict(max_nodes=3),
    "only z": dict(of=["z"]),
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_a_cells_result_needs_no_script(options):
    result = differentiate(CELL, {"x": 1.5}, **options)
    data = assert_no_scripts(result)
    if options.get("graph", True) and HAS_DOT:
        assert _DATA_URL.search(data["text/html"]), "the graph was not drawn into the HTML"
    if result.graph is not None:
        assert_no_scripts(result.graph)
        if HAS_DOT:
            assert not scripts_in(result.render())
    if result.taylor is not None:
        # LaTeX for MathJax, plain text for a terminal: no HTML of its own, so nothing to run.
        data = assert_no_scripts(result.taylor, expect_html=False)
        assert "text/latex" in data


def test_notes_missing_derivatives_and_a_failed_check_need_no_script():
    # 16 and 64 numbers (over the limit of 8); c constant here (a note); the check's runs at
    # x ± h raise (a failed check).
    code = ("v = w * 2\nbig = np.outer(w, w)\nc = 0.0 if x > 0 else x\nq = x * 2\n"
            "if x != 1.5: raise ValueError('only at 1.5')")
    result = differentiate(code, {"w": np.arange(4.0), "x": 1.5}, max_derivative_size=8,
                           check=True)
    data = assert_no_scripts(result)
    assert result.skipped() and result.notes, "the cell should have made notes and gaps"
    assert "not computed" in data["text/html"].lower() and "failed" in data["text/html"]


def test_a_cell_whose_outputs_do_not_depend_on_the_input_needs_no_script():
    result = differentiate("y = 3.0", {"x": 1.0})
    assert_no_scripts(result)


def test_a_graph_without_a_layout_engine_needs_no_script():
    result = differentiate(CELL, {"x": 1.5})
    page = render.html(result.graph, None)  # the DOT source, folded, and what to install
    assert "<details" in page and not scripts_in(page)


def test_names_that_look_like_markup_are_escaped():
    result = differentiate("y = x * x", {"x": 2.0}, of=["y"])
    result.outputs = {'<script>alert(1)</script>': 4.0}
    result.derivatives = {('<script>alert(1)</script>', ("x",)): 4.0}
    assert not scripts_in(formatted(result)["text/html"])


# ---- the textbook views, made from a recording --------------------------------------------------

def _recorded():
    with Tape() as tape:
        x1, x2 = new_leaf(tape, 2.0), new_leaf(tape, 5.0)
        y = np.log(x1) + x1 * x2 - np.sin(x2)
    return {"y": y}, {"x1": x1, "x2": x2}


def test_the_evaluation_trace_needs_no_script():
    outputs, inputs = _recorded()
    data = assert_no_scripts(evaluation_trace(outputs, inputs))
    assert "v₋₁" in data["text/html"]


def test_a_long_evaluation_trace_needs_no_script():
    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        y = x
        for _ in range(60):  # longer than tracetable.MAX_ROWS: shown with "… more rows …"
            y = np.sin(y) + x
    data = assert_no_scripts(evaluation_trace({"y": y}, {"x": x}))
    assert "more rows" in data["text/html"]


def test_the_chain_rule_explanation_needs_no_script():
    outputs, inputs = _recorded()
    data = assert_no_scripts(explain(outputs, inputs), expect_html=False)
    assert "text/latex" in data and "text/plain" in data


# ---- the step-through widget: the one exception, with a static fallback -------------------------

@pytest.mark.skipif(importlib.util.find_spec("admagic.stepper") is None,
                    reason="admagic/stepper.py is not there yet")
def test_the_step_through_widget_falls_back_to_static_html():
    from admagic import stepper

    if not stepper.widget_available():
        pytest.skip("the widget library (anywidget) is not installed")
    if not HAS_DOT:
        pytest.skip("the stepper draws its picture with dot")
    outputs, inputs = _recorded()
    widget = stepper.step_through(outputs, inputs)
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    fallback = data.get("text/html", "")
    assert fallback.strip(), "the widget has no static text/html fallback"
    assert not scripts_in(fallback), scripts_in(fallback)
    assert "<svg" in fallback or _DATA_URL.search(fallback), "the fallback shows no graph"
    assert data.get("text/plain", "").strip(), "the widget has no text/plain fallback"
