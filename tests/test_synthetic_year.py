"""The synthetic year against the council report's 2022/23 figures (report paragraphs 31-43)."""

from __future__ import annotations

from peermap.mapping.measures import compute_measures
from peermap.mapping.periods import Period

#: The report's figures for 1 April 2022 to 31 March 2023, as listed in the foundation issue.
REPORT = {
    ("all", "children_missing"): 356,
    ("all", "episodes"): 1535,
    ("CiC", "children_missing"): 142,
    ("CiC", "episodes"): 992,
    ("all", "average_hours_missing"): 23,
    ("all", "rthi_offered_pct"): 99,
    ("all", "rthi_accepted_pct"): 69,
    ("all", "rthi_completed_within_72h_pct"): 49,
}


def test_synthetic_year_matches_the_report(synthetic_dataset):
    measures = compute_measures(synthetic_dataset, Period.from_dates("2022-04-01", "2023-03-31"))
    print("\nmeasure                                  synthetic   report")
    off = []
    for (group, name), expected in REPORT.items():
        got = measures[group][name]
        print(f"{group + ' ' + name:<40} {got!s:>9} {expected:>8}")
        if got is None or abs(got - expected) > 0.05 * expected:
            off.append(f"{group} {name}: {got} (report {expected})")
    print(f"{'all most_common_age':<40} {measures['all']['most_common_age']!s:>9} {15:>8}")
    assert measures["all"]["most_common_age"] == 15
    assert off == [], "more than 5% from the report: " + "; ".join(off)


def test_frequently_missing_is_heavy_tailed_like_the_report(synthetic_dataset):
    top = compute_measures(synthetic_dataset, Period.from_dates("2022-04-01", "2023-03-31"))["CiC"][
        "frequently_missing"
    ]
    episodes = [row["episodes"] for row in top]
    print("\nfrequently missing (CiC):", episodes, "report: [107, 56, 49, 44, 39, 38, 22, 17, 15, 14, 14]")
    assert len(top) == 11
    assert episodes[0] >= 80 and episodes[0] >= 1.5 * episodes[1]  # one child far ahead, as in the report
    assert sum(episodes) >= 250  # the report's top 11 make up 335 episodes
