"""A cell in Chinese: the table's headers and caption, the notes, the graph's legend and the
common errors read in Chinese, while the numbers, the keys and the mathematics stay as they are."""

import re
import shutil
import subprocess

import numpy as np
import pytest
from IPython.core.error import UsageError
from IPython.testing import globalipapp
from IPython.utils.capture import capture_output

from admagic import differentiate, messages
from admagic.cell import GradUsageError
from admagic.messages import speaking

HAS_DOT = shutil.which("dot") is not None


@pytest.fixture
def zh():
    with speaking("zh"):
        yield


def test_a_chinese_table_has_chinese_headers_and_caption_and_the_same_mathematics(zh):
    result = differentiate("y = x * x\nz = y * y", {"x": 3.0}, order=2)
    page = result._repr_html_()
    assert "在 x = 3 处" in page and ">值<" in page
    assert ">d/dx<" in page and ">d²/dx²<" in page  # the mathematics is not translated
    assert result["dz/dx"] == 4 * 3.0**3 and result["d2z/dx2"] == 12 * 3.0**2
    text = str(result)
    assert text.splitlines()[0] == "在 x = 3 处 · 由泰勒模式计算" and "值" in text.splitlines()[1]
    assert ">value<" not in page and "at x = 3" not in page


def test_english_is_the_default_and_comes_back_after_a_chinese_block():
    with speaking("zh"):
        differentiate("y = x * x", {"x": 3.0}, graph=False)
    page = differentiate("y = x * x", {"x": 3.0}, graph=False)._repr_html_()
    assert "at x = 3" in page and ">value<" in page and "值" not in page


def test_a_chinese_graph_has_a_chinese_legend_and_the_same_partials(zh):
    result = differentiate("y = x * x\nz = np.sin(y) * y", {"x": 3.0}, edges=True)
    source = result.graph.source
    for word in ("输入", "运算", "输出", "∂z/∂(节点)：z 的梯度", "边上：局部偏导数"):
        assert word in source, word
    assert "∂y/∂x = 6" in source and "input" not in source and "operation" not in source


def test_the_backward_graphs_title_is_chinese(zh):
    result = differentiate("y = np.sin(x) * x", {"x": 1.0}, graph_kind="backward")
    assert "反向传播" in result.graph.source


def test_chinese_notes(zh):
    result = differentiate("y = max(x, 0.0)\nM = np.outer(w, w)", {"x": -1.0, "w": np.ones(3)},
                           max_derivative_size=5, graph=False)
    notes = " ".join(result.notes) + " " + result._repr_html_()
    assert "不依赖于" in notes and "没有计算" in notes and "max_derivative_size=5" in notes


def test_chinese_errors_that_a_student_meets(zh):
    with pytest.raises(GradUsageError, match="请至少给出一个"):
        differentiate("y = x", {})
    with pytest.raises(GradUsageError, match="单元格没有给 'w' 赋值"):
        differentiate("y = x * x", {"x": 1.0}, of=["w"])
    with pytest.raises(TypeError, match=r"np\.sin\(x\).*math\.sin\(x\)") as error:
        differentiate("import math\ny = math.sin(x)", {"x": 1.0})
    assert "丢掉导数" in str(error.value)


# ---- %%grad with %config GradMagics.language --------------------------------------------------

@pytest.fixture
def ip():
    shell = globalipapp.start_ipython() or globalipapp.get_ipython()  # once per process
    shell.run_line_magic("load_ext", "admagic")
    formatter, saved_ns = shell.display_formatter, dict(shell.user_ns)
    active = formatter.active_types
    formatter.active_types = list(formatter.formatters)
    chosen = messages._chosen
    shell.run_cell("import numpy as np")
    yield shell
    formatter.active_types = active
    shell.run_line_magic("config", "GradMagics.language = 'en'")
    messages._chosen = chosen
    shell.user_ns.clear()
    shell.user_ns.update(saved_ns)


def _shown(shell, source):
    with capture_output() as captured:
        result = shell.run_cell(source)
    return result, [output.data for output in captured.outputs], captured


def test_config_grad_magics_language_zh(ip):
    ip.run_line_magic("config", "GradMagics.language = 'zh'")
    result, bundles, _ = _shown(ip, "%%grad x=3\ny = x * x")
    assert result.success
    page = bundles[0]["text/html"]
    assert "在 x = 3 处" in page and ">值<" in page and ">d/dx<" in page
    assert ip.user_ns["_grad"]["dy/dx"] == 6.0
    ip.run_line_magic("config", "GradMagics.language = 'en'")
    _, bundles, _ = _shown(ip, "%%grad x=3\ny = x * x")
    assert "at x = 3" in bundles[0]["text/html"]


def test_a_bad_line_is_explained_in_chinese(ip):
    ip.run_line_magic("config", "GradMagics.language = 'zh'")
    magics = ip.magics_manager.registry["GradMagics"]
    with pytest.raises(UsageError, match="请至少给出一个"):
        magics.grad("", "y = 1")
    with pytest.raises(UsageError, match="无法读懂这一行"):
        magics.grad("x=(3", "y = x")


def test_a_language_admagic_does_not_speak_is_refused(ip):
    magics = ip.magics_manager.registry["GradMagics"]
    with pytest.raises(Exception, match="en, zh"):
        magics.language = "fr"
    assert magics.language == "en"


# ---- CJK text in the picture ---------------------------------------------------------------------

def _has_font(family):
    if shutil.which("fc-list") is None:
        return False
    return family in subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                                    text=True).stdout


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's dot")
@pytest.mark.skipif(not _has_font("Noto Sans CJK SC"), reason="no fonts-noto-cjk here")
def test_the_graphs_font_draws_chinese_with_simplified_chinese_glyphs():
    """Left to fontconfig's fallback, Chinese text is drawn from the first CJK font it finds
    (here Noto Sans CJK JP, which draws 梯, 入 and 运 the Japanese way); the graph's font list names a
    Simplified Chinese font first, so the labels look as a Chinese textbook prints them."""
    from admagic.graph import FONT
    from admagic.render import Digraph, to_png

    def drawn(font, text="梯度输入输出运算节点"):
        graph = Digraph()
        graph.node("word", text, fontname=font, shape="plain")
        return to_png(graph)

    assert drawn("Noto Sans CJK JP") != drawn("Noto Sans CJK SC")  # the comparison can fail
    assert drawn(FONT) == drawn("Noto Sans CJK SC")


def test_the_text_table_lines_up_under_wide_characters(zh):
    import unicodedata

    def column(line, part):  # where `part` starts, in a terminal's columns
        before = line[:line.index(part)]
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in before)

    header, y_row = str(differentiate("y = x * x", {"x": 3.0}, graph=False)).splitlines()[1:3]
    assert header.split()[0] == "值"
    assert column(header, "d/dx") == column(y_row, "6")


def test_a_used_tape_says_so_in_chinese(zh):
    from admagic import Tape, Variable

    x = Variable(3.0)
    with Tape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=r"已经回答过一次 gradient\(\).*Tape\(persistent=True\)"):
        tape.gradient(y, x)


# ---- refusals of container inputs, and of the numbers in them ---------------------------------

@pytest.mark.parametrize("inputs, chinese", [
    ({"params": {}}, "输入 params 是一个空的 dict"),
    ({"params": {"w": {}}}, "输入 params['w'] 是一个空的 dict"),
    ({"params": {(1, 2): 1.0}}, "输入 params 有键 (1, 2)"),
    ({"params": {"w": "abc"}}, "输入 params['w']：无法对 str"),
    ({"params": {"w": True}}, "输入 params['w']：无法对布尔值求导"),
    ({"params": {"w": 1j}}, "输入 params['w']：暂不支持复数"),
])
def test_bad_container_inputs_are_refused_in_chinese(zh, inputs, chinese):
    with pytest.raises(GradUsageError, match=re.escape(chinese)) as error:
        differentiate("y = 1.0", inputs, graph=False)
    assert not re.search(r"\b(input|empty|differentiate|key)\b", str(error.value)), error.value


def test_a_tangent_of_another_structure_is_refused_in_chinese(zh):
    from admagic.forward import jvp

    with pytest.raises(ValueError, match=re.escape("tangents[0] 的键是 ['a']，而对应的原始输入的键是 ['a', 'b']")):
        jvp(lambda p: p["a"], ({"a": 1.0, "b": 2.0},), ({"a": 1.0},))
    with pytest.raises(ValueError, match=re.escape("tangents[0] 是 float，而对应的原始输入是 dict")):
        jvp(lambda p: p["a"], ({"a": 1.0},), (1.0,))
