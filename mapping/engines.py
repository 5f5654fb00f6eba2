"""Which engine does the network's graph work: this process (``python``, the default) or Neo4j's Graph Data
Science library (``gds``, :mod:`graph_models.gds_engine`).

The analysis code is the same for both: :func:`mapping.clusters.find_clusters` and
:func:`mapping.key_people.betweenness` ask :func:`current` and hand their ties to the store's engine when there
is one, so every page and file is made from the same :class:`~mapping.analysis.Analysis` whichever ran them.

The store's engine needs a network's ties written into the store before it can project them. Inside
:func:`ties_in_store`'s block (:func:`mapping.analysis.analyse` opens one per network) they are written once, with
what every measure reads, and both the clusters and the key-people measures project theirs from them; outside
one, each measure writes and removes its own.

>>> current() is None
True
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from peermap.graph_models.distinct_numbers import distinct_numbers

ENGINES = ("python", "gds")

_current: ContextVar = ContextVar("peermap_engine", default=None)
#: the network whose ties are in the store for the enclosing :func:`ties_in_store` block, and that run
_shared: ContextVar = ContextVar("peermap_engine_ties", default=None)


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


@contextmanager
def ties_in_store(network):
    """The store engine's run holding ``network``'s ties for the block (``None`` with no store engine).

    Written once for every measure: the clusters project the ties marked ``clusters`` weighed by ``w``
    (:func:`mapping.clusters.find_clusters`), degree the ones marked ``counted`` and betweenness the ones marked
    ``path`` at distance ``cost`` (:func:`mapping.key_people.betweenness`). Inside an outer block for the same
    network, that block's run is used again; the outermost block removes the ties when it ends.
    """
    engine = current()
    shared = _shared.get()
    if engine is None:
        yield None
        return
    if shared is not None and shared[0] is network:
        yield shared[1]
        return
    refs, kinds = network.nodes["ref"].to_numpy(dtype=object), network.nodes["kind"].to_numpy()
    with engine.run(refs, kinds, store_ties(network)) as run:
        token = _shared.set((network, run))
        try:
            yield run
        finally:
            _shared.reset(token)


def store_ties(network) -> dict[str, np.ndarray]:
    """Every risk tie either engine's measures read, once each, by the node numbers ``a`` and ``b`` the network
    gives them, with what each measure needs: ``w`` (the clustering weight), ``clusters`` (a tie the clusters
    are found on: not to an associate no one else is tied to), ``cost`` (1 / ``w``, betweenness's distance),
    ``path`` (a tie betweenness reads) and ``counted`` (a tie degree counts)."""
    from peermap.mapping.clusters import associate_leaves

    n = len(network.nodes)
    a, b, w = network.risk_arrays("cluster_weight")
    da, db, _ = network.risk_arrays("weight")
    weighed = a * n + b
    pairs = distinct_numbers(np.concatenate([weighed, da * n + db]))
    at = np.searchsorted(pairs, weighed)
    weight = np.zeros(len(pairs))
    weight[at] = w
    path = np.zeros(len(pairs), dtype=bool)
    path[at] = True
    is_child = network.nodes["kind"].eq("child").to_numpy(dtype=bool)
    leaf, _ = associate_leaves(network, is_child)
    ends_a, ends_b = pairs // n, pairs % n
    return {
        "a": ends_a,
        "b": ends_b,
        "w": weight,
        "clusters": path & ~(leaf[ends_a] | leaf[ends_b]),
        "cost": np.divide(1.0, weight, out=np.zeros(len(pairs)), where=path),
        "path": path,
        "counted": np.isin(pairs, da * n + db),
    }
