"""Taylor-mode benchmarks (issue 6): high-order derivatives, admagic side by side with nested
reverse mode in admagic, autograd, PyTorch and JAX (eager), in one run.

    .venv/bin/python benchmarks/taylor.py            # prints markdown tables

1. The order-8 derivative of sin(x)·exp(x) at 0.5 (targets: under 1 ms, at least 15× faster than
   PyTorch), each answer checked against the closed form 2^(n/2) eˣ sin(x + nπ/4).
2. The same on 1,000 points at once (elementwise).
3. Cost against the order n = 1..16: Taylor mode should grow no faster than n².

Each time is the best of several repeats (the least disturbed by other work on the machine).
Libraries that are not installed are left out.
"""

import math
import platform
import sys
import time

import numpy as np

import admagic
from admagic import Tape
from admagic.taylor import derivatives
from admagic.traced import new_leaf
from common import best_of, optional, version

X0, ORDER = 0.5, 8
REPEATS = 7


def best_time(fn, budget=0.2, repeats=REPEATS):
    """Best time per call over `repeats` rounds, each of as many calls as fit in `budget` seconds."""
    start = time.perf_counter()
    fn()  # warm up, and find how many calls make a round
    once = time.perf_counter() - start
    number = max(1, int(budget / max(once, 1e-9) / repeats))
    return best_of(fn, repeats, number)


torch = optional("torch")
autograd = optional("autograd")
jax = optional("jax")
if autograd:
    import autograd.numpy as anp
if jax:
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp


def closed_form(x, n):
    """d^n/dx^n sin(x)·exp(x) = 2^(n/2) eˣ sin(x + nπ/4)."""
    return 2 ** (n / 2) * np.exp(x) * np.sin(x + n * np.pi / 4)


def f(x):
    return np.sin(x) * np.exp(x)


# ---- the ways to get the order-n derivative ------------------------------------------------------

def taylor_mode(x0, n):
    """What admagic.derivative does with Taylor mode: record f once, replay the tape."""
    with Tape() as tape:
        x = new_leaf(tape, x0)
        y = f(x)
    return derivatives([y], x, n)[0][n]


def admagic_nested(x0, n):
    g = f
    for _ in range(n):
        g = admagic.grad(g) if np.ndim(x0) == 0 else _admagic_elementwise(g)
    return g(x0)


def _admagic_elementwise(g):
    return lambda x: admagic.grad(lambda x: np.sum(g(x)))(x)


def autograd_nested(x0, n):
    g = lambda x: anp.sin(x) * anp.exp(x)
    for _ in range(n):
        g = autograd.elementwise_grad(g)
    return g(x0)


def torch_nested(x0, n):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = torch.sin(x) * torch.exp(x)
    for _ in range(n):
        (y,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    return y.detach().numpy()


def jax_nested(x0, n):
    g = lambda x: jnp.sin(x) * jnp.exp(x)
    for _ in range(n):
        g = _jax_elementwise(g)
    return np.asarray(g(jnp.asarray(x0)))


def _jax_elementwise(g):
    return jax.grad(lambda x: jnp.sum(g(x)))


METHODS = {"admagic, Taylor mode": taylor_mode, "admagic, nested reverse": admagic_nested}
if autograd:
    METHODS["autograd (nested)"] = autograd_nested
if torch:
    METHODS["PyTorch eager (create_graph)"] = torch_nested
if jax:
    METHODS["JAX eager (nested grad)"] = jax_nested


def _milliseconds(seconds):
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.1 else f"{seconds * 1e3:,.0f} ms"


def side_by_side(x0, n, title, budget):
    truth = closed_form(x0, n)
    times = {}
    print(f"\n### {title}\n")
    print("| method | time | vs Taylor mode | max relative error |")
    print("|---|---:|---:|---:|")
    for name, method in METHODS.items():
        error = np.max(np.abs(method(x0, n) - truth) / np.abs(truth))
        times[name] = best_time(lambda: method(x0, n), budget=budget,
                                repeats=REPEATS if name.startswith("admagic, T") else 3)
        ratio = times[name] / times["admagic, Taylor mode"]
        print(f"| {name} | {_milliseconds(times[name])} | {ratio:,.1f}× | {error:.1e} |")
    return times


def growth():
    """Taylor mode's cost against the order, with nested reverse mode alongside while it is quick."""
    print("\n### Cost against the order n (sin(x)·exp(x) at 0.5)\n")
    print("| n | Taylor mode | t(n) / t(1) | n² | admagic nested reverse | PyTorch nested |")
    print("|---:|---:|---:|---:|---:|---:|")
    taylor = {}
    for n in range(1, 17):
        taylor[n] = best_time(lambda: taylor_mode(X0, n))
        nested = _milliseconds(best_time(lambda: admagic_nested(X0, n), repeats=3)) if n <= 10 else "—"
        pytorch = _milliseconds(best_time(lambda: torch_nested(X0, n), repeats=3)) \
            if torch and n <= 10 else "—"
        print(f"| {n} | {_milliseconds(taylor[n])} | {taylor[n] / taylor[1]:.2f} | {n * n} "
              f"| {nested} | {pytorch} |")
    slope = math.log(taylor[16] / taylor[8]) / math.log(2)
    within = all(taylor[n] / taylor[1] <= n * n for n in range(2, 17))
    print(f"\nt(n)/t(1) ≤ n² for every n ≤ 16: {'yes' if within else 'NO'}; "
          f"growth from n = 8 to 16 fits t ∝ n^{slope:.2f}.")


def main():
    print(f"Python {platform.python_version()}, NumPy {np.__version__}"
          + (f", PyTorch {torch.__version__}" if torch else "")
          + (f", autograd {version('autograd')}" if autograd else "")
          + (f", JAX {jax.__version__}" if jax else "") + f", on {platform.machine()}")
    times = side_by_side(X0, ORDER, f"Order-{ORDER} derivative of sin(x)·exp(x) at {X0}", 0.5)
    taylor = times["admagic, Taylor mode"]
    print(f"\nTaylor mode: {taylor * 1e3:.3f} ms (target < 1 ms: {'met' if taylor < 1e-3 else 'MISSED'})", end="")
    if torch:
        speedup = times["PyTorch eager (create_graph)"] / taylor
        print(f"; {speedup:.0f}× faster than PyTorch (target ≥ 15×: {'met' if speedup >= 15 else 'MISSED'})", end="")
    print(".")
    points = np.linspace(-2.0, 2.0, 1000)
    side_by_side(points, ORDER, f"Order-{ORDER} derivative on 1,000 points at once (elementwise)", 1.0)
    growth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
