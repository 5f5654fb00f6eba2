"""Reporting periods: local (Europe/London) date ranges, both ends included.

SCHEMA.md "Periods": ``--from DATE --to DATE`` are local dates, both included;
``--period YYYY-MM`` is that calendar month and ``--period YYYY-Www`` that ISO week
(Monday to Sunday). An episode is in a period when the
local date of its ``missing_at`` is. The previous period is the one of the same
length ending the day before; for a calendar month it is the month before.

Examples
--------
>>> p = Period.from_month("2023-03")
>>> p.label, p.previous().label
('2023-03', '2023-02')
>>> year = Period.from_dates("2022-04-01", "2023-03-31")
>>> year.previous().label
'2021-04-01 to 2022-03-31'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from peermap.graph_models.local_time import LOCAL_TIME_ZONE as LONDON

_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")
_WEEK = re.compile(r"^\s*(\d{4})-W(\d{2})\s*$", re.IGNORECASE)
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")

MONTH_EXAMPLE = "2023-03"
WEEK_EXAMPLE = "2023-W10"
RANGE_EXAMPLE = "--from 2022-04-01 --to 2023-03-31"


class PeriodError(ValueError):
    """A period that cannot be read or makes no sense; the message is for the user."""


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date(value: object, what: str = "date") -> dt.date:
    """Read a ``YYYY-MM-DD`` text, a :class:`datetime.date` or a timestamp as a date.

    Examples
    --------
    >>> parse_date("2023-03-31")
    datetime.date(2023, 3, 31)
    """
    if value is None or value is pd.NaT:
        raise PeriodError(f"{what} is missing")
    if isinstance(value, dt.datetime):  # pd.Timestamp too
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    match = _DATE.match(text)
    if not match:
        raise PeriodError(f"{what} must be a date written YYYY-MM-DD, e.g. 2023-03-31; got {text!r}")
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise PeriodError(f"{what} {text.strip()!r} is not a real date") from None


@dataclass(frozen=True, order=True)
class Period:
    """Local dates ``start`` to ``end``, both included.

    Parameters
    ----------
    start, end : datetime.date
        First and last day, Europe/London local dates; ``start <= end``.

    Examples
    --------
    >>> Period.from_dates("2023-03-01", "2023-03-31") == Period.from_month("2023-03")
    True
    """

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                raise TypeError(f"Period.{name} must be a datetime.date, not {type(value).__name__}")
        if self.start > self.end:
            raise PeriodError(
                f"the period starts after it ends: from {self.start.isoformat()} "
                f"to {self.end.isoformat()} (the from date must be on or before the to date)"
            )

    # -- construction -----------------------------------------------------

    @classmethod
    def from_month(cls, text: str) -> Period:
        """The calendar month ``YYYY-MM``.

        Examples
        --------
        >>> Period.from_month("2024-02").end
        datetime.date(2024, 2, 29)
        """
        match = _MONTH.match(str(text))
        if not match:
            raise PeriodError(f"a period must be a month written YYYY-MM, e.g. {MONTH_EXAMPLE}; got {text!r}")
        year, month = (int(part) for part in match.groups())
        if not 1 <= month <= 12 or year < 1:
            raise PeriodError(f"{str(text).strip()!r} is not a real month (months run 01 to 12)")
        return cls(dt.date(year, month, 1), _month_end(year, month))

    @classmethod
    def from_week(cls, text: str) -> Period:
        """The ISO week ``YYYY-Www``, Monday to Sunday (week 1 holds the year's first Thursday).

        Examples
        --------
        >>> Period.from_week("2023-W10").as_dict()
        {'from': '2023-03-06', 'to': '2023-03-12'}
        >>> Period.from_week("2020-W53").label
        '2020-W53'
        """
        match = _WEEK.match(str(text))
        if not match:
            raise PeriodError(f"a week must be written YYYY-Www, e.g. {WEEK_EXAMPLE}; got {text!r}")
        year, week = (int(part) for part in match.groups())
        try:
            start = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            weeks = dt.date(year, 12, 28).isocalendar().week if year >= 1 else 52
            raise PeriodError(
                f"{str(text).strip()!r} is not a real ISO week ({year} has weeks W01 to W{weeks:02d})"
            ) from None
        return cls(start, start + dt.timedelta(days=6))

    @classmethod
    def from_text(cls, text: str) -> Period:
        """``--period``: a calendar month ``YYYY-MM`` or an ISO week ``YYYY-Www``."""
        if _WEEK.match(str(text)):
            return cls.from_week(text)
        if _MONTH.match(str(text)):
            return cls.from_month(text)
        raise PeriodError(
            f"a period is a month written YYYY-MM (e.g. {MONTH_EXAMPLE}) or an ISO week written YYYY-Www "
            f"(e.g. {WEEK_EXAMPLE}); got {text!r}"
        )

    @classmethod
    def from_dates(cls, date_from: object, date_to: object) -> Period:
        """The local dates ``date_from`` to ``date_to``, both included.

        Either may be ``YYYY-MM-DD`` text or a date; ``date_from`` must not be
        after ``date_to``.

        Examples
        --------
        >>> Period.from_dates("2022-04-01", "2023-03-31").days
        365
        """
        start = parse_date(date_from, "the from date")
        end = parse_date(date_to, "the to date")
        if start > end:
            raise PeriodError(
                f"the from date {start.isoformat()} is after the to date {end.isoformat()}; "
                f"both are included, so give the earlier one first, e.g. {RANGE_EXAMPLE}"
            )
        return cls(start, end)

    # -- properties -------------------------------------------------------

    @property
    def days(self) -> int:
        """Number of days, both ends counted."""
        return (self.end - self.start).days + 1

    @property
    def is_month(self) -> bool:
        """True when the period is exactly one calendar month."""
        return self.start.day == 1 and self.end == _month_end(self.start.year, self.start.month)

    @property
    def is_iso_week(self) -> bool:
        """True when the period is exactly one ISO week, Monday to Sunday."""
        return self.start.isoweekday() == 1 and self.days == 7

    @property
    def label(self) -> str:
        """``2023-03`` for a calendar month, ``2023-W10`` for an ISO week, ``2023-03-05`` for one day,
        else ``FROM to TO``."""
        if self.is_month:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        if self.is_iso_week:
            year, week, _ = self.start.isocalendar()
            return f"{year:04d}-W{week:02d}"
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def __str__(self) -> str:
        return self.label

    # -- arithmetic -------------------------------------------------------

    def previous(self) -> Period:
        """The period of the same length ending the day before; for a calendar month, the month before.

        Examples
        --------
        >>> Period.from_month("2023-03").previous()
        Period(start=datetime.date(2023, 2, 1), end=datetime.date(2023, 2, 28))
        >>> Period.from_dates("2023-03-10", "2023-03-16").previous().label
        '2023-03-03 to 2023-03-09'
        """
        if self.is_month:
            last = self.start - dt.timedelta(days=1)
            return Period(last.replace(day=1), last)
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    # -- membership -------------------------------------------------------

    def bounds(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Local midnight at the start and just after the end, tz-aware Europe/London.

        Midnight always exists in the UK (the clocks change at 01:00 and 02:00).
        """
        lower = pd.Timestamp(self.start).tz_localize(LONDON)
        upper = pd.Timestamp(self.end + dt.timedelta(days=1)).tz_localize(LONDON)
        return lower, upper

    def contains(self, times: pd.Series) -> pd.Series:
        """True where a datetime's local (Europe/London) date is in the period; ``NaT`` is False.

        Vectorised: compares against the local midnights bounding the period.
        Naive datetimes are taken as local wall-clock times.

        Examples
        --------
        >>> times = pd.Series(pd.to_datetime(["2023-03-31T22:30Z", "2023-03-31T23:30Z"]))
        >>> Period.from_month("2023-03").contains(times).tolist()  # 23:30Z is 00:30 BST on 1 April
        [True, False]
        """
        series = times if isinstance(times, pd.Series) else pd.Series(times)
        aware = isinstance(series.dtype, pd.DatetimeTZDtype)
        if not aware and not pd.api.types.is_datetime64_dtype(series.dtype):
            series = pd.to_datetime(series)
            aware = isinstance(series.dtype, pd.DatetimeTZDtype)
        if aware:
            lower, upper = self.bounds()
        else:
            lower, upper = pd.Timestamp(self.start), pd.Timestamp(self.end + dt.timedelta(days=1))
        return ((series >= lower) & (series < upper)).fillna(False).astype(bool)

    def as_dict(self) -> dict[str, str]:
        """``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``, as in the kpi JSON."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def resolve_period(period: str | None, date_from: object = None, date_to: object = None) -> Period:
    """The period a command was asked for: ``--period YYYY-MM``, ``--period YYYY-Www`` or ``--from DATE --to DATE``.

    Exactly one of the two forms must be given. Raises :class:`PeriodError`
    (a ``ValueError``) whose message can be shown to the user as it is.

    Examples
    --------
    >>> resolve_period("2023-03", None, None).label
    '2023-03'
    >>> resolve_period(None, "2022-04-01", "2023-03-31").days
    365
    """
    has_period = period is not None and str(period).strip() != ""
    has_from = date_from is not None and str(date_from).strip() != ""
    has_to = date_to is not None and str(date_to).strip() != ""
    if has_period and (has_from or has_to):
        raise PeriodError(
            "give either --period or --from/--to, not both: "
            f"--period {MONTH_EXAMPLE} for a calendar month, --period {WEEK_EXAMPLE} for an ISO week, "
            f"or {RANGE_EXAMPLE}"
        )
    if has_period:
        try:
            return Period.from_text(period)
        except PeriodError as err:
            raise PeriodError(f"--period: {err}") from None
    if has_from != has_to:
        given, missing = ("--from", "--to") if has_from else ("--to", "--from")
        raise PeriodError(f"{given} needs {missing} as well (both dates are included), e.g. {RANGE_EXAMPLE}")
    if not has_from:
        raise PeriodError(
            f"say which period: --period YYYY-MM for a calendar month (e.g. --period {MONTH_EXAMPLE}), "
            f"--period YYYY-Www for an ISO week (e.g. --period {WEEK_EXAMPLE}), "
            f"or --from DATE --to DATE, both included (e.g. {RANGE_EXAMPLE})"
        )
    start = parse_date(date_from, "--from")
    end = parse_date(date_to, "--to")
    if start > end:
        raise PeriodError(
            f"--from {start.isoformat()} is after --to {end.isoformat()}; "
            f"both dates are included, so --from must be on or before --to, e.g. {RANGE_EXAMPLE}"
        )
    return Period(start, end)


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` earlier, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_slices(window: Period) -> list[Period]:
    """The window cut into months counted back from its last day, earliest first (the first may be shorter).

    Examples
    --------
    >>> [p.label for p in month_slices(lookback_window(Period.from_month("2023-03"), 3))]
    ['2023-01', '2023-02', '2023-03']
    >>> [p.as_dict() for p in month_slices(lookback_window(Period.from_week("2023-W10"), 1))]
    [{'from': '2023-02-13', 'to': '2023-03-12'}]
    """
    after = window.end + dt.timedelta(days=1)
    slices, back = [], 0
    while True:
        start = max(_months_back(after, back + 1), window.start)
        end = _months_back(after, back) - dt.timedelta(days=1)
        slices.append(Period(start, end))
        if start <= window.start:
            return slices[::-1]
        back += 1


#: The look-back (SCHEMA.md "Periods") when a command is not given ``--lookback``.
LOOKBACK_MONTHS = 12
#: Weekly bins are used for periods this short or shorter ...
WEEKLY_UP_TO_DAYS = 14
#: ... and then this many weeks end with the period.
WEEKLY_BINS = 12


def lookback_window(period: Period, months: int = LOOKBACK_MONTHS) -> Period:
    """The look-back: ``months`` months ending with the period's last day (and never shorter than the period).

    Examples
    --------
    >>> lookback_window(Period.from_month("2023-03")).as_dict()
    {'from': '2022-04-01', 'to': '2023-03-31'}
    >>> lookback_window(Period.from_week("2023-W10"), 3).as_dict()
    {'from': '2022-12-13', 'to': '2023-03-12'}
    """
    if months < 1:
        raise PeriodError(f"--lookback must be a whole number of months, 1 or more; got {months}")
    start = _months_back(period.end + dt.timedelta(days=1), months)
    return Period(min(start, period.start), period.end)


@dataclass(frozen=True)
class TimeBin:
    """One bin of an emerging hot-spot series: its dates, and whether the data's coverage holds all of it.

    A bin that starts before the data's coverage is partly unknown: its counts are shown as unknown, never as 0.
    """

    period: Period
    covered: bool

    @property
    def label(self) -> str:
        """``2023-03``, ``2023-W10`` or ``to 2023-03-16`` (a month or week not on the calendar's lines)."""
        p = self.period
        return p.label if (p.is_month or p.is_iso_week) else f"to {p.end.isoformat()}"

    @property
    def words(self) -> str:
        """The bin for a sentence: ``March 2023``, ``the week of 6 March 2023``, ``the month to 16 March 2023``."""
        p = self.period
        if p.is_month:
            return f"{calendar.month_name[p.start.month]} {p.start.year}"
        day = f"{p.end.day} {calendar.month_name[p.end.month]} {p.end.year}"
        if p.days <= 7:
            return (
                f"the week of {p.start.day} {calendar.month_name[p.start.month]} {p.start.year}"
                if p.is_iso_week
                else f"the week to {day}"
            )
        return f"the month to {day}"

    def as_dict(self) -> dict:
        """``{"label", "from", "to", "covered"}``, as in ``hotspots.geojson``'s header."""
        return {"label": self.label, **self.period.as_dict(), "covered": self.covered}


def time_bins(period: Period, lookback: int = LOOKBACK_MONTHS, covers_from: str | None = None) -> list[TimeBin]:
    """The bins an emerging hot-spot series is counted over, oldest first, the last ending with the period.

    Months over the look-back; for a period of 14 days or fewer, the 12 weeks ending with it. A bin
    that starts before ``covers_from`` (ISO date: where the data's coverage starts) is not covered.

    Examples
    --------
    >>> [b.label for b in time_bins(Period.from_month("2023-03"), 3)]
    ['2023-01', '2023-02', '2023-03']
    >>> bins = time_bins(Period.from_week("2023-W10"), covers_from="2023-02-01")
    >>> bins[0].label, bins[-1].label, sum(b.covered for b in bins)
    ('2022-W51', '2023-W10', 5)
    """
    after = period.end + dt.timedelta(days=1)
    if period.days <= WEEKLY_UP_TO_DAYS:
        spans = [
            (period.end - dt.timedelta(days=7 * k + 6), period.end - dt.timedelta(days=7 * k))
            for k in range(WEEKLY_BINS)
        ]
    else:
        if lookback < 1:
            raise PeriodError(f"--lookback must be a whole number of months, 1 or more; got {lookback}")
        spans = [(_months_back(after, k + 1), _months_back(after, k) - dt.timedelta(days=1)) for k in range(lookback)]
    start = dt.date.fromisoformat(covers_from) if covers_from else None
    return [TimeBin(Period(a, b), start is None or a >= start) for a, b in reversed(spans)]


def ages_on(birth_dates: pd.Series, day: dt.date) -> pd.Series:
    """Each age in whole years on ``day`` (the end of a period, for a meeting; today, for a worker's page).

    Unknown where the birth date is unknown or after ``day``.

    Examples
    --------
    >>> ages_on(pd.Series(pd.to_datetime(["2007-03-31", "2007-04-01", None])), dt.date(2023, 3, 31)).tolist()
    [16, 15, <NA>]
    """
    birth = pd.to_datetime(pd.Series(birth_dates), errors="coerce")
    if isinstance(birth.dtype, pd.DatetimeTZDtype):
        birth = birth.dt.tz_convert(LONDON).dt.tz_localize(None)
    not_yet = (birth.dt.month * 100 + birth.dt.day) > (day.month * 100 + day.day)
    years = day.year - birth.dt.year - not_yet.astype("Int64")
    years = years.astype("Int64")
    return years.where(years >= 0).astype("Int64")
