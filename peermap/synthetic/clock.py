"""The synthetic period as a time axis: float minutes from its first local midnight.

Times are generated as real instants and written as Europe/London local times
without an offset, never in the hour that happens twice in October (so elapsed
hours read back exactly) and so never in the hour skipped in spring either.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from peermap.graph_models.local_time import LOCAL_TIME_ZONE

LONDON = ZoneInfo(LOCAL_TIME_ZONE)
MIN = 60.0  # minutes an hour
DAY = 1440.0


def add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, 28) if day.day > 28 else day.day)


def epoch_minutes(day: date) -> int:
    """UTC minutes since 1970 of local (Europe/London) midnight starting ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=LONDON).timestamp()) // 60


class Clock:
    """The period as float minutes from its first local midnight (a real, elapsed time axis)."""

    def __init__(self, start: date, months: int):
        self.start = start
        self.end = add_months(start, months)  # exclusive
        self.t0 = epoch_minutes(start)
        self.T = float(epoch_minutes(self.end) - self.t0)
        self.month_edges = np.array(
            [epoch_minutes(add_months(start, i)) - self.t0 for i in range(months + 1)], dtype=float
        )
        self.months = months
        # The second 01:00-02:00 of the last Sunday in October is 01:00-02:00 UTC; a local time
        # written there would be read back as the first one (BST), an hour out.
        self.ambiguous = []
        for year in range(start.year - 1, self.end.year + 2):
            last = max(d for d in range(25, 32) if date(year, 10, d).weekday() == 6)
            at = int(datetime(year, 10, last, 1, 0, tzinfo=timezone.utc).timestamp()) // 60
            self.ambiguous.append(float(at - self.t0))

    def fix(self, minutes: np.ndarray) -> np.ndarray:
        """Whole minutes, moved out of the hour that happens twice (NaN stays NaN)."""
        out = np.floor(minutes)
        for at in self.ambiguous:
            out[(out >= at) & (out < at + 60)] += 60
        return out

    def local(self, minutes: np.ndarray) -> np.ndarray:
        """ISO 8601 local wall-clock text without offset; ``""`` for NaN."""
        minutes = np.asarray(minutes, dtype=float)
        ok = ~np.isnan(minutes)
        out = np.full(len(minutes), "", dtype=object)
        if ok.any():
            stamps = pd.to_datetime((minutes[ok] + self.t0).astype(np.int64) * 60, unit="s", utc=True)
            naive = stamps.tz_convert(LONDON).tz_localize(None).to_numpy().astype("datetime64[s]")
            out[ok] = np.datetime_as_string(naive, unit="s").astype(object)
        return out

    def local_hour(self, minutes: np.ndarray) -> np.ndarray:
        """Approximate local hour of day (BST taken as April to October)."""
        hours = (minutes + self.t0) / 60.0
        month = ((minutes / DAY / 30.44) + self.start.month - 1) % 12  # 0 = January
        bst = (month >= 2.9) & (month < 9.9)
        return (hours + bst) % 24


def lognormal_hours(rng, n: int, median: float, sigma: float) -> np.ndarray:
    """``n`` durations in hours, log-normal around ``median``."""
    return median * np.exp(sigma * rng.standard_normal(n))
