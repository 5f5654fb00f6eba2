"""The meeting's agenda: what ``index.html`` says of each peer cluster, in the order a meeting takes it.

A monthly mapping meeting runs from the summary page: first what needs a
decision, then one peer cluster at a time, then the frequently missing
children in no cluster, the adults of concern across clusters, the places and
the measures. This module turns the audience's tables (the same rows as
``people.csv``, ``clusters.csv``, ``changes.csv`` and the network's ties) into
the rows of those sections; it counts nothing the files do not also say.

A child is shown with their age at the period's end, in care or not and CE
risk (:func:`exports.audiences.children_view`: school and exploitation type
only where names may be seen). Words follow DESIGN.md: people are "linked",
never "members".
"""

from __future__ import annotations

import re

import pandas as pd

from peermap.exports.escaping import display
from peermap.mapping.periods import Period

#: The change kinds of changes.csv in words.
CHANGE_WORDS = {
    "child_linked_to_adult_of_concern": "child newly linked to an adult of concern",
    "cluster_grew": "cluster grew",
    "cluster_changed": "cluster changed",
    "clusters_merged": "clusters merged",
    "cluster_split": "cluster split",
    "adult_reaches_more_children": "adult of concern reaches more children",
    "new_cluster": "new cluster",
    "tie_now_strong": "tie now strong",
}

ROLE_WORDS = {
    "adult_of_concern": "adult of concern",
    "peer": "peer",
    "protective": "protective (a trusted adult or positive friend)",
    "family": "family",
    "professional": "professional",
    "unknown": "role not recorded",
}


def window_words(period: Period) -> str:
    """The window a count is over, in words: ``in March 2023``, ``in week 2023-W10``, ``in 2022-04-01 to ...``."""
    if period.is_month:
        return "in " + period.start.strftime("%B %Y")
    if period.is_iso_week:
        return f"in week {period.label}"
    return f"in {period.label}"


def _whole(value) -> str:
    """A count as a whole number; unknown as empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(int(value))


def reach_text(row: dict, column: str, lookback: int | None, period: Period) -> str:
    """An adult's reach: ``1 this month / 6 in the last 12 months`` when people.csv has the look-back column
    (``children_reached_lookback`` beside ``children_reached``), else this period's figure alone.

    Examples
    --------
    >>> march = Period.from_month("2023-03")
    >>> reach_text({"children_reached": 1, "children_reached_lookback": 6}, "children_reached", 12, march)
    '1 this month / 6 in the last 12 months'
    >>> reach_text({"children_reached": 1}, "children_reached", 12, march)
    '1'
    """
    now = _whole(row.get(column))
    before = _whole(row.get(f"{column}_lookback"))
    if not before or not lookback:
        return now
    this = "this month" if period.is_month else "this period"
    return f"{now} {this} / {before} in the last {lookback} month{'' if lookback == 1 else 's'}"


def _text(value) -> str:
    return display(value) if value is not None and value is not pd.NA else ""


def _cluster_of_change(subject: str, refs_of: dict[int, set]) -> set[int]:
    """The clusters a change is about: ``cluster N`` in its subject, or a person of the cluster as its subject
    (by reference, or by the label an associate is shown by)."""
    found = {int(n) for n in re.findall(r"\bclusters? (\d+)", subject)}
    found |= {int(n) for n in re.findall(r"\band (\d+)\b", subject)} if subject.startswith("clusters ") else set()
    for cluster, refs in refs_of.items():
        if subject in refs:
            found.add(cluster)
    return found


def cluster_sections(
    *,
    period: Period,
    people: pd.DataFrame,
    clusters: pd.DataFrame,
    children: pd.DataFrame,
    changes: pd.DataFrame | None = None,
    places: pd.DataFrame | None = None,
    nodes: pd.DataFrame | None = None,
    edges: pd.DataFrame | None = None,
    names: bool = False,
) -> list[dict]:
    """One section per peer cluster, in clusters.csv's order.

    Parameters
    ----------
    people : the audience's people view (people.csv's rows: ``ref``, ``name``, ``label``, ``kind``, ``role``,
        ``cluster``, ``episodes``, ``children_reached``).
    clusters : clusters.csv's rows (``cluster``, ``n_children``, ``n_associates``, ``summary``).
    children : :func:`exports.audiences.children_view` (by reference).
    changes : changes.csv's rows; each goes to the clusters it is about.
    places : :func:`exports.pack.cluster_places` (``cluster``, ``postcode``, ``place``, ``children``).
    nodes, edges : the network page's frames; their safety ties give the protective people and safe places.
    names : show names (``--names`` or police) beside references.
    """
    window = window_words(period)
    refs_of: dict[int, set] = {}
    for row in people.to_dict("records"):
        cluster = row.get("cluster")
        if cluster is not None and not pd.isna(cluster):
            refs_of.setdefault(int(cluster), set()).update({row["ref"], _text(row.get("label")) or row["ref"]})
    change_rows: dict[int, list[dict]] = {}
    for row in [] if changes is None else changes.to_dict("records"):
        subject = _text(row.get("subject"))
        for cluster in sorted(_cluster_of_change(subject, refs_of)):
            change_rows.setdefault(cluster, []).append(
                {
                    "rank": _text(row.get("rank")),
                    "kind": CHANGE_WORDS.get(row.get("kind"), _text(row.get("kind"))),
                    "subject": subject,
                    "detail": _text(row.get("detail")),
                }
            )
    label_of = {} if nodes is None or not len(nodes) else dict(zip(nodes["id"], nodes["label"]))
    kind_of = {} if nodes is None or not len(nodes) else dict(zip(nodes["id"], nodes["kind"]))
    safety = (
        pd.DataFrame(columns=["from", "to"])
        if edges is None or not len(edges) or "tie_type" not in edges
        else edges[edges["tie_type"].eq("safety").fillna(False).to_numpy(dtype=bool)]
    )
    sections = []
    for crow in clusters.to_dict("records"):
        number = int(crow["cluster"])
        mine = people[people["cluster"].eq(number).fillna(False).to_numpy(dtype=bool)]
        kids = mine[mine["kind"].eq("child").to_numpy(dtype=bool)].sort_values("ref")
        kid_rows = []
        for row in kids.to_dict("records"):
            facts = children.loc[row["ref"]] if row["ref"] in children.index else pd.Series(dtype=object)
            kid_rows.append(
                {
                    "ref": row["ref"],
                    "name": _text(row.get("name")) if names else "",
                    "age": _whole(facts.get("age")),
                    "in_care": _text(facts.get("in_care")) or "not recorded",
                    "ce_risk": _text(facts.get("ce_risk")) or "not recorded",
                    "school": _text(facts.get("school")) if "school" in facts else None,
                    "exploitation_type": _text(facts.get("exploitation_type"))
                    if "exploitation_type" in facts
                    else None,
                    "episodes": _whole(row.get("episodes")),
                }
            )
        grown = mine[mine["kind"].eq("associate").to_numpy(dtype=bool)].copy()
        grown["_concern"] = grown["role"].eq("adult_of_concern").fillna(False).to_numpy(dtype=bool)
        grown = grown.sort_values(["_concern", "children_reached", "ref"], ascending=[False, False, True])
        adult_rows = [
            {
                "ref": row["ref"],
                "label": _text(row.get("label")) or row["ref"],
                "role": ROLE_WORDS.get(_text(row.get("role")), _text(row.get("role")) or "role not recorded"),
                "concern": bool(row["_concern"]),
                "children_reached": _whole(row.get("children_reached")),
            }
            for row in grown.to_dict("records")
        ]
        kid_refs = set(kids["ref"])
        near = safety[safety["from"].isin(kid_refs) | safety["to"].isin(kid_refs)]
        protective, safe_places = {}, {}
        for a, b in zip(near["from"], near["to"]):
            child, other = (a, b) if a in kid_refs else (b, a)
            target = safe_places if kind_of.get(other) == "place" else protective
            target.setdefault(other, set()).add(child)
        place_rows = []
        if places is not None and len(places):
            here = places[places["cluster"].eq(number)].sort_values(["children", "postcode"], ascending=[False, True])
            for row in here.to_dict("records"):
                name = _text(row.get("place"))
                place_rows.append(
                    {
                        "where": f"{name} ({row['postcode']})" if name and name != row["postcode"] else row["postcode"],
                        "children": _whole(row["children"]),
                    }
                )
        sections.append(
            {
                "cluster": number,
                "anchor": f"cluster-{number}",
                "n_children": len(kid_rows),
                "n_associates": len(adult_rows),
                "summary": _text(crow.get("summary")),
                "children": kid_rows,
                "adults": adult_rows,
                "places": place_rows,
                "protective": [
                    {"who": label_of.get(p, p), "ref": p, "children": len(c)} for p, c in sorted(protective.items())
                ],
                "safe_places": [
                    {"where": label_of.get(p, p), "children": len(c)} for p, c in sorted(safe_places.items())
                ],
                "changes": change_rows.get(number, []),
                "window": window,
            }
        )
    return sections


def outside_clusters(frequent: list[dict], people: pd.DataFrame) -> list[dict]:
    """The frequently missing children (kpi.json's list, in its order) who are in no peer cluster this period."""
    clustered = set()
    if len(people):
        linked = people["kind"].eq("child").to_numpy(dtype=bool) & people["cluster"].notna().to_numpy(dtype=bool)
        clustered = set(people.loc[linked, "ref"])
    return [dict(row, rank=rank) for rank, row in enumerate(frequent, start=1) if row.get("child") not in clustered]
