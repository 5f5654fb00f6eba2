"""Why a tie exists, in words: its heaviest pieces of evidence, then how many more.

ties.csv's ``why`` (SCHEMA.md) and the network page's tie text. On a national
year that is millions of sentences, more than a gigabyte of text, and nobody
needs them all at once: the file is written a block of ties at a time. So
:class:`TieTexts` does the sorting once (which pieces each tie spells out, in
which order) and makes the words of any block of ties when asked; the analysis
keeps no text at all.

Examples
--------
>>> texts = TieTexts(rows, network, lambda frame, at: explain(frame, records, positions=at))  # doctest: +SKIP
>>> texts.of(np.arange(10))      # the first ten ties' why, as Arrow text            # doctest: +SKIP
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from peermap.graph_models.arrow_text import text_array
from peermap.graph_models.network import PeerNetwork, _nanoseconds, compact_positions

#: How many pieces of evidence a tie's ``why`` spells out (the rest are counted).
WHY_ITEMS = 3
#: Ties put into words at a time (bounds the memory the words take on a national network).
WHY_CHUNK = 100_000
_TEXT = pa.large_string()


def pair_keys(rows: pd.DataFrame, index: pd.Index) -> np.ndarray:
    """Each row's pair (``a``, ``b``) as one integer, the same whichever end comes first."""
    a = index.get_indexer(rows["a"]).astype(np.int64)
    b = index.get_indexer(rows["b"]).astype(np.int64)
    n = np.int64(len(index))
    return np.minimum(a, b) * n + np.maximum(a, b)


class TieTexts:
    """Each tie's explanation, made for a block of ties at a time.

    ``rows`` are the evidence rows ``network`` was built from;
    ``explain_rows(rows, positions)`` gives the words of those rows (called
    only on the pieces spelled out, in row order). Ties are numbered as in
    ``network.ties``, or, given ``order`` (positions of ``network.ties``), as
    in ``network.ties.iloc[order]`` (ties.csv's heaviest-first order).

    Notes
    -----
    One sort of the evidence rows of ties with more than one piece, kept as
    integer arrays (a few hundred MB on a national year, against more than a
    gigabyte of words); each block then takes O(b log b) for b pieces.
    """

    def __init__(
        self,
        rows: pd.DataFrame,
        network: PeerNetwork,
        explain_rows: Callable[[pd.DataFrame, np.ndarray], pd.Series],
        items: int = WHY_ITEMS,
        order: np.ndarray | None = None,
    ):
        self.rows, self.explain_rows, self.items = rows, explain_rows, items
        m = len(network.ties)
        self.final = np.arange(m) if order is None else np.asarray(order, dtype=np.int64)  # ties in the order given
        self.size = len(self.final)
        if rows.empty or m == 0:
            self.pieces = np.zeros(m, dtype=np.int64)
            self.at_rows = self.rank = self.shown_at = np.zeros(0, dtype=np.int64)
            return
        tie = (
            network.row_tie
            if network.row_tie is not None and len(network.row_tie) == len(rows)
            else np.searchsorted(network.ties["pair"].to_numpy(), pair_keys(rows, pd.Index(network.nodes["ref"])))
        )
        self.pieces = compact_positions(np.bincount(tie, minlength=m))
        # a tie with one piece of evidence shows it; the others sort theirs: heaviest, then earliest, then row order
        count = self.pieces[tie]
        single = np.flatnonzero(count == 1)
        several = np.flatnonzero(count > 1)
        del count
        first = _nanoseconds(rows["first_seen"])[several]
        several = several[np.lexsort((first, -rows["weight"].to_numpy(dtype=float)[several], tie[several]))]
        del first
        ordered = tie[several]
        head = np.concatenate([[True], ordered[1:] != ordered[:-1]])
        rank = np.arange(len(several)) - np.flatnonzero(head)[np.cumsum(head) - 1]
        del head
        shown = rank < items
        at_rows = np.concatenate([single, several[shown]])
        tie_shown = np.concatenate([tie[single], ordered[shown]])
        rank_shown = np.concatenate([np.zeros(len(single), dtype=np.int64), rank[shown]]).astype(np.int8)
        del single, several, ordered, rank, shown, tie
        position = np.full(m, -1, dtype=np.int64)
        position[self.final] = np.arange(self.size)
        shown_at = position[tie_shown]
        del position, tie_shown
        keep = shown_at >= 0  # ties left out of ``order`` are never asked for
        by_position = np.argsort(shown_at[keep], kind="stable")
        # the pieces spelled out, by the position of their tie: each tie's are then one slice
        self.at_rows = compact_positions(at_rows[keep][by_position])
        self.rank = rank_shown[keep][by_position]
        self.shown_at = compact_positions(shown_at[keep][by_position])

    def __len__(self) -> int:
        return self.size

    def of(self, positions) -> pa.ChunkedArray:
        """The words of the ties at ``positions`` (numbers in this object's order), in that order."""
        positions = np.asarray(positions, dtype=np.int64)
        chunks = [self._block(positions[s : s + WHY_CHUNK]) for s in range(0, len(positions), WHY_CHUNK)]
        return pa.chunked_array(chunks, type=_TEXT)

    def series(self) -> pd.Series:
        """Every tie's words, in this object's order."""
        return pd.Series(pd.arrays.ArrowStringArray(self.of(np.arange(self.size))))

    def _block(self, positions: np.ndarray) -> pa.Array:
        k = len(positions)
        if k == 0:
            return pa.array([], _TEXT)
        asked = positions.astype(self.shown_at.dtype)  # searching in one type: no copy of shown_at per block
        lo = np.searchsorted(self.shown_at, asked, "left")
        counts = np.searchsorted(self.shown_at, asked, "right") - lo
        slot = np.repeat(np.arange(k), counts)  # each piece's tie, as its place in this block
        these = np.repeat(lo, counts) + (np.arange(len(slot)) - np.repeat(np.cumsum(counts) - counts, counts))
        rows_here = self.at_rows[these]
        in_row_order = np.argsort(rows_here, kind="stable")
        if len(rows_here):
            explained = self.explain_rows(self.rows, rows_here[in_row_order])
            words = text_array(explained.reset_index(drop=True).fillna(""))
        else:
            words = pa.array([], _TEXT)
        word_of = np.empty(len(these), dtype=np.int64)  # shown piece -> its words
        word_of[in_row_order] = np.arange(len(these))
        ranks = self.rank[these]
        parts = []
        for r in range(self.items):
            at = np.flatnonzero(ranks == r)
            taken = np.full(k, -1, dtype=np.int64)
            taken[slot[at]] = word_of[at]
            parts.append(pc.take(words, pa.array(taken, mask=taken < 0)))
        more = self.pieces[self.final[positions]] - self.items
        count = pa.array(np.maximum(more, 0), mask=more <= 0).cast(_TEXT)
        parts.append(
            pc.binary_join_element_wise(
                pa.scalar("and ", _TEXT), count, pa.scalar(" more", _TEXT), pa.scalar("", _TEXT)
            )
        )
        return pc.binary_join_element_wise(*parts, pa.scalar("; ", _TEXT), null_handling="skip")
