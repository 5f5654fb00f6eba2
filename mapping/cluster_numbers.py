"""Cluster numbers that last from one period to the next, so "cluster 3" means the same group each month.

Clusters are found afresh every period and come out numbered by size. A
meeting follows them by number, so each period's clusters are renumbered from
the period before (DESIGN.md, "Change"):

- a cluster takes the number of last period's cluster with the highest
  overlap of children (Jaccard: shared children / children in either), when
  that is at least :data:`LEAST_OVERLAP` (0.3); equal overlaps go to the larger
  of last period's clusters; each number is taken once, best overlaps first;
- a cluster that takes no number gets the smallest number that no cluster had
  last period, biggest clusters first, so a number never means two different
  groups in two consecutive packs.

Last period's own numbers come the same way from the period before it, back
to the first period with episodes (the data's coverage), or at most
``history`` periods: a pack and the next one's look at the same chain, so
the numbers a meeting saw last month are the ones this month's pack compares
with. Each earlier period needs only its clusters, not the whole analysis
(:func:`cluster_children`).

Examples
--------
>>> before = pd.Series({"C-1": 1, "C-2": 1, "C-3": 2, "C-4": 2})
>>> now = pd.Series({"C-3": 1, "C-4": 1, "C-5": 1, "C-9": 2, "C-8": 2})
>>> carried(now, before)  # the C-3 group keeps 2; the new group takes 1 only if 1 was free: it was not
{1: 2, 2: 3}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peermap.graph_models.network import PeerNetwork
from peermap.mapping.clusters import find_clusters
from peermap.mapping.evidence import cluster_kind_names, collect_evidence, kind_names

#: A cluster takes last period's number only when at least this share of their children are the same.
LEAST_OVERLAP = 0.3


def carried(now: pd.Series, before: pd.Series | None) -> dict[int, int]:
    """The number each of this period's clusters takes, from last period's.

    Parameters
    ----------
    now : this period's cluster (as found, numbered by size) of each clustered child, indexed by reference.
    before : last period's (already carried) cluster of each clustered child; ``None`` or empty in a first period.

    Returns
    -------
    dict from each cluster number as found to the number it carries.

    Notes
    -----
    One merge of the two tables of clustered children and a sort of the
    overlapping pairs: O(n log n) for n clustered children.
    """
    now = pd.Series(now).dropna().astype(np.int64)
    clusters = pd.Index(sorted(now.unique()))
    if before is None or len(before) == 0:
        return {int(c): int(c) for c in clusters}
    before = pd.Series(before).dropna().astype(np.int64)
    size_now, size_before = now.value_counts(), before.value_counts()
    both = pd.DataFrame({"now": now}).join(pd.DataFrame({"before": before}), how="inner")
    shared = both.groupby(["now", "before"]).size().rename("shared").reset_index()
    shared["jaccard"] = shared["shared"] / (
        shared["now"].map(size_now) + shared["before"].map(size_before) - shared["shared"]
    )
    shared["size_before"] = shared["before"].map(size_before)
    shared["size_now"] = shared["now"].map(size_now)
    shared = shared[shared["jaccard"] >= LEAST_OVERLAP - 1e-12]
    shared = shared.sort_values(
        ["jaccard", "size_before", "size_now", "now", "before"],
        ascending=[False, False, False, True, True],
        kind="stable",
    )
    out: dict[int, int] = {}
    taken: set[int] = set()
    for c, b in zip(shared["now"].tolist(), shared["before"].tolist()):
        if c not in out and b not in taken:
            out[c], taken = b, taken | {b}
    used_before = set(before.unique().tolist())
    free = (n for n in range(1, len(clusters) + len(used_before) + 2) if n not in used_before and n not in taken)
    for c in clusters.tolist():  # numbered by size: the biggest new cluster takes the smallest free number
        if c not in out:
            out[c] = next(free)
    return out


def renumber(membership: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    """``membership`` with every cluster number replaced as ``mapping`` says (0, no cluster, stays 0)."""
    membership = np.asarray(membership, dtype=np.int64)
    if len(membership) == 0:
        return membership
    table = np.zeros(int(membership.max()) + 1, dtype=np.int64)
    for old, new in mapping.items():
        if old < len(table):
            table[old] = new
    return table[membership]


def clustered_children(refs, kinds, membership: np.ndarray) -> pd.Series:
    """The cluster of each clustered child, indexed by reference."""
    membership = np.asarray(membership, dtype=np.int64)
    keep = (np.asarray(kinds) == "child") & (membership > 0)
    return pd.Series(membership[keep], index=pd.Index(np.asarray(refs, dtype=object)[keep]))


def cluster_children(dataset, period, settings, postcodes) -> pd.Series:
    """The clusters of one period's children as found (numbered by size), without the rest of the analysis."""
    evidence = collect_evidence(dataset, period, settings, postcodes)
    network = PeerNetwork.from_evidence(
        people_nodes(evidence.period_rows.children, evidence.roles), evidence.rows, kind_names(), cluster_kind_names()
    )
    clustering = find_clusters(network, settings)
    return clustered_children(network.nodes["ref"], network.nodes["kind"], clustering.membership)


def people_nodes(children: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """The people of a period's network: its children, then its associates, each in reference order."""
    return (
        pd.concat(
            [
                pd.DataFrame({"ref": children["ref"].to_numpy(dtype=object), "kind": "child"}),
                pd.DataFrame({"ref": roles["ref"].to_numpy(dtype=object), "kind": "associate"}),
            ],
            ignore_index=True,
        )
        .drop_duplicates("ref")
        .sort_values(["kind", "ref"], ascending=[False, True], ignore_index=True)
    )


def coverage_start(dataset) -> str | None:
    """The local date of the data's first episode, ISO text (:meth:`graph_models.dataset.Dataset.coverage_start`)."""
    return dataset.coverage_start()


def first_period(dataset, period) -> bool:
    """True when the data holds no episode before the period starts: nothing to compare with."""
    first = coverage_start(dataset)
    return first is None or first >= period.start.isoformat()


def numbers_before(dataset, period, settings, postcodes, history: int) -> pd.Series | None:
    """The carried cluster numbers of the period before ``period`` (``None`` when it is a first period).

    Walks back at most ``history`` periods (to the data's first period), then
    forward, carrying the numbers from each period to the next.
    """
    chain, step = [], period
    while len(chain) < history and not first_period(dataset, step):
        step = step.previous()
        chain.append(step)
    numbers = None
    for earlier in reversed(chain):
        found = cluster_children(dataset, earlier, settings, postcodes)
        mapping = carried(found, numbers)
        numbers = found.map(mapping).astype(np.int64)
    return numbers
