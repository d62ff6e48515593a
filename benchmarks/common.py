"""What the benchmark scripts share: the comparison libraries, each only if it is installed."""

import importlib.metadata


def optional(name):
    """The module `name`, or None when it is not installed (its column is then left out)."""
    try:
        return __import__(name)
    except ImportError:
        return None


def version(name):
    """The installed version of distribution `name`."""
    return importlib.metadata.version(name)
