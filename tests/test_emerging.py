"""Emerging hot spots: planted space-time patterns over a year each get the right pattern, series and test."""

from __future__ import annotations

import math

import numpy as np
import pymannkendall
import pytest
from place_folders import E0, N0, finds, load, make_index
from scipy.stats import norm

from peermap.exports.geojson import hotspot_features, hotspot_table
from peermap.geo.emerging import classify, mann_kendall
from peermap.geo.hotspots import analyse_places
from peermap.mapping.periods import Period, time_bins

MARCH = Period.from_month("2023-03")
MONTHS = [f"2022-{m:02d}" for m in range(4, 13)] + [f"2023-{m:02d}" for m in range(1, 4)]

#: Children found at each place in each month from April 2022 to March 2023, and the pattern expected in March.
PLAN = {
    "XY1 1AA": ((0,) * 11 + (3,), "new"),  # active only this month
    "XY1 1AB": ((2,) * 12, "persistent"),  # steady all year
    "XY1 1AD": ((1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6), "intensifying"),  # growing all year; March equals February
    "XY1 1AE": ((8, 8, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3), "diminishing"),  # shrinking all year but still busy
    "XY1 1AF": ((1, 0, 2, 0, 1, 0, 0, 2, 0, 1, 0, 2), "sporadic"),  # on and off
    "XY1 1AG": ((2,) * 11 + (0,), "historical"),  # busy all year, stopped this month
    "XY1 1AH": ((0,) * 9 + (1, 2, 1), "consecutive"),  # every month since January, never before
}
#: Decoys: busy once, long ago (not shown: nothing now and not historical), and busy only before the window.
DECOYS = {"XY1 1AJ": (1,) + (0,) * 11, "XY1 1AL": (0,) * 12}


def _folder(tmp_path, plan: dict[str, tuple], start_month: int = 0):
    points = {pc: (E0 + 5000 * k, N0) for k, pc in enumerate(plan)}
    index = make_index(tmp_path / "index", points)
    children, episodes, k = [], [], 0
    for pc, counts in plan.items():
        for month, n in list(zip(MONTHS, counts))[start_month:]:
            more_children, more_episodes = finds([pc], month=month, first_child=k, per_place=n)
            children += more_children
            episodes += more_episodes
            k += n
    return children, episodes, index


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("emerging")
    plan = {pc: counts for pc, (counts, _) in PLAN.items()} | DECOYS
    children, episodes, index = _folder(tmp_path, plan)
    # one more decoy before the window opens (March 2022): it must not reach the year's areas
    more_children, more_episodes = finds(["XY1 1AL"] * 4, month="2022-03", first_child=9000)
    dataset = load(tmp_path / "data", children + more_children, episodes + more_episodes)
    return analyse_places(dataset, MARCH, postcodes=index, covers_from="2022-04-01")


def test_each_planted_pattern_is_found(planted):
    got = planted.areas.set_index("postcodes")
    print("\n" + got[["children", "series", "pattern", "mk_tau", "mk_p_adjusted", "pattern_sentence"]].to_string())
    for pc, (counts, pattern) in PLAN.items():
        assert got.loc[pc, "pattern"] == pattern, pc
        assert list(got.loc[pc, "series"]) == list(counts), pc
        assert got.loc[pc, "children"] == counts[-1], pc  # the final bin is the period: one count
        assert got.loc[pc, "window_children"] == sum(counts), pc  # one new child per find
    # the decoys are not areas of March: one was busy once long ago, the other only before the window
    assert not set(DECOYS) & set(got.index)
    assert [b.label for b in planted.bins] == MONTHS


def test_sentences_name_their_months(planted):
    got = planted.areas.set_index("postcodes")["pattern_sentence"]
    assert got["XY1 1AD"] == "more children found here month by month since April 2022; 6 children in March 2023"
    assert got["XY1 1AE"] == "fewer children found here month by month since April 2022; still 3 children in March 2023"
    assert got["XY1 1AG"] == "children found here in 11 of the 11 months before March 2023, none in March 2023"
    assert got["XY1 1AA"] == "3 children found here in March 2023; none in the 11 months before"
    assert got["XY1 1AH"] == "children found here every month since January 2023; 1 child in March 2023"


def test_trend_statistic_and_adjusted_p_value_by_hand(planted):
    got = planted.areas.set_index("postcodes")
    # 1,1,2,2,...,6,6: of the 66 pairs, 6 are ties and the other 60 rise, so S = 60 and tau = 60 / 66;
    # Var(S) = [n(n-1)(2n+5) - 6 ties x 2(1)(9)] / 18 = (3828 - 108) / 18; z = (S - 1) / sqrt(Var(S))
    s, var = 60, (12 * 11 * 29 - 6 * 2 * 1 * 9) / 18
    z = (s - 1) / math.sqrt(var)
    assert got.loc["XY1 1AD", "mk_s"] == s
    assert got.loc["XY1 1AD", "mk_tau"] == pytest.approx(60 / 66)
    assert got.loc["XY1 1AD", "mk_p"] == pytest.approx(2 * norm.sf(z), rel=1e-9)
    # Benjamini-Hochberg over every fixed area tested (those shown and those not): p(i) x m / i, then the
    # running minimum from the largest down
    tested = _all_raw_p_values(planted)
    m = len(tested)
    ranked = np.sort(tested)
    adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1].clip(max=1)
    want = adjusted[np.searchsorted(ranked, got.loc["XY1 1AD", "mk_p"])]
    assert got.loc["XY1 1AD", "mk_p_adjusted"] == pytest.approx(want, rel=1e-9)
    assert got.loc["XY1 1AD", "mk_p_adjusted"] < 0.05 < got.loc["XY1 1AF", "mk_p_adjusted"]


def _all_raw_p_values(result) -> np.ndarray:
    """The raw p-values of every area tested, worked out by hand from the planted series (shown areas from the
    result; the one decoy with a series inside the window, 1 then 0 x 11, from its own S)."""
    shown = result.areas["mk_p"].to_numpy(float)
    # decoy XY1 1AJ: 1,0,...,0: the 11 pairs with the first fall, the 55 others tie; ties: one group of 11
    s, var = -11, (12 * 11 * 29 - 11 * 10 * 27) / 18
    decoy = 2 * norm.sf((abs(s) - 1) / math.sqrt(var))
    return np.append(shown, decoy)


def test_a_folder_whose_coverage_starts_mid_window(tmp_path):
    # data from October 2022 only: April to September are unknown, not "none"
    plan = {"XY1 1AA": (2,) * 12, "XY1 1AB": (0,) * 11 + (1,)}
    children, episodes, index = _folder(tmp_path, plan, start_month=6)
    dataset = load(tmp_path / "data", children, episodes)
    # coverage starts at the first episode (3 October): October is partly unknown, so 5 months are known
    result = analyse_places(dataset, MARCH, postcodes=index).areas.set_index("postcodes")
    assert list(result.loc["XY1 1AA", "series"]) == [None] * 7 + [2] * 5
    assert result.loc["XY1 1AA", "pattern"] == "too few periods"
    assert "only 5 months of data" in result.loc["XY1 1AA", "pattern_sentence"]
    assert math.isnan(result.loc["XY1 1AA", "mk_p"])
    # told that coverage starts on 1 October, six months are known: enough for a pattern
    told = analyse_places(dataset, MARCH, postcodes=index, covers_from="2022-10-01").areas.set_index("postcodes")
    assert list(told.loc["XY1 1AA", "series"]) == [None] * 6 + [2] * 6
    assert told.loc["XY1 1AA", "pattern"] == "persistent"
    assert told.loc["XY1 1AB", "pattern"] == "new"


def test_weekly_bins_for_an_iso_week(tmp_path):
    # one child found on the 3rd of every month; the ISO week 2023-W09 (27 February to 5 March) holds 3 March
    children, episodes, index = _folder(tmp_path, {"XY1 1AA": (1,) * 12})
    week = Period.from_text("2023-W09")
    result = analyse_places(load(tmp_path / "data", children, episodes), week, postcodes=index)
    labels = [b.label for b in result.bins]
    assert labels[0] == "2022-W50" and labels[-1] == "2023-W09" and len(labels) == 12
    assert result.bins == time_bins(week, covers_from="2022-04-03")
    # the weeks holding a 3rd of the month (3 January, 3 February, 3 March) have one child each
    thirds = [int(any(b.period.start <= day <= b.period.end for day in _thirds(b))) for b in result.bins]
    area = result.areas.iloc[0]
    assert list(area["series"]) == thirds and sum(thirds) == 3
    assert area["pattern"] == "sporadic"
    assert area["pattern_sentence"] == (
        "children found here on and off: in 3 of 12 weeks; 1 child in the week of 27 February 2023"
    )


def _thirds(b):
    import datetime as dt

    return [dt.date(d.year, d.month, 3) for d in (b.period.start, b.period.end)]


def test_the_geojson_and_csv_carry_the_series(planted):
    fc = hotspot_features(planted, "police")
    assert [b["label"] for b in fc["bins"]] == MONTHS and fc["lookback"] == 12
    assert fc["window"] == {"from": "2022-04-01", "to": "2023-03-31"}
    table = hotspot_table(planted, "police")
    for feature, (_, row) in zip(fc["features"], table.iterrows()):
        p = feature["properties"]
        assert isinstance(p["series"], list)
        assert [row[f"children_{m}"] for m in MONTHS] == p["series"]
        assert row["pattern"] == p["pattern"]
        joint = np.array(p["by_weekday_hour"])
        assert joint.sum(axis=1).tolist() == p["by_weekday"] and joint.sum(axis=0).tolist() == p["by_hour"]
    with pytest.raises(ValueError):
        hotspot_table(planted, "board")


def test_classify_rules_in_order():
    a = np.array(
        [
            [0, 0, 0, 0, 0, 1],  # new
            [1, 1, 1, 1, 1, 1],  # persistent, and with a rising trend intensifying
            [0, 0, 0, 1, 1, 1],  # consecutive, and with a rising trend intensifying (half the bins)
            [0, 0, 0, 0, 1, 1],  # consecutive, never intensifying (under half the bins)
            [1, 1, 1, 1, 1, 0],  # historical
            [1, 0, 0, 0, 0, 0],  # no pattern
        ],
        bool,
    )
    none = np.zeros(len(a), bool)
    assert classify(a, none, none).tolist() == [
        "new",
        "persistent",
        "consecutive",
        "consecutive",
        "historical",
        "no pattern",
    ]
    rising = np.ones(len(a), bool)
    # a run under half the bins cannot be intensifying; the rise its own start makes leaves it consecutive
    assert classify(a, rising, none).tolist()[:4] == ["new", "intensifying", "intensifying", "consecutive"]
    assert classify(a[:, :5], none, none).tolist() == ["too few periods"] * len(a)


def _varied_series(bins: int) -> np.ndarray:
    """Series of every kind a fixed area can have: steady rises and falls, ties of every size, constant rows
    (zeros among them), one spike, and random counts from sparse to busy, repeated so that rows share a test."""
    rng = np.random.default_rng(17)
    ramp = np.arange(bins)
    planted = [
        ramp,
        ramp[::-1],
        np.zeros(bins, np.int64),
        np.full(bins, 4),
        np.r_[np.zeros(bins - 1, np.int64), 9],
        np.r_[9, np.zeros(bins - 1, np.int64)],
        ramp // 2,
        (ramp[::-1] // 3) * 5,
        ramp % 2,
        np.r_[ramp[: bins // 2], ramp[: bins - bins // 2]],
    ]
    random = [rng.integers(0, high, size=(60, bins)) for high in (2, 3, 5, 40)]
    rows = np.vstack([np.array(planted)] + random)
    return np.vstack([rows, rows[rng.permutation(len(rows))[:40]]])


@pytest.mark.parametrize("bins", [6, 7, 12, 13])
def test_vectorised_mann_kendall_equals_pymannkendall_row_by_row(bins):
    series = _varied_series(bins)
    tau, s, p = mann_kendall(series)
    expected = np.array([(r.Tau, r.s, r.p) for r in map(pymannkendall.original_test, series)], float)
    assert np.array_equal(tau, expected[:, 0])
    assert np.array_equal(s, expected[:, 1])
    assert np.array_equal(p, expected[:, 2])  # exactly: the same floats, not merely close
    ties = [len(np.unique(row)) < bins for row in series]
    assert sum(ties) > len(series) // 2 and any(np.ptp(row) == 0 for row in series)  # the set has what it should
    assert (expected[:, 2] < 0.05).any() and (expected[:, 2] > 0.5).any()


def test_mann_kendall_too_few_bins_and_no_rows():
    tau, s, p = mann_kendall(np.ones((3, 5), np.int64))
    assert np.isnan(tau).all() and np.isnan(s).all() and np.isnan(p).all()
    assert [len(v) for v in mann_kendall(np.empty((0, 12), np.int64))] == [0, 0, 0]
