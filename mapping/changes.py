"""What changed since the previous period: for the start of every mapping meeting.

The previous period is SCHEMA.md's: the period of the same length ending the
day before (for a month, the month before). Clusters are found afresh each
period, so their numbers are not carried over; changes are read from which
children are clustered together now and then:

``new_cluster``
    a cluster none of whose children were clustered together last period.
``new_child_in_cluster``
    a child in a cluster this period who was not in a cluster with any of
    its children last period.
``clusters_merged``
    a cluster holding at least two children from each of two or more of last
    period's clusters.
``cluster_split``
    one of last period's clusters whose children (at least two in each part)
    are now in two or more clusters.
``new_tie``
    a strong risk tie between two children (weight at least
    ``strong_tie_weight``) that was not there last period.
``adult_of_concern_new_children``
    an adult of concern linked to children they were not linked to last
    period.

Each row has ``kind``, ``subject`` (the reference it is about) and
``detail`` (the words for the meeting).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mapping.settings import EvidenceSettings

COLUMNS = ["kind", "subject", "detail"]


def _clustered(people: pd.DataFrame) -> pd.DataFrame:
    cluster = pd.to_numeric(people["cluster"], errors="coerce").fillna(0).astype(int)
    keep = people["kind"].eq("child").to_numpy(dtype=bool) & (cluster > 0).to_numpy()
    return pd.DataFrame({"ref": people["ref"].to_numpy()[keep], "cluster": cluster.to_numpy()[keep]})


def _listing(refs, most: int = 8) -> str:
    refs = sorted(refs)
    text = ", ".join(refs[:most])
    return text + (f" and {len(refs) - most} more" if len(refs) > most else "")


def changes_since(people: pd.DataFrame, ties: pd.DataFrame, previous_people: pd.DataFrame,
                  previous_ties: pd.DataFrame, settings: EvidenceSettings | None = None) -> pd.DataFrame:
    """Changes between the previous period's people and ties and this period's.

    Parameters
    ----------
    people, previous_people : the ``people`` tables of the two periods
        (``ref``, ``kind``, ``role``, ``cluster``).
    ties, previous_ties : the ``ties`` tables (``a``, ``b``, ``weight``, ``tie_type``).

    Notes
    -----
    Merges and groupbys over the clustered children and the ties: O(n log n + m log m).
    """
    settings = settings or EvidenceSettings()
    rows: list[pd.DataFrame] = []
    now, then = _clustered(people), _clustered(previous_people)
    joined = now.merge(then, on="ref", how="left", suffixes=("", "_before"))
    joined["cluster_before"] = joined["cluster_before"].fillna(0).astype(int)

    # new children: not clustered last period with any child of their cluster now
    pairs = joined[joined["cluster_before"] > 0]
    together = pairs.groupby(["cluster", "cluster_before"])["ref"].transform("size")
    kept = pairs[together >= 2][["ref"]]
    new = joined[~joined["ref"].isin(kept["ref"])]
    sizes = now.groupby("cluster").size()
    carried = joined[joined["ref"].isin(kept["ref"])].groupby("cluster").size()
    whole_new = sizes.index[~sizes.index.isin(carried.index)]
    if len(whole_new):
        listing = now[now["cluster"].isin(whole_new)].groupby("cluster")["ref"].agg(_listing)
        rows.append(pd.DataFrame({"kind": "new_cluster", "subject": "cluster " + listing.index.astype(str),
                                  "detail": "a new cluster: " + sizes.reindex(listing.index).astype(str)
                                  + " children linked who were not clustered together last period ("
                                  + listing.to_numpy() + ")"}))
    joining = new[~new["cluster"].isin(whole_new)]
    if len(joining):
        before = np.where(joining["cluster_before"] > 0,
                          "in last period's cluster " + joining["cluster_before"].astype(str),
                          "not in a cluster last period")
        rows.append(pd.DataFrame({"kind": "new_child_in_cluster", "subject": joining["ref"].to_numpy(),
                                  "detail": "newly linked to cluster " + joining["cluster"].astype(str).to_numpy()
                                  + " (" + before + ")"}))

    # merges and splits: clusters sharing at least two children across the periods
    overlap = pairs.groupby(["cluster", "cluster_before"]).size()
    overlap = overlap[overlap >= 2].reset_index()
    for by, other, kind, subject, detail in (
            ("cluster", "cluster_before", "clusters_merged", "cluster ", "brings together last period's clusters "),
            ("cluster_before", "cluster", "cluster_split", "last period's cluster ", "now split between clusters ")):
        grouped = overlap.groupby(by)[other].agg(lambda s: sorted(s.tolist()))
        grouped = grouped[grouped.map(len) >= 2] if len(grouped) else grouped
        if len(grouped):
            rows.append(pd.DataFrame({"kind": kind, "subject": subject + grouped.index.astype(str),
                                      "detail": detail + grouped.apply(lambda c: " and ".join(map(str, c))).to_numpy()}))

    # new strong ties between children
    def strong_child_ties(frame: pd.DataFrame) -> pd.DataFrame:
        keep = (frame["tie_type"].eq("risk") & (frame["weight"] >= settings.strong_tie_weight)
                & frame["a"].str.startswith("C-") & frame["b"].str.startswith("C-"))
        return frame.loc[keep.fillna(False).to_numpy(dtype=bool), ["a", "b", "weight"]]

    strong = strong_child_ties(ties)
    before = strong_child_ties(previous_ties)
    fresh = strong.merge(before[["a", "b"]], on=["a", "b"], how="left", indicator=True)
    fresh = fresh[fresh["_merge"] == "left_only"].sort_values(["weight", "a", "b"], ascending=[False, True, True])
    if len(fresh):
        rows.append(pd.DataFrame({"kind": "new_tie", "subject": (fresh["a"] + " & " + fresh["b"]).to_numpy(),
                                  "detail": "new strong tie (weight " + fresh["weight"].round(1).astype(str).to_numpy()
                                  + ") not there last period"}))

    # adults of concern reaching new children
    def reach(frame: pd.DataFrame, adults: set) -> pd.DataFrame:
        keep = frame["tie_type"].eq("risk") & frame["a"].isin(adults) & frame["b"].str.startswith("C-")
        return frame.loc[keep.fillna(False).to_numpy(dtype=bool), ["a", "b"]]

    adults = set(people.loc[people["role"].eq("adult_of_concern").fillna(False), "ref"])
    now_reach, then_reach = reach(ties, adults), reach(previous_ties, adults)
    fresh = now_reach.merge(then_reach, on=["a", "b"], how="left", indicator=True)
    fresh = fresh[fresh["_merge"] == "left_only"]
    if len(fresh):
        total = now_reach.groupby("a")["b"].nunique()
        clusters_of = _clustered(people).set_index("ref")["cluster"]
        spread = now_reach.assign(c=now_reach["b"].map(clusters_of)).dropna(subset=["c"]).groupby("a")["c"].nunique()
        listing = fresh.groupby("a")["b"].agg(_listing)
        detail = ("newly linked to " + listing + "; now linked to " + total.reindex(listing.index).astype(str)
                  + " children in " + spread.reindex(listing.index).fillna(0).astype(int).astype(str) + " clusters")
        rows.append(pd.DataFrame({"kind": "adult_of_concern_new_children", "subject": listing.index.to_numpy(),
                                  "detail": detail.to_numpy()}))
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(rows, ignore_index=True)[COLUMNS]
    order = {k: i for i, k in enumerate(("clusters_merged", "cluster_split", "new_cluster", "new_child_in_cluster",
                                         "adult_of_concern_new_children", "new_tie"))}
    return out.assign(_o=out["kind"].map(order)).sort_values(["_o", "subject"], kind="stable").drop(
        columns="_o").reset_index(drop=True)
