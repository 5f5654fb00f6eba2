"""The missing-from-home measures of SCHEMA.md ("Measures (KPI definitions)"), exactly.

:func:`compute_measures` gives the ``peermap kpi --json`` object for one
period: the same measures for all children, children in care (``CiC``) and
everyone else (``other``). It is vectorised (one pass of joins and group-bys),
so a national million episodes takes seconds.

The points the definitions settle and the code follows:

- an interview covering several episodes counts for each of them;
- 72 hours is judged per episode, against that episode's own ``returned_at``;
- an episode is declined only when every interview covering it is declined;
- hours are real elapsed hours (tz-aware subtraction), so an episode across the
  clocks going back in October is an hour longer than its wall-clock times say;
- rounding is half up, computed exactly from whole counts and nanoseconds (never
  Python's round-half-even ``round``), and a zero denominator gives ``None``.

:func:`format_measures` lays the result out for ``peermap kpi`` in a terminal.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from mapping.periods import LONDON, Period

GROUPS = ("all", "CiC", "other")

MEASURES = (
    "children_missing",
    "episodes",
    "average_hours_missing",
    "most_common_age",
    "rthi_offered_pct",
    "rthi_accepted_pct",
    "rthi_completed_pct",
    "rthi_completed_within_72h_pct",
    "episodes_declined",
    "children_declined",
    "interviews_declined",
    "frequently_missing",
)

#: Completed within this many elapsed hours of the episode's return counts as on time.
WITHIN_HOURS = 72

_NS_PER_HOUR = 3_600 * 10**9


# -- rounding -----------------------------------------------------------------


def half_up(value: Fraction | int, places: int = 1) -> float | int:
    """Round an exact non-negative number half up to ``places`` decimals.

    Works on :class:`fractions.Fraction` so that 12.5 → 13 and 6.25 → 6.3
    whatever binary floating point would make of them. ``places=0`` gives an int.

    Examples
    --------
    >>> half_up(Fraction(25, 2), 0), half_up(Fraction(25, 4), 1), half_up(Fraction(200, 3), 1)
    (13, 6.3, 66.7)
    """
    value = Fraction(value)
    scale = 10**places
    scaled = value * scale
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    if places == 0:
        return int(whole)
    return whole / scale


def percentage(numerator: int, denominator: int, places: int = 1) -> float | int | None:
    """``100 × numerator / denominator`` rounded half up; ``None`` when the denominator is 0.

    Examples
    --------
    >>> percentage(1, 8), percentage(1, 8, places=0), percentage(2, 3), percentage(0, 0) is None
    (12.5, 13, 66.7, True)
    """
    if denominator == 0:
        return None
    return half_up(Fraction(100 * int(numerator), int(denominator)), places)


def _exact_sum_ns(durations: pd.Series) -> int:
    """Exact sum of non-null timedeltas in nanoseconds (no int64 overflow at a million rows)."""
    ns = durations.dropna().astype("timedelta64[ns]").astype("int64").to_numpy()
    seconds, rest = np.divmod(ns, 10**9)
    return int(seconds.sum()) * 10**9 + int(rest.sum())


# -- the frames the measures are counted from ----------------------------------


def _counted_episodes(dataset, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per counted episode with its interview flags, and the declined (rthi, episode) pairs."""
    episodes = dataset.episodes
    counted = episodes.loc[period.contains(episodes["missing_at"]), ["episode_id", "child_id", "missing_at", "returned_at"]]
    if "child_ref" in episodes.columns:
        counted = counted.assign(child_ref=episodes.loc[counted.index, "child_ref"])

    children = dataset.children
    kids = pd.DataFrame(
        {
            "child_id": children["child_id"],
            "ref": children["ref"],
            "cic": children["legal_status"].astype("string").str.lower().eq("cic").fillna(False).astype(bool),
            "birth_date": pd.to_datetime(children["birth_date"]),
        }
    )
    ep = counted.merge(kids, on="child_id", how="left")
    if "child_ref" in ep.columns:  # a child missing from children (the loader rejects those) keeps the episode's ref
        ep["ref"] = ep["ref"].fillna(ep.pop("child_ref"))
    ep["cic"] = ep["cic"].fillna(False).astype(bool)

    # every (interview, counted episode) pair: an interview counts for each episode it covers
    cover = dataset.rthi_episodes[["rthi_id", "episode_id"]]
    cover = cover[cover["episode_id"].isin(ep["episode_id"])]
    cover = cover.merge(dataset.rthis[["rthi_id", "offered_at", "outcome", "completed_at"]], on="rthi_id", how="inner")
    cover = cover.merge(ep[["episode_id", "returned_at"]], on="episode_id", how="left")
    outcome = cover["outcome"].astype("string").str.lower()
    declined = outcome.eq("declined").fillna(False).astype(bool)
    completed = outcome.eq("completed").fillna(False).astype(bool)
    offered = cover["offered_at"].notna()
    late = cover["completed_at"] - cover["returned_at"]
    within = completed & (late <= pd.Timedelta(hours=WITHIN_HOURS)).fillna(False).astype(bool)
    pairs = pd.DataFrame(
        {
            "episode_id": cover["episode_id"],
            "covered": True,
            "offered": offered.to_numpy(bool),
            "accepted": (offered & ~declined).to_numpy(bool),
            "completed": completed.to_numpy(bool),
            "within": within.to_numpy(bool),
            "not_declined": (~declined).to_numpy(bool),
        }
    )
    flags = pairs.groupby("episode_id", sort=False).any()
    ep = ep.merge(flags, left_on="episode_id", right_index=True, how="left")
    for column in flags.columns:
        ep[column] = ep[column].fillna(False).astype(bool)
    # declined = covered by at least one interview, and every one of them declined
    ep["declined"] = ep["covered"] & ~ep["not_declined"]

    declined_pairs = cover.loc[declined.to_numpy(bool), ["rthi_id", "episode_id"]].merge(
        ep[["episode_id", "cic"]], on="episode_id", how="left"
    )
    return ep, declined_pairs


def _children(ep: pd.DataFrame) -> pd.DataFrame:
    """One row per missing child: ref, CiC, episodes, declined episodes, age at first counted episode."""
    per = ep.groupby("child_id", sort=False).agg(
        ref=("ref", "first"),
        cic=("cic", "first"),
        birth=("birth_date", "first"),
        first=("missing_at", "min"),
        episodes=("episode_id", "size"),
        declined=("declined", "sum"),
    )
    first = per["first"].dt.tz_convert(LONDON) if isinstance(per["first"].dtype, pd.DatetimeTZDtype) else per["first"]
    birth = pd.to_datetime(per["birth"])
    not_yet = (first.dt.month * 100 + first.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    age = first.dt.year - birth.dt.year - not_yet.astype(int)
    per["age"] = age.where(birth.notna() & (age >= 0))
    return per


def _most_common(ages: pd.Series) -> int | None:
    """Mode of whole-year ages; ties go to the lower age."""
    ages = ages.dropna()
    if ages.empty:
        return None
    counts = ages.astype(int).value_counts()
    return int(counts[counts == counts.max()].index.min())


def _group(ep: pd.DataFrame, per: pd.DataFrame, declined_pairs: pd.DataFrame, top: int | None) -> dict[str, Any]:
    n = len(ep)
    returned = ep["returned_at"].notna()
    hours_n = int(returned.sum())
    average = None
    if hours_n:
        total_ns = _exact_sum_ns(ep.loc[returned, "returned_at"] - ep.loc[returned, "missing_at"])
        average = half_up(Fraction(total_ns, hours_n * _NS_PER_HOUR), 1)
    timely_base = returned & ep["completed"]

    ranked = per.sort_values(["episodes", "declined", "ref"], ascending=[False, False, True], kind="mergesort")
    if top is not None:
        ranked = ranked.head(top)
    frequent = [
        {
            "child": str(ref),
            "episodes": int(episodes),
            "declined": int(declined),
            "declined_pct": percentage(int(declined), int(episodes), places=0),
        }
        for ref, episodes, declined in zip(ranked["ref"], ranked["episodes"], ranked["declined"])
    ]
    return {
        "children_missing": int(len(per)),
        "episodes": int(n),
        "average_hours_missing": average,
        "most_common_age": _most_common(per["age"]),
        "rthi_offered_pct": percentage(int(ep["offered"].sum()), n),
        "rthi_accepted_pct": percentage(int(ep["accepted"].sum()), n),
        "rthi_completed_pct": percentage(int(ep["completed"].sum()), n),
        "rthi_completed_within_72h_pct": percentage(int((timely_base & ep["within"]).sum()), int(timely_base.sum())),
        "episodes_declined": int(ep["declined"].sum()),
        "children_declined": int((per["declined"] > 0).sum()),
        "interviews_declined": int(declined_pairs["rthi_id"].nunique()),
        "frequently_missing": frequent,
    }


def compute_measures(dataset, period: Period, top: int | None = 11) -> dict[str, Any]:
    """The measures of SCHEMA.md for one period, for all children, children in care and others.

    Parameters
    ----------
    dataset : graph_models.dataset.Dataset
        The loaded tables (episodes, children, rthis, rthi_episodes are read).
    period : Period
        Episodes whose ``missing_at`` falls on a local date in it are counted.
    top : int or None, default 11
        How many children ``frequently_missing`` lists (``None``: all).

    Returns
    -------
    dict
        ``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "all": {...}, "CiC": {...},
        "other": {...}}``, each group holding every measure in :data:`MEASURES`;
        JSON-ready (ints, floats, ``None``, lists of dicts).

    Examples
    --------
    >>> from mapping.periods import Period
    >>> kpi = compute_measures(dataset, Period.from_month("2023-03"))  # doctest: +SKIP
    >>> kpi["CiC"]["rthi_completed_within_72h_pct"]  # doctest: +SKIP
    58.3
    """
    if top is not None and (int(top) != top or top < 0):
        raise ValueError(f"top must be a whole number of at least 0, not {top!r}")
    ep, declined_pairs = _counted_episodes(dataset, period)
    per = _children(ep)
    out: dict[str, Any] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    selections = {
        "all": (slice(None), slice(None), slice(None)),
        "CiC": (ep["cic"].to_numpy(), per["cic"].to_numpy(bool), declined_pairs["cic"].fillna(False).to_numpy(bool)),
    }
    selections["other"] = tuple(~mask for mask in selections["CiC"])
    for group in GROUPS:
        ep_mask, per_mask, pair_mask = selections[group]
        out[group] = _group(ep.loc[ep_mask], per.loc[per_mask], declined_pairs.loc[pair_mask], top)
    return out


# -- for people -----------------------------------------------------------------

LABELS = {
    "children_missing": "Children missing",
    "episodes": "Missing episodes",
    "average_hours_missing": "Average hours missing",
    "most_common_age": "Most common age",
    "rthi_offered_pct": "RTHIs offered",
    "rthi_accepted_pct": "RTHIs accepted",
    "rthi_completed_pct": "RTHIs completed",
    "rthi_completed_within_72h_pct": "Completed within 72 hours",
    "episodes_declined": "Episodes with RTHI declined",
    "children_declined": "Children who declined",
    "interviews_declined": "RTHIs declined",
}

GROUP_TITLES = {"all": "All children", "CiC": "Children in care", "other": "Other children"}

#: Shown where a measure has nothing to measure (a zero denominator).
NOT_APPLICABLE = "n/a"


def format_value(measure: str, value: Any) -> str:
    """One measure's value as text: ``66.7%``, ``23.4``, ``15``, or ``n/a`` for ``None``.

    Examples
    --------
    >>> format_value("rthi_offered_pct", 66.7), format_value("average_hours_missing", 25.0)
    ('66.7%', '25.0')
    """
    if value is None:
        return NOT_APPLICABLE
    if measure.endswith("_pct"):
        return f"{value:.1f}%"
    if measure == "average_hours_missing":
        return f"{value:.1f}"
    return str(value)


def measures_rows(measures: dict, previous: dict | None = None) -> list[tuple[str, str, str, str]]:
    """``(label, all, CiC, other)`` text rows, one per measure except ``frequently_missing``.

    With ``previous`` (the result for the previous period) each cell carries the
    earlier value in brackets: ``66.7% (60.0%)``.
    """
    rows = []
    for measure, label in LABELS.items():
        cells = []
        for group in GROUPS:
            cell = format_value(measure, measures[group][measure])
            if previous is not None:
                cell += f" ({format_value(measure, previous[group][measure])})"
            cells.append(cell)
        rows.append((label, *cells))
    return rows


def format_measures_table(measures: dict, previous: dict | None = None):
    """A :class:`rich.table.Table` of the measures, all / CiC / other side by side."""
    from rich.table import Table

    title = f"Missing from home, {measures['from']} to {measures['to']}"
    caption = f"{NOT_APPLICABLE}: nothing to measure in the period."
    if previous is not None:
        caption = f"In brackets: {previous['from']} to {previous['to']}. " + caption
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    table.add_column("Measure")
    for group in GROUPS:
        table.add_column(GROUP_TITLES[group], justify="right")
    for row in measures_rows(measures, previous):
        table.add_row(*row)
    return table


def format_frequently_missing_table(measures: dict, group: str = "all", show_refs: bool = True):
    """A :class:`rich.table.Table` of one group's ``frequently_missing`` list.

    ``show_refs=False`` shows ranks only (for audiences that see no references).
    """
    from rich.table import Table

    rows = measures[group]["frequently_missing"]
    table = Table(title=f"Frequently missing: {GROUP_TITLES[group].lower()}", title_justify="left")
    table.add_column("#", justify="right")
    if show_refs:
        table.add_column("Child")
    table.add_column("Episodes", justify="right")
    table.add_column("Declined", justify="right")
    table.add_column("Declined %", justify="right")
    for rank, row in enumerate(rows, start=1):
        cells = [str(rank)]
        if show_refs:
            cells.append(row["child"])
        cells += [str(row["episodes"]), str(row["declined"]), f"{row['declined_pct']}%"]
        table.add_row(*cells)
    return table


def format_measures(measures: dict, previous: dict | None = None, show_refs: bool = True):
    """Everything ``peermap kpi`` prints: the measures table then each group's frequently missing.

    Returns a :class:`rich.console.Group`, ready for ``Console().print``.
    """
    from rich.console import Group

    parts = [format_measures_table(measures, previous)]
    for group in GROUPS:
        if measures[group]["frequently_missing"]:
            parts.append(format_frequently_missing_table(measures, group, show_refs))
    return Group(*parts)
