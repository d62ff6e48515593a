"""What admagic differentiates with respect to: numbers and numeric arrays, made float64.

This module imports nothing of admagic; `traced.as_input` adds traced values to it.
"""

import numpy as np


def as_float(value):
    """`value` as admagic differentiates with respect to it: floats, never ints; bool, text and
    complex are refused.

    >>> as_float(3), as_float(np.array([1, 2]))
    (3.0, array([1., 2.]))
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("Can't differentiate with respect to a boolean; give a number.")
    if isinstance(value, (int, np.integer)):
        return float(value)
    if isinstance(value, float):
        return value
    array = np.asarray(value)
    if np.iscomplexobj(array):
        raise TypeError("Complex numbers are not supported yet; differentiate the real and "
                        "imaginary parts as two real inputs.")
    if array.dtype.kind not in "fiub":
        raise TypeError(f"Can't differentiate with respect to {type(value).__name__} "
                        f"(dtype {array.dtype}); give a number or a numeric array.")
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    return float(array) if array.ndim == 0 and not isinstance(value, np.ndarray) else array


def as_written(value):
    """`repr` of a plain number or array as a student types it: ``9.0``, not ``np.float64(9.0)``.

    >>> as_written(np.float64(9.0)), as_written(np.array([1.0, 2.0]))
    ('9.0', 'array([1., 2.])')
    """
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        value = value.item()
    return repr(value)
