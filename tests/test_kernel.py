"""``%%grad`` in a real Jupyter kernel: after a cell that fails (the student's error, one admagic
raises, a usage error found after the run, Ctrl-C), the next cells work and nothing traced is left.
"""

import time

import IPython
import pytest

pytestmark = pytest.mark.notebook

# Run in the kernel after each failure: how many traced values are alive in the whole process, and
# whether the error IPython keeps for %debug still reaches one.
CENSUS = """\
import gc as _gc, sys as _sys
from admagic.traced import Traced as _Traced
_gc.collect()
def _holds(_error):
    _seen, _pending = set(), [_error]
    while _pending:
        _e = _pending.pop()
        if _e is None or id(_e) in _seen:
            continue
        _seen.add(id(_e))
        if any(type(_v) is _Traced for _v in (*_e.args, *vars(_e).values())):
            return True
        _pending += [_e.__context__, _e.__cause__]
    return False
print(sum(type(_o) is _Traced for _o in _gc.get_objects()), _holds(getattr(_sys, "last_value", None)))
"""

LOOP = "y = x\nfor i in range(10000):\n    y = y * 1.0001\n"
LONG = 300  # seconds: longer than anything a loaded machine takes to start a cell or deliver Ctrl-C

FAILURES = [
    ("the student's error", "%%grad x=3\ny = x * x\nraise ValueError('boom')", "ValueError"),
    ("admagic's refusal", f"%%grad x=3\n{LOOP}k = int(y)", "DerivativeDroppedError"),
    ("a usage error after the run", f"%%grad x=3 --of z\n{LOOP}if x > 5:\n    z = y", "UsageError"),
    ("a function of the cell's", "%%grad x=3\ndef f(a):\n    b = a * 2\n    raise ValueError(b)\n"
                                 "y = f(x)", "ValueError"),
]


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", startup_timeout=120)
    try:
        run(client, "%load_ext admagic\nimport numpy as np")
        _, outputs = run(client, "import IPython; print(IPython.__version__)")
        assert printed(outputs) == f"{IPython.__version__}\n"  # the versions under test
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client, code, timeout=120):
    """Execute `code`; give (reply content, [(message type, content)] of its outputs)."""
    outputs = []
    reply = client.execute_interactive(
        code, timeout=timeout, allow_stdin=False,
        output_hook=lambda message: outputs.append((message["msg_type"], message["content"])))
    return reply["content"], outputs


def printed(outputs):
    return "".join(c["text"] for kind, c in outputs if kind == "stream" and c["name"] == "stdout")


def assert_the_session_works(client):
    reply, outputs = run(client, "print(1)")
    assert reply["status"] == "ok" and printed(outputs) == "1\n"
    reply, outputs = run(client, "%%grad x=2 --no-graph\ny = x ** 3")
    assert reply["status"] == "ok"
    (html,) = [c["data"]["text/html"] for kind, c in outputs if kind == "display_data"]
    assert "12" in html  # dy/dx = 3x² = 12
    reply, outputs = run(client, "print(type(x).__name__, type(y).__name__, _grad['dy/dx'])")
    assert printed(outputs) == "float float 12.0\n"
    reply, outputs = run(client, CENSUS)
    assert reply["status"] == "ok", reply
    assert printed(outputs) == "0 False\n"


@pytest.mark.parametrize("code, ename", [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_after_a_failing_cell_the_session_works_and_nothing_traced_is_left(kernel, code, ename):
    _, client = kernel
    reply, outputs = run(client, code)
    assert reply["status"] == "error" and reply["ename"] == ename
    reply, outputs = run(client, CENSUS)  # before any later cell replaces sys.last_value
    assert printed(outputs) == "0 False\n"
    assert_the_session_works(client)


def test_after_ctrl_c_in_a_cell_the_session_works_and_nothing_traced_is_left(kernel):
    manager, client = kernel
    # The loop records until the interrupt stops it, however slow the machine: it ends by itself
    # only after LONG seconds, and then the cell succeeds and the test fails.
    code = (f"%%grad x=3\nimport time\ny = x\nend = time.monotonic() + {LONG}\n"
            "print('running', flush=True)\n"
            "while time.monotonic() < end:\n    y = y * 1.0\n    time.sleep(0.01)")
    msg_id = client.execute(code)
    deadline = time.monotonic() + LONG
    while True:  # interrupt once the loop is running, not while the kernel is still starting it
        message = client.get_iopub_msg(timeout=max(1, deadline - time.monotonic()))
        if (message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream"
                and "running" in message["content"]["text"]):
            break
    time.sleep(0.3)
    manager.interrupt_kernel()
    deadline = time.monotonic() + LONG
    while True:
        message = client.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
        if message["parent_header"].get("msg_id") == msg_id:
            break
    assert message["content"]["status"] == "error", "the loop ran to its end: no interrupt came"
    assert message["content"]["ename"] == "KeyboardInterrupt"
    reply, outputs = run(client, CENSUS)
    assert printed(outputs) == "0 False\n"
    assert_the_session_works(client)


GRAPHS = """\
import gc as _gc
from admagic.tape import Node as _Node
_gc.collect()
print(sum(isinstance(_o, _Node) and bool(_o.parents) for _o in _gc.get_objects()))
"""


def test_a_value_kept_where_the_cleaner_cannot_reach_holds_no_graph_after_the_cell(kernel):
    """A generator's frame keeps y = x·1.0001¹⁰⁰⁰⁰ from a cell that fails, and from one that
    succeeds; no node in the kernel still holds a graph, and the next cell uses y as a constant."""
    _, client = kernel
    keep = "def keep():\n    v = y\n    while True:\n        yield v\nkept = keep()\nnext(kept)\n"
    for ending in ("raise ValueError('boom')", "z = y * 2"):
        reply, _ = run(client, f"%%grad x=3\n{LOOP}{keep}{ending}")
        reply, outputs = run(client, GRAPHS)
        assert printed(outputs) == "0\n"
    reply, _ = run(client, "%%grad u=2 --no-graph\nw = u * next(kept)")
    assert reply["status"] == "ok", reply
    reply, outputs = run(client, "print(round(_grad['dw/du'] / (3 * 1.0001 ** 10000), 12))")
    assert printed(outputs) == "1.0\n"  # dw/du = y, the kept constant
