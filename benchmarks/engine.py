"""Engine benchmarks (issue 2): admagic side by side with autograd, PyTorch and JAX, in one run.

    .venv/bin/python benchmarks/engine.py            # prints a markdown table

Each measurement is the best of several repeats (the least disturbed by other work on the
machine), and the libraries are measured alternately so they see the same conditions. Libraries
that are not installed are left out of the table.
"""

import gc
import sys
import time
import tracemalloc

import numpy as np

import admagic
import minimal_tape
from common import best_of, optional, version

STEPS = 10_000
REPEATS = 7


def best_time(fn, repeats=REPEATS, number=1):
    fn()  # warm up
    return best_of(fn, repeats, number)


def alternately(rows, repeats, number):
    """Best seconds per call of each row, the rows taking turns so they all see the same machine."""
    times = {name: [] for name in rows}
    for name, fn in rows.items():
        fn()  # warm up
    for _ in range(repeats):
        for name, fn in rows.items():
            times[name].append(best_of(fn, 1, number))
    return {name: min(t) for name, t in times.items()}


torch = optional("torch")
autograd = optional("autograd")
jax = optional("jax")
if autograd:
    import autograd.numpy as anp
if jax:
    import jax.numpy as jnp


# ---- 1. a scalar loop ------------------------------------------------------------------------------

def loop_numpy(x, steps=STEPS):
    y = x
    for _ in range(steps):
        y = y * x + np.sin(y) * 0.5
    return y


def scalar_loop():
    rows = {"admagic": lambda: admagic.grad(loop_numpy)(0.3),
            "yardstick: minimal_tape.py": lambda: minimal_tape.grad(loop_numpy, 0.3)}
    if torch:
        def torch_loop():
            x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
            y = x
            for _ in range(STEPS):
                y = y * x + torch.sin(y) * 0.5
            y.backward()
            return x.grad
        rows["PyTorch (eager)"] = torch_loop
    if autograd:
        def loop_autograd(x):
            y = x
            for _ in range(STEPS):
                y = y * x + anp.sin(y) * 0.5
            return y
        rows["autograd"] = lambda: autograd.grad(loop_autograd)(0.3)
    if jax:
        def loop_jax(x):
            y = x
            for _ in range(STEPS // 10):  # JAX eager is slow per op; 1,000 steps, scaled below
                y = y * x + jnp.sin(y) * 0.5
            return y
        rows["JAX (eager, 1/10 of the steps)"] = lambda: jax.grad(loop_jax)(0.3)
    seconds = alternately(rows, repeats=5, number=1)
    per_step = {name: s / (STEPS // 10 if name.startswith("JAX") else STEPS) * 1e6
                for name, s in seconds.items()}
    return per_step


def long_loop():
    start = time.perf_counter()
    admagic.grad(lambda x: loop_numpy(x, 100_000))(0.3)
    return time.perf_counter() - start


# ---- 2. an MLP loss ---------------------------------------------------------------------------------

def mlp():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((256, 64))
    Y = rng.standard_normal((256, 10))
    params = [rng.standard_normal((64, 128)) * 0.1, np.zeros(128),
              rng.standard_normal((128, 10)) * 0.1, np.zeros(10)]

    def loss(W1, b1, W2, b2):
        return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)

    def gradient_by_hand(W1, b1, W2, b2):  # the backward pass a person would write in NumPy
        H = np.tanh(X @ W1 + b1)
        G = (H @ W2 + b2 - Y) * (2.0 / Y.size)
        GH = (G @ W2.T) * (1.0 - H * H)
        return X.T @ GH, GH.sum(axis=0), H.T @ G, G.sum(axis=0)

    rows = {"NumPy forward only": lambda: loss(*params),
            "NumPy gradient by hand": lambda: gradient_by_hand(*params),
            "admagic": lambda: admagic.grad(loss, (0, 1, 2, 3))(*params)}
    if torch:
        tX, tY = torch.tensor(X), torch.tensor(Y)
        tp = [torch.tensor(p, requires_grad=True) for p in params]

        def torch_step():
            for p in tp:
                p.grad = None
            out = torch.mean((torch.tanh(tX @ tp[0] + tp[1]) @ tp[2] + tp[3] - tY) ** 2)
            out.backward()
        rows["PyTorch (eager)"] = torch_step
    if autograd:
        def loss_ag(W1, b1, W2, b2):
            return anp.mean((anp.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2)
        rows["autograd"] = lambda: autograd.grad(loss_ag, (0, 1, 2, 3))(*params)
    ours, by_hand = rows["admagic"](), rows["NumPy gradient by hand"]()
    assert all(np.allclose(a, b) for a, b in zip(ours, by_hand)), "the gradients differ"
    return {name: s * 1e6 for name, s in alternately(rows, REPEATS, number=50).items()}


# ---- 3. first and second derivative of a tiny function ---------------------------------------------

def tiny_derivatives():
    f = lambda x: (x * x) * (x * x)  # noqa: E731
    rows = {"admagic": lambda: (admagic.derivative(f, 1)(3.0), admagic.derivative(f, 2)(3.0))}
    if torch:
        def torch_both():
            x = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
            z = (x * x) * (x * x)
            (d1,) = torch.autograd.grad(z, x, create_graph=True)
            (d2,) = torch.autograd.grad(d1, x)
            return d1, d2
        rows["PyTorch (eager)"] = torch_both
    if autograd:
        rows["autograd"] = lambda: (autograd.grad(f)(3.0), autograd.grad(autograd.grad(f))(3.0))
    return {name: best_time(fn, repeats=REPEATS, number=200) * 1e6 for name, fn in rows.items()}


# ---- 4. memory of one recorded scalar operation ----------------------------------------------------

def bytes_per_operation(steps=20_000):
    gc.collect()
    tracemalloc.start()
    with admagic.Tape() as tape:
        x = admagic.traced.new_leaf(tape, 0.3)
        before = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(steps):
            y = y * x + np.sin(y) * 0.5  # 4 operations a step
        after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    return (after - before) / (4 * steps)


def main():
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}"
          + (f", PyTorch {torch.__version__}" if torch else "")
          + (f", autograd {version('autograd')}" if autograd else "")
          + (f", JAX {jax.__version__}" if jax else ""))

    per_step = scalar_loop()
    ours = per_step["admagic"]
    print(f"\n### Scalar loop, {STEPS:,} steps of y = y*x + sin(y)*0.5, gradient at 0.3\n")
    print("| library | µs per step | admagic is faster by |")
    print("|---|---:|---:|")
    for name, us in per_step.items():
        print(f"| {name} | {us:.1f} | {us / ours:.1f}× |")
    print(f"\n100,000 steps: {long_loop():.2f} s, no RecursionError.")

    times = mlp()
    base = times["NumPy forward only"]
    print("\n### MLP loss gradient (X 256×64, W1 64×128, W2 128×10)\n")
    print("| | µs per call | × NumPy forward |")
    print("|---|---:|---:|")
    for name, us in times.items():
        print(f"| {name} | {us:.0f} | {us / base:.2f} |")

    tiny = tiny_derivatives()
    print("\n### First + second derivative of z = (x·x)² at 3 (a whole call each)\n")
    print("| library | µs for both |")
    print("|---|---:|")
    for name, us in tiny.items():
        print(f"| {name} | {us:.1f} |")

    print(f"\n### Memory\n\nOne recorded scalar operation: {bytes_per_operation():.0f} bytes "
          "(tracemalloc, 20,000-step loop, while the tape is alive).")


if __name__ == "__main__":
    main()
