"""The period's rows: the episodes and links one period's evidence is made from, and who they mention."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peermap.graph_models.arrow_text import isin
from peermap.graph_models.dataset import Dataset
from peermap.mapping.periods import Period


@dataclass
class PeriodRows:
    """The episodes and links of one period, with the children and associates they mention."""

    period: Period
    episodes: pd.DataFrame
    links: pd.DataFrame
    children: pd.DataFrame
    associates: pd.DataFrame


def period_rows(dataset: Dataset, period: Period) -> PeriodRows:
    """Episodes whose ``missing_at`` is in the period, and the links that belong to it.

    A link belongs to the period when the episode it relates to does, or, when
    it names no episode, when it was recorded in the period.

    Notes
    -----
    O(n) vectorised filters; a table wholly inside the period is not copied.
    """
    episodes = _rows_where(dataset.episodes, period.contains(dataset.episodes["missing_at"]))
    links = dataset.links
    has_episode = links["episode_id"].notna().to_numpy(dtype=bool)
    in_period = (has_episode & isin(links["episode_id"], episodes["episode_id"])) | (
        ~has_episode & period.contains(links["recorded_at"]).to_numpy(dtype=bool)
    )
    links = _rows_where(links, in_period)
    refs = dataset.children["ref"]
    mentioned = (
        isin(refs, episodes["child_ref"])
        | isin(refs, links["child_ref"])
        | isin(refs, links["target_child_ref"].dropna())
    )
    children = _rows_where(dataset.children, mentioned)
    associates = _rows_where(
        dataset.associates, isin(dataset.associates["associate_key"], links["associate_key"].dropna())
    )
    return PeriodRows(period, episodes, links, children, associates)


def _rows_where(frame: pd.DataFrame, keep) -> pd.DataFrame:
    """``frame[keep]`` numbered from 0; when every row is kept, a new frame sharing the data (no copy made)."""
    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return frame.reset_index(drop=True)
    return frame[keep].reset_index(drop=True)
