"""The Chinese table of `messages.py` (简体中文): the keys of `messages_en.EN`, in its order.

The words are those a Chinese textbook on 自动微分 uses: 计算图, 求值轨迹, 链式法则, 切线,
伴随值, 前向模式, 反向模式, 偏导数. The mathematics and the Python are as in English.
"""

# 与 messages_en.EN 的键一一对应、顺序相同。
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
