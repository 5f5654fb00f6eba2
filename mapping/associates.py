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
  names may be two people.

Examples
--------
>>> names = pd.DataFrame({"associate_key": ["x1", "robert muurray"], "ref": ["A-1", "A-2"],
...                       "label": ["Robert Murray", "Robert Muurray"], "aliases": [("Robbo",), ()],
...                       "resolved": [True, False]})
>>> duplicate_suggestions(names)[["a_label", "b_label"]].values.tolist()
[['Robert Murray', 'Robert Muurray']]
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
    said = links[links["target_type"].eq("associate").fillna(False).to_numpy(dtype=bool)
                 & links["role"].notna().to_numpy() & links["associate_key"].notna().to_numpy()]
    if len(said):
        counts = said.groupby(["associate_key", "role"]).size().rename("n").reset_index()
        counts["precedence"] = counts["role"].map({r: i for i, r in enumerate(ROLE_PRECEDENCE)}).fillna(99)
        counts = counts.sort_values(["associate_key", "n", "precedence"], ascending=[True, False, True])
        from_links = counts.drop_duplicates("associate_key").set_index("associate_key")["role"]
        table["role"] = table["role"].fillna(from_links.reindex(table.index)).astype("string")
    table["role"] = table["role"].astype("string")
    role = table["role"]
    table["tie_type"] = np.where(role.isin(SAFETY_ROLES).fillna(False), "safety",
                                 np.where(role.isin(CONTEXT_ROLES).fillna(False), "context", "risk"))
    return table


def _name_keys(values: pd.Series) -> pd.Series:
    """Lower case, letters and digits only, single spaces: ``"  ROBERT  Murray "`` → ``"robert murray"``."""
    return (values.astype("string").str.lower().str.replace(r"[^a-z0-9 ]+", " ", regex=True)
            .str.replace(r"\s+", " ", regex=True).str.strip())


def duplicate_suggestions(associates: pd.DataFrame, similarity: float = 88.0) -> pd.DataFrame:
    """Pairs of associates whose names are so alike they may be one person.

    Every name an associate goes by (label and aliases) is compared with every
    other associate's that opens alike (the first three letters of the first
    name and the surname's initial, or the first three letters of the surname
    and the first name's initial), with rapidfuzz's ratio (edit similarity);
    a pair is suggested when any of their names scores at least
    ``similarity`` (0-100). Pairs of two resolved
    associates are left out (the analyst has already told them apart), so each
    suggestion involves at least one name associates.csv does not know.

    Returns
    -------
    DataFrame with ``a``, ``b`` (references), ``a_label``, ``b_label``,
    ``a_name``, ``b_name`` (the names that matched), ``similarity`` and
    ``suggestion`` (what to do), most similar first.

    Notes
    -----
    Blocking keeps the comparisons near-linear: O(sum of b^2) over blocks of
    size b rather than O(n^2); rapidfuzz's ``cdist`` compares a block in C.
    """
    columns = ["a", "b", "a_label", "b_label", "a_name", "b_name", "similarity", "suggestion"]
    if len(associates) < 2:
        return pd.DataFrame(columns=columns)
    base = associates.reset_index(drop=True)
    names = pd.DataFrame({"owner": np.arange(len(base)), "name": base["label"].astype("string")})
    aliases = base["aliases"].apply(lambda a: list(a) if isinstance(a, (tuple, list)) else [])
    alias_rows = pd.DataFrame({"owner": np.arange(len(base)), "name": aliases}).explode("name").dropna()
    names = pd.concat([names, alias_rows], ignore_index=True)
    names["key"] = _name_keys(names["name"])
    names = names[names["key"].str.len() > 0].drop_duplicates(["owner", "key"]).reset_index(drop=True)
    tokens = names["key"].str.split(" ")
    first, last = tokens.str[0], tokens.str[-1]
    # two blocking keys: a typo must spoil both the first name's and the surname's opening to be missed
    blocks = pd.concat([pd.DataFrame({"owner": names["owner"], "name": names["name"], "key": names["key"],
                                      "block": key}) for key in (first.str[:3] + "|" + last.str[:1],
                                                                 last.str[:3] + "|" + first.str[:1])],
                       ignore_index=True).drop_duplicates(["owner", "key", "block"])
    owners = blocks.groupby("block")["owner"].transform("nunique")
    blocks = blocks[owners >= 2].sort_values(["block", "owner", "key"], kind="stable")
    found = []
    for _, block in blocks.groupby("block", sort=True):  # loop over name blocks, each compared in C
        keys = block["key"].tolist()
        scores = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=similarity, workers=-1)
        i, j = np.nonzero(np.triu(scores, k=1))
        if len(i):
            rows = block.iloc[i][["owner", "name"]].to_numpy(), block.iloc[j][["owner", "name"]].to_numpy()
            found.append(pd.DataFrame({"x": rows[0][:, 0], "x_name": rows[0][:, 1], "y": rows[1][:, 0],
                                       "y_name": rows[1][:, 1], "similarity": scores[i, j]}))
    if not found:
        return pd.DataFrame(columns=columns)
    pairs = pd.concat(found, ignore_index=True)
    pairs = pairs[pairs["x"] != pairs["y"]]
    x, y = pairs["x"].to_numpy(dtype=np.int64), pairs["y"].to_numpy(dtype=np.int64)
    resolved = base["resolved"].to_numpy(dtype=bool)
    pairs = pairs[~(resolved[x] & resolved[y])]
    swap = (pairs["x"] > pairs["y"]).to_numpy()
    pairs = pd.DataFrame({
        "a": np.where(swap, pairs["y"], pairs["x"]), "b": np.where(swap, pairs["x"], pairs["y"]),
        "a_name": np.where(swap, pairs["y_name"], pairs["x_name"]),
        "b_name": np.where(swap, pairs["x_name"], pairs["y_name"]), "similarity": pairs["similarity"],
    }).sort_values(["a", "b", "similarity"], ascending=[True, True, False]).drop_duplicates(["a", "b"])
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    label = base["label"].astype("string").to_numpy(dtype=object)
    both_loose = ~resolved[a] & ~resolved[b]
    out = pd.DataFrame({
        "a": base["ref"].to_numpy(dtype=object)[a], "b": base["ref"].to_numpy(dtype=object)[b],
        "a_label": label[a], "b_label": label[b], "a_name": pairs["a_name"].to_numpy(dtype=object),
        "b_name": pairs["b_name"].to_numpy(dtype=object), "similarity": pairs["similarity"].round(1).to_numpy(),
        "suggestion": np.where(both_loose, "if they are one person, add them to associates.csv with one as an alias",
                               np.where(resolved[a], "if they are one person, add " + pd.Series(label[b]).to_numpy(dtype=object)
                                        + " as an alias of " + pd.Series(label[a]).to_numpy(dtype=object),
                                        "if they are one person, add " + pd.Series(label[a]).to_numpy(dtype=object)
                                        + " as an alias of " + pd.Series(label[b]).to_numpy(dtype=object))),
    })
    return out.sort_values(["similarity", "a", "b"], ascending=[False, True, True], ignore_index=True)[columns]
