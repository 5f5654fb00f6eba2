"""Giving memory a finished stage no longer needs back to the operating system.

When a stage of a national analysis ends, gigabytes of its temporary arrays
have been freed, but the C allocator (glibc's malloc, and Arrow's own pool)
keeps much of that memory for later use: the process still holds it, and the
peak grows stage after stage. :func:`release_free_memory` asks both to hand it
back, so the next stage starts from what is really in use. Cheap on a
meeting-sized analysis (a walk over a small heap).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

import pyarrow as pa


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or ``None`` where the C library has none (not glibc)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> bool:
    """Return freed memory to the operating system; True when the C allocator could be asked too.

    Examples
    --------
    >>> import sys
    >>> release_free_memory() or not sys.platform.startswith("linux")
    True
    """
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
