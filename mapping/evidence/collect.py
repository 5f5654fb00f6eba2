"""All of it: every kind of evidence between the people of one period, in one table of rows.

"Making correlations between young people missing at the same time or with the
same people" (report, paragraph 45). Every tie between two children rests on
rows of evidence, one row per thing that links them, so that "why are these two
linked?" always has an answer a worker can read out in a meeting. The kinds
are declared in :mod:`.kinds`; each is found by its own module: co-missing
(:mod:`.co_missing`: missing at the same time, went missing together, found
together), intelligence (:mod:`.intelligence`: named together, linked
associate) and what two children share (:mod:`.shared`: shared associate,
shared place).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from peermap.geo.postcodes import PostcodeIndex, default_index
from peermap.graph_models.arrow_text import arrow_text, isin
from peermap.graph_models.dataset import Dataset
from peermap.mapping.associates import associate_roles
from peermap.mapping.evidence.co_missing import found_together_evidence, missing_together_evidence, overlapping_evidence
from peermap.mapping.evidence.episodes import EpisodeTable, episode_table
from peermap.mapping.evidence.intelligence import linked_associate_evidence, named_together_evidence
from peermap.mapping.evidence.kinds import evidence_kinds
from peermap.mapping.evidence.period_rows import PeriodRows, period_rows
from peermap.mapping.evidence.rows import concat_rows
from peermap.mapping.evidence.shared import concern_places, shared_associate_evidence, shared_place_evidence
from peermap.mapping.periods import Period
from peermap.mapping.settings import EvidenceSettings


def diminish_repeats(rows: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """Repeated intelligence about the same pair counts less each time: in full, then a half, a third...

    A child missing a hundred times whose every interview names the same
    friend has told us one thing a hundred times, not a hundred things. So
    for the kinds whose ``repeats_count_less`` is set (:mod:`.kinds`: named
    together, linked associate), the k-th piece of evidence about a pair
    (heaviest first) is divided by k when the setting ``repeats_count_less`` is
    on. Episodes (each a separate occasion) are not diminished. ``rows``' weight column is replaced (the
    frame is changed, not copied: millions of rows on a national year) and ``rows`` returned.

    Notes
    -----
    One sort of integer codes: O(k log k).
    """
    if not settings.repeats_count_less or rows.empty:
        return rows
    repeated = isin(rows["kind"], [kind.name for kind in evidence_kinds() if kind.repeats_count_less])
    if not repeated.any():
        return rows
    at = np.flatnonzero(repeated)
    # rank within each (kind, a, b), heaviest first, on integer codes: one stable sort, no string comparisons
    kind, a, b = (pd.factorize(rows[column].iloc[at])[0] for column in ("kind", "a", "b"))
    weight = rows["weight"].to_numpy(dtype=float)
    order = np.lexsort((-weight[at], b, a, kind))
    key = np.stack([kind[order], a[order], b[order]])
    head = np.concatenate([[True], np.any(key[:, 1:] != key[:, :-1], axis=0)])
    starts = np.flatnonzero(head)
    rank = np.arange(len(order)) - starts[np.cumsum(head) - 1] + 1
    diminished = weight.copy()
    diminished[at[order]] = weight[at[order]] / rank
    rows["weight"] = diminished  # the column replaced, the others kept: no copy of millions of rows
    return rows


#: Threads that make the kinds of evidence side by side: numpy, Arrow and pandas let go of the
#: interpreter in their array work, so two kinds run at once on two cores (rows come out in the same order).
EVIDENCE_THREADS = max(
    1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
)


# -- all of it -------------------------------------------------------------------------------------------------
@dataclass
class Evidence:
    """Every row of evidence of one period, and what the rows were made from."""

    rows: pd.DataFrame
    period_rows: PeriodRows
    roles: pd.DataFrame  # per associate_key: ref, label, role, tie_type, resolved
    place_rows: pd.DataFrame  # each child's links to places of concern
    episodes: EpisodeTable | None = None
    timings: dict = field(default_factory=dict)


def homes_of(children: pd.DataFrame) -> pd.DataFrame:
    """Where each child lives: (ref, postcode) for home and placement postcodes."""
    parts = [children[["ref", c]].rename(columns={c: "postcode"}) for c in ("home_postcode", "placement_postcode")]
    return pd.concat(parts, ignore_index=True).dropna().drop_duplicates().reset_index(drop=True)


def collect_evidence(
    dataset: Dataset, period: Period, settings: EvidenceSettings | None = None, postcodes: PostcodeIndex | None = None
) -> Evidence:
    """Every kind of evidence between the people of one period.

    Parameters
    ----------
    dataset : the loaded tables (restrict them for an audience first; see
        :func:`exports.audiences.restrict_dataset`).
    period : the period; only its episodes and links count.
    settings : windows, distances and weights (defaults when ``None``).
    postcodes : postcode index for coordinates (the embedded one when ``None``).

    Returns
    -------
    Evidence whose ``rows`` has one row per piece of evidence, columns
    :data:`.rows.EVIDENCE_COLUMNS`.

    Notes
    -----
    O(n log n + k) in episodes and links n and evidence rows k.
    """
    settings = settings or EvidenceSettings()
    index = postcodes if postcodes is not None else default_index()
    timings = {}

    def timed(name, make):
        clock = time.perf_counter()
        made = make()
        timings[name] = time.perf_counter() - clock
        return made

    clock = time.perf_counter()
    rows_of_period = period_rows(dataset, period)
    with ThreadPoolExecutor(EVIDENCE_THREADS) as pool:
        table_made = pool.submit(episode_table, rows_of_period.episodes, dataset.places, index, settings)
        roles = associate_roles(rows_of_period.associates, rows_of_period.links)
        homes = homes_of(dataset.children)
        table = table_made.result()
    # the texts the kinds take from, made once here rather than by each thread that first needs them
    table.child_text = arrow_text(table.child_refs)
    table.episode_text = arrow_text(table.frame["episode_id"])
    timings["prepare"] = time.perf_counter() - clock

    def associates():
        linked = linked_associate_evidence(rows_of_period.links, roles, settings)
        return [linked, shared_associate_evidence(linked, roles, settings)]

    def places():
        residential = dataset.places.loc[
            dataset.places["kind"].eq("residential_home").fillna(False).to_numpy(dtype=bool), "postcode"
        ]
        not_of_concern = set(homes["postcode"]) | set(residential.dropna())
        found = concern_places(table, rows_of_period.links, dataset.places, not_of_concern)
        return found, shared_place_evidence(found, settings)

    # the kinds are independent: the longest first, so the others fill the second thread meanwhile
    with ThreadPoolExecutor(EVIDENCE_THREADS) as pool:
        made = {
            name: pool.submit(timed, name, make)
            for name, make in (
                ("overlapping", lambda: overlapping_evidence(table, homes, settings)),
                ("shared_place", places),
                ("associates", associates),
                ("found_together", lambda: found_together_evidence(table, settings)),
                ("missing_together", lambda: missing_together_evidence(table, homes, settings)),
                ("named_together", lambda: named_together_evidence(rows_of_period.links, settings)),
            )
        }
        place_rows, shared_places = made["shared_place"].result()
        parts = (
            [made[name].result() for name in ("overlapping", "missing_together", "found_together", "named_together")]
            + made["associates"].result()
            + [shared_places]
        )
    # each kind's own time (they overlap), in a fixed order whichever finished first
    timings = {
        name: timings[name]
        for name in (
            "prepare",
            "overlapping",
            "missing_together",
            "found_together",
            "named_together",
            "associates",
            "shared_place",
        )
    }
    del made
    rows = diminish_repeats(concat_rows(parts), settings)  # each kind's rows let go of as they are joined
    return Evidence(rows, rows_of_period, roles, place_rows, table, timings)
