"""Memory a finished stage has freed goes back to the operating system (mapping.memory)."""

from __future__ import annotations

import numpy as np
import psutil
import pytest

from peermap.mapping.memory import _malloc_trim, release_free_memory


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.skipif(_malloc_trim() is None, reason="the C library is not glibc: nothing to ask")
def test_freed_memory_goes_back_to_the_system():
    # many small arrays live on the C heap; keeping every tenth stops the heap from shrinking by itself
    blocks = [np.ones(2048) for _ in range(30_000)]  # about 470 MB
    kept = blocks[::10]
    del blocks
    held = _rss_mb()
    assert release_free_memory() is True  # glibc here: the allocator could be asked
    released = _rss_mb()
    assert held - released > 200, f"{held:.0f} MB held, {released:.0f} MB after release"
    assert all(block[0] == 1.0 for block in kept)  # what is still in use is untouched
