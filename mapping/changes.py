"""What changed since the previous period, ranked by what needs a decision first.

The previous period is SCHEMA.md's: the period of the same length ending the
day before (for a month, the month before). Clusters carry their numbers from
one period to the next (:mod:`mapping.cluster_numbers`), so "cluster 3" is the
same group in both. The changes, in the order a meeting acts on them:

1. ``child_linked_to_adult_of_concern``: a child linked by risk intelligence
   to an adult of concern they were not linked to last period;
2. ``cluster_grew`` (or ``cluster_changed`` when it did not grow),
   ``clusters_merged``, ``cluster_split``: a cluster with children it did not
   have last period; a cluster holding at least two children from each of two
   or more of last period's clusters; one of last period's clusters whose
   children (at least two in each part) are now in two or more clusters;
3. ``adult_reaches_more_children``: an adult of concern linked to more
   children than last period, and to at least two (one new child is step 1);
4. then ``new_cluster`` (a cluster that carries no number from last period;
   it says which of last period's clusters it takes children from, and a part
   of a listed split is named by the split's row, not again) and ``tie_now_strong``
   (two children whose tie is strong now and was not last period: a tie whose
   strength word did not change is not a change, and a tie inside a cluster
   whose change is listed is part of that change).

Within each step, the changes affecting most children come first. Each row
has ``rank`` (1 = first to decide), ``kind``, ``subject`` (the reference or
cluster it is about), ``detail`` (the words for the meeting) and ``children``
(how many children it affects). In the data's first period there is nothing
to compare with and no change is listed (the pack says so).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peermap.mapping.evidence.words import STRENGTHS, plural, strength_codes
from peermap.mapping.settings import EvidenceSettings

COLUMNS = ["rank", "kind", "subject", "detail", "children"]
#: Each kind's step in the ranking (smaller first).
STEPS = {
    "child_linked_to_adult_of_concern": 1,
    "cluster_grew": 2,
    "cluster_changed": 2,
    "clusters_merged": 2,
    "cluster_split": 2,
    "adult_reaches_more_children": 3,
    "new_cluster": 4,
    "tie_now_strong": 4,
}


def empty_changes() -> pd.DataFrame:
    """No changes (a first period, or no previous period looked at)."""
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c in ("rank", "children") else "string") for c in COLUMNS})


def _clustered(people: pd.DataFrame) -> pd.DataFrame:
    cluster = pd.to_numeric(people["cluster"], errors="coerce").fillna(0).astype(int)
    keep = people["kind"].eq("child").to_numpy(dtype=bool) & (cluster > 0).to_numpy()
    return pd.DataFrame({"ref": people["ref"].to_numpy()[keep], "cluster": cluster.to_numpy()[keep]})


def listing(refs, most: int = 6) -> str:
    """``C-1, C-2 and C-3``; ``C-1, ..., C-6 and 4 more`` beyond ``most``; numbers in numeric order.

    Examples
    --------
    >>> listing([15, 2]), listing(["C-2", "C-1"])
    ('2 and 15', 'C-1 and C-2')
    """
    refs = [str(r) for r in sorted(refs)]
    if len(refs) <= 1:
        return "".join(refs)
    if len(refs) > most:
        return ", ".join(refs[:most]) + f" and {len(refs) - most} more"
    return ", ".join(refs[:-1]) + " and " + refs[-1]


def _row(kind: str, subject: str, detail: str, children: int) -> dict:
    return {"kind": kind, "subject": subject, "detail": detail, "children": int(children)}


def _adult_links(ties: pd.DataFrame, adults: set) -> pd.DataFrame:
    """Risk ties between an adult of concern (``a``) and a child (``b``)."""
    keep = ties["tie_type"].eq("risk") & ties["a"].isin(adults) & ties["b"].str.startswith("C-")
    return ties.loc[keep.fillna(False).to_numpy(dtype=bool), ["a", "b"]]


def changes_since(
    people: pd.DataFrame,
    ties: pd.DataFrame,
    previous_people: pd.DataFrame,
    previous_ties: pd.DataFrame,
    settings: EvidenceSettings | None = None,
) -> pd.DataFrame:
    """The ranked changes between the previous period's people and ties and this period's.

    Parameters
    ----------
    people, previous_people : the ``people`` tables of the two periods (``ref``, ``kind``, ``role``,
        ``cluster`` with carried numbers, ``children_reached``, ``clusters_reached``).
    ties, previous_ties : the ``ties`` tables (``a``, ``b``, ``weight``, ``tie_type``).

    Notes
    -----
    Merges and groupbys over the clustered children and the ties: O(n log n + m log m).
    """
    settings = settings or EvidenceSettings()
    rows: list[dict] = []
    now, then = _clustered(people), _clustered(previous_people)

    # 1. children newly linked to an adult of concern
    adults = set(people.loc[people["role"].eq("adult_of_concern").fillna(False).to_numpy(dtype=bool), "ref"])
    linked_now, linked_then = _adult_links(ties, adults), _adult_links(previous_ties, adults)
    fresh = linked_now.merge(linked_then, on=["a", "b"], how="left", indicator=True)
    fresh = fresh[fresh["_merge"] == "left_only"]
    for child, group in fresh.groupby("b", sort=True):
        names = sorted(group["a"])
        rows.append(
            _row(
                "child_linked_to_adult_of_concern",
                child,
                f"newly linked to {'an adult' if len(names) == 1 else 'adults'} of concern "
                f"{listing(names)} (not linked to {'them' if len(names) > 1 else 'this adult'} last period)",
                1,
            )
        )

    # 2. clusters that grew, merged or split
    members_now = now.groupby("cluster")["ref"].agg(set)
    members_then = then.groupby("cluster")["ref"].agg(set)
    cluster_then = then.set_index("ref")["cluster"]
    merged = set()
    for cluster, refs in members_now.items():
        sources = _clusters_of(refs, cluster_then)
        sources = sorted(sources[sources >= 2].index.tolist())
        if len(sources) >= 2:
            merged.add(cluster)
            rows.append(
                _row(
                    "clusters_merged",
                    f"cluster {cluster}",
                    f"brings together last period's clusters {listing(sources)}: "
                    f"{plural(len(refs), 'child', 'children')} now",
                    len(refs),
                )
            )
    cluster_now = now.set_index("ref")["cluster"]
    split_parts = set()
    for cluster, refs in members_then.items():
        parts = _clusters_of(refs, cluster_now)
        parts = sorted(parts[parts >= 2].index.tolist())
        if len(parts) >= 2:
            split_parts.update(parts)
            rows.append(
                _row(
                    "cluster_split",
                    f"last period's cluster {cluster}",
                    f"now split between clusters {listing(parts)}",
                    len(refs),
                )
            )
    for cluster, refs in members_now.items():
        if cluster in merged or cluster not in members_then.index:
            continue
        joined, left = refs - members_then[cluster], members_then[cluster] - refs
        if joined:
            before = len(members_then[cluster])
            kind = "cluster_grew" if len(refs) > before else "cluster_changed"
            detail = f"{listing(joined)} joined; {plural(len(refs), 'child', 'children')} now, {before} last period" + (
                f"; {listing(left)} no longer in it" if left else ""
            )
            rows.append(_row(kind, f"cluster {cluster}", detail, len(refs)))
    changed = {
        int(r["subject"].split()[-1])
        for r in rows
        if r["kind"] in ("cluster_grew", "cluster_changed", "clusters_merged")
    }

    # 3. adults of concern reaching more children
    reach_then = (
        previous_people.set_index("ref")["children_reached"]
        if "children_reached" in previous_people
        else pd.Series(dtype="Int64")
    )
    for row in people[people["role"].eq("adult_of_concern").fillna(False).to_numpy(dtype=bool)].to_dict("records"):
        n_now = _whole(row.get("children_reached"))
        n_then = _whole(reach_then.get(row["ref"]))
        if n_now > n_then and n_now >= 2:  # from none to one child is the child's own change above
            rows.append(
                _row(
                    "adult_reaches_more_children",
                    row["ref"],
                    f"linked to {plural(n_now, 'child', 'children')} in "
                    f"{plural(_whole(row.get('clusters_reached')), 'cluster')} this period "
                    f"({n_then} last period)",
                    n_now,
                )
            )

    # 4. new clusters, and ties between children that became strong
    for cluster, refs in members_now.items():
        if cluster not in members_then.index and cluster not in merged:
            changed.add(cluster)
            if cluster in split_parts:  # the split's row names it
                continue
            rows.append(
                _row(
                    "new_cluster",
                    f"cluster {cluster}",
                    f"a new cluster of {plural(len(refs), 'child', 'children')}: {listing(refs)}"
                    + _taken_in(refs, members_then, cluster_then),
                    len(refs),
                )
            )
    strong_now, word_then = _child_strengths(ties, settings), _child_strengths(previous_ties, settings)
    now_strong = strong_now[strong_now["word"].eq(STRENGTHS[0])]
    joined = now_strong.merge(word_then, on=["a", "b"], how="left", suffixes=("", "_before"))
    joined = joined[joined["word_before"].ne(STRENGTHS[0]).fillna(True)]
    # a tie inside a cluster whose change is listed is part of that change, not a decision of its own
    inside = joined["a"].map(cluster_now).eq(joined["b"].map(cluster_now)) & joined["a"].map(cluster_now).isin(changed)
    joined = joined[~inside.fillna(False).to_numpy(dtype=bool)]
    for a, b, before in zip(joined["a"], joined["b"], joined["word_before"]):
        was = "no tie" if pd.isna(before) else f"{before} tie"
        rows.append(_row("tie_now_strong", f"{a} & {b}", f"a strong tie this period ({was} last period)", 2))

    if not rows:
        return empty_changes()
    out = pd.DataFrame(rows)
    out["_step"] = out["kind"].map(STEPS)
    out = out.sort_values(
        ["_step", "children", "kind", "subject"], ascending=[True, False, True, True], kind="stable"
    ).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out[COLUMNS].astype({"kind": "string", "subject": "string", "detail": "string"})


def _clusters_of(refs: set, cluster_of: pd.Series) -> pd.Series:
    """How many of ``refs`` are in each cluster of ``cluster_of`` (ref -> cluster); those in none are left out."""
    return cluster_of.reindex(list(refs)).dropna().astype(int).value_counts()


def _taken_in(refs: set, members_then: pd.Series, cluster_then: pd.Series) -> str:
    """``; it takes in all 3 children of last period's cluster 5`` (``both children`` of a pair): where a cluster
    new by number holds children who were together last period (too few of it to carry that cluster's number on)."""
    sources = _clusters_of(refs, cluster_then)
    said = []
    for then, n in sorted(sources[sources >= 2].items()):
        whole = len(members_then[then])
        whom = (
            ("both children" if whole == 2 else f"all {whole} children")
            if n == whole
            else f"{n} of the {whole} children"
        )
        said.append(f"{whom} of last period's cluster {then}")
    return f"; it takes in {' and '.join(said)}" if said else ""


def _whole(value) -> int:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return 0
    return int(value)


def _child_strengths(ties: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """The strength word of every risk tie between two children."""
    keep = ties["tie_type"].eq("risk") & ties["a"].str.startswith("C-") & ties["b"].str.startswith("C-")
    picked = ties.loc[keep.fillna(False).to_numpy(dtype=bool), ["a", "b", "weight"]]
    words = np.asarray(STRENGTHS, dtype=object)[strength_codes(picked["weight"], settings)]
    return pd.DataFrame({"a": picked["a"].to_numpy(), "b": picked["b"].to_numpy(), "word": words})
