"""Pausing Python's cyclic garbage collector while a record grows, in every thread at once.

This module imports nothing of admagic; `tape.py` pauses the collector while tapes record.
"""

import gc
import threading

# A record is a large, growing heap of small objects, all in use until the tape is done; Python's
# cyclic garbage collector would walk it again and again as it grows, finding nothing to free
# (measured: ~45% of recording time in a scalar loop). So the collector pauses while any Tape
# records, and during each backward sweep (~3% of its time). There is one collector per process,
# so pauses are counted per process, under a lock: the last to end, in whichever thread, turns it
# back on if it was on before the first.
_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


def pause_cyclic_gc():
    """Pause the collector until every pause has been matched by `resume_cyclic_gc`."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1


def resume_cyclic_gc():
    """End one pause; the last one turns the collector back on, if it was on before the first.

    >>> was_on = gc.isenabled()
    >>> pause_cyclic_gc(); pause_cyclic_gc(); resume_cyclic_gc()
    >>> gc.isenabled()
    False
    >>> resume_cyclic_gc(); gc.isenabled() == was_on
    True
    """
    global _gc_pauses
    with _gc_lock:
        _gc_pauses -= 1
        if _gc_pauses == 0 and _gc_was_enabled:
            gc.enable()
