"""Recording in several threads at once: each thread's tapes are its own, and the garbage
collector always comes back on.

Every test runs real threads that wait for each other at a barrier inside their recording, so the
recordings overlap; each is repeated, since a race shows only in some runs.
"""

import gc
import sys
import threading

import numpy as np
import pytest

import admagic as am

REPEATS = 5


def in_threads(n, work):
    """Run work(i, barrier) in n threads at once; their results, in order. Raises what they raised."""
    barrier = threading.Barrier(n, timeout=10)
    results, errors = [None] * n, []

    def run(i):
        try:
            results[i] = work(i, barrier)
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture(autouse=True)
def switch_often():
    """Let threads take turns every microsecond, so a race shows in a few hundred steps."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.fixture(autouse=True)
def collector_on():
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    assert gc.isenabled(), "a test left the garbage collector off"
    if not was_enabled:
        gc.disable()


def test_two_threads_with_their_own_variables_each_get_2v():
    def work(i, barrier):
        v = am.Variable(float(i + 2))
        with am.Tape() as tape:
            barrier.wait()  # both tapes are recording now
            y = v * v
            barrier.wait()
        return float(tape.gradient(y, v).numpy())

    for _ in range(REPEATS):
        assert in_threads(2, work) == [4.0, 6.0]


def test_two_threads_sharing_one_variable_each_get_2v():
    v = am.Variable(3.0)

    def work(i, barrier):
        with am.Tape() as tape:
            barrier.wait()
            y = v * v * float(i + 1)  # thread 0: v², thread 1: 2v²
            barrier.wait()
        return float(tape.gradient(y, v).numpy())

    for _ in range(REPEATS):
        assert in_threads(2, work) == [6.0, 12.0]


def test_two_threads_taping_one_variable_over_and_over_always_get_2v():
    v = am.Variable(3.0)

    def work(i, barrier):
        k = float(i + 1)
        barrier.wait()
        wrong = []
        for _ in range(1000):
            with am.Tape() as tape:
                y = v * v * k
            g = tape.gradient(y, v)
            if g is None or float(g.numpy()) != 6.0 * k:
                wrong.append(g)
        return wrong

    assert in_threads(2, work) == [[], []]


def test_four_threads_calling_grad_over_and_over_leave_the_collector_on():
    def f(x):
        y = x
        for _ in range(20):
            y = y * 1.0 + x
        return y * x  # 21 x²

    def work(i, barrier):
        barrier.wait()
        return {am.grad(f)(float(i)) for _ in range(300)}

    for _ in range(5):
        gradients = in_threads(4, work)
        assert gc.isenabled()
        assert gradients == [{42.0 * i} for i in range(4)]


def test_a_tape_in_another_thread_does_not_watch_this_threads_variable():
    v = am.Variable(3.0)

    def work(i, barrier):
        if i == 0:
            with am.Tape() as tape:
                barrier.wait()  # thread 1 reads v while this tape records
                barrier.wait()
            return tape.watched_variables()
        barrier.wait()
        value = float(v)  # no tape of this thread records: a plain read, not a refusal
        barrier.wait()
        return value

    for _ in range(REPEATS):
        assert in_threads(2, work) == [(), 3.0]


def test_four_threads_calling_grad_leave_the_collector_on():
    def work(i, barrier):
        def f(x):
            barrier.wait()  # every grad's tape is recording now
            y = x
            for _ in range(50 * (i + 1)):  # they finish at different times
                y = np.sin(y) + x
            return y
        return am.grad(f)(0.5)

    def truth(steps):
        y, dy = 0.5, 1.0
        for _ in range(steps):
            y, dy = np.sin(y) + 0.5, np.cos(y) * dy + 1.0
        return dy

    for _ in range(REPEATS):
        gradients = in_threads(4, work)
        assert gc.isenabled()
        np.testing.assert_allclose(gradients, [truth(50 * (i + 1)) for i in range(4)], rtol=1e-12)


def test_a_collector_the_user_turned_off_stays_off_after_threads_record():
    gc.disable()
    try:
        in_threads(3, lambda i, barrier: am.grad(lambda x: (barrier.wait(), x * x)[1])(3.0))
        assert not gc.isenabled()
    finally:
        gc.enable()
