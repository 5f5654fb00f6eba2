"""The sentence of each piece of evidence: "why are these two linked?", in words a worker can read out.

Each kind's sentence is its own (:attr:`.kinds.EvidenceKind.sentence`, beside
the code that finds it; the shared words are in :mod:`.words`); this module
gives each row to its kind's sentence, and adds the raw episode and link IDs
for the police. An example of each kind's sentence is in docs/analysis.md
(from :data:`.kinds.EVIDENCE_KINDS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models.arrow_text import positions_in, text_array, text_series
from peermap.mapping.evidence.kinds import evidence_kinds
from peermap.mapping.evidence.words import EvidenceRecords, joined, or_empty, when


def explain(
    rows: pd.DataFrame, records: EvidenceRecords, positions: np.ndarray | None = None, police: bool = False
) -> pd.Series:
    """The sentence of each evidence row, by its kind's sentence.

    Parameters
    ----------
    rows : evidence rows (:data:`.rows.EVIDENCE_COLUMNS`).
    records : what the rows point at (:meth:`.words.EvidenceRecords.of` the period's episodes and links).
    positions : explain only these rows (by position), in this order.
    police : add the grade codes and the raw episode and link IDs (the police audience only).

    Notes
    -----
    Each kind's sentences are made from its own rows (only the columns it reads) in one pass: O(k) for k
    rows. A row of a kind that is not registered gets no sentence (unknown).
    """
    positions = np.arange(len(rows)) if positions is None else np.asarray(positions, dtype=np.int64)
    if len(positions) == 0:
        return pd.Series([], dtype="string")
    kinds = evidence_kinds()
    kind_code = positions_in(rows["kind"].iloc[positions], [kind.name for kind in kinds])
    pieces, where = [], []
    for code, kind in enumerate(kinds):
        mask = np.flatnonzero(kind_code == code)
        if len(mask):
            missing = [c for c in kind.columns if c not in rows.columns]
            if missing:
                raise KeyError(f"{kind.name} evidence rows lack the columns its sentence reads: {missing}")
            part = rows_at(rows, positions[mask], kind.columns)
            pieces.append(kind.sentence(part, records, police))
            where.append(mask)
    done = np.concatenate(where) if where else np.empty(0, np.int64)
    words_all = pa.concat_arrays(pieces) if pieces else pa.array([], pa.large_string())
    slot = np.full(len(positions), -1, dtype=np.int64)
    slot[done] = np.arange(len(done))
    out = pc.take(words_all, pa.array(slot, mask=slot < 0))
    if police:
        out = joined(or_empty(out), _ids(rows_at(rows, positions, ("kind", "episode_a", "episode_b", "link_ids"))))
    return text_series(out).set_axis(rows.index[positions]).astype("string")


def rows_at(rows: pd.DataFrame, positions: np.ndarray, columns) -> pd.DataFrame:
    """``rows.iloc[positions, columns]`` with a fresh index, each column taken on its own: pandas would take
    the rows of every column first (a kind reads a few of the evidence's 32 columns; on a national year this
    was most of the time ties.csv's words took)."""
    taken = {column: rows[column].take(positions).reset_index(drop=True) for column in columns}
    return pd.DataFrame(taken, index=pd.RangeIndex(len(positions)))


def _ids(rows: pd.DataFrame) -> pa.Array:
    """`` (episodes E1 and E2)``, `` (links L1; L7 and 2 more)``: the raw IDs, for the police."""
    episodes = pc.coalesce(
        joined(text_array(rows["episode_a"]), " and ", text_array(rows["episode_b"])),
        text_array(rows["episode_a"]),
        text_array(rows["episode_b"]),
    )
    on_episodes = [kind.name for kind in evidence_kinds() if kind.rests_on_episodes]
    is_episode = rows["kind"].isin(on_episodes).to_numpy(dtype=bool)
    episode_ids = when(is_episode, or_empty(joined(" (episodes ", episodes, ")")))
    link_ids = or_empty(joined(" (links ", text_array(rows["link_ids"]), ")"))
    return joined(episode_ids, link_ids)
