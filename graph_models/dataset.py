"""The loaded, typed tables of one data folder: what every analysis reads.

A :class:`Dataset` is what :func:`graph_models.load.load_folder` returns and what
the Neo4j reader gives back, so everything downstream works the same whichever
store the rows came from. Raw IDs and names stay beside the pseudonymous
references (DESIGN.md): only an audience decides what leaves the tool.

Tables and their columns (pandas DataFrames, one row per input row that loaded):

``children``
    ``child_id`` (str), ``ref`` (``C-...``), ``display_name``, ``birth_date``
    (datetime64, midnight, naive), ``sex``, ``legal_status`` (``CiC``, ``CP``,
    ``CIN``, ``EH``, ``none``), ``placement_type``, ``home_postcode``,
    ``placement_postcode`` (normalised ``DH1 1AB`` form), ``school``,
    ``ce_risk``, ``exploitation_type``.
``episodes``
    ``episode_id``, ``child_id``, ``child_ref``, ``missing_at`` and
    ``returned_at`` (tz-aware, Europe/London; ``NaT`` = still missing),
    ``missing_from_postcode``, ``found_at_postcode``, ``found_at_place``.
``rthis``
    ``rthi_id``, ``child_id``, ``child_ref``, ``episode_ids`` (tuple of the
    known episode IDs it covers), ``offered_at``, ``completed_at``
    (tz-aware), ``outcome``, ``worker``.
``rthi_episodes``
    ``rthi_id``, ``episode_id``: one row per episode an interview covers
    (the exploded form of ``rthis.episode_ids``, for vectorised joins).
``links``
    ``link_id``, ``child_id``, ``child_ref``, ``recorded_at`` (tz-aware),
    ``target_type``, ``target_ref`` (as given), ``role``, ``episode_id``,
    ``rthi_id``, ``with_during_episode`` (nullable boolean), ``source``,
    ``source_grade``, ``intel_grade``, ``handling`` (``P``/``C``, defaulted as
    SCHEMA.md says), ``unverified`` (bool), ``notes``, and the resolved target:
    ``target_child_id`` / ``target_child_ref`` for ``child`` links,
    ``associate_key`` / ``associate_ref`` for ``associate`` links,
    ``target_postcode`` for ``place`` links whose ``target_ref`` is a postcode.
``places``
    ``place_name``, ``name_key`` (lower case, spaces removed), ``postcode``,
    ``kind``.
``associates``
    ``associate_key`` (``associate_id`` from associates.csv, or the normalised
    ``target_ref`` of an unresolved associate), ``associate_id`` (empty when
    unresolved), ``ref`` (``A-...``), ``label`` (associates.csv label, or the
    ``target_ref`` as first written when unresolved), ``aliases`` (tuple),
    ``role``, ``approx_age``, ``resolved`` (bool).

``rejects`` is the list of :class:`graph_models.rejects.Problem` found while
loading; ``inputs`` maps each input file name to its SHA-256; ``loaded`` maps
each file read (a workbook's sheet as ``book.xlsx[sheet]``) to its
:class:`Loaded` rows of rows read (empty when the tables came from Neo4j).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd

from peermap.graph_models.local_time import LOCAL_TIME_ZONE


class Loaded(NamedTuple):
    """Of one file: how many rows loaded, of how many were read (SCHEMA.md: ``loaded N of M rows``)."""

    loaded: int
    read: int


TABLES = ("children", "episodes", "rthis", "rthi_episodes", "links", "places", "associates")


@dataclass
class Dataset:
    """The typed tables of one data folder (see the module docstring for columns)."""

    children: pd.DataFrame
    episodes: pd.DataFrame
    rthis: pd.DataFrame
    rthi_episodes: pd.DataFrame
    links: pd.DataFrame
    places: pd.DataFrame
    associates: pd.DataFrame
    rejects: list = field(default_factory=list)
    inputs: dict = field(default_factory=dict)
    loaded: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in a fixed order."""
        return {name: getattr(self, name) for name in TABLES}

    def coverage_start(self) -> str | None:
        """The local date of the first episode, ISO text (SCHEMA.md "Periods": where the data's coverage
        starts; a period or bin before it is unknown, never zero). ``None`` when there are no episodes."""
        times = self.episodes["missing_at"].dropna()
        if times.empty:
            return None
        if isinstance(times.dtype, pd.DatetimeTZDtype):
            times = times.dt.tz_convert(LOCAL_TIME_ZONE)
        return times.min().date().isoformat()
