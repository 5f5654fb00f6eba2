"""One audience's view of one period, made once; every writer of files and pages reads only this.

DESIGN.md's data flow: data folder → :class:`~graph_models.dataset.Dataset` →
analysis results (:mod:`mapping.analysis`, plain objects, nothing written) →
an :class:`AudienceView` per audience → the writers in ``exports/``. The view
is where the audience's rules meet the results: the dataset is restricted
*before* the analysis (what an audience may not see must not shape what it is
shown), the places and hot spots are worked out from that same restricted
dataset, and the board's suppression of its district counts is decided once,
so the files and the pages cannot disagree.

Examples
--------
>>> view = audience_view(dataset, Period.from_month("2023-03"), "meeting")  # doctest: +SKIP
>>> view.analysis.clusters.head()                                          # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from peermap.exports.audiences import AudiencePolicy, associate_names, audience_policy, restrict_dataset
from peermap.exports.board import BoardDistricts, board_districts
from peermap.geo.districts import district_table
from peermap.geo.hotspots import PlacesResult
from peermap.geo.postcodes import PostcodeIndex
from peermap.graph_models.dataset import Dataset
from peermap.mapping.analysis import Analysis, analyse, places_of
from peermap.mapping.periods import LOOKBACK_MONTHS, Period
from peermap.mapping.settings import EvidenceSettings


@dataclass(frozen=True)
class AudienceView:
    """What one audience may see of one period.

    Attributes
    ----------
    policy : the audience's rules (:func:`exports.audiences.audience_policy`).
    dataset : every loaded table (the measures count every episode; names are looked up here).
    restricted : the tables the analysis was made from (:func:`exports.audiences.restrict_dataset`).
    analysis : the period's peer-network analysis of ``restricted``.
    places : the period's places and hot-spot areas, told the clusters ``analysis`` found.
    shown : associates' names as this audience may see them (:func:`exports.audiences.associate_names`).
    districts : the board's district counts with their suppression (``None`` for other audiences).
    """

    policy: AudiencePolicy
    dataset: Dataset
    restricted: Dataset
    analysis: Analysis
    places: PlacesResult
    shown: pd.Series
    districts: BoardDistricts | None = None

    @property
    def audience(self) -> str:
        return self.policy.name

    @property
    def period(self) -> Period:
        return self.analysis.period

    @property
    def lookback(self) -> int | None:
        """The look-back in months (``None`` for the board: one fixed period)."""
        return self.places.lookback

    def settings(self) -> dict:
        """Every setting the results were made with, for the manifest: ``evidence`` and ``hot_spots``."""
        return {"evidence": self.analysis.settings.as_dict(), "hot_spots": self.places.settings.as_dict()}


def analyse_for_audience(
    dataset: Dataset,
    period: Period,
    audience: str,
    settings: EvidenceSettings | None = None,
    postcodes: PostcodeIndex | None = None,
    **kwargs,
) -> Analysis:
    """:func:`mapping.analysis.analyse` on the dataset restricted for ``audience``.

    Likely duplicate associates are looked for only when the audience may see
    associates' raw names (the police), unless ``duplicates`` says otherwise;
    the board sees no clusters or changes, so no previous period is analysed for it.
    """
    policy = audience_policy(audience)
    kwargs.setdefault("duplicates", policy.unresolved_names)
    kwargs.setdefault("previous", policy.people)
    if not policy.people:
        kwargs["lookback"] = None  # the board: one fixed period, no look-back figures (SCHEMA.md)
    return analyse(restrict_dataset(dataset, policy), period, settings, postcodes, **kwargs)


def refuse_hidden_handling(analysis: Analysis, policy: AudiencePolicy) -> None:
    """Raise ValueError when ``analysis`` was built from intelligence the audience may not see (handling ``C``
    for a meeting): what an audience may not see must not shape what it is shown."""
    hidden = set(analysis.handling_codes) - set(policy.handling)
    if hidden and policy.people:
        raise ValueError(
            f"this analysis was built from handling {', '.join(sorted(hidden))} intelligence, which the "
            f"{policy.name} audience may not see: analyse the dataset restricted for it "
            "(analyse_for_audience)"
        )


def audience_view(
    dataset: Dataset,
    period: Period,
    audience: str,
    *,
    names: bool = False,
    settings: EvidenceSettings | None = None,
    postcodes: PostcodeIndex | None = None,
    analysis: Analysis | None = None,
    timings: dict | None = None,
    lookback: int = LOOKBACK_MONTHS,
    covers_from: str | None = None,
    **kwargs,
) -> AudienceView:
    """Make the view of ``period`` for ``audience``: restrict, analyse (unless ``analysis`` is given), place.

    ``kwargs`` go to :func:`analyse_for_audience`; ``timings``, when given,
    gets the seconds of the ``analysis`` and ``hot spots`` stages. ``lookback``
    (months) and ``covers_from`` (where the data's coverage starts) shape the hot
    spots' fixed areas and series; the board gets one fixed period, no look-back.

    Raises
    ------
    ValueError
        when ``analysis`` was built from intelligence the audience may not see
        (handling ``C`` for a meeting): analyse the restricted dataset instead.
    """
    policy = audience_policy(audience, names=names)
    restricted = restrict_dataset(dataset, policy)
    clock = time.perf_counter()
    if analysis is None:
        analysis = analyse_for_audience(dataset, period, audience, settings, postcodes, lookback=lookback, **kwargs)
    refuse_hidden_handling(analysis, policy)
    if timings is not None:
        timings["analysis"] = time.perf_counter() - clock
    clock = time.perf_counter()
    places = places_of(
        analysis,
        restricted,
        postcodes,
        include_handling_c="C" in policy.handling,
        lookback=lookback if policy.people else None,
        covers_from=covers_from,
    )
    if timings is not None:
        timings["hot spots"] = time.perf_counter() - clock
    districts = None if policy.people else board_districts(district_table(places))
    return AudienceView(
        policy, dataset, restricted, analysis, places, associate_names(dataset.associates, policy), districts
    )
