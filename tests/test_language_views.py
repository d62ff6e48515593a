"""The textbook's views in Chinese: the evaluation trace (--trace), the chain rule (--explain), the
plot (--plot), the step-through (--step) and the rarer refusals read in Chinese, while every number,
name and formula is what it is in English (and what closed forms and finite differences give)."""

import math
import re
import warnings

import numpy as np
import pytest
from IPython.core.error import UsageError

from admagic import Tape, differentiate, stepper
from admagic.chainrule import explain
from admagic.cell import GradUsageError
from admagic.evaltrace import evaluation_trace
from admagic.messages import speaking
from admagic.traced import new_leaf
from test_language import _shown, ip, zh  # noqa: F401  (fixtures)

X = 0.7

# English words of these views that must not be left in their Chinese text.
ENGLISH = re.compile(r"\b(?:Evaluation|trace|row|definition|value|local|partials?|tangents?|"
                     r"adjoints?|seed(?:ed)?|input|matrix|more|Step|Before|Done|sends?|final|"
                     r"paths?|first|over|product|derivatives?|around|points|gradient|sweep)\b")


def _english_left(text):
    # Names and Python stay as they are; in these cells no name is an English word.
    return sorted(set(ENGLISH.findall(text)))


def _record():
    """y = x·x + sin x: x is used twice by × and once by sin, so its adjoint has three shares."""
    tape = Tape().__enter__()
    try:
        x = new_leaf(tape, X)
        u = x * x
        y = u + np.sin(x)
    finally:
        tape.__exit__(None, None, None)
    return {"y": y}, {"x": x}, {"u": u}


def _trace():
    outputs, inputs, names = _record()
    return evaluation_trace(outputs, inputs, names=names)


def test_the_trace_in_chinese_has_the_same_numbers_as_in_english():
    with speaking("en"):
        english = str(_trace())
    with speaking("zh"):
        trace = _trace()
        chinese, page = str(trace), trace._repr_html_()
    assert chinese.splitlines()[0] == ("求值轨迹：共 4 行；切线以 x 为种子，伴随值是 y 对各行的导数")
    for words in ("局部偏导数", "切线 v̇ = d(·)/dx", "伴随值 v̄ = dy/d(·)", "（种子）", "单元格中的名字"):
        assert words in chinese and words in page, words
    assert "求值轨迹（共 4 行）" in page
    assert not _english_left(chinese) and not _english_left(re.sub(r"<[^>]*>", "", page))
    # Every number is the same: the lines differ only in their words.
    numbers = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
    assert numbers.findall(chinese.split("\n", 1)[1]) == numbers.findall(english.split("\n", 1)[1])
    assert trace.rows[0].adjoint == pytest.approx(2 * X + math.cos(X), rel=1e-15)


def test_a_long_trace_summarised_in_chinese():
    with Tape() as tape:
        x = new_leaf(tape, 1.1)
        y = x
        for _ in range(50):
            y = y * x
    with speaking("zh"):
        text = str(evaluation_trace({"y": y}, {"x": x}))
    assert "… 另有 " in text and " 行 …" in text and "项贡献" in text
    assert not _english_left(text)
    assert evaluation_trace({"y": y}, {"x": x}).rows[0].adjoint == pytest.approx(51 * 1.1 ** 50)


def test_the_chain_rule_in_chinese_is_the_same_formula():
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        y = x * x
        z = y * y
    with speaking("zh"):
        assert str(explain({"y": y, "z": z}, {"x": x})).splitlines() == \
            ["dy/dx = ∂y/∂x = 6", "dz/dx = ∂z/∂y · ∂y/∂x = 18 × 6 = 108"]


def test_many_paths_are_summed_in_chinese():
    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        y = x
        for _ in range(4):
            y = y * y + y  # each step doubles the paths from x
    with speaking("zh"):
        explanation = explain({"y": y}, {"x": x})
        line, latex = str(explanation), explanation._repr_latex_()
    assert "Σ（对从 x 到 y 的 " in line and " 条路径求和）每条路径上各局部偏导数之积 = " in line
    assert "（第一条：" in line and line.endswith("）") and not _english_left(line)
    assert r"\text{从 x 到 y 的 " in latex and r"\text{（第一条：}" in latex
    # The sum is the derivative: finite differences of the same program.

    def program(v):
        for _ in range(4):
            v = v * v + v
        return v

    h = 1e-6
    total = float(re.search(r"= (\S+)   （第一条", line).group(1))
    assert total == pytest.approx((program(0.5 + h) - program(0.5 - h)) / (2 * h), rel=1e-3)  # as written: 4 digits


def test_an_output_that_does_not_depend_on_an_input_says_so_in_chinese():
    with Tape() as tape:
        x, w = new_leaf(tape, 2.0), new_leaf(tape, 1.0)
        y = x * x
    with speaking("zh"):
        lines = str(explain({"y": y}, {"x": x, "w": w})).splitlines()
    assert lines == ["∂y/∂x = ∂y/∂x = 4", "∂y/∂w = 0 （y 不依赖于 w）"]


# ---- the step-through ----------------------------------------------------------------------------

def test_the_step_through_captions_in_chinese_carry_the_same_shares():
    trace = _trace()
    with speaking("en"):
        english = stepper.frames(trace)
    with speaking("zh"):
        chinese = stepper.frames(trace)
        forward = stepper.frames(trace, mode="forward")
        buttons = stepper.button_texts()
    assert chinese[0]["caption"][0].startswith("扫描之前：∂y/∂y = 1，这是种子")
    assert chinese[1]["caption"][0].startswith("第 1 步（共 3 步）：y 的 ∂y/∂y = 1")
    assert chinese[-1]["caption"] == ["完成：所有梯度都已确定。这就是 %%grad 画出的计算图："
                                      "每个输入的梯度是它收到的各项贡献之和。"]
    assert forward[0]["caption"][0].startswith("扫描之前：输入的切线已知，∂x/∂x = 1（种子）")
    for frames in (chinese, forward):
        for frame in frames:
            assert not _english_left(" ".join(frame["caption"])), frame["caption"]
    # The shares on the edges and the bands are mathematics: the same in both languages.
    assert [f["shares"] for f in chinese] == [f["shares"] for f in english]
    assert [f["bands"] for f in chinese] == [f["bands"] for f in english]
    assert buttons["play"] == "▶ 播放" and buttons["next"] == "下一步 ▶"
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in buttons.values())


def test_the_widget_gets_its_button_texts_in_the_kernels_language():
    if not stepper.widget_available():
        pytest.skip("needs anywidget")
    with speaking("zh"):
        widget = stepper.stepper(_trace())
    assert widget.labels["previous"] == "◀ 上一步" and widget.labels["pause"] == "⏸ 暂停"
    assert "model.get(\"labels\")" in (stepper.STATIC / "stepper.js").read_text()


def test_the_forward_legend_is_rewritten_in_chinese_too():
    svg = ('<svg><text>∂y/∂(节点)：y 的梯度&#160;&#160;</text><text>∂y/∂x = 2.16</text></svg>')
    with speaking("zh"):
        assert stepper.tangents_legend(svg, "x") == \
            "<svg><text>∂(节点)/∂x：切线（前向模式，以 x 为种子）</text><text>∂y/∂x = 2.16</text></svg>"


# ---- --plot --------------------------------------------------------------------------------------

def test_the_plot_in_chinese_has_chinese_titles_and_draws_every_glyph():
    pytest.importorskip("matplotlib")
    from admagic.plot import plot_cell, png

    with speaking("zh"), warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" is a warning
        figure = plot_cell("y = np.sin(x) * x", {"x": 1.0}, order=2)
        assert png(figure)[:4] == b"\x89PNG"
    axes = figure.axes[0]
    texts = [axes.get_title()] + [t.get_text() for t in axes.get_legend().get_texts()]
    assert texts == ["y 及其导数（在 x = 1 附近）", "y", "dy/dx", "d²y/dx²", "在 x = 1 处的切线"]
    # The curves are the mathematics: y' = sin x + x cos x at the point.
    slope = axes.lines[1].get_ydata()
    xs = axes.lines[1].get_xdata()
    assert slope == pytest.approx(np.sin(xs) + xs * np.cos(xs), rel=1e-12, abs=1e-12)


def test_plot_refusals_in_chinese():
    pytest.importorskip("matplotlib")
    from admagic import extras
    from admagic.plot import parse_span, plot_cell

    with speaking("zh"):
        assert extras.plot_problem("", [("x", "1"), ("y", "2")]).startswith(
            "--plot 画的是单个输入的函数，而这一行给了两个输入（x, y）")
        with pytest.raises(ValueError, match=r"作图范围须从小到大：得到的是 3:1；请写成 --plot 1:3"):
            parse_span("3:1")
        with pytest.raises(ValueError, match=r"数组输入的 --plot 需要逐元素计算的单元格"):
            plot_cell("y = np.sum(x) * x", {"x": np.linspace(0, 1, 5)})
        with pytest.raises(ValueError, match=r"--plot 只画标量输出；y 的形状是 \(2,\)"):
            plot_cell("if x > 0:\n    y = np.array([x, x])\nelse:\n    y = np.array([x, x])",
                      {"x": 1.0})


# ---- the rarer refusals --------------------------------------------------------------------------

@pytest.mark.parametrize("call, chinese", [
    (dict(mode="sideways"), r"--mode sideways：模式只有 forward（前向模式"),
    (dict(mode="forward", values={"w": np.ones(2)}), r"--mode forward 的输入须是标量，而 w 是数组"),
    (dict(seed="q"), r"--seed q：这里没有这个输入；输入有：x。例如写 --seed x。"),
    (dict(seed="x"), r"--seed x 选择求值轨迹或计算图显示对哪个输入的切线"),
    (dict(explain=True, values={"w": np.ones(2)}), r"--explain 用数值写出链式法则，而 w 是数组"),
    (dict(values={"x": 10 ** 400}), r"输入 x：一个约 401 位的整数 超出了浮点数的范围"),
    (dict(values={"__x__": 1.0}), r"__x__ 不能作为输入：两边各有两个下划线的名字属于 Python 本身"),
    (dict(values={"In": 1.0}), r"In 不能作为输入：IPython 用这个名字存放它自己的东西"),
])
def test_the_rarer_refusals_in_chinese(zh, call, chinese):
    values = call.pop("values", {"x": 1.0})
    code = "y = np.sum(w * w)" if "w" in values else "y = x * x"
    with pytest.raises(GradUsageError, match=chinese):
        differentiate(code, values, graph=False, **call)


def test_explain_of_an_array_output_is_refused_in_chinese(zh):
    with pytest.raises(GradUsageError, match=r"--explain 用数值写出链式法则，而 y 是数组：沿一条"):
        differentiate("y = x * np.ones(2)", {"x": 1.0}, graph=False, explain=True)
    result = differentiate("y = x * np.ones(2)\nz = x * x", {"x": 1.0}, graph=False, explain=True)
    assert "--explain：y 是数组，所以没有解释（数组运算的局部偏导数是矩阵）。" in result.notes
    assert str(result.explanation) == "dz/dx = ∂z/∂x = 2"


# ---- through %%grad with %config GradMagics.language = 'zh' -----------------------------------

def test_grad_trace_and_explain_in_chinese(ip):
    ip.run_line_magic("config", "GradMagics.language = 'zh'")
    result, bundles, _ = _shown(ip, "%%grad x=2 --trace --explain\ns = x * x\ny = s * x")
    assert result.success
    pages = " ".join(b.get("text/html", "") + b.get("text/plain", "") for b in bundles)
    assert "求值轨迹（共 3 行）" in pages and "伴随值 v̄ = dy/d(·)" in pages
    assert "dy/dx = ∂y/∂s · ∂s/∂x + ∂y/∂x" in pages  # the chain rule: the same formula
    assert ip.user_ns["_grad"]["dy/dx"] == 12.0


def test_a_setting_out_of_range_is_refused_in_chinese(ip):
    ip.run_line_magic("config", "GradMagics.language = 'zh'")
    magics = ip.magics_manager.registry["GradMagics"]
    with pytest.raises(Exception, match=r"GradMagics.max_nodes 须不小于 3"):
        magics.max_nodes = 1
    with pytest.raises(UsageError, match="--plot 画的是单个输入的函数"):
        magics.grad("x=1 y=2 --plot", "z = x * y")
