"""Associates: what role each one plays, and which ones are probably the same person.

SCHEMA.md: an associate link resolves through associates.csv (ID, label or any
alias, case- and space-insensitively); what resolves to nothing becomes an
associate of its own, keyed by its normalised name. The loader does that
(:mod:`graph_models.load`). Here:

- :func:`associate_roles` settles each associate's role: associates.csv says,
  else the links do (the most frequent role; ties go to the most cautious,
  ``adult_of_concern`` first). Protective people are safety, family and
  professionals context, everyone else a risk tie.
- :func:`duplicate_suggestions` suggests likely duplicates by fuzzy name
  matching (rapidfuzz), for the analyst to confirm by adding an alias in
  associates.csv. Nothing is merged automatically: two people with similar
  names may be two people. Given the links (and the peer clusters), it keeps
  only alike names found around the same child or cluster: at national scale
  names alone pair a great many strangers who share a common name.

Examples
--------
>>> names = pd.DataFrame({"associate_key": ["x1", "robert muurray"], "ref": ["A-1", "A-2"],
...                       "label": ["Robert Murray", "Robert Muurray"], "aliases": [("Robbo",), ()],
...                       "resolved": [True, False]})
>>> duplicate_suggestions(names)[["a_label", "b_label"]].values.tolist()
[['Robert Murray', 'Robert Muurray']]
>>> links = pd.DataFrame({"associate_key": ["x1", "robert muurray"], "child_ref": ["C-1", "C-2"]})
>>> len(duplicate_suggestions(names, links=links))  # linked to different children, in no cluster
0
>>> duplicate_suggestions(names, links=links, cluster_of=pd.Series({"C-1": 4, "C-2": 4}))[
...     ["a_label", "b_label", "shared_children", "shared_clusters"]].values.tolist()
[['Robert Murray', 'Robert Muurray', 0, 1]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

#: Roles that are safety: protective people are never counted as risk (DESIGN.md).
SAFETY_ROLES = ("protective",)
#: Roles that are context: recorded, shown, never weighed as risk.
CONTEXT_ROLES = ("family", "professional")
#: When links disagree and are tied, the first role here wins (the most cautious reading).
ROLE_PRECEDENCE = ("adult_of_concern", "unknown", "peer", "family", "professional", "protective")


def associate_roles(associates: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Each associate's role and tie type, indexed by ``associate_key``.

    Parameters
    ----------
    associates : the Dataset's associates table.
    links : the links to read roles from when associates.csv gives none.

    Returns
    -------
    DataFrame indexed by ``associate_key`` with ``ref``, ``label``, ``role``,
    ``tie_type`` (``risk``, ``safety``, ``context``), ``resolved``,
    ``associate_id``.

    Notes
    -----
    One groupby over the links: O(n log n).
    """
    table = associates.set_index("associate_key")[["ref", "label", "role", "resolved", "associate_id"]].copy()
    said = links[
        links["target_type"].eq("associate").fillna(False).to_numpy(dtype=bool)
        & links["role"].notna().to_numpy()
        & links["associate_key"].notna().to_numpy()
    ]
    if len(said):
        counts = said.groupby(["associate_key", "role"]).size().rename("n").reset_index()
        counts["precedence"] = counts["role"].map({r: i for i, r in enumerate(ROLE_PRECEDENCE)}).fillna(99)
        counts = counts.sort_values(["associate_key", "n", "precedence"], ascending=[True, False, True])
        from_links = counts.drop_duplicates("associate_key").set_index("associate_key")["role"]
        table["role"] = table["role"].fillna(from_links.reindex(table.index)).astype("string")
    table["role"] = table["role"].astype("string")
    role = table["role"]
    table["tie_type"] = np.where(
        role.isin(SAFETY_ROLES).fillna(False),
        "safety",
        np.where(role.isin(CONTEXT_ROLES).fillna(False), "context", "risk"),
    )
    return table


def _name_keys(values: pd.Series) -> pd.Series:
    """Lower case, letters and digits only, single spaces: ``"  ROBERT  Murray "`` → ``"robert murray"``."""
    return (
        values.astype("string")
        .str.lower()
        .str.replace(r"[^a-z0-9 ]+", " ", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )


def _names(base: pd.DataFrame) -> pd.DataFrame:
    """Every name each associate goes by (label, then aliases): ``owner`` (row number), ``name``, ``key``;
    one row per owner and name key, numbered from 0."""
    names = pd.DataFrame({"owner": np.arange(len(base)), "name": base["label"].astype("string")})
    aliases = base["aliases"].apply(lambda a: list(a) if isinstance(a, (tuple, list)) else [])
    alias_rows = pd.DataFrame({"owner": np.arange(len(base)), "name": aliases}).explode("name").dropna()
    names = pd.concat([names, alias_rows], ignore_index=True)
    names["key"] = _name_keys(names["name"])
    return names[names["key"].str.len() > 0].drop_duplicates(["owner", "key"]).reset_index(drop=True)


def _name_blocks(names: pd.DataFrame) -> pd.DataFrame:
    """Each name under its two blocking keys: ``owner``, ``name``, ``key``, ``block`` and ``nid`` (its row in
    ``names``)."""
    tokens = names["key"].str.split(" ")
    first, last = tokens.str[0], tokens.str[-1]
    # two blocking keys: a typo must spoil both the first name's and the surname's opening to be missed
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "owner": names["owner"],
                    "name": names["name"],
                    "key": names["key"],
                    "block": key,
                    "nid": np.arange(len(names)),
                }
            )
            for key in (first.str[:3] + "|" + last.str[:1], last.str[:3] + "|" + first.str[:1])
        ],
        ignore_index=True,
    ).drop_duplicates(["owner", "key", "block"])


def _pairs_by_name(blocks: pd.DataFrame, similarity: float) -> pd.DataFrame | None:
    """Alike names within each name block: ``x``, ``x_name``, ``y``, ``y_name``, ``similarity`` (None if none)."""
    owners = blocks.groupby("block")["owner"].transform("nunique")
    blocks = blocks[owners >= 2].sort_values(["block", "owner", "key"], kind="stable")
    found = []
    for _, block in blocks.groupby("block", sort=True):  # loop over name blocks, each compared in C
        keys = block["key"].tolist()
        scores = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=similarity, workers=-1)
        i, j = np.nonzero(np.triu(scores, k=1))
        if len(i):
            rows = block.iloc[i][["owner", "name"]].to_numpy(), block.iloc[j][["owner", "name"]].to_numpy()
            found.append(
                pd.DataFrame(
                    {
                        "x": rows[0][:, 0],
                        "x_name": rows[0][:, 1],
                        "y": rows[1][:, 0],
                        "y_name": rows[1][:, 1],
                        "similarity": scores[i, j],
                    }
                )
            )
    return pd.concat(found, ignore_index=True) if found else None


def _context(base: pd.DataFrame, links: pd.DataFrame, cluster_of) -> pd.DataFrame:
    """What each associate is linked to: ``owner`` (row number), ``anchor`` (a code) and ``child`` (True for
    a child, False for a peer cluster one of its children is in); one row each."""
    owners = pd.DataFrame(
        {"associate_key": base["associate_key"].to_numpy(dtype=object), "owner": np.arange(len(base))}
    )
    keep = links["associate_key"].notna().to_numpy(dtype=bool) & links["child_ref"].notna().to_numpy(dtype=bool)
    linked = pd.DataFrame(
        {
            "associate_key": links["associate_key"].to_numpy(dtype=object)[keep],
            "child_ref": links["child_ref"].to_numpy(dtype=object)[keep],
        }
    ).drop_duplicates()
    linked = linked.merge(owners, on="associate_key")
    child_refs = linked["child_ref"].astype(str).to_numpy(dtype=object)
    parts = [pd.DataFrame({"owner": linked["owner"].to_numpy(), "anchor": "c" + child_refs, "child": True})]
    if cluster_of is not None and len(linked):
        cluster_of = pd.Series(cluster_of)
        cluster = pd.Series(
            pd.to_numeric(cluster_of, errors="coerce").to_numpy(dtype=float), index=cluster_of.index.astype(str)
        )
        cluster = cluster[~cluster.index.duplicated()].reindex(child_refs).to_numpy(dtype=float)
        has = np.isfinite(cluster) & (cluster > 0)  # 0 or empty: in no cluster
        parts.append(
            pd.DataFrame(
                {
                    "owner": linked["owner"].to_numpy()[has],
                    "child": False,
                    "anchor": "k" + cluster[has].astype(np.int64).astype(str).astype(object),
                }
            )
        )
    anchors = pd.concat(parts, ignore_index=True).drop_duplicates(["owner", "anchor"])
    anchors["anchor"] = pd.factorize(anchors["anchor"])[0].astype(np.int64)
    return anchors.reset_index(drop=True)


def _pairs_in_context(
    names: pd.DataFrame, blocks: pd.DataFrame, anchors: pd.DataFrame, resolved: np.ndarray, similarity: float
) -> pd.DataFrame | None:
    """Alike names within each name block that also share a child or cluster, as :func:`_pairs_by_name`.

    Each name is blocked once per child or cluster its associate is linked to, so only associates with
    something in common are ever compared: one self-join on (name block, anchor) gives the candidates,
    pairs of two resolved associates go before scoring, and each distinct pair of names is scored once,
    element-wise in C (rapidfuzz's ``cpdist``).
    """
    anchors = anchors[(anchors.groupby("anchor")["owner"].transform("size") >= 2).to_numpy()]
    if not len(anchors):
        return None
    rows = pd.DataFrame(
        {
            "owner": blocks["owner"].to_numpy(dtype=np.int64),
            "block": pd.factorize(blocks["block"])[0].astype(np.int64),
            "nid": blocks["nid"].to_numpy(dtype=np.int64),
        }
    )
    rows = rows.merge(anchors[["owner", "anchor"]], on="owner")
    rows["cell"] = rows["block"] * np.int64(anchors["anchor"].max() + 1) + rows["anchor"]
    rows = rows[["cell", "owner", "nid"]]
    rows = rows[(rows.groupby("cell")["owner"].transform("nunique") >= 2).to_numpy()]
    if not len(rows):
        return None
    pairs = rows.merge(rows, on="cell", suffixes=("_x", "_y"))
    x, y = pairs["owner_x"].to_numpy(), pairs["owner_y"].to_numpy()
    pairs = pairs[(x < y) & ~(resolved[x] & resolved[y])][["nid_x", "nid_y"]].drop_duplicates()
    if not len(pairs):
        return None
    key, name = names["key"].to_numpy(dtype=object), names["name"].to_numpy(dtype=object)
    owner = names["owner"].to_numpy(dtype=np.int64)
    i, j = pairs["nid_x"].to_numpy(), pairs["nid_y"].to_numpy()
    scores = process.cpdist(key[i], key[j], scorer=fuzz.ratio, score_cutoff=similarity, workers=-1)
    hit = np.flatnonzero(scores)
    if not len(hit):
        return None
    i, j = i[hit], j[hit]
    return pd.DataFrame({"x": owner[i], "x_name": name[i], "y": owner[j], "y_name": name[j], "similarity": scores[hit]})


def duplicate_suggestions(
    associates: pd.DataFrame,
    similarity: float = 88.0,
    *,
    links: pd.DataFrame | None = None,
    cluster_of: pd.Series | None = None,
    most: int | None = None,
) -> pd.DataFrame:
    """Pairs of associates whose names are so alike they may be one person.

    Every name an associate goes by (label and aliases) is compared with every
    other associate's that opens alike (the first three letters of the first
    name and the surname's initial, or the first three letters of the surname
    and the first name's initial), with rapidfuzz's ratio (edit similarity);
    a pair is suggested when any of their names scores at least
    ``similarity`` (0-100). Pairs of two resolved
    associates are left out (the analyst has already told them apart), so each
    suggestion involves at least one name associates.csv does not know.

    Across a whole region many different people share a common name, so alike
    names alone suggest too many pairs to check. Given ``links``, a pair is
    suggested only when the two are also linked to the same child, or to
    children in the same peer cluster (``cluster_of``): what makes two alike
    names likely one person is that they turn up around the same children.

    Parameters
    ----------
    associates : the Dataset's associates table (or the rows of it to compare).
    similarity : the least rapidfuzz ratio (0-100) of two names to suggest.
    links : optional context: links with ``associate_key`` and ``child_ref``
        (the period's, as ``Dataset.links``). Without it, names alone decide.
    cluster_of : optional, with ``links``: each child's peer cluster by child
        reference (0 or empty: in none).
    most : keep only the first ``most`` suggestions (an analyst's afternoon),
        in the order below; None keeps them all.

    Returns
    -------
    DataFrame with ``a``, ``b`` (references), ``a_label``, ``b_label``,
    ``a_name``, ``b_name`` (the names that matched), ``similarity`` and
    ``suggestion`` (what to do), most similar first. With ``links``, also
    ``shared_children`` and ``shared_clusters`` (how many children, and how
    many clusters of their children, the two have in common), ordered by
    those, then similarity, most first.

    Notes
    -----
    Blocking keeps the comparisons near-linear: O(sum of b^2) over blocks of
    size b rather than O(n^2); rapidfuzz's ``cdist`` compares a block in C.
    With ``links`` the blocks are (name opening, child or cluster), so the
    context filter comes before any comparison and blocks stay tiny even for
    common names.
    """
    if cluster_of is not None and links is None:
        raise ValueError("cluster_of needs links: which children each associate is linked to")
    columns = ["a", "b", "a_label", "b_label", "a_name", "b_name", "similarity", "suggestion"]
    if links is not None:
        columns += ["shared_children", "shared_clusters"]
    if len(associates) < 2:
        return pd.DataFrame(columns=columns)
    base = associates.reset_index(drop=True)
    resolved = base["resolved"].to_numpy(dtype=bool)
    names = _names(base)
    blocks = _name_blocks(names)
    if links is None:
        pairs = _pairs_by_name(blocks, similarity)
    else:
        anchors = _context(base, links, cluster_of)
        pairs = _pairs_in_context(names, blocks, anchors, resolved, similarity)
    if pairs is None:
        return pd.DataFrame(columns=columns)
    pairs = pairs[pairs["x"] != pairs["y"]]
    x, y = pairs["x"].to_numpy(dtype=np.int64), pairs["y"].to_numpy(dtype=np.int64)
    pairs = pairs[~(resolved[x] & resolved[y])]
    swap = (pairs["x"] > pairs["y"]).to_numpy()
    pairs = (
        pd.DataFrame(
            {
                "a": np.where(swap, pairs["y"], pairs["x"]),
                "b": np.where(swap, pairs["x"], pairs["y"]),
                "a_name": np.where(swap, pairs["y_name"], pairs["x_name"]),
                "b_name": np.where(swap, pairs["x_name"], pairs["y_name"]),
                "similarity": pairs["similarity"],
            }
        )
        .sort_values(["a", "b", "similarity"], ascending=[True, True, False])
        .drop_duplicates(["a", "b"])
    )
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    label = base["label"].astype("string").to_numpy(dtype=object)
    both_loose = ~resolved[a] & ~resolved[b]
    out = pd.DataFrame(
        {
            "a": base["ref"].to_numpy(dtype=object)[a],
            "b": base["ref"].to_numpy(dtype=object)[b],
            "a_label": label[a],
            "b_label": label[b],
            "a_name": pairs["a_name"].to_numpy(dtype=object),
            "b_name": pairs["b_name"].to_numpy(dtype=object),
            "similarity": pairs["similarity"].round(1).to_numpy(),
            "suggestion": np.where(
                both_loose,
                "if they are one person, add them to associates.csv with one as an alias",
                np.where(
                    resolved[a],
                    "if they are one person, add "
                    + pd.Series(label[b]).to_numpy(dtype=object)
                    + " as an alias of "
                    + pd.Series(label[a]).to_numpy(dtype=object),
                    "if they are one person, add "
                    + pd.Series(label[a]).to_numpy(dtype=object)
                    + " as an alias of "
                    + pd.Series(label[b]).to_numpy(dtype=object),
                ),
            ),
        }
    )
    order = ["similarity", "a", "b"]
    if links is not None:
        out["shared_children"], out["shared_clusters"] = _shared(a, b, anchors)
        order = ["shared_children", "shared_clusters"] + order
    out = out.sort_values(order, ascending=[False] * (len(order) - 2) + [True, True], ignore_index=True)[columns]
    return out if most is None else out.head(most).reset_index(drop=True)


def _shared(a: np.ndarray, b: np.ndarray, anchors: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """How many children, and how many clusters, each pair of associates (row numbers ``a``, ``b``) shares."""
    pairs = pd.DataFrame({"pair": np.arange(len(a)), "owner": a, "other": b})
    common = pairs.merge(anchors, on="owner").merge(
        anchors.rename(columns={"owner": "other"}), on=["other", "anchor", "child"]
    )
    counts = (
        common.groupby(["pair", "child"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=range(len(a)), columns=[True, False], fill_value=0)
    )
    return counts[True].to_numpy(dtype=np.int64), counts[False].to_numpy(dtype=np.int64)
