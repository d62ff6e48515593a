"""Every text admagic shows a reader, in each language it speaks: one table per language.

The table's headers and caption, the graph's legend, the hints, the notes and the common errors
are looked up here by key, with their numbers and names filled in; the mathematics (``dy/dx``,
``∂z/∂y``, ``x = 3``) and Python (``_grad['dy/dx']``, ``np.sin(x)``) are the same in every
language, so they are fields or literal text in every table.

>>> text("table.caption", inputs="x = 3")
'at x = 3'
>>> with speaking("zh"):
...     text("table.caption", inputs="x = 3")
'在 x = 3 处'

Which language: inside ``with speaking("zh"):`` that one (per thread and per asyncio task, as
it is a `contextvars.ContextVar`); else the one `set_language` chose for the whole process (what
``%config GradMagics.language = 'zh'`` calls); else the environment variable ``ADMAGIC_LANG``
(``zh``, ``zh_CN.UTF-8`` …); else English.

An entry is a `str.format` template, or, where English needs a plural, a dict of the forms
``{"one": ..., "other": ...}`` chosen by the field ``count``. Every key is in every table with
the same fields: `tests/test_messages.py` fails otherwise.
"""

import contextlib
import contextvars
import os
import string

LANGUAGES = ("en", "zh")
ENVIRONMENT_VARIABLE = "ADMAGIC_LANG"

# Keep the two tables in the same order, key for key: a reader checks one against the other.
EN = {
    # ---- the result's table (table.py) ----
    "table.caption":            "at {inputs}",
    "table.caption_by":         "{at} · by {method}",
    "method.taylor":            "Taylor mode",
    "method.interpolation":     "Taylor interpolation",
    "method.reverse":           "reverse mode",
    "method.nested":            "nested reverse mode",
    "method.forward":           "forward mode",
    "method.forward_then":      "forward mode (order 1), {higher} (higher)",
    "table.value":              "value",
    "table.by_finite_differences": "{header} by finite differences",
    "table.finite_differences": "finite diff.",
    "table.error":              "error {error}",
    "table.elementwise":        " (elementwise)",
    "table.elementwise_note":   "elementwise",
    "table.failed":             "failed: {error}",
    "table.no_outputs":         ("No output depends on the inputs: assign something computed "
                                 "from them, e.g. y = x * x."),
    "table.graph_line":         ("graph: {name}.graph; {name}.save('graph.svg') writes it (or "
                                 ".png, .pdf, .dot)"),
    # ---- the tooltips of the table's numbers (result.py) ----
    "hint.check_raised":        "at {name} ± h the cell raised {error}",
    "hint.not_computed":        "not computed: {reason}",
    "hint.not_computed_size":   ("not computed: {size} numbers, over the limit of {limit} "
                                 "(max_derivative_size)"),
    # ---- notes under the table (cell.py, table.py) ----
    "note.constant": {
        "one":   ("{names} does not depend on {inputs} at this point: the branch the cell took "
                  "here (an if, a max or a min) doesn't use {inputs}, so the derivatives shown "
                  "are 0."),
        "other": ("{names} do not depend on {inputs} at this point: the branch the cell took "
                  "here (an if, a max or a min) doesn't use {inputs}, so the derivatives shown "
                  "are 0."),
    },
    "note.container":           ("{name} is a {kind}; admagic differentiates numbers and arrays, "
                                 "so its items are not shown: write np.stack({name}) for one "
                                 "array (or name the items, y0, y1 = ...)."),
    "note.not_computed":        ("Not computed, over max_derivative_size={limit} numbers: {keys}. "
                                 "Ask for less with --of NAME or a lower --order, or raise it: "
                                 "%config GradMagics.max_derivative_size = N."),
    "note.no_graph":            "No output depends on the inputs, so there is no graph to draw.",
    "note.graph_failed":        "The graph could not be drawn: {error}",
    "note.and":                 "{first} and {last}",
    # ---- the graph's legend and labels (graph.py, render.py) ----
    "graph.input":              "input",
    "graph.operation":          "operation",
    "graph.output":             "output",
    "graph.gradients":          "∂{output}/∂(node): gradients of {output}",
    "graph.tangents":           "∂(node)/∂{seed}: tangents, forward mode seeded by {seed}",
    "graph.no_gradients":       "no output depends on the inputs: no gradients",
    "graph.edge_partials":      "on the edges: local partial derivatives",
    "graph.copies":             ("dashed boxes ({names}): the same value again, drawn beside each "
                                 "further use to keep the picture small"),
    "graph.roundoff_gradient":  ("{line}{value} as computed: round-off, shown as 0 (the terms summed "
                                 "into it cancel)"),
    "graph.roundoff_value":     ("{line} = {value} as computed: round-off, shown as 0 (the terms "
                                 "summed cancel)"),
    "graph.summarised":         "summarised: {shown} of {total} values drawn (max_nodes={max_nodes})",
    "graph.more_operations": {
        "one":   "… {count} more operation …",
        "other": "… {count} more operations …",
    },
    "graph.more_steps":         "… {steps} more steps …",
    "graph.steps_of":           "{count} operations, {period} a step",
    "graph.more_inputs": {
        "one":   "and {count} more input",
        "other": "and {count} more inputs",
    },
    "graph.backward_title":     "the backward pass: how the first derivatives were computed",
    "graph.picture":            "the computation graph",
    "graph.plain_text":         ("<the computation graph: a notebook shows it; .save('graph.svg') "
                                 "writes it, or .png, .pdf, .dot>"),
    "graph.install":            ('To draw the graph, install a layout engine: pip install '
                                 '"admagic[render]" (or Graphviz itself: apt install graphviz, '
                                 'brew install graphviz, or conda install graphviz).'),
    "graph.no_gradient_for":    ("{name} does not depend on the inputs, so it has no gradient to "
                                 "show. Choose one of: {names}."),
    "graph.no_output_called":   ("There is no output called {name}; the outputs that depend on the "
                                 "inputs are: {names}."),
    "graph.none":               "(none)",
    "error.max_nodes":          "max_nodes={max_nodes} leaves no room for a picture; give 3 or more.",
    "graph.dot_source":         ("the computation graph, as DOT source (no layout engine here to "
                                 "draw it)"),
    "graph.no_graph_to_save":   ("This result has no graph to save (it was made without one, or "
                                 "nothing in the cell depends on the inputs)."),
    # ---- errors: the %%grad line (magic.py) ----
    "error.bad_line":           "can't read the line: {problem}",
    "error.quote_not_closed":   "a quote ({quote}) is never closed",
    "error.bracket_not_closed": "a bracket is never closed",
    "error.no_code":            "%%grad needs code in the cell below its line, e.g. y = x * x.",
    "error.no_inputs":          ("give at least one input to differentiate with respect to, "
                                 "e.g. %%grad x=3"),
    "error.input_twice":        "input {name} is given twice; give each input once.",
    "error.input_without_name": "input {text} has no name: write name=expression, e.g. x=3.",
    "error.input_not_a_name":   "input {text}: {name} is not a Python name to bind the input to.",
    "error.input_without_value": ("input {text} has no value: write {name}=3, or a bare {name} "
                                  "for its current value."),
    "error.input_not_an_expression": ("input {text}: {expression} is not a Python expression (an "
                                      "expression with spaces needs brackets: x=(a + 1))."),
    "error.of_not_names":       "--of {given}: give output names separated by commas, e.g. --of y,z.",
    "error.not_a_python_name":  "{option} {name}: that is not a Python name.",
    "error.save_suffix":        "--save {path}: name the file with one of {suffixes}.",
    "error.save_folder":        ("--save {path}: the folder {folder} doesn't exist; create it "
                                 "first (os.makedirs) or save into a folder that exists."),
    "error.save_without_graph": ("--save writes the graph, and --no-graph turns it off: drop one "
                                 "of them."),
    # ---- errors: the cell and its names (cell.py, result.py) ----
    "error.no_input":           "Give at least one input to differentiate with respect to, e.g. x=3.",
    "error.not_set_by_cell":    "{name} is not set by the cell (it sets: {names}).",
    "error.cell_did_not_set":   "The cell did not set {missing}; it set: {names}.",
    "error.nothing":            "nothing",
    "error.not_a_number":       ("{name} is a {kind}, not a number or array, so it has no "
                                 "derivative."),
    "error.taylor_one_input":   ("--taylor writes a polynomial in one variable: give exactly one "
                                 "input, a number (e.g. x=3)."),
    "error.graph_of_not_an_output": ("--graph-of {name}: that is not an output here; the outputs "
                                     "are: {outputs}."),
    "error.unknown_output":     "{name} is not an output here; the outputs are: {outputs}.",
    "error.no_such_key":        "No derivative {key} here. The keys are: {keys}.",
    "error.no_trace":           ("{name} has no trace: run the cell with --trace to see the "
                                 "reverse sweep step by step."),
    "error.unknown_input":      "{name} is not an input here; the inputs are: {inputs}.",
    "error.order_too_high":     ("{key} is a derivative of order {order}, but this result has "
                                 "order {result_order}: run it with --order {order}."),
    "error.was_not_computed":   ("{key} was {reason}. Ask for less (fewer outputs with --of, a "
                                 "lower --order) or raise max_derivative_size."),
    # ---- errors: a traced value used where its derivative would be lost (traced.py) ----
    "error.drops_derivative":   ("{what} would drop the derivative: this value is being traced. "
                                 "{advice} (To read the number anyway, use .numpy(), which "
                                 "detaches it.)"),
    "error.as_index":           "Using it as an index or int",
    "error.array_of_traced":    "np.array()/np.asarray() of a traced value",
    "error.array_or_dot":       "np.array()/np.asarray() (or a plain array's A.dot(x))",
    "error.exact_arithmetic":   "Exact arithmetic (statistics, fractions)",
    "error.use_numpy_functions": ("Inside traced code use NumPy functions on it, e.g. np.sin(x) "
                                  "instead of math.sin(x); to put traced values in an array, build "
                                  "it with np.array([x, y]), not a[i] = x."),
    "error.use_np_stack":       ("NumPy can't see traced values in a list: make it an array first, "
                                 "np.sum(np.array([x, y])) for np.sum([x, y]); for a plain array A, "
                                 "write A @ x or np.dot(A, x), not A.dot(x)."),
    "error.use_numpy_statistics": ("Use NumPy instead: np.mean(np.stack([x, 2 * x])) for "
                                   "statistics.mean([x, 2 * x])."),
    "error.keep_it_an_array":   "Keep it an array: index it (w[0]) or loop over it (for wi in w).",
    "error.tape_used":          ("This Tape already answered gradient() once. To ask for several "
                                 "gradients, record with Tape(persistent=True)."),
    "error.changed_in_place":   ("Traced arrays can't be changed in place (w[i] = ...). Build a "
                                 "new array instead, e.g. with np.where(mask, new, w) or np.concatenate."),
    "error.unsupported_language": ("admagic speaks {languages}; {given} is not one of them."),
}

ZH = {
    # ---- 结果表（table.py）----
    "table.caption":            "在 {inputs} 处",
    "table.caption_by":         "{at} · 由{method}计算",
    "method.taylor":            "泰勒模式",
    "method.interpolation":     "泰勒插值",
    "method.reverse":           "反向模式",
    "method.nested":            "嵌套反向模式",
    "method.forward":           "前向模式",
    "method.forward_then":      "前向模式（一阶）与{higher}（高阶）",
    "table.value":              "值",
    "table.by_finite_differences": "{header}（有限差分）",
    "table.finite_differences": "有限差分",
    "table.error":              "误差 {error}",
    "table.elementwise":        "（逐元素）",
    "table.elementwise_note":   "逐元素",
    "table.failed":             "失败：{error}",
    "table.no_outputs":         "没有任何输出依赖于输入：请把由输入算出的量赋给一个变量，例如 y = x * x。",
    "table.graph_line":         ("计算图：{name}.graph；{name}.save('graph.svg') 可将它保存为文件"
                                 "（也可存为 .png、.pdf、.dot）"),
    # ---- 表中数字的提示（result.py）----
    "hint.check_raised":        "在 {name} ± h 处运行时，单元格抛出了 {error}",
    "hint.not_computed":        "未计算：{reason}",
    "hint.not_computed_size":   "未计算：共 {size} 个数，超过上限 {limit}（max_derivative_size）",
    # ---- 表下的说明（cell.py、table.py）----
    "note.constant":            ("在这一点上，{names} 不依赖于 {inputs}：单元格在这里走的分支（if、max "
                                 "或 min）没有用到 {inputs}，所以显示的导数为 0。"),
    "note.container":           ("{name} 是一个 {kind}；admagic 只对数和数组求导，所以不显示它的各个元素："
                                 "可以写 np.stack({name}) 把它合成一个数组（或者给各元素分别命名：y0, y1 = ...）。"),
    "note.not_computed":        ("以下导数的数超过 max_derivative_size={limit} 个，没有计算：{keys}。"
                                 "可以用 --of NAME 或更低的 --order 少求一些，或者调高上限："
                                 "%config GradMagics.max_derivative_size = N。"),
    "note.no_graph":            "没有任何输出依赖于输入，所以没有计算图可画。",
    "note.graph_failed":        "无法绘制计算图：{error}",
    "note.and":                 "{first} 和 {last}",
    # ---- 计算图的图例与标签（graph.py、render.py）----
    "graph.input":              "输入",
    "graph.operation":          "运算",
    "graph.output":             "输出",
    "graph.gradients":          "∂{output}/∂(节点)：{output} 的梯度",
    "graph.tangents":           "∂(节点)/∂{seed}：切向值（前向模式，以 {seed} 为种子）",
    "graph.no_gradients":       "没有输出依赖于输入：没有梯度",
    "graph.edge_partials":      "边上：局部偏导数",
    "graph.copies":             "虚线框（{names}）：同一个值在之后每次被使用处再画一次，使图保持紧凑",
    "graph.roundoff_gradient":  "算得 {line}{value}：这是舍入误差，显示为 0（加到它上面的各项相互抵消）",
    "graph.roundoff_value":     "算得 {line} = {value}：这是舍入误差，显示为 0（相加的各项相互抵消）",
    "graph.summarised":         "已简化：共 {total} 个值，画出了 {shown} 个（max_nodes={max_nodes}）",
    "graph.more_operations":    "… 另有 {count} 个运算 …",
    "graph.more_steps":         "… 另有 {steps} 步 …",
    "graph.steps_of":           "共 {count} 个运算，每步 {period} 个",
    "graph.more_inputs":        "以及另外 {count} 个输入",
    "graph.backward_title":     "反向传播：一阶导数是怎样算出来的",
    "graph.picture":            "计算图",
    "graph.plain_text":         "<计算图：在 notebook 中显示；.save('graph.svg') 可保存为文件，也可存为 .png、.pdf、.dot>",
    "graph.install":            ('要绘制计算图，请安装一个布局引擎：pip install "admagic[render]"'
                                 '（或者安装 Graphviz 本身：apt install graphviz、brew install graphviz '
                                 '或 conda install graphviz）。'),
    "graph.no_gradient_for":    "{name} 不依赖于输入，所以没有梯度可显示。请从以下输出中选一个：{names}。",
    "graph.no_output_called":   "没有名为 {name} 的输出；依赖于输入的输出有：{names}。",
    "graph.none":               "（无）",
    "error.max_nodes":          "max_nodes={max_nodes} 容不下一幅图；请给 3 或更大的数。",
    "graph.dot_source":         "计算图的 DOT 源码（这里没有可用的布局引擎来绘制它）",
    "graph.no_graph_to_save":   "这个结果没有可保存的计算图（计算时没有作图，或者单元格里没有任何量依赖于输入）。",
    # ---- 错误：%%grad 这一行（magic.py）----
    "error.bad_line":           "无法读懂这一行：{problem}",
    "error.quote_not_closed":   "引号（{quote}）没有闭合",
    "error.bracket_not_closed": "括号没有闭合",
    "error.no_code":            "%%grad 这一行下面的单元格里需要有代码，例如 y = x * x。",
    "error.no_inputs":          "请至少给出一个求导所对的输入（自变量），例如 %%grad x=3",
    "error.input_twice":        "输入 {name} 给了两次；每个输入只需给一次。",
    "error.input_without_name": "输入 {text} 没有名字：请写成 名字=表达式，例如 x=3。",
    "error.input_not_a_name":   "输入 {text}：{name} 不是可以绑定输入的 Python 变量名。",
    "error.input_without_value": "输入 {text} 没有值：请写 {name}=3，或者只写 {name} 以使用它当前的值。",
    "error.input_not_an_expression": ("输入 {text}：{expression} 不是 Python 表达式（带空格的表达式"
                                      "需要加括号：x=(a + 1)）。"),
    "error.of_not_names":       "--of {given}：请给出用逗号分隔的输出名，例如 --of y,z。",
    "error.not_a_python_name":  "{option} {name}：这不是 Python 变量名。",
    "error.save_suffix":        "--save {path}：文件名的扩展名须是以下之一：{suffixes}。",
    "error.save_folder":        "--save {path}：文件夹 {folder} 不存在；请先创建它（os.makedirs），或保存到已有的文件夹。",
    "error.save_without_graph": "--save 保存计算图，而 --no-graph 关闭了作图：请去掉其中一个。",
    # ---- 错误：单元格与其中的名字（cell.py、result.py）----
    "error.no_input":           "请至少给出一个求导所对的输入（自变量），例如 x=3。",
    "error.not_set_by_cell":    "单元格没有给 {name} 赋值（它赋值的有：{names}）。",
    "error.cell_did_not_set":   "单元格没有给 {missing} 赋值；它赋值的有：{names}。",
    "error.nothing":            "无",
    "error.not_a_number":       "{name} 是一个 {kind}，不是数或数组，所以没有导数。",
    "error.taylor_one_input":   "--taylor 写出的是一元多项式：请只给一个输入，且它是一个数（例如 x=3）。",
    "error.graph_of_not_an_output": "--graph-of {name}：这里没有这个输出；输出有：{outputs}。",
    "error.unknown_output":     "这里没有名为 {name} 的输出；输出有：{outputs}。",
    "error.no_such_key":        "这里没有导数 {key}。已有的键是：{keys}。",
    "error.no_trace":           "{name} 没有求值轨迹：请加上 --trace 重新运行该单元格，以逐步查看反向扫描。",
    "error.unknown_input":      "这里没有名为 {name} 的输入；输入有：{inputs}。",
    "error.order_too_high":     "{key} 是 {order} 阶导数，而这个结果只算到 {result_order} 阶：请加上 --order {order} 重新运行。",
    "error.was_not_computed":   "{key} {reason}。请少求一些（用 --of 减少输出，或降低 --order），或者调高 max_derivative_size。",
    # ---- 错误：在会丢掉导数的地方使用了被追踪的值（traced.py）----
    "error.drops_derivative":   "{what} 会丢掉导数：这个值正在被追踪。{advice}（如果只想读出这个数，请用 .numpy()，它会把值从追踪中分离出来。）",
    "error.as_index":           "把它用作下标或整数",
    "error.array_of_traced":    "对被追踪的值调用 np.array()/np.asarray()",
    "error.array_or_dot":       "np.array()/np.asarray()（或普通数组的 A.dot(x)）",
    "error.exact_arithmetic":   "精确算术（statistics、fractions）",
    "error.use_numpy_functions": ("在被追踪的代码里请对它使用 NumPy 函数，例如用 np.sin(x) 而不是 math.sin(x)；"
                                  "要把被追踪的值放进数组，请用 np.array([x, y]) 构造，而不是 a[i] = x。"),
    "error.use_np_stack":       ("NumPy 看不到列表里被追踪的值：请先把它变成数组，例如用 np.sum(np.array([x, y])) "
                                 "代替 np.sum([x, y])；对普通数组 A，请写 A @ x 或 np.dot(A, x)，而不是 A.dot(x)。"),
    "error.use_numpy_statistics": "请改用 NumPy：用 np.mean(np.stack([x, 2 * x])) 代替 statistics.mean([x, 2 * x])。",
    "error.keep_it_an_array":   "请保持它是数组：用下标取元素（w[0]），或者对它循环（for wi in w）。",
    "error.tape_used":          "这条梯度带已经回答过一次 gradient()。要求多个梯度，请用 Tape(persistent=True) 记录。",
    "error.changed_in_place":   "被追踪的数组不能原地修改（w[i] = ...）。请构造一个新数组，例如用 np.where(mask, new, w) 或 np.concatenate。",
    "error.unsupported_language": "admagic 支持的语言有 {languages}；{given} 不在其中。",
}

TABLES = {"en": EN, "zh": ZH}

_scoped = contextvars.ContextVar("admagic_language", default=None)
_chosen = None  # set_language's choice, for the whole process


def normalised(code):
    """``"zh"`` for ``"zh"``, ``"ZH"``, ``"zh-CN"``, ``"zh_CN.UTF-8"``; ValueError if admagic
    doesn't speak it.

    >>> normalised("zh_CN.UTF-8")
    'zh'
    """
    base = _base(code)
    if base not in TABLES:
        raise ValueError(text("error.unsupported_language", languages=", ".join(LANGUAGES),
                              given=repr(code)))
    return base


def _base(code):
    return str(code).strip().lower().replace("_", "-").split(".")[0].split("-")[0]


def language():
    """The language texts are written in now: ``"en"`` or ``"zh"`` (see the module's docstring)."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    if _chosen is not None:
        return _chosen
    base = _base(os.environ.get(ENVIRONMENT_VARIABLE) or "en")
    return base if base in TABLES else "en"  # a language admagic doesn't speak: English


def set_language(code):
    """Write every text in `code` (``"en"``, ``"zh"``) from now on, in every thread (the whole
    process: one notebook kernel speaks one language). ``None`` goes back to ``ADMAGIC_LANG``,
    else English. For one block, or one thread, use `speaking`.

    >>> set_language("zh")
    >>> text("graph.input")
    '输入'
    >>> set_language(None)
    """
    global _chosen
    _chosen = None if code is None else normalised(code)


@contextlib.contextmanager
def speaking(code):
    """Write texts in `code` inside the ``with`` block only (this thread or task only)."""
    token = _scoped.set(normalised(code))
    try:
        yield
    finally:
        _scoped.reset(token)


def text(key, /, **fields):
    """The text `key` in the current language, its fields filled in.

    >>> text("graph.more_operations", count=1)
    '… 1 more operation …'
    """
    entry = TABLES[language()][key]
    if isinstance(entry, dict):
        entry = entry["one" if fields.get("count") == 1 else "other"]
    return entry.format(**fields)


def listed(names):
    """``a``, ``a and b``, ``a, b and c`` (in Chinese ``a 和 b``…): names joined for a sentence."""
    names = [str(name) for name in names]
    if len(names) < 2:
        return "".join(names)
    return text("note.and", first=("、" if language() == "zh" else ", ").join(names[:-1]),
                last=names[-1])


def fields(template):
    """The names of the fields of `template` (a table entry): ``{"count"}`` for ``"{count} more"``.

    >>> sorted(fields("{header} by {name!r:>5}"))
    ['header', 'name']
    """
    forms = template.values() if isinstance(template, dict) else [template]
    return {name.split(".")[0].split("[")[0]
            for form in forms for _, name, _, _ in string.Formatter().parse(form)
            if name is not None}
