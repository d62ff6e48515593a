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
    # ---- np.where 未选中的分支带来的 nan（branches.py）----
    "note.unchosen_branch":     ("{keys} 在这里是 nan，原因是 np.where 没有选中的那个分支（np.nan_to_num "
                                 "也是一个 np.where）：那个分支照样被计算了，而且是在它没有导数的点上"
                                 "（例如 x = -1 处的 np.sqrt(x)）；反向模式传给它的是 0，再乘以那里为 nan "
                                 "的局部偏导数：0 × nan = nan。想要的是被选中分支的导数：请让未选中的分支"
                                 "在不被选中的地方保持有限，例如用 np.sqrt(np.where(x > 0, x, 1.0)) 代替 "
                                 "np.sqrt(x)；若输入都是标量，也可以加上 --mode forward，前向模式的切线"
                                 "由 np.where 在两个分支之间选择。"),
    # ---- 计算图的图例与标签（graph.py、render.py）----
    "graph.input":              "输入",
    "graph.operation":          "运算",
    "graph.output":             "输出",
    "graph.gradients":          "∂{output}/∂(节点)：{output} 的梯度",
    "graph.tangents":           "∂(节点)/∂{seed}：切线（前向模式，以 {seed} 为种子）",
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
    "error.seed_not_a_name":    ("--seed {name}：请给出一个输入的名字，如 --seed x；或者按单元格里的写法给出列表或字典输入中的一项，"
                                 "文字键要加引号：--seed \"params['w']\" 或 --seed \"layers[0]\"。"),
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
    # ---- 设置 %config GradMagics.order 等（magic.py）----
    "error.setting_at_least":   "GradMagics.{name} 须不小于 {least}。",
    # ---- 运行之前的拒绝：输入、--mode、--seed、--trace、--explain（usage.py）----
    "error.await":              ("第 {line} 行：%%grad 把单元格当作普通 Python 运行，在顶层不能使用 "
                                 "{what}。请在前一个单元格里先取得这个值（v = await f()），再在这里使用 v。"),
    "error.input_not_identifier": "{name} 不能作为输入：输入须是 Python 变量名，例如 x 或 w1。",
    "error.input_dunder":       ("{name} 不能作为输入：两边各有两个下划线的名字属于 Python 本身，绑定它会"
                                 "破坏之后的单元格。请换一个名字，例如 x 或 w1。"),
    "error.input_ipython":      ("{name} 不能作为输入：IPython 用这个名字存放它自己的东西，绑定它会破坏这个"
                                 " notebook。请换一个名字，例如 x 或 w1。"),
    "error.input_problem":      "输入 {name}：{problem}",
    "error.input_container":    "输入 {problem}",
    "error.boolean_input":      "无法对布尔值求导；请给出一个数。",
    "error.complex_input":      "暂不支持复数；请把实部和虚部作为两个实数输入分别求导。",
    "error.not_numeric":        "无法对 {kind}（dtype {dtype}）求导；请给出一个数或数值数组。",
    "error.empty_container":    ("{path} 是一个空的 {kind}：里面没有可以求导的数。请把它从输入中去掉，"
                                 "或在里面放入数或数组。"),
    "error.container_key":      ("{path} 有键 {key}；%%grad 按键来命名每一项，如 {path}['w'] 或 "
                                 "{path}[0]，所以键必须是文字或整数。其他键请用 admagic.grad(f)。"),
    "error.structure_kind":     ("{path} 是 {got}，而对应的{of}是 {wanted}：{what}的结构要与对应的{of}"
                                 "相同，容器相同、键相同，每个数或数组对应一个形状相同的数或数组。"),
    "error.structure_keys":     ("{path} 的键是 {got}，而对应的{of}的键是 {wanted}：{what}的结构要与"
                                 "对应的{of}相同，键和长度都一样。"),
    "error.structure_length":   ("{path} 的长度是 {got}，而对应的{of}的长度是 {wanted}：{what}的结构要"
                                 "与对应的{of}相同，键和长度都一样。"),
    "error.shape_differs":      ("{path} 的形状是 {got}，而对应的{of}的形状是 {wanted}：{what}的形状要"
                                 "与对应的{of}相同。"),
    "word.tangent":             "切向量",
    "word.primal":              "原始输入",
    "word.cotangent":           "余切向量",
    "word.output":              "输出",
    "error.digits":             "一个约 {digits} 位的整数",
    "error.too_large":          ("输入 {name}：{shown} 超出了浮点数的范围（最大约为 1.8e308），而 admagic "
                                 "用浮点数计算。请换一个尺度，例如以 1e300 为单位。"),
    "error.mode":               ("--mode {mode}：模式只有 forward（前向模式：每个输入做一次切线扫描）和 "
                                 "reverse（反向模式：每个输出做一次反向扫描，默认）；请写 --mode forward "
                                 "或 --mode reverse。"),
    "error.forward_arrays":     ("--mode forward 的输入须是标量，而 {names} 是数组：数组输入需要对每个元素"
                                 "各做一次扫描。请去掉 --mode forward（反向模式可以处理数组），或者用 "
                                 "admagic.jvp(f, (x,), (v,)) 求沿某一方向 v 的导数。"),
    "error.seed_not_an_input":  "--seed {seed}：这里没有这个输入；输入有：{inputs}。例如写 --seed {first}。",
    "error.seed_alone":         ("--seed {seed} 选择求值轨迹或计算图显示对哪个输入的切线：请加上 --trace，"
                                 "或者 --mode forward。"),
    "error.trace_backward":     ("--trace 显示单元格自身计算的求值轨迹，而 --graph backward 画的是求导"
                                 "计算本身的计算图：请去掉 --graph backward（或 --trace）。"),
    "error.explain_array_inputs": ("--explain 用数值写出链式法则，而 {names} 是数组，数组运算的局部偏导数"
                                   "是矩阵。请给出标量输入（例如 w0=1.0 w1=2.0），或者去掉 --explain。"),
    "error.or_nested":          "{problem} 也可以改用 --method nested。",
    # ---- 运行之后的 --trace 与 --explain（textbook.py）----
    "error.explain_array_outputs": ("--explain 用数值写出链式法则，而 {names} 是数组：沿一条经过数组运算的"
                                    "路径，每个局部偏导数都是矩阵（雅可比矩阵）而不是数，所以这些路径无法"
                                    "用数值写出。请把想解释的量算成标量（a0 = ...; a1 = ...）并用 --of "
                                    "指定，或者去掉 --explain。"),
    "note.explain_arrays":      "--explain：{names} 是数组，所以没有解释（数组运算的局部偏导数是矩阵）。",
    "note.no_trace":            "没有任何输出依赖于输入，所以没有求值轨迹或链式法则可显示。",
    # ---- 求值轨迹，--trace（evaltrace.py、tracetable.py）----
    "trace.title":              "求值轨迹：共 {rows} 行；切线以 {seed} 为种子，伴随值是 {of} 对各行的导数",
    "trace.caption":            ("求值轨迹（共 {rows} 行）：切线以 {seed} 为种子（d{seed} = 1），"
                                 "伴随值是 {of} 对各行的导数（种子 v̄ = 1）"),
    "trace.row":                "行",
    "trace.cells_name":         "单元格中的名字",
    "trace.definition":         "定义",
    "trace.value":              "值",
    "trace.partials":           "局部偏导数",
    "trace.tangent":            "切线 v̇ = d(·)/d{seed}",
    "trace.adjoint":            "伴随值 v̄ = d{of}/d(·)",
    "trace.input":              "输入",
    "trace.seed":               "（种子）",
    "trace.matrix":             "（矩阵）",
    "trace.more_rows":          "… 另有 {count} 行 …",
    "trace.more_shares":        "… 另有 {count} 项贡献 …",
    "trace.no_output":          "没有任何输出依赖于输入，所以没有求值轨迹可显示。",
    "trace.no_output_called":   "没有名为 {name} 且依赖于输入的输出；请从以下输出中选一个：{names}。",
    "trace.no_seed":            "没有名为 {name} 的输入可作为切线的种子；输入有：{names}。",
    # ---- 链式法则，--explain（chainrule.py）----
    "explain.no_path":          "（{output} 不依赖于 {input}）",
    "explain.by_tangents":      "（由一次切线扫描求得：这些路径经过数组，数组运算的局部偏导数是矩阵，所以不逐条写出）",
    "explain.more_factors":     "…（另有 {count} 个）…",
    "explain.paths":            "从 {input} 到 {output} 的 {count} 条路径",
    "explain.sum":              "Σ（对{paths}求和）每条路径上各局部偏导数之积",
    "explain.first":            "（第一条：{example}）",
    "error.explain_numbers":    ("链式法则只对标量逐条写出；{names} 是数组。请逐个元素解释：在单元格里给它"
                                 "起个名字，例如 {first}0 = {first}[0]，并给出标量输入。"),
    # ---- --plot（plot.py、extras.py）----
    "plot.install":             ("--plot 用 matplotlib 作图，而这里没有安装它。请安装：pip install "
                                 "'admagic[plot]'   （或：pip install matplotlib）"),
    "plot.count_words":         "零, 一, 两, 三, 四",
    "plot.one_input_line":      ("--plot 画的是单个输入的函数，而这一行给了{count}个输入（{names}）：请只给"
                                 "一个，例如 %%grad x=1 --plot。"),
    "plot.one_input":           ("--plot 画的是单个输入的函数；这个单元格有 {count} 个输入（{names}）。请只给"
                                 "一个，例如 %%grad x=1 --plot。"),
    "plot.container":           ("--plot 的横轴须是一个数或一维数组，而 {name} 是一个 {kind}。请直接把"
                                 "那个数作为输入，例如 %%grad a={name}['a'] --plot。"),
    "plot.shape":               ("--plot 的横轴须是一个数或一维数组；{name} 的形状是 {shape}。请给 "
                                 "{name}=np.linspace(-1, 1, 50) 或一个数。"),
    "plot.order":               "阶数须是不小于 1 的整数（得到的是 {order}）。",
    "plot.low_to_high":         "作图范围须从小到大：得到的是 {lo}:{hi}；请写成 --plot {low}:{high}。",
    "plot.array_no_range":      "{name} 是数组：图画在它的各点上，所以不接受范围。请去掉范围，或者给一个数。",
    "plot.raised":              "所有点一起代入时，它抛出了 {error}",
    "plot.not_elementwise":     "{output} 在 {point} 处单独算出的值与所有点一起代入时不同",
    "plot.needs_elementwise":   ("数组输入的 --plot 需要逐元素计算的单元格（y[i] 只由 {name}[i] 决定），"
                                 "但{why}。请把 {name} 给成一个数，在它附近作图。"),
    "plot.no_output_short":     "没有输出依赖于 {name}",
    "plot.shape_differs":       "有一个输出的形状是 {shape}，而不是各点的形状 {points}",
    "plot.no_output":           ("单元格里没有任何输出依赖于 {name}，所以没有可画的东西。请把由它算出的量"
                                 "赋给一个变量，例如 y = x * x。"),
    "plot.numbers_only":        "--plot 只画标量输出；{output} 的形状是 {shape}。请用 --of NAME 选一个。",
    "plot.range_syntax":        "--plot 的范围写作 LO:HI，例如 --plot -3:3（得到的是 {text}）。",
    "plot.tangent_at":          "在 {point} 处的切线",
    "plot.title_around":        "{output} 及其导数（在 {point} 附近）",
    "plot.title_at":            "{output} 及其导数（在 {name} 的各点处）",
    # ---- --step：逐步查看的说明与按钮（stepper.py、static/stepper.js）----
    "step.install":             ('逐步查看扫描过程需要 anywidget 包：pip install "admagic[step]"'
                                 '（或 pip install anywidget），然后重启内核。'),
    "step.too_many":            ("这次扫描有 {steps} 步，超过了逐步查看最多显示的 {limit} 步；请换一个更小的"
                                 "例子（更少的循环次数、更短的数组）来观察。"),
    "step.before":              "扫描之前：{band} = 1，这是种子；其余梯度都还未知（{blank}）。",
    "step.how":                 "每一步取出尚未访问的节点中最晚记录的一个，把它的梯度沿各条入边传回给它的输入。",
    "step.step":                "第 {k} 步（共 {n} 步）：{name} 的 {band} = {value}；它沿每条入边传回 g × ∂{name}/∂(输入)。",
    "step.to":                  "传给 {name}：{how}  →  {band} = {sum}",
    "step.final":               "（最终值）",
    "step.done":                "完成：所有梯度都已确定。这就是 %%grad 画出的计算图：每个输入的梯度是它收到的各项贡献之和。",
    "step.sends":               "传回 {amount}",
    "step.forward_before":      ("扫描之前：输入的切线已知，∂{seed}/∂{seed} = 1（种子），其余输入为 0；"
                                 "其他节点的切线都还未知（{blank}）。"),
    "step.forward_how":         "每一步按运算执行的顺序取下一个运算，把它各条入边带来的量相加：局部偏导数 × 该输入的切线。",
    "step.forward_step":        "第 {k} 步（共 {n} 步）：{name} 把各条入边带来的量相加：{band} = {sum}。",
    "step.from":                "来自 {name}：{how}",
    "step.forward_done":        ("完成：所有切线都已求出。输出的切线就是它对 {seed} 的导数，与反向模式求出的 "
                                 "{seed} 的梯度是同一个数。"),
    "step.start":               "« 开始",
    "step.start_title":         "回到扫描之前",
    "step.previous":            "◀ 上一步",
    "step.previous_title":      "上一步（←）",
    "step.play":                "▶ 播放",
    "step.pause":               "⏸ 暂停",
    "step.play_title":          "播放整个扫描过程",
    "step.next":                "下一步 ▶",
    "step.next_title":          "下一步（→）",
    "step.slider_title":        "拖动到任意一步",
}
