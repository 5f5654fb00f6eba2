"""Which engine does the network's graph work: this process (``python``, the default) or Neo4j's Graph Data
Science library (``gds``, :mod:`graph_models.gds_engine`).

The analysis code is the same for both: :func:`mapping.clusters.find_clusters` and
:func:`mapping.key_people.betweenness` ask :func:`current` and hand their ties to the store's engine when there
is one, so every page and file is made from the same :class:`~mapping.analysis.Analysis` whichever ran them.

>>> current() is None
True
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

ENGINES = ("python", "gds")

_current: ContextVar = ContextVar("peermap_engine", default=None)


def current():
    """The engine in use (a :class:`~graph_models.gds_engine.GdsEngine`), or ``None`` for this process."""
    return _current.get()


@contextmanager
def using(engine):
    """Run the enclosed analysis with ``engine`` (``None``: in this process)."""
    token = _current.set(engine)
    try:
        yield engine
    finally:
        _current.reset(token)
