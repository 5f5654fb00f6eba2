"""The network page's time control: each month's ties over the look-back, for the page to redraw any span.

Issue 16 and SCHEMA.md "Periods": meeting and police pages carry a time
control, a range over the look-back window. The window is cut into months
counted back from the period's last day (:func:`mapping.periods.month_slices`),
and each month's ties are found and weighed by the same evidence code as the
period's (:func:`mapping.lookback.ties_by_month`): a month on its own shows
exactly what that month's own pack would. A span of several months draws a
tie when it has evidence in one of them, and its weight is the months' weights
added up (each month weighs its own evidence; nothing is weighed across a
month's edge); it is risk when any month's is, and unverified when every
month's is. When the span is the pack's period the page shows the analysis's
own ties (ties.csv's), so every page agrees on the period.

Only ties between two people the page draws are carried: people active in
other months only are not on the page, and the control says so.

Each pair's records are ``[month, weight, tie_type, unverified, counts]``: the
month's number (earliest 0), its weight (3 places), 0 risk, 1 safety, 2
context, 1 when unverified, and ``[[kind, count], ...]`` for each kind of evidence
it has (the kind's place in :func:`mapping.evidence.kinds.kind_names`).
"""

from __future__ import annotations

import pandas as pd

from peermap.mapping.evidence.kinds import evidence_kinds
from peermap.mapping.evidence.words import STRENGTHS
from peermap.mapping.lookback import ties_by_month
from peermap.mapping.periods import month_slices

#: Tie types as the records code them.
TIE_TYPES = ("risk", "safety", "context")
#: What separates the two references of a pair's key (``a < b``): a character no reference has.
PAIR_SEPARATOR = "|"
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pair_key(a: str, b: str) -> str:
    """One key for a pair, whichever way round it is written."""
    return f"{a}{PAIR_SEPARATOR}{b}" if a < b else f"{b}{PAIR_SEPARATOR}{a}"


def _day(day) -> str:
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def month_words(month) -> str:
    """``Mar 2023`` for a calendar month, ``13 Feb to 12 Mar 2023`` for any other slice."""
    if month.is_month:
        return f"{_MONTH_NAMES[month.start.month - 1]} {month.start.year}"
    start = f"{month.start.day} {_MONTH_NAMES[month.start.month - 1]}"
    if month.start.year != month.end.year:
        start += f" {month.start.year}"
    return f"{start} to {month.end.day} {_MONTH_NAMES[month.end.month - 1]} {month.end.year}"


def _control(months: list, analysis) -> dict:
    """What the control itself needs: the months' words, the period's, and the months that are the period."""
    period = analysis.period
    first = [i for i, month in enumerate(months) if month.start == period.start]
    last = [i for i, month in enumerate(months) if month.end == period.end]
    return {
        "months": [month_words(month) for month in months],
        # a span's words run from its first month's start to its last month's end
        "starts": [month_words(month) if month.is_month else _day(month.start) for month in months],
        "ends": [month_words(month) if month.is_month else _day(month.end) for month in months],
        "period_label": period.label,
        # the months that are the period, when it is whole months (a week is not): there the pack's own figures
        "period_months": [first[0], last[0]] if first and last else None,
        "lookback": analysis.lookback.months,
    }


def timeline(dataset, analysis, node_ids, postcodes=None) -> dict | None:
    """The page's ``time`` block: the months, which is the period, the words, and every pair's records.

    ``dataset`` is the dataset the analysis was made from (restricted for the
    audience); ``analysis`` has a look-back (``None``: no time control, as for the
    board); ``node_ids`` are the people the page draws.
    """
    lookback = analysis.lookback
    if lookback is None:
        return None
    kinds = list(evidence_kinds())
    months = month_slices(lookback.window)
    keep = pd.Index(pd.Series(list(node_ids), dtype=object).unique())
    ties = ties_by_month(dataset, lookback.window, analysis.settings, postcodes, keep=keep)
    counts = ties[[kind.name for kind in kinds]].to_numpy()
    pairs: dict[str, list] = {}
    for i, row in enumerate(ties.itertuples(index=False)):
        record = [
            int(row.month),
            float(row.weight),
            TIE_TYPES.index(row.tie_type),  # the network gives every tie one of the three
            int(bool(row.unverified)),
            [[k, int(n)] for k, n in enumerate(counts[i]) if n],
        ]
        pairs.setdefault(pair_key(str(row.a), str(row.b)), []).append(record)
    return _control(months, analysis) | {
        "kinds": [kind.words for kind in kinds],
        "kinds_one": [kind.words_one or kind.words for kind in kinds],
        "strong": float(analysis.settings.strong_tie_weight),
        "moderate": float(analysis.settings.moderate_tie_weight),
        "strengths": list(STRENGTHS),
        "separator": PAIR_SEPARATOR,
        "pairs": pairs,
    }


#: The map's layers the time control moves: places of concern and safe places, by what puts a child there.
#: Where children live (homes and placements) is not an event in time, and stays as the period has it.
TIMED_ROLES = ("found_at", "frequents", "exploitation_location", "missing_from", "safe_place")


def place_timeline(dataset, analysis, postcodes_shown, include_handling_c: bool, postcodes=None) -> dict | None:
    """The map's ``time`` block: each month's children and episodes at each place the map shows, by role.

    Each month's mentions are placed as the period's are (:func:`geo.places.locate`, the same call
    :func:`geo.hotspots.analyse_places` makes); a place's children over a span are the children of its months
    taken together (each child once), its episodes the months' episodes added up (an episode is in one month).
    Children are carried as numbers that mean nothing outside the page, never their references.
    Records by ``"postcode|role"``: ``[month, [child numbers], episodes]``.
    """
    from peermap.geo.places import locate, place_mentions
    from peermap.geo.postcodes import default_index

    lookback = analysis.lookback
    if lookback is None:
        return None
    months = month_slices(lookback.window)
    index = postcodes if postcodes is not None else default_index()
    raw = place_mentions(dataset, include_handling_c=include_handling_c)
    raw = raw[raw["role"].isin(TIMED_ROLES).to_numpy(dtype=bool)]
    shown = set(postcodes_shown)
    numbers: dict[str, int] = {}
    places: dict[str, list] = {}
    for number, month in enumerate(months):
        found = raw[month.contains(raw["at"]).to_numpy(dtype=bool)]
        if found.empty:
            continue
        placed = locate(found.reset_index(drop=True), dataset.places, index).mentions
        placed = placed[placed["postcode_placed"].isin(shown).to_numpy(dtype=bool)]
        for (postcode, role), group in placed.groupby(["postcode_placed", "role"], sort=True, observed=True):
            children = sorted({numbers.setdefault(ref, len(numbers)) for ref in group["child_ref"].dropna()})
            episodes = int(group["episode_id"].dropna().nunique())
            places.setdefault(f"{postcode}{PAIR_SEPARATOR}{role}", []).append([number, children, episodes])
    return _control(months, analysis) | {
        "separator": PAIR_SEPARATOR,
        "roles": list(TIMED_ROLES),
        "places": places,
    }
