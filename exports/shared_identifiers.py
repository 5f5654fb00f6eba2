"""Phones, vehicles and handles shared over the look-back, in words for the police pack's front page.

The analysis finds them (:mod:`mapping.lookback`); this says each count with
its window ("in March 2023", "in the 12 months to 31 March 2023"), so a
one-week pack still shows the phone four children shared over the year. Only
the police audience sees identifiers (DESIGN.md's audience table): the meeting's
analysis never holds any.
"""

from __future__ import annotations

import calendar

import pandas as pd

from peermap.mapping.periods import Period


def _day(day) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def period_words(period: Period) -> str:
    """``in March 2023``, ``on 5 March 2023`` or ``from 6 March 2023 to 12 March 2023``."""
    if period.is_month:
        return f"in {calendar.month_name[period.start.month]} {period.start.year}"
    if period.start == period.end:
        return f"on {_day(period.start)}"
    return f"from {_day(period.start)} to {_day(period.end)}"


def window_words(window: Period, months: int) -> str:
    """``in the 12 months to 31 March 2023`` (``in the month to ...`` for one)."""
    span = "month" if months == 1 else f"{months} months"
    return f"in the {span} to {_day(window.end)}"


def _children(n: int) -> str:
    return f"{n} child" if n == 1 else f"{n} children"


def shared_identifier_words(frame: pd.DataFrame, period: Period, window: Period, months: int, top: int = 20) -> dict:
    """What ``_shared_identifiers.html.j2`` shows: a heading and, per identifier, its counts in words.

    ``frame`` is :attr:`mapping.lookback.Lookback.shared_identifiers`.
    """
    now, over = period_words(period), window_words(window, months)
    rows = [
        {
            "kind": {"online": "handle"}.get(str(r["kind"]), str(r["kind"])),
            "identifier": str(r["identifier"]),
            "now": f"{_children(int(r['children']))} {now}",
            "over": f"{_children(int(r['children_lookback']))} {over}",
            "child_refs": str(r["child_refs"]),
        }
        for r in frame.head(top).to_dict("records")
    ]
    return {
        "heading": f"Phones, vehicles and handles shared by more than one child {over}",
        "rows": rows,
        "more": max(0, len(frame) - top),
        "none": f"None {over}.",
    }
