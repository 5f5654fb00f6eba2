"""The missing-from-home measures of SCHEMA.md ("Measures (KPI definitions)"), exactly.

:func:`compute_measures` gives the ``peermap kpi --json`` object for one
period: the same measures for all children, children in care (``CiC``) and
everyone else (``other``). It is vectorised, so a national million episodes
takes a second or two: IDs are matched with hash look-ups and everything after
is numpy arrays, with no Python loop over episodes.

The points the definitions settle and the code follows:

- an interview covering several episodes counts for each of them;
- 72 hours is judged per episode, against that episode's own ``returned_at``
  (an interview completed before that return counts as within: it is not late);
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

from peermap.graph_models.distinct_numbers import distinct_numbers
from peermap.mapping.periods import LONDON, Period

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


def _exact_sum_ns(durations: np.ndarray) -> int:
    """Exact sum of ``timedelta64[ns]`` values in nanoseconds (no int64 overflow at a million rows)."""
    ns = durations.astype("timedelta64[ns]").view(np.int64)
    seconds, rest = np.divmod(ns, 10**9)
    return int(seconds.sum()) * 10**9 + int(rest.sum())


# -- the arrays the measures are counted from -------------------------------------


def _utc(values: pd.Series) -> np.ndarray:
    """Datetimes as a numpy ``datetime64[ns]`` array in UTC (``NaT`` kept), for exact elapsed time.

    Tz-aware values (what a Dataset holds) are converted; naive ones are taken
    as Europe/London wall-clock time, as SCHEMA.md reads them.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if not isinstance(series.dtype, pd.DatetimeTZDtype) and not pd.api.types.is_datetime64_dtype(series.dtype):
        series = pd.to_datetime(series)
    if not isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(
            LONDON, ambiguous=np.ones(len(series), dtype=bool), nonexistent=pd.Timedelta(hours=1)
        )
    return series.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def _positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Row position in ``keys`` of each of ``values`` (-1 where absent): a hash join without a merge.

    IDs are unique in a loaded Dataset; should one repeat, its first row wins, as in the loader.
    """
    index = pd.Index(keys)
    if index.is_unique:
        return index.get_indexer(values)
    first = np.flatnonzero(~index.duplicated(keep="first"))
    found = index[first].get_indexer(values)
    return np.where(found >= 0, first[found], -1)


def _take(values: np.ndarray, positions: np.ndarray, fill) -> np.ndarray:
    """``values[positions]``, with ``fill`` where a position is -1."""
    if not len(values):
        return np.full(len(positions), fill)
    out = values[np.where(positions >= 0, positions, 0)]  # fancy indexing copies
    out[positions < 0] = fill
    return out


class _Counted:
    """Per counted episode, per missing child and per declined (interview, episode) pair arrays."""

    def __init__(self, dataset, period: Period):
        episodes = dataset.episodes
        counted = episodes.loc[period.contains(episodes["missing_at"]).to_numpy(bool)]
        n = len(counted)
        self.missing = _utc(counted["missing_at"])
        self.returned = _utc(counted["returned_at"]) if n else np.array([], dtype="datetime64[ns]")

        # the child of each episode: in care or not, reference, birth date
        children = dataset.children
        child_pos = _positions(children["child_id"], counted["child_id"])
        in_care = children["legal_status"].astype("string").str.lower().eq("cic").fillna(False).to_numpy(bool)
        codes, _ = pd.factorize(counted["child_id"])
        k = int(codes.max()) + 1 if n else 0
        # one child position per child code (every episode of a child gives the same one)
        per_child_pos = np.full(k, -1, dtype=np.int64)
        per_child_pos[codes] = child_pos
        self.child_cic = _take(in_care, per_child_pos, False).astype(bool)
        self.cic = self.child_cic[codes] if n else np.zeros(0, dtype=bool)
        refs = children["ref"].astype(object).to_numpy()
        self.child_ref = _take(refs, per_child_pos, None)
        no_ref = pd.isna(self.child_ref)
        if "child_ref" in counted.columns and no_ref.any():
            # a child missing from children (the loader rejects those): the episode's own ref
            own = np.empty(k, dtype=object)
            own[codes] = counted["child_ref"].astype(object).to_numpy()
            self.child_ref = np.where(no_ref, own, self.child_ref)

        # every (interview, counted episode) pair: an interview counts for each episode it covers
        cover = dataset.rthi_episodes
        rthis = dataset.rthis
        e_pos = _positions(counted["episode_id"], cover["episode_id"]) if n else np.full(len(cover), -1)
        r_pos = _positions(rthis["rthi_id"], cover["rthi_id"]) if len(rthis) else np.full(len(cover), -1)
        keep = (e_pos >= 0) & (r_pos >= 0)
        e_pos, r_pos = e_pos[keep], r_pos[keep]
        outcome = rthis["outcome"].astype("string").str.lower()
        declined = outcome.eq("declined").fillna(False).to_numpy(bool)[r_pos]
        completed = outcome.eq("completed").fillna(False).to_numpy(bool)[r_pos]
        offered = rthis["offered_at"].notna().to_numpy(bool)[r_pos]
        completed_at = _utc(rthis["completed_at"])[r_pos] if len(rthis) else np.array([], dtype="datetime64[ns]")
        late = completed_at - self.returned[e_pos]
        # "no more than 72 elapsed hours after" the return; NaT (no return) is never within
        within = completed & ~np.isnat(late) & (late <= np.timedelta64(WITHIN_HOURS, "h"))

        def any_per_episode(flag: np.ndarray) -> np.ndarray:
            out = np.zeros(n, dtype=bool)
            out[e_pos[flag]] = True
            return out

        self.covered = any_per_episode(np.ones(len(e_pos), dtype=bool))
        self.offered = any_per_episode(offered)
        self.accepted = any_per_episode(offered & ~declined)
        self.completed = any_per_episode(completed)
        self.within = any_per_episode(within)
        # declined = covered by at least one interview, and every one of them declined
        self.declined = self.covered & ~any_per_episode(~declined)
        self.declined_rthi = r_pos[declined]
        self.declined_rthi_cic = self.cic[e_pos[declined]]

        # per child: episodes, declined episodes, age at the first counted episode
        self.child_episodes = np.bincount(codes, minlength=k)
        self.child_declined = np.bincount(codes, weights=self.declined, minlength=k).astype(np.int64)
        first = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, codes, self.missing.view(np.int64))
        local = pd.Series(pd.to_datetime(first.view("datetime64[ns]"))).dt.tz_localize("UTC").dt.tz_convert(LONDON)
        birth = pd.Series(pd.to_datetime(children["birth_date"]).to_numpy(dtype="datetime64[ns]"))
        birth = pd.Series(_take(birth.to_numpy(), per_child_pos, np.datetime64("NaT")))
        not_yet = (local.dt.month * 100 + local.dt.day).to_numpy() < (birth.dt.month * 100 + birth.dt.day).to_numpy()
        age = (local.dt.year.to_numpy() - birth.dt.year.to_numpy() - not_yet).astype(float)
        age[birth.isna().to_numpy() | (age < 0)] = np.nan
        self.child_age = age


def _most_common(ages: np.ndarray) -> int | None:
    """Mode of whole-year ages; ties go to the lower age."""
    ages = ages[~np.isnan(ages)].astype(np.int64)
    if not len(ages):
        return None
    values, counts = np.unique(ages, return_counts=True)  # values ascending
    return int(values[np.argmax(counts)])  # argmax gives the first (lowest) of equal counts


def _ranked(refs: np.ndarray, episodes: np.ndarray, declined: np.ndarray, top: int | None) -> list[dict]:
    """Most episodes first; ties: more declined, then reference; the first ``top``."""
    candidates = np.arange(len(refs))
    if top is not None and len(refs) > top:
        if top == 0:
            return []
        cut = np.partition(episodes, len(episodes) - top)[len(episodes) - top]
        candidates = candidates[episodes >= cut]  # only these can make the top
    frame = pd.DataFrame(
        {"child": refs[candidates].astype(str), "episodes": episodes[candidates], "declined": declined[candidates]}
    )
    frame = frame.sort_values(["episodes", "declined", "child"], ascending=[False, False, True], kind="mergesort")
    if top is not None:
        frame = frame.head(top)
    return [
        {
            "child": child,
            "episodes": int(n),
            "declined": int(d),
            "declined_pct": percentage(int(d), int(n), places=0),
        }
        for child, n, d in zip(frame["child"], frame["episodes"], frame["declined"])
    ]


def _bases(c: _Counted, episodes: np.ndarray, children: np.ndarray) -> dict:
    """What each percentage and statistic is counted over: ``(numerator, denominator)`` of each percentage,
    and how many episodes or children each statistic is over (the board's suppression needs them)."""
    n = int(episodes.sum())
    returned = episodes & ~np.isnat(c.returned)
    judged = returned & c.completed
    return {
        "average_hours_missing": int(returned.sum()),
        "most_common_age": int((~np.isnan(c.child_age[children])).sum()),
        "rthi_offered_pct": (int((episodes & c.offered).sum()), n),
        "rthi_accepted_pct": (int((episodes & c.accepted).sum()), n),
        "rthi_completed_pct": (int((episodes & c.completed).sum()), n),
        "rthi_completed_within_72h_pct": (int((judged & c.within).sum()), int(judged.sum())),
    }


def _group(c: _Counted, episodes: np.ndarray, children: np.ndarray, pairs: np.ndarray, top: int | None) -> dict:
    """Every measure over the selected episodes, children and declined pairs."""
    n = int(episodes.sum())
    returned = episodes & ~np.isnat(c.returned)
    hours_n = int(returned.sum())
    average = None
    if hours_n:
        total_ns = _exact_sum_ns(c.returned[returned] - c.missing[returned])
        average = half_up(Fraction(total_ns, hours_n * _NS_PER_HOUR), 1)
    bases = _bases(c, episodes, children)
    return {
        "children_missing": int(children.sum()),
        "episodes": n,
        "average_hours_missing": average,
        "most_common_age": _most_common(c.child_age[children]),
        **{
            m: percentage(*bases[m])
            for m in ("rthi_offered_pct", "rthi_accepted_pct", "rthi_completed_pct", "rthi_completed_within_72h_pct")
        },
        "episodes_declined": int((episodes & c.declined).sum()),
        "children_declined": int((children & (c.child_declined > 0)).sum()),
        "interviews_declined": int(distinct_numbers(c.declined_rthi[pairs]).size),
        "frequently_missing": _ranked(
            c.child_ref[children], c.child_episodes[children], c.child_declined[children], top
        ),
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
    >>> from peermap.mapping.periods import Period
    >>> kpi = compute_measures(dataset, Period.from_month("2023-03"))  # doctest: +SKIP
    >>> kpi["CiC"]["rthi_completed_within_72h_pct"]  # doctest: +SKIP
    58.3
    """
    if top is not None and (int(top) != top or top < 0):
        raise ValueError(f"top must be a whole number of at least 0, not {top!r}")
    counted = _Counted(dataset, period)
    out: dict[str, Any] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    everyone = (np.ones_like(counted.cic), np.ones_like(counted.child_cic), np.ones_like(counted.declined_rthi_cic))
    in_care = (counted.cic, counted.child_cic, counted.declined_rthi_cic)
    selections = {"all": everyone, "CiC": in_care, "other": tuple(~mask for mask in in_care)}
    for group in GROUPS:
        out[group] = _group(counted, *selections[group], top)
    return out


def measure_bases(dataset, period: Period) -> dict[str, dict]:
    """For each group, what each percentage and statistic of :func:`compute_measures` is counted over.

    ``{"all": {"rthi_offered_pct": (numerator, denominator), ..., "average_hours_missing": episodes with a
    return, "most_common_age": children with a birth date}, "CiC": ..., "other": ...}``: what the board's
    suppression needs (SCHEMA.md, "The board audience"), never shown itself.
    """
    counted = _Counted(dataset, period)
    everyone = (np.ones_like(counted.cic), np.ones_like(counted.child_cic))
    in_care = (counted.cic, counted.child_cic)
    selections = {"all": everyone, "CiC": in_care, "other": tuple(~mask for mask in in_care)}
    return {group: _bases(counted, *selections[group]) for group in GROUPS}


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
