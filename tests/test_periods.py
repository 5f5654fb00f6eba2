"""Periods (SCHEMA.md "Periods"): local dates, both included; previous period; membership."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from peermap.mapping.periods import Period, PeriodError, resolve_period

D = dt.date


# -- from_month ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2023-03", D(2023, 3, 1), D(2023, 3, 31)),
        ("2023-02", D(2023, 2, 1), D(2023, 2, 28)),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        ("2022-12", D(2022, 12, 1), D(2022, 12, 31)),
        (" 2023-04 ", D(2023, 4, 1), D(2023, 4, 30)),
    ],
)
def test_from_month_is_the_whole_calendar_month(text, start, end):
    assert Period.from_month(text) == Period(start, end)


@pytest.mark.parametrize("text", ["2023-3", "March 2023", "2023-03-01", "202303", "", "2023/03"])
def test_from_month_rejects_other_spellings_with_the_format_in_the_message(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.from_month(text)


@pytest.mark.parametrize("text", ["2023-13", "2023-00"])
def test_from_month_rejects_months_that_do_not_exist(text):
    with pytest.raises(ValueError, match="not a real month"):
        Period.from_month(text)


# -- from_dates ------------------------------------------------------------------


def test_from_dates_takes_text_dates_and_datetimes():
    year = Period(D(2022, 4, 1), D(2023, 3, 31))
    assert Period.from_dates("2022-04-01", "2023-03-31") == year
    assert Period.from_dates(D(2022, 4, 1), D(2023, 3, 31)) == year
    # typer's DateTime option gives datetimes: only the date is used
    assert Period.from_dates(dt.datetime(2022, 4, 1), pd.Timestamp("2023-03-31")) == year
    # 2022-04-01 to 2023-03-31: 30+31+30+31+31+30+31+30+31+31+28+31 = 365 days
    assert year.days == 365


def test_from_dates_one_day_is_allowed():
    day = Period.from_dates("2023-03-05", "2023-03-05")
    assert day.days == 1
    assert day.label == "2023-03-05"


def test_from_dates_rejects_from_after_to():
    with pytest.raises(ValueError, match="2023-03-31 is after the to date 2023-03-01"):
        Period.from_dates("2023-03-31", "2023-03-01")


@pytest.mark.parametrize(
    "bad, message",
    [("31/03/2023", "YYYY-MM-DD"), ("2023-02-30", "not a real date"), ("", "YYYY-MM-DD"), (None, "missing")],
)
def test_from_dates_rejects_unreadable_dates(bad, message):
    with pytest.raises(ValueError, match=message):
        Period.from_dates(bad, "2023-03-31")
    with pytest.raises(ValueError, match=message):
        Period.from_dates("2023-03-01", bad)


def test_period_itself_checks_its_ends():
    with pytest.raises(ValueError, match="starts after it ends"):
        Period(D(2023, 3, 2), D(2023, 3, 1))
    with pytest.raises(TypeError):
        Period("2023-03-01", D(2023, 3, 2))


def test_period_is_frozen_and_hashable():
    p = Period.from_month("2023-03")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.start = D(2023, 1, 1)
    assert {p: 1}[Period.from_dates("2023-03-01", "2023-03-31")] == 1


# -- previous and label -------------------------------------------------------------


@pytest.mark.parametrize(
    "period, previous",
    [
        # a month: the month before, whatever its length (31 days → 28 days)
        (Period.from_month("2023-03"), Period(D(2023, 2, 1), D(2023, 2, 28))),
        (Period.from_month("2023-01"), Period(D(2022, 12, 1), D(2022, 12, 31))),
        (Period.from_month("2024-03"), Period(D(2024, 2, 1), D(2024, 2, 29))),
        # the same month written as dates is the same period
        (Period.from_dates("2023-03-01", "2023-03-31"), Period(D(2023, 2, 1), D(2023, 2, 28))),
        # the report's year: 365 days ending 2022-03-31 starts 2021-04-01
        (Period.from_dates("2022-04-01", "2023-03-31"), Period(D(2021, 4, 1), D(2022, 3, 31))),
        # a week: 7 days ending the day before
        (Period.from_dates("2023-03-10", "2023-03-16"), Period(D(2023, 3, 3), D(2023, 3, 9))),
        # not a whole month (2nd to 31st, 30 days): 30 days ending 1 March → 31 Jan to 1 Mar
        (Period.from_dates("2023-03-02", "2023-03-31"), Period(D(2023, 1, 31), D(2023, 3, 1))),
        (Period.from_dates("2023-03-01", "2023-03-01"), Period(D(2023, 2, 28), D(2023, 2, 28))),
    ],
)
def test_previous(period, previous):
    assert period.previous() == previous
    assert previous.end == period.start - dt.timedelta(days=1)
    if not period.is_month:
        assert previous.days == period.days


def test_labels():
    assert Period.from_month("2023-03").label == "2023-03"
    assert str(Period.from_month("2023-03")) == "2023-03"
    assert Period.from_dates("2022-04-01", "2023-03-31").label == "2022-04-01 to 2023-03-31"
    assert Period.from_dates("2023-03-01", "2023-03-30").label == "2023-03-01 to 2023-03-30"
    assert Period.from_month("2023-03").as_dict() == {"from": "2023-03-01", "to": "2023-03-31"}


# -- contains: the local date of a tz-aware datetime -------------------------------


def _london(*texts):
    return pd.Series(pd.to_datetime(list(texts), utc=True)).dt.tz_convert("Europe/London")


def test_contains_uses_the_local_date_in_summer_time():
    march = Period.from_month("2023-03")
    times = _london(
        "2023-02-28T23:59:59Z",  # GMT: local 28 Feb → out
        "2023-03-01T00:00:00Z",  # local midnight 1 March → in
        "2023-03-31T22:59:59Z",  # BST since 26 March: local 23:59:59 on the 31st → in
        "2023-03-31T23:00:00Z",  # local 00:00 on 1 April → out, though the UTC date is 31 March
    )
    assert march.contains(times).tolist() == [False, True, True, False]


def test_contains_around_the_end_of_summer_time():
    # 2022-10-29T23:30Z is 00:30 BST on Sunday 30 October (clocks go back at 02:00 BST)
    times = _london("2022-10-29T23:30Z", "2022-10-30T23:30Z")  # second: 23:30 GMT on the 30th
    assert Period.from_dates("2022-10-30", "2022-10-30").contains(times).tolist() == [True, True]
    assert Period.from_dates("2022-10-29", "2022-10-29").contains(times).tolist() == [False, False]


def test_contains_handles_missing_values_other_zones_and_keeps_the_index():
    times = pd.Series(pd.to_datetime(["2023-03-15T12:00Z", None, "2023-04-01T00:30+01:00"], utc=True), index=[7, 8, 9])
    result = Period.from_month("2023-03").contains(times)  # a UTC series: still compared by London dates
    assert result.index.tolist() == [7, 8, 9]
    assert result.dtype == bool
    assert result.tolist() == [True, False, False]


def test_contains_takes_naive_times_as_local_wall_clock():
    naive = pd.Series(pd.to_datetime(["2023-03-31T23:30", "2023-04-01T00:00"]))
    assert Period.from_month("2023-03").contains(naive).tolist() == [True, False]


def test_contains_an_empty_series():
    empty = pd.Series([], dtype="datetime64[ns, Europe/London]")
    assert Period.from_month("2023-03").contains(empty).tolist() == []


# -- resolve_period: what the CLI calls ----------------------------------------------


def test_resolve_period_month_or_dates():
    assert resolve_period("2023-03", None, None) == Period.from_month("2023-03")
    assert resolve_period(None, "2022-04-01", "2023-03-31") == Period(D(2022, 4, 1), D(2023, 3, 31))
    assert resolve_period(None, dt.datetime(2022, 4, 1), dt.datetime(2023, 3, 31)).days == 365


def test_resolve_period_errors_are_clear():
    with pytest.raises(PeriodError, match="not both"):
        resolve_period("2023-03", "2023-03-01", "2023-03-31")
    with pytest.raises(PeriodError, match="not both"):
        resolve_period("2023-03", "2023-03-01", None)
    with pytest.raises(PeriodError, match="--from needs --to"):
        resolve_period(None, "2023-03-01", None)
    with pytest.raises(PeriodError, match="--to needs --from"):
        resolve_period(None, None, "2023-03-31")
    with pytest.raises(PeriodError, match="--period YYYY-MM .*--from DATE --to DATE"):
        resolve_period(None, None, None)
    with pytest.raises(PeriodError, match="^--period: .*YYYY-MM"):
        resolve_period("03/2023", None, None)
    with pytest.raises(PeriodError, match="--from 2023-03-31 is after --to 2023-03-01"):
        resolve_period(None, "2023-03-31", "2023-03-01")
    with pytest.raises(PeriodError, match="--to must be a date written YYYY-MM-DD"):
        resolve_period(None, "2023-03-01", "tomorrow")
    # a PeriodError is a ValueError, so callers may catch either
    assert issubclass(PeriodError, ValueError)
