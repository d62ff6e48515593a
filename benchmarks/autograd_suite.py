"""HIPS autograd's own test suite, run against admagic through its public API (issue 12).

autograd's tests are fetched at run time (its sdist, by pip, into a temporary folder; or a folder
you name with ``--tests DIR``), never copied into this repository. They run under pytest with a
stand-in ``autograd`` package that is admagic:

- ``autograd.numpy`` is NumPy itself (admagic differentiates plain NumPy), with its ``random``,
  ``linalg`` and ``fft``;
- ``autograd.grad``, ``value_and_grad``, ``jacobian``, ``hessian`` are admagic's;
  ``deriv`` and ``elementwise_grad`` are `admagic.derivative`; ``autograd.tuple/list/dict`` are
  Python's own (admagic needs no boxed containers), and ``isinstance`` is Python's on the plain
  value, as autograd's is (``notrace_primitive(isinstance)``: isinstance of the unboxed value);
- ``autograd.test_util.check_grads`` is `admagic.testing.check_grads` at orders 1 and 2 (autograd's
  modes "fwd" and "rev" both mean admagic's reverse mode), and the same check again by Taylor mode:
  for random directions v and u, ``φ(t) = u · f(x + t·v)`` has ``admagic.derivative(φ, k)(0)``
  (one Taylor sweep) compared with central differences of order k - 1.

Not applicable, and counted apart: checks whose inputs or outputs are complex (set aside, the rest
of the test still runs), tests named for complex numbers, tests of autograd's internals or of API
admagic doesn't have (boxes, vspaces, ``primitive``/``defvjp``, ``make_hvp``, ``checkpoint``, ...:
calling one of those ends the test as not applicable), whole files listed in
`NOT_APPLICABLE_FILES`, and tests pytest skips (xarray missing).

    .venv/bin/python benchmarks/autograd_suite.py            # fetches autograd's sdist by pip
    .venv/bin/python benchmarks/autograd_suite.py --tests /tmp/ag/autograd-1.9.1/tests
"""

import argparse
import builtins
import contextlib
import importlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import types
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # measure this checkout's admagic
import admagic  # noqa: E402
from admagic.inputs import leaves_of, map_leaves  # noqa: E402
from admagic.testing import central_difference  # noqa: E402
from admagic.traced import plain  # noqa: E402
from admagic.testing import check_grads as admagic_check_grads  # noqa: E402

AUTOGRAD_VERSION = "1.9.1"

NOT_APPLICABLE_FILES = {
    "test_complex.py": "complex numbers",
    "test_core.py": "autograd's core without its NumPy wrapper (make_vjp, unary_to_nary)",
    "test_vspaces.py": "autograd's vector spaces",
    "test_tests.py": "autograd's own test helpers",
    "test_performance.py": "timings",
    "test_scipy.py": "SciPy functions (admagic differentiates NumPy)",
    "test_ufunc_dispatch.py": "other array containers (xarray) in autograd's dispatch",
}

# Tests that differentiate nothing: they check autograd's own wrappers, which NumPy itself differs
# from (autograd's np.where gives Python floats; its grad has a docstring of its own).
NOT_APPLICABLE_TESTS = {
    "test_custom_where_dtypes": "autograd's np.where wrapper, no derivative",
    "test_custom_where": "autograd's np.where wrapper, no derivative",
    "test_wrapped_name_and_docs": "the names and docstrings of autograd's wrappers",
}

# autograd's own functions in its NumPy wrapper, which NumPy doesn't have: a test that reaches one
# (np.make_diagonal, np.linalg._dot) is not applicable from there on, as with autograd's internals.
AUTOGRAD_OWN_NUMPY = re.compile(r"module 'numpy(\.linalg)?' has no attribute '(make_diagonal|_dot)'")

# Called inside a test, these end it as not applicable: autograd's internals, or its API beyond
# what admagic offers.
INTERNALS = {
    "autograd": ["make_vjp", "make_jvp", "holomorphic_grad", "checkpoint", "grad_and_aux",
                 "hessian_tensor_product", "make_ggnvp", "make_hvp", "tensor_jacobian_product",
                 "vector_jacobian_product", "hessian_vector_product", "grad_named",
                 "multigrad_dict", "primitive"],
    "autograd.core": ["make_vjp", "make_jvp", "vspace", "primitive_vjps", "VSpace", "primitive",
                      "defvjp", "defgrad", "defvjp_is_zero"],
    "autograd.util": ["quick_grad_check"],
    "autograd.tracer": ["primitive", "isbox", "getval", "Box"],
    "autograd.extend": ["primitive", "defvjp", "defjvp", "defvjp_argnum", "vspace", "Box"],
    "autograd.misc": ["const_graph", "flatten"],
    "autograd.wrap_util": ["unary_to_nary"],
}


class NotApplicable(Exception):
    """Raised by a stand-in for autograd's internals: the test is about autograd, not about
    derivatives admagic could give."""


class Recorder:
    """A pytest plugin: each test's outcome, and what the stand-in check_grads saw during it."""

    def __init__(self):
        self.outcomes = {}     # nodeid -> "pass", "fail", "n/a"
        self.errors = {}       # nodeid -> the reverse-mode error, grouped by `_error_key`
        self.why_na = {}       # nodeid -> why it is not applicable
        self.taylor = {}       # nodeid -> None (passed) or the Taylor-mode error key
        self.current = None

    def pytest_runtest_setup(self, item):
        self.current = {"checks": 0, "set_aside": 0, "taylor_error": None, "taylor_checks": 0}

    def pytest_runtest_makereport(self, item, call):
        if call.when != "call" and not (call.when == "setup" and call.excinfo):
            return
        nodeid, seen = item.nodeid, self.current or {}
        error = call.excinfo.value if call.excinfo else None
        if "complex" in item.name.lower():
            self._not_applicable(nodeid, "named for complex numbers")
        elif item.originalname in NOT_APPLICABLE_TESTS:
            self._not_applicable(nodeid, NOT_APPLICABLE_TESTS[item.originalname])
        elif seen.get("set_aside") and not seen.get("checks"):
            self._not_applicable(nodeid, "every check was of complex numbers")
        elif isinstance(error, NotApplicable):
            self._not_applicable(nodeid, str(error))
        elif isinstance(error, AttributeError) and AUTOGRAD_OWN_NUMPY.fullmatch(str(error)):
            module, name = AUTOGRAD_OWN_NUMPY.fullmatch(str(error)).groups()
            self._not_applicable(nodeid, f"np{module or ''}.{name}: autograd's own API, not NumPy's")
        elif call.excinfo and call.excinfo.typename == "Skipped":
            self._not_applicable(nodeid, "skipped by pytest: " + str(error)[:60])
        elif error is not None:
            self.outcomes[nodeid], self.errors[nodeid] = "fail", _error_key(error)
        else:
            self.outcomes[nodeid] = "pass"
            if seen.get("taylor_checks"):
                self.taylor[nodeid] = seen["taylor_error"]

    def _not_applicable(self, nodeid, why):
        self.outcomes[nodeid], self.why_na[nodeid] = "n/a", why


RECORDER = Recorder()


# ---- the stand-in autograd ----------------------------------------------------------------------

class _Refusal:
    """Stands in for one of autograd's internals: any use of it ends the test as not applicable."""

    def __init__(self, where):
        self.where = where

    def _refuse(self, *args, **kwargs):
        raise NotApplicable(f"{self.where}: autograd's internals or API admagic doesn't have")

    __call__ = _refuse

    def __getattr__(self, name):
        self._refuse()


def _elementwise_grad(fun, argnum=0):
    """autograd's elementwise_grad (and deriv): admagic.derivative with respect to one argument."""
    def elementwise(*args, **kwargs):
        def of_one(x):
            return fun(*args[:argnum], x, *args[argnum + 1:], **kwargs)
        return admagic.derivative(of_one)(args[argnum])
    return elementwise


def _isinstance(obj, classinfo):
    """autograd's isinstance: Python's, of the value without its box (here, without tracing)."""
    return builtins.isinstance(plain(obj), classinfo)


def _is_complex(value):
    if isinstance(value, (tuple, list)):
        return any(_is_complex(v) for v in value)
    return isinstance(value, (np.ndarray, np.generic, complex)) and np.iscomplexobj(value)


def check_grads(fun, argnum=0, modes=("fwd", "rev"), order=2):
    """autograd's check_grads(fun, argnum, modes, order)(*args, **kwargs), checked by admagic."""
    def check(*args, **kwargs):
        def f(*a):
            return fun(*a, **kwargs)
        f.__name__ = getattr(fun, "__name__", "f")
        try:
            complex_numbers = _is_complex(args) or _is_complex(fun(*args, **kwargs))
        except Exception:  # noqa: BLE001  (let the check below meet the error and report it)
            complex_numbers = False
        seen = RECORDER.current
        if complex_numbers:
            seen["set_aside"] += 1
            return
        seen["checks"] += 1
        k = min(order, 2)
        admagic_check_grads(f, *args, order=k, argnum=argnum)
        if seen["taylor_error"] is None:
            seen["taylor_checks"] += 1
            try:
                _taylor_check(f, args, argnum, k)
            except Exception as error:  # noqa: BLE001  (recorded; the reverse result stands)
                seen["taylor_error"] = _error_key(error)
    return check


def _taylor_check(f, args, argnum, order, seed=0):
    """Taylor mode's derivatives of ``φ(t) = u · f(x + t·v)`` at t = 0 against central
    differences (of φ for order 1, of Taylor's own φ' for order 2, as check_grads recurses)."""
    rng = np.random.default_rng(seed)
    argnums = argnum if isinstance(argnum, (tuple, list)) else (argnum,)
    args = [float(a) if i in argnums and isinstance(a, (int, np.integer)) else a  # not np.pad's 3
            for i, a in enumerate(args)]
    u = _random_like(f(*args), rng)
    v = {i: _random_like(args[i], rng) for i in argnums}

    def phi(t):
        return _dot(u, f(*[_moved(a, v[i], t) if i in v else a for i, a in enumerate(args)]))

    previous = phi
    for k in range(1, order + 1):
        got = float(np.asarray(admagic.derivative(phi, k)(0.0)))
        expected = central_difference(previous, 0.0)
        if not abs(got - expected) <= 1e-6 + 1e-5 * abs(expected):
            raise AssertionError(f"Taylor mode's order-{k} derivative disagrees with central "
                                 f"differences: {got!r} against {expected!r}")
        previous = admagic.derivative(phi, k)


def _moved(x, v, t):
    flat = iter(leaves_of(v))
    return map_leaves(lambda leaf: leaf + t * next(flat), x)


def _random_like(x, rng):
    return map_leaves(lambda leaf: rng.standard_normal(np.shape(leaf)) if np.ndim(leaf)
                      else float(rng.standard_normal()), x)


def _dot(u, y):
    return sum((np.sum(a * b) for a, b in zip(leaves_of(u), leaves_of(y))), 0.0)


def combo_check(fun, *args, **kwargs):
    """autograd's combo_check: check_grads over every combination of the arguments given."""
    from itertools import product

    def _combo_check(*arg_lists, **kwarg_lists):
        choices = [[(k, x) for x in xs] for k, xs in kwarg_lists.items()]
        for chosen_args in product(*arg_lists):
            for chosen_kwargs in product(*choices):
                check_grads(fun, *args, **kwargs)(*chosen_args, **dict(chosen_kwargs))
    return _combo_check


def check_equivalent(x, y):
    assert np.allclose(x, y, rtol=1e-6, atol=1e-6), f"Value mismatch:\nx: {x}\ny: {y}"


def scalar_close(a, b):
    return abs(a - b) < 1e-6 or abs(a - b) / abs(a + b) < 1e-6


def install_stand_in():
    """Put the stand-in ``autograd`` modules into sys.modules (before any test imports them)."""
    modules = {name: types.ModuleType(name) for name in
               ["autograd", "autograd.test_util", "autograd.builtins", *INTERNALS]}
    for module, names in INTERNALS.items():
        for name in names:
            setattr(modules[module], name, _Refusal(f"{module}.{name}"))
    top = modules["autograd"]
    top.__path__ = []  # a package, so `import autograd.numpy` looks in sys.modules
    top.grad, top.value_and_grad = admagic.grad, admagic.value_and_grad
    top.jacobian, top.hessian = admagic.jacobian, admagic.hessian
    top.deriv = top.elementwise_grad = _elementwise_grad
    top.tuple, top.list, top.dict = builtins.tuple, builtins.list, builtins.dict
    top.isinstance = modules["autograd.builtins"].isinstance = _isinstance
    top.numpy = np
    util = modules["autograd.test_util"]
    util.check_grads, util.combo_check = check_grads, combo_check
    util.check_equivalent, util.scalar_close = check_equivalent, scalar_close
    for name, module in modules.items():
        sys.modules[name] = module
        if "." in name:
            setattr(top, name.split(".", 1)[1], module)
    for part in ["", ".random", ".linalg", ".fft"]:
        sys.modules["autograd.numpy" + part] = importlib.import_module("numpy" + part)


# ---- fetching, running, reporting --------------------------------------------------------------

def fetch_tests(into):
    """autograd's tests/ folder from its sdist, downloaded by pip into `into`."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", f"autograd=={AUTOGRAD_VERSION}", "-d", str(into)],
                   check=True)
    (sdist,) = Path(into).glob("autograd-*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if "/tests/" in m.name and m.isfile()]
        archive.extractall(into, members=members, filter="data")
    (tests,) = Path(into).glob("autograd-*/tests")
    return tests


def run(tests, scratch, verbose=False):
    """Run autograd's test files in `tests` under the stand-in; give {file: [nodeids]}."""
    import pytest

    install_stand_in()
    files = sorted(p for p in Path(tests).glob("test_*.py") if p.name not in NOT_APPLICABLE_FILES)
    ini = Path(scratch) / "admagic-suite.ini"
    ini.write_text("[pytest]\n")  # not autograd's settings, nor admagic's
    output = io.StringIO()
    with contextlib.redirect_stdout(sys.stdout if verbose else output):
        pytest.main(["-q", "-p", "no:cacheprovider", "-c", str(ini), "--rootdir", str(tests),
                     "-W", "ignore", *map(str, files)], plugins=[RECORDER])
    by_file = defaultdict(list)
    for nodeid in RECORDER.outcomes:
        by_file[nodeid.split("::")[0]].append(nodeid)
    return by_file


def _error_key(error):
    """What a failure is, in one line: its type and first line, numbers and names smoothed out."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = re.sub(r"\b\d+(\.\d+)?(e[-+]?\d+)?\b", "#", text)
    text = re.sub(r"the order-# derivative of .*? \(", "the order-# derivative of f (", text)
    text = re.sub(r"expected .*|got .*", "", text)
    return f"{type(error).__name__}: {text}"[:150]


def report(by_file, show=8):
    outcomes = RECORDER.outcomes
    print(f"autograd {AUTOGRAD_VERSION}'s tests against admagic {admagic.__version__}\n")
    print(f"{'file':<24}{'pass':>6}{'fail':>6}{'n/a':>6}   "
          "Taylor mode (of the passing, with checks)")
    totals = Counter()
    for file in sorted(by_file):
        counts = Counter(outcomes[n] for n in by_file[file])
        checked = [n for n in by_file[file] if n in RECORDER.taylor]
        good = sum(RECORDER.taylor[n] is None for n in checked)
        totals.update(counts)
        totals["taylor checked"] += len(checked)
        totals["taylor pass"] += good
        print(f"{file:<24}{counts['pass']:>6}{counts['fail']:>6}{counts['n/a']:>6}   "
              f"{good}/{len(checked)}")
    for file, why in NOT_APPLICABLE_FILES.items():
        print(f"{file:<24}{'':>6}{'':>6}{'all':>6}   ({why})")
    applicable = totals["pass"] + totals["fail"]
    print(f"\nreverse mode: {totals['pass']} of {applicable} applicable tests pass "
          f"({100 * totals['pass'] / max(applicable, 1):.1f}%); {totals['n/a']} not applicable")
    print(f"Taylor mode: {totals['taylor pass']} of the {totals['taylor checked']} passing tests "
          f"that call check_grads pass it by Taylor mode too "
          f"({100 * totals['taylor pass'] / max(totals['taylor checked'], 1):.1f}%)")
    _groups("Failing tests, by error", RECORDER.errors, show)
    _groups("Taylor mode's failures, by error",
            {n: e for n, e in RECORDER.taylor.items() if e is not None}, show)
    _groups("Not applicable, by reason", RECORDER.why_na, show=0)


def _groups(title, keyed, show):
    groups = defaultdict(list)
    for nodeid, key in keyed.items():
        groups[key].append(nodeid.split("/")[-1])
    if not groups:
        return
    print(f"\n{title}:")
    for key, nodeids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"  {len(nodeids):>3}  {key}")
        if show:
            more = f", ... and {len(nodeids) - show} more" if len(nodeids) > show else ""
            print("         " + ", ".join(nodeids[:show]) + more)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", help="autograd's tests/ folder (default: fetch the sdist)")
    parser.add_argument("--show", type=int, default=8, help="test names shown per error")
    parser.add_argument("--verbose", action="store_true", help="show pytest's own output")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        tests = Path(options.tests) if options.tests else fetch_tests(scratch)
        report(run(tests, scratch, options.verbose), options.show)


if __name__ == "__main__":
    main()
