"""Intelligence naming two people together: a child with another child, a child with an associate.

``named_together``
    intelligence naming one child with the other (a ``child`` link).
``linked_associate``
    between a child and an associate: the intelligence linking them.

Intelligence graded unverified weighs ``unverified_factor`` as much and says
"not confirmed"; "with them while missing" weighs ``with_during_episode_factor``
as much again. Protective people are safety, never risk: their links become
ties of type ``safety`` with weight 0; family and professionals are
``context``, also weight 0. Only ``risk`` ties carry weight.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models.arrow_text import positions_in, text_array
from peermap.mapping.associates import CONTEXT_ROLES, SAFETY_ROLES
from peermap.mapping.evidence.rows import CONTEXT, LINK_RECORD, RISK, SAFETY, empty_rows, ordered_pairs, typed_rows
from peermap.mapping.evidence.words import EvidenceRecords, column_of, joined, when
from peermap.mapping.settings import EvidenceSettings


def grading(links: pd.DataFrame) -> pd.Series:
    """ "rthi 2/B" or "police, ungraded": the source and grades of each link, as shown beside it."""
    source = links["source"].astype("string").fillna("source not recorded")
    grade = links["source_grade"].astype("string").fillna("?") + "/" + links["intel_grade"].astype("string").fillna("?")
    ungraded = links["source_grade"].isna() & links["intel_grade"].isna()
    return (source + " " + grade.where(~ungraded, "ungraded")).astype("string")


def _link_weight(links: pd.DataFrame, base: float, settings: EvidenceSettings) -> np.ndarray:
    with_during = links["with_during_episode"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    unverified = links["unverified"].to_numpy(dtype=bool)
    return (
        base
        * np.where(with_during, settings.with_during_episode_factor, 1.0)
        * np.where(unverified, settings.unverified_factor, 1.0)
    )


def named_together_evidence(links: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per ``child`` link: intelligence naming one child with another.

    A link with role ``protective`` is safety and ``family``/``professional``
    context: kept and explained, never weighed as risk.
    """
    keep = (
        links["target_type"].eq("child").fillna(False).to_numpy(dtype=bool)
        & links["target_child_ref"].notna().to_numpy()
        & (links["target_child_ref"] != links["child_ref"]).fillna(False).to_numpy(dtype=bool)
    )
    if not keep.any():
        return empty_rows()
    named = links[keep].reset_index(drop=True)
    a, b = ordered_pairs(named["child_ref"], named["target_child_ref"])
    role = named["role"].astype("string")
    tie_type = np.where(
        role.isin(SAFETY_ROLES).fillna(False), SAFETY, np.where(role.isin(CONTEXT_ROLES).fillna(False), CONTEXT, RISK)
    )
    weight = np.where(tie_type == RISK, _link_weight(named, settings.named_together_weight, settings), 0.0)
    rows = pd.DataFrame(
        {
            "kind": "named_together",
            "a": a,
            "b": b,
            "weight": weight,
            "tie_type": tie_type,
            "unverified": named["unverified"].to_numpy(dtype=bool),
            "first_seen": named["recorded_at"],
            "last_seen": named["recorded_at"],
            "episode_a": named["episode_id"],
            "link_ids": named["link_id"],
            "grading": grading(named),
            "handling": named["handling"],
            "with_during": named["with_during_episode"].astype("boolean").fillna(False),
            "via": role,
            "record_a": np.flatnonzero(keep),
            "record_a_type": LINK_RECORD,
        }
    )
    return typed_rows(rows)


def linked_associate_evidence(links: pd.DataFrame, roles: pd.DataFrame, settings: EvidenceSettings) -> pd.DataFrame:
    """One row per ``associate`` link: the intelligence linking a child and an associate.

    The associate's role (associates.csv, else what the links say; see
    :func:`mapping.associates.associate_roles`) decides the tie type: protective
    people are safety, family and professionals context, everyone else risk.
    """
    keep = (
        links["target_type"].eq("associate").fillna(False).to_numpy(dtype=bool)
        & links["associate_ref"].notna().to_numpy()
    )
    if not keep.any():
        return empty_rows()
    linked = links[keep].reset_index(drop=True)
    tie_type = by_key(linked["associate_key"], roles, "tie_type")
    tie_type[pd.isna(tie_type)] = RISK
    weight = np.where(tie_type == RISK, _link_weight(linked, settings.associate_link_weight, settings), 0.0)
    rows = pd.DataFrame(
        {
            "kind": "linked_associate",
            "a": linked["child_ref"],
            "b": linked["associate_ref"],
            "weight": weight,
            "tie_type": tie_type,
            "unverified": linked["unverified"].to_numpy(dtype=bool),
            "first_seen": linked["recorded_at"],
            "last_seen": linked["recorded_at"],
            "episode_a": linked["episode_id"],
            "via": linked["associate_ref"],
            "via_key": linked["associate_key"],
            "link_ids": linked["link_id"],
            "grading": grading(linked),
            "handling": linked["handling"],
            "with_during": linked["with_during_episode"].astype("boolean").fillna(False),
            "record_a": np.flatnonzero(keep),
            "record_a_type": LINK_RECORD,
        }
    )
    return typed_rows(rows)


def by_key(keys: pd.Series, table: pd.DataFrame, column: str) -> np.ndarray:
    """``keys.map(table[column])`` (``table`` indexed by unique keys) as an object array, looked up in Arrow."""
    at = positions_in(keys, table.index)
    values = table[column].to_numpy(dtype=object)
    out = np.full(len(at), None, dtype=object)
    out[at >= 0] = values[at[at >= 0]]
    return out


# -- in words ----------------------------------------------------------------------------------------------------------
def _tie_type_words(rows: pd.DataFrame, safety: str, context: str) -> pa.Array:
    kind = rows["tie_type"].to_numpy(dtype=object)
    return pc.take(
        pa.array([safety, context, ""], pa.large_string()),
        np.where(kind == "safety", 0, np.where(kind == "context", 1, 2)),
    )


def named_together_sentences(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    """``C-A's return interview of 08 Mar 2023 (reliable source, known directly) names C-B as with them while
    missing``."""
    link = column_of(rows, "record_a", np.int64)
    target = text_array(records.link_column(link, "target_child_ref"))
    during = when(records.link_with_during(link), " as with them while missing")
    role = _tie_type_words(rows, " as a protective friend", " as family")
    return joined(records.link_record(link, police), " names ", target, role, during)


def linked_associate_sentences(rows: pd.DataFrame, records: EvidenceRecords, police: bool) -> pa.Array:
    """``C-A's police record of 08 Mar 2023 (...) names A-XXXXXXXXXX``."""
    link = column_of(rows, "record_a", np.int64)
    during = when(records.link_with_during(link), " as with them while missing")
    role = _tie_type_words(rows, " as someone who helps keep them safe", " as family or a professional")
    return joined(records.link_record(link, police), " names ", text_array(rows["b"]), role, during)
