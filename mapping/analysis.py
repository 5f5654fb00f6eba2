"""The whole peer-network analysis of one period, and the files it writes for an audience.

:func:`analyse` runs the steps in order, each in its own module:

1. evidence between people (:mod:`mapping.evidence`);
2. the weighted network (:mod:`graph_models.network`);
3. peer clusters (:mod:`mapping.clusters`);
4. key people and adults of concern (:mod:`mapping.key_people`);
5. change since the previous period (:mod:`mapping.changes`), from the same
   analysis of the previous period;
6. likely duplicate associates (:mod:`mapping.associates`).

:func:`write_analysis` writes SCHEMA.md's ``people.csv``, ``clusters.csv``,
``ties.csv``, ``changes.csv``, ``kpi.json`` and ``manifest.json`` for one
audience (:mod:`exports.audiences` decides what may appear). Build the
analysis from the dataset restricted for that audience
(:func:`analyse_for_audience` does both), so that intelligence an audience may
not see does not shape what it is shown.

Examples
--------
>>> from peermap.graph_models.load import load_folder                       # doctest: +SKIP
>>> from peermap.mapping.periods import Period                              # doctest: +SKIP
>>> analysis = analyse_for_audience(load_folder("data/durham"), Period.from_month("2023-03"),
...                                 "meeting")                      # doctest: +SKIP
>>> write_analysis(analysis, "out/analysis", "meeting", dataset)    # doctest: +SKIP
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.geo.hotspots import PlacesResult, analyse_places
from peermap.geo.postcodes import PostcodeIndex
from peermap.graph_models.arrow_text import isin, positions_in
from peermap.graph_models.dataset import Dataset
from peermap.graph_models.network import PeerNetwork
from peermap.mapping import engines
from peermap.mapping.associates import duplicate_suggestions
from peermap.mapping.background_clusters import clusters_meanwhile
from peermap.mapping.changes import changes_since, empty_changes
from peermap.mapping.cluster_numbers import (
    carried,
    clustered_children,
    coverage_start,
    first_period,
    numbers_before,
    people_nodes,
    renumber,
)
from peermap.mapping.clusters import Clustering, describe_clusters
from peermap.mapping.evidence import (
    Evidence,
    EvidenceRecords,
    cluster_kind_names,
    collect_evidence,
    explain,
    kind_names,
)
from peermap.mapping.evidence.words import STRENGTHS, local_text, strength_codes
from peermap.mapping.key_people import betweenness, key_people
from peermap.mapping.lookback import Lookback, look_back
from peermap.mapping.memory import release_free_memory
from peermap.mapping.periods import LOOKBACK_MONTHS, Period
from peermap.mapping.settings import EvidenceSettings
from peermap.mapping.why import TieTexts

#: SCHEMA.md's "What comes out" columns, then the ones we add.
PEOPLE_COLUMNS = ["ref", "name", "kind", "role", "cluster", "degree", "betweenness", "score"]
PEOPLE_EXTRA = [
    "rank",
    "strength",
    "bridging",
    "episodes",
    "adults_of_concern",
    "children_reached",
    "clusters_reached",
    "tie_type",
]
#: people.csv's figures over the look-back (SCHEMA.md), after ``clusters_reached``; absent with no look-back.
PEOPLE_LOOKBACK = ["children_reached_lookback", "clusters_reached_lookback"]
CLUSTER_COLUMNS = ["cluster", "children", "associates", "ties", "places", "summary"]
CLUSTER_EXTRA = ["n_children", "n_associates", "strongest_ties", "adults_of_concern", "weight"]


def tie_columns() -> list[str]:
    """SCHEMA.md's ties.csv columns: a count column per kind of evidence (:mod:`mapping.evidence.kinds`)."""
    return ["a", "b", "weight", *kind_names(), "first_seen", "last_seen", "unverified", "why"]


TIE_EXTRA = ["tie_type", "strength"]
#: The period's links' columns read once its evidence is found, beside those of the words
#: (:class:`~mapping.evidence.EvidenceRecords`): the look-back's shared identifiers, likely duplicate associates
#: and the handling codes. The rest (a national year's: some 90 MB) is let go of before the network is built.
LINK_COLUMNS_READ = ["child_ref", "recorded_at", "target_type", "target_ref", "role", "associate_key", "handling"]
CHANGE_COLUMNS = ["kind", "subject", "detail"]


@dataclass
class Analysis:
    """One period's peer-network analysis.

    Attributes
    ----------
    people, clusters, changes : DataFrames with SCHEMA.md's columns (and more); ``ties`` is made when read
        (:attr:`ties`, :meth:`tie_rows`) from the network's ties in ``tie_order``.
    evidence : every piece of evidence, with its ``detail`` (the words).
    network : the :class:`~graph_models.network.PeerNetwork`; its nodes carry
        the people's measures, its ties every tie including safety and context.
    clustering : how the clusters were found (method, modularity, seconds).
    duplicates : likely duplicate associates, for the analyst to confirm.
    place_rows : each child's links to places of concern (for maps).
    roles : each associate's role and tie type.
    info : methods and counts, for the manifest.
    timings : seconds per stage.
    handling_codes : the handling codes of the intelligence it was built from.
    lookback : the look-back (:class:`~mapping.lookback.Lookback`): reach, shared phones, vehicles and
        handles, and each tie's evidence dates over the window; ``None`` when analysed without one (the board).
    """

    period: Period
    settings: EvidenceSettings
    people: pd.DataFrame
    clusters: pd.DataFrame
    tie_order: np.ndarray  # ties.csv's order (heaviest first): positions of ``network.ties``
    changes: pd.DataFrame
    evidence: pd.DataFrame
    network: PeerNetwork
    clustering: Clustering
    duplicates: pd.DataFrame
    place_rows: pd.DataFrame
    roles: pd.DataFrame
    info: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    handling_codes: frozenset = frozenset()
    records: EvidenceRecords | None = None  # what the evidence rows point at, for their words
    lookback: Lookback | None = None  # reach, shared identifiers and tie dates over the look-back (None: board)

    def drop_tie_details(self) -> None:
        """Let go of what only ties.csv, the explanations and the pages read: the evidence rows, the ties
        and the network's ties, the records their words are made from and the look-back's tie dates (each
        left empty, with its columns). For a command that has written ties.csv and needs no more than the
        people, clusters, changes and counts (``peermap analyse`` before its hot spots): gigabytes on a
        national year."""
        self.evidence = _emptied(self.evidence)
        self.tie_order = np.zeros(0, dtype=np.int64)
        self.records = None
        self.network.ties = _emptied(self.network.ties)
        self.network.row_a = self.network.row_b = self.network.row_tie = None
        self.network.forget_graphs()
        self.drop_page_details()

    def drop_page_details(self) -> None:
        """Let go of what only the pages read, no file: each tie's evidence dates over the look-back (hundreds
        of MB on a national year, which ``peermap analyse`` needs no more once analysed)."""
        if self.lookback is not None:
            self.lookback.tie_dates = _emptied(self.lookback.tie_dates)
        gc.collect()  # frames in reference cycles hold their columns until the collector runs

    @property
    def ties(self) -> pd.DataFrame:
        """ties.csv's rows (SCHEMA.md), heaviest first, ``why`` in words: made afresh on each read (millions of
        rows on a national year; ``peermap analyse`` writes them a block at a time, see :meth:`tie_rows`)."""
        return self.tie_rows(self.why().series())

    def tie_table(self) -> "TieTable":
        """What ties.csv is made from (:class:`TieTable`), as this analysis holds it."""
        return TieTable(self.evidence, self.network, self.tie_order, self.records, self.settings, self.handling_codes)

    def why(self, police: bool = False) -> TieTexts:
        """Each tie's ``why``, in ties.csv's order (:meth:`TieTable.why`)."""
        return self.tie_table().why(police)

    def tie_rows(self, why=None, at: slice | None = None) -> pd.DataFrame:
        """ties.csv's rows in its order and columns, or those ``at`` a slice of it (:meth:`TieTable.tie_rows`)."""
        return self.tie_table().tie_rows(why, at)

    def everyone(self) -> pd.DataFrame:
        """people.csv's rows: this period's people, then everyone else active in the look-back (SCHEMA.md).

        ``people`` holds the period's network (what the pages draw and rank);
        the people active only earlier in the window follow it with this
        period's figures at nothing (no cluster, rank, degree or score; 0
        children and clusters reached this period) and their look-back figures.
        """
        if self.lookback is None:
            return self.people
        return pd.concat([self.people, lookback_only_people(self.people, self.lookback)], ignore_index=True)


@dataclass
class TieTable:
    """What ties.csv is made from, a block of rows at a time: the evidence rows, the network's ties in ties.csv's
    order (``tie_order``, heaviest first) and the records the words are made from.

    All of it is known before the peer clusters are (ties.csv names none), so
    :func:`analyse` hands one to its ``meanwhile`` while a national network's
    clusters are found in a second process, and :class:`Analysis` makes one
    from what it holds (:meth:`Analysis.tie_table`). ``handling_codes``: the
    handling codes of the intelligence it was built from (what
    :func:`exports.audience_view.refuse_hidden_handling` checks).
    """

    evidence: pd.DataFrame
    network: PeerNetwork
    tie_order: np.ndarray
    records: EvidenceRecords | None
    settings: EvidenceSettings
    handling_codes: frozenset = frozenset()
    #: whether a second process is still finding the clusters, on a core of its own (asked as the ties are written)
    clusters_pending: Callable[[], bool] = lambda: False

    def __len__(self) -> int:
        return len(self.tie_order)

    def why(self, police: bool = False) -> TieTexts:
        """Each tie's ``why``, in ties.csv's order, made a block at a time (:class:`mapping.why.TieTexts`);
        ``police``: with the raw IDs only the police may see."""
        if "detail" in self.evidence and not police and self.evidence["detail"].notna().any():

            def explain_rows(frame, at):
                return frame["detail"].iloc[at]
        else:

            def explain_rows(frame, at):
                return explain(frame, self.records, positions=at, police=police)

        return TieTexts(self.evidence, self.network, explain_rows, order=self.tie_order)

    def tie_rows(self, why=None, at: slice | None = None) -> pd.DataFrame:
        """ties.csv's rows in its order and columns, or those ``at`` a slice of that order (a writer's block);
        ``why`` (their words, as a Series or array) is put in its column; without it the column is left out."""
        source, order = self.network.ties, self.tie_order if at is None else self.tie_order[at]
        columns = tie_columns()
        ties = pd.DataFrame({column: _taken(source[column], order) for column in columns if column in source})
        if why is not None:
            ties["why"] = why.to_numpy() if isinstance(why, pd.Series) else why
        weight = source["weight"].to_numpy()[order]
        ties["weight"] = np.round(weight, 3)
        for end in ("first_seen", "last_seen"):
            ties[end] = local_text(source[end].iloc[order], "%Y-%m-%d", with_time=False).to_numpy()
        ties["tie_type"] = _taken(source["tie_type"], order)
        ties["strength"] = _strength_words(pd.Series(weight), self.settings)
        return ties[[c for c in columns if c in ties] + TIE_EXTRA]


def _emptied(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of no rows with ``frame``'s columns and types, sharing none of its memory (an Arrow slice of no
    rows would keep the whole column's buffers)."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in frame.dtypes.items()})


def _tie_ends(network: PeerNetwork, order: np.ndarray) -> pd.DataFrame:
    """What :func:`mapping.changes.changes_since` reads of the ties (``a``, ``b``, ``weight`` to 3 decimals,
    ``tie_type``), in ties.csv's order, without making their words or dates."""
    source = network.ties
    return pd.DataFrame(
        {
            "a": _taken(source["a"], order),
            "b": _taken(source["b"], order),
            "weight": source["weight"].round(3).to_numpy()[order],
            "tie_type": _taken(source["tie_type"], order),
        }
    )


def _taken(column: pd.Series, order: np.ndarray) -> pd.Series:
    """``column.iloc[order]`` with a fresh index; Arrow text is taken in Arrow."""
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        chunks = column.array._pa_array  # the network's tie text is one chunk (one take): no copy per block
        values = chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pc.take(values, order)]), dtype=column.dtype))
    return column.iloc[order].reset_index(drop=True)


def _ref_rank(network: PeerNetwork, nodes: pd.Series) -> np.ndarray:
    """Each node's place in reference order (sorting by it sorts by reference, without comparing strings per tie)."""
    refs = network.nodes["ref"].to_numpy(dtype=str)
    rank = np.empty(len(refs), dtype=np.int64)
    rank[np.argsort(refs, kind="stable")] = np.arange(len(refs))
    return rank[nodes.to_numpy(dtype=np.int64)]


def _heaviest_first(weight: np.ndarray, a_rank: np.ndarray, b_rank: np.ndarray) -> np.ndarray:
    """The order of ties by weight (3 decimals) heaviest first, then by the ranks of their two ends.

    One sort of a single integer key when the weights are finite and the
    weight range times people squared fits in 63 bits, else a three-key lexsort.
    """
    if len(weight) == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.isfinite(weight).all() or np.abs(weight).max() > 1e12:
        return np.lexsort((b_rank, a_rank, -weight))
    thousandths = np.rint(weight * 1000).astype(np.int64)
    heaviest = int(thousandths.max())
    span = heaviest - int(thousandths.min()) + 1
    people = int(max(a_rank.max(), b_rank.max())) + 1
    if float(span) * people * people >= 2.0**62:
        return np.lexsort((b_rank, a_rank, -weight))
    key = (heaviest - thousandths) * np.int64(people * people) + a_rank * np.int64(people) + b_rank
    return np.argsort(key, kind="stable")


def _strength_words(weight: pd.Series, settings: EvidenceSettings) -> pd.Series:
    """Each tie's strength in words (:func:`mapping.evidence.words.strength_codes`)."""
    code = strength_codes(weight, settings)
    return pd.Series(
        pd.arrays.ArrowStringArray(
            pa.chunked_array([pc.take(pa.array(STRENGTHS, pa.large_string()), code)]),
            dtype=pd.StringDtype("pyarrow", np.nan),
        )
    )


class _Stages:
    """Times each stage, and lets a caller wrap each one (the benchmark measures peak memory per stage).

    At the end of each stage the memory it freed goes back to the operating
    system (:func:`mapping.memory.release_free_memory`), so a national
    analysis's peak is what its stages hold, not what the allocator kept.
    """

    def __init__(self, hook=None):
        self.timings: dict[str, float] = {}
        self.hook = hook

    @contextmanager
    def __call__(self, name: str):
        started = time.perf_counter()
        with self.hook(name) if self.hook else nullcontext():
            yield
            release_free_memory()
        self.timings[name] = time.perf_counter() - started


#: Up to this many pieces of evidence, every piece gets its words in ``Analysis.evidence["detail"]``;
#: above it only those spelled out in a tie's ``why`` (call :func:`mapping.evidence.explain` for others).
EXPLAIN_ALL_UP_TO = 300_000


def analyse(
    dataset: Dataset,
    period: Period,
    settings: EvidenceSettings | None = None,
    postcodes: PostcodeIndex | None = None,
    *,
    previous: bool = True,
    duplicates: bool = True,
    stage=None,
    carry: pd.Series | None = None,
    lookback: int | None = LOOKBACK_MONTHS,
    meanwhile: Callable[[TieTable], None] | None = None,
) -> Analysis:
    """The peer-network analysis of one period.

    Parameters
    ----------
    dataset : the loaded tables (restricted for the audience; see :func:`analyse_for_audience`).
    period : the period (SCHEMA.md "Periods").
    settings : windows, distances and weights (:class:`~mapping.settings.EvidenceSettings`).
    postcodes : the postcode index for coordinates (the embedded one when ``None``).
    previous : also analyse the previous period, for ``changes`` and for the cluster numbers to carry on
        (:mod:`mapping.cluster_numbers`); nothing to compare in the data's first period.
    duplicates : suggest likely duplicate associates (those linked in the period, against associates.csv).
    stage : optional ``stage(name)`` context-manager factory wrapped around each stage.
    carry : the previous period's carried cluster of each clustered child (when ``previous`` is False);
        ``None``: clusters keep the numbers they were found with (by size).
    lookback : months of the look-back (SCHEMA.md "Periods"): people's reach, shared identifiers and tie
        dates over the window (:mod:`mapping.lookback`); ``None``: none (the board, the previous period).
    meanwhile : optional ``meanwhile(ties)``, given the period's :class:`TieTable` once the ties and their
        order are known, before the clusters are asked for (while a national network's are found in a second
        process): ``peermap analyse`` writes ties.csv then, which names no cluster, rather than wait idle.

    Returns
    -------
    Analysis

    Notes
    -----
    O(n log n + k) in episodes and links n and evidence k, plus community
    detection (about linear in ties) and betweenness (exact when small,
    sampled when large). See docs/analysis.md and docs/performance.md.
    """
    settings = settings or EvidenceSettings()
    stages = _Stages(stage)
    with stages("evidence"):
        evidence: Evidence = collect_evidence(dataset, period, settings, postcodes)
    records = EvidenceRecords.of(evidence.episodes, evidence.period_rows.links)  # what the words are made from
    evidence.episodes = None  # the rest of the episode table is not needed again (hundreds of MB on a national year)
    links = evidence.period_rows.links  # from here on only the words' columns and those read below are needed
    evidence.period_rows.links = links[[c for c in links.columns if c in records.links or c in LINK_COLUMNS_READ]]
    del links
    rows = evidence.rows
    children = evidence.period_rows.children
    roles = evidence.roles

    with stages("network"):
        network = PeerNetwork.from_evidence(people_nodes(children, roles), rows, kind_names(), cluster_kind_names())

    # a national network's clusters are found in a second process meanwhile: bridging first, while that process
    # holds its largest graphs, then the explanations, whose words take this process's most memory; with the
    # store's engine, the network's ties are written into the store once for both (engines.ties_in_store)
    with engines.ties_in_store(network), clusters_meanwhile(network, settings) as clustering_of:
        with stages("bridging (betweenness)"):
            between = betweenness(network, settings)
            network.forget_graphs()  # its graph is hundreds of MB: not kept through the explanations

        with stages("explanations"):
            source = network.ties
            # heaviest first; equal weights in reference order (ordered on integers); the ties' words are made
            # when they are written (Analysis.why), a block at a time
            weight = source["weight"].round(3).to_numpy()
            order = _heaviest_first(weight, _ref_rank(network, source["a_node"]), _ref_rank(network, source["b_node"]))
            if len(rows) <= EXPLAIN_ALL_UP_TO:
                rows["detail"] = explain(rows, records)
            else:
                rows["detail"] = np.full(len(rows), None, dtype=object)  # words made on demand: explain()

        handling = frozenset(evidence.period_rows.links["handling"].dropna().unique())
        if meanwhile is not None:
            meanwhile(TieTable(rows, network, order, records, settings, handling, clustering_of.pending))

        with stages("clusters (waiting for the second process)" if clustering_of.elsewhere else "clusters"):
            clustering = clustering_of()

    # the previous period (for what changed) and the numbers its clusters carried, for this period's to carry on
    before, first = None, first_period(dataset, period)
    if previous and not first:
        with stages("previous period (for changes and cluster numbers)"):
            chain = numbers_before(dataset, period.previous(), settings, postcodes, settings.cluster_number_history - 1)
            before = analyse(
                dataset,
                period.previous(),
                settings,
                postcodes,
                previous=False,
                duplicates=False,
                carry=chain,
                lookback=None,
            )
            carry = clustered_children(
                before.people["ref"], before.people["kind"], before.people["cluster"].fillna(0).to_numpy(dtype=np.int64)
            )
    clustering.membership = renumber(
        clustering.membership,
        carried(clustered_children(network.nodes["ref"], network.nodes["kind"], clustering.membership), carry),
    )

    with stages("key people"):
        people, people_info = key_people(network, clustering.membership, roles, rows, settings, between)
        episodes = evidence.period_rows.episodes.groupby("child_ref").size()
        people["episodes"] = people["ref"].map(episodes).fillna(0).astype("Int64").where(people["kind"].eq("child"))
        people["name"] = pd.Series(pd.NA, index=people.index, dtype="string")
        people["cluster"] = people["cluster"].where(people["cluster"] > 0).astype("Int64")
        people["tie_type"] = people["tie_type"].where(people["kind"].eq("associate"))
        people = people[PEOPLE_COLUMNS + PEOPLE_EXTRA]

    with stages("describe clusters"):
        clusters = describe_clusters(network, clustering.membership, rows, evidence.place_rows, roles, settings)
        clusters = clusters[CLUSTER_COLUMNS + CLUSTER_EXTRA]
        at = positions_in(network.nodes["ref"], people["ref"])  # every node is a person: each one's row
        if (at < 0).any():
            raise ValueError("key_people left out some nodes of the network")
        for column in ("cluster", "score", "degree", "betweenness", "role", "rank"):
            network.nodes[column] = people[column].iloc[at].set_axis(network.nodes.index)

    window = None
    if lookback is not None:
        with stages("look-back"):
            children_now = people["kind"].eq("child").to_numpy(dtype=bool) & people["cluster"].notna().to_numpy()
            cluster_of = pd.Series(
                people["cluster"].to_numpy()[children_now], index=people["ref"].to_numpy()[children_now]
            )
            window = look_back(dataset, period, evidence, cluster_of, lookback, settings, postcodes)
            people = with_lookback(people, window)

    changes = empty_changes()
    if before is not None:
        with stages("changes"):
            ends_then = _tie_ends(before.network, before.tie_order)
            changes = changes_since(people, _tie_ends(network, order), before.people, ends_then, settings)

    found_duplicates = pd.DataFrame()
    if duplicates:
        with stages("duplicate associates"):
            known = dataset.associates
            in_period = known["resolved"].to_numpy(dtype=bool) | isin(known["associate_key"], roles.index)
            # alike names count when they come near the same children: sharing a child, or a peer cluster
            cluster_of = people.loc[people["kind"].eq("child").to_numpy(dtype=bool)].set_index("ref")["cluster"]
            found_duplicates = duplicate_suggestions(
                known[in_period], settings.duplicate_similarity, links=evidence.period_rows.links, cluster_of=cluster_of
            )

    timings = {**stages.timings, **{f"evidence: {k}": v for k, v in evidence.timings.items()}}
    info = {
        "clustering": {
            "method": clustering.method,
            "modularity": round(clustering.modularity, 4),
            "resolution": settings.leiden_resolution,
            "seed": settings.seed,
            "clusters": int(len(np.unique(clustering.membership[clustering.membership > 0]))),
            "splits": clustering.splits,
        },
        "betweenness": people_info["betweenness"],
        "counts": {
            "children": int(people["kind"].eq("child").sum()),
            "associates": int(people["kind"].eq("associate").sum()),
            "ties": int(len(order)),
            "evidence": int(len(rows)),
            "episodes": int(len(evidence.period_rows.episodes)),
            "links": int(len(evidence.period_rows.links)),
        },
        "settings": settings.as_dict(),
        "engine": engines.current().name if engines.current() is not None else "python",
        "first_period": bool(first),
        "coverage_from": coverage_start(dataset),
    }
    return Analysis(
        period,
        settings,
        people.reset_index(drop=True),
        clusters,
        order,
        changes,
        rows,
        network,
        clustering,
        found_duplicates,
        evidence.place_rows,
        roles,
        info,
        timings,
        handling,
        records=records,
        lookback=window,
    )


def with_lookback(people: pd.DataFrame, window: Lookback) -> pd.DataFrame:
    """``people`` with each associate's children and clusters reached over the look-back, after ``clusters_reached``."""
    associate = people["kind"].eq("associate").to_numpy(dtype=bool)
    out = people.copy()
    for column in PEOPLE_LOOKBACK:
        figure = people["ref"].map(window.reach[column]).astype("Int64")
        figure[associate] = figure[associate].fillna(0)
        figure[~associate] = pd.NA
        out.insert(out.columns.get_loc("clusters_reached") + 1 + PEOPLE_LOOKBACK.index(column), column, figure)
    return out


def lookback_only_people(people: pd.DataFrame, window: Lookback) -> pd.DataFrame:
    """Everyone active in the look-back but not in the period's network, in people's columns, by reference.

    Their period figures are nothing: no cluster, rank or score's worth (0), 0 children and clusters reached.
    """
    earlier = window.active[~isin(window.active["ref"], people["ref"])]
    earlier = earlier.sort_values(["kind", "ref"], ascending=[False, True], ignore_index=True)
    child = earlier["kind"].eq("child").to_numpy(dtype=bool)
    n = len(earlier)

    def whole(values, keep) -> pd.Series:
        return pd.Series(pd.array(np.where(keep, values, None), dtype="Int64"))

    out = pd.DataFrame(
        {
            "ref": earlier["ref"].to_numpy(dtype=object),
            "name": pd.Series(pd.NA, index=range(n), dtype="string"),
            "kind": earlier["kind"].to_numpy(dtype=object),
            "role": earlier["role"].where(~child).astype("string"),
            "cluster": pd.Series(pd.NA, index=range(n), dtype="Int64"),
            "degree": np.zeros(n, dtype=np.int64),
            "betweenness": np.zeros(n),
            "score": np.zeros(n),
            "rank": pd.Series(pd.NA, index=range(n), dtype="Int64"),
            "strength": np.zeros(n),
            "bridging": np.zeros(n),
            "episodes": whole(0, child),
            "adults_of_concern": whole(0, child),
            "children_reached": whole(0, ~child),
            "clusters_reached": whole(0, ~child),
        }
    )
    for column in PEOPLE_LOOKBACK:
        out[column] = whole(out["ref"].map(window.reach[column]).fillna(0).to_numpy(dtype=np.int64), ~child)
    out["tie_type"] = earlier["tie_type"].where(~child).to_numpy(dtype=object)
    return out[[c for c in people.columns]]


# -- places ---------------------------------------------------------------------------------------------------------
def places_of(
    analysis: Analysis,
    dataset: Dataset,
    postcodes: PostcodeIndex | None = None,
    include_handling_c: bool = True,
    lookback: int | None = LOOKBACK_MONTHS,
    covers_from: str | None = None,
) -> PlacesResult:
    """The period's places and hot-spot areas (:func:`geo.hotspots.analyse_places`), told the clusters and
    adults of concern this analysis found, so each area can say which clusters meet there and who is linked."""
    people = analysis.people
    children = people[people["kind"].eq("child") & people["cluster"].notna()]
    cluster_of = {ref: int(cluster) for ref, cluster in zip(children["ref"], children["cluster"])}
    concern = people.loc[people["role"].eq("adult_of_concern").fillna(False).to_numpy(dtype=bool), "ref"].tolist()
    return analyse_places(
        dataset,
        analysis.period,
        postcodes,
        cluster_of=cluster_of,
        adults_of_concern=concern,
        include_handling_c=include_handling_c,
        lookback=lookback,
        covers_from=covers_from,
    )
