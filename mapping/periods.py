"""Reporting periods: local (Europe/London) date ranges, both ends included.

SCHEMA.md "Periods": ``--from DATE --to DATE`` are local dates, both included;
``--period YYYY-MM`` is that calendar month. An episode is in a period when the
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
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")

MONTH_EXAMPLE = "2023-03"
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
    def label(self) -> str:
        """``2023-03`` for a calendar month, ``2023-03-05`` for one day, else ``FROM to TO``."""
        if self.is_month:
            return f"{self.start.year:04d}-{self.start.month:02d}"
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
    """The period a command was asked for: ``--period YYYY-MM`` or ``--from DATE --to DATE``.

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
            f"--period {MONTH_EXAMPLE} for a calendar month, or {RANGE_EXAMPLE}"
        )
    if has_period:
        try:
            return Period.from_month(period)
        except PeriodError as err:
            raise PeriodError(f"--period: {err}") from None
    if has_from != has_to:
        given, missing = ("--from", "--to") if has_from else ("--to", "--from")
        raise PeriodError(f"{given} needs {missing} as well (both dates are included), e.g. {RANGE_EXAMPLE}")
    if not has_from:
        raise PeriodError(
            f"say which period: --period YYYY-MM for a calendar month (e.g. --period {MONTH_EXAMPLE}), "
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
