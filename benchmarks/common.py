"""What the benchmark scripts share: the comparison libraries, each only if it is installed."""

import importlib.metadata
import time


def optional(name):
    """The module `name`, or None when it is not installed (its column is then left out)."""
    try:
        return __import__(name)
    except ImportError:
        return None


def version(name):
    """The installed version of distribution `name`."""
    return importlib.metadata.version(name)


def best_of(fn, repeats, number):
    """The best time per call of `fn` over `repeats` rounds of `number` calls: the round least
    disturbed by whatever else the machine was doing."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)
