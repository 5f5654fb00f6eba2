"""The generator's rates, shares, medians and counts, each with where it comes from.

Every number that shapes the synthetic year is a field of :class:`Calibration`,
and each field says where it comes from: a paragraph of the council report
(``context/004_9f9f0a51505feae8.txt``, "Contextualised Safeguarding Update",
2022/23) or "modelling choice" where the report says nothing. The defaults make
the County Durham year the tests, docs and notebooks use; a changed rate makes a
different, equally reproducible folder.

To change a rate, copy the defaults with the field changed and pass it on::

    >>> from dataclasses import replace
    >>> from peermap.synthetic import Calibration, synthesise
    >>> keener = replace(Calibration(), rthi_accepted_pct=80.0, cic_rthi_accepted_pct=80.0)
    >>> keener.rthi_accepted_pct
    80.0
    >>> Calibration.source("rthi_accepted_pct")
    'report para 31: the number of interviews accepted reduced from 71% to 69%'
    >>> synthesise("data/keener", calibration=keener)  # doctest: +SKIP

Shares are given as tuples in the order their field names; they need not sum to
1 where the code normalises them (it says so). Ranges ``(low, high)`` are
half-open, as numpy's ``integers`` and ``uniform`` take them, unless the field
says "inclusive". A calibration is checked when it is made (shares non-negative,
the age shares' mode the report's most common age), so a slip fails at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

__all__ = ["Calibration", "Sources", "REPORT", "FREQUENTLY_MISSING"]


def _from(source: str, value):
    """A calibration field: its default, and where it comes from (``Calibration.source(name)``)."""
    return field(default=value, metadata={"source": source})


@dataclass(frozen=True)
class Sources:
    """Who records one kind of link: the share taken from a completed interview covering its episode
    (``rthi``), the rest spread over ``others`` in proportion to ``shares``."""

    rthi: float
    others: tuple[str, ...] = ("police", "worker", "school", "partner")
    shares: tuple[float, ...] = (0.35, 0.35, 0.15, 0.15)


@dataclass(frozen=True)
class Calibration:
    """What the synthetic year is calibrated to; see the module docstring for how to change it."""

    # -- the report's 2022/23 figures (the measures of SCHEMA.md land on these) ------------------------
    children_missing: int = _from("report para 11 and 31: 356 children were missing in 2022/23", 356)
    episodes: int = _from("report para 11 and 31: 1,535 missing episodes", 1535)
    cic_children: int = _from("report para 32: 142 children in care went missing", 142)
    cic_episodes: int = _from("report para 32: children in care had 992 missing episodes", 992)
    average_hours_missing: float = _from("report para 31 and 32: 23 hours missing on average, in care or not", 23.0)
    most_common_age: int = _from("report para 31 and 32: the most common age of children missing is 15", 15)
    rthi_offered_pct: float = _from("report para 31: return home interviews offered increased to 99%", 99.0)
    rthi_accepted_pct: float = _from("report para 31: the number of interviews accepted reduced from 71% to 69%", 69.0)
    rthi_completed_pct: float = _from("report para 31: the number completed reduced from 71% to 68%", 68.0)
    rthi_completed_within_72h_pct: float = _from("report para 31: completed within 72 hours jumped to 49%", 49.0)
    cic_rthi_accepted_pct: float = _from("report para 32: for children in care, accepted dipped to 68%", 68.0)
    cic_rthi_completed_pct: float = _from("report para 32: the same (68%) for completed", 68.0)
    cic_rthi_completed_within_72h_pct: float = _from("report para 32: 58% completed within 72 hours", 58.0)
    frequently_missing: tuple[tuple[int, int], ...] = _from(
        "report para 43: the 11 children in care missing most, (episodes, declined interviews) each",
        ((107, 67), (56, 18), (49, 13), (44, 10), (39, 23), (38, 16), (22, 7), (17, 5), (15, 4), (14, 7), (14, 8)),
    )
    other_children_episode_cap: int = _from(
        "report para 43: the table's eleventh child has 14 episodes, so nobody else has more than 13", 13
    )

    # -- children.csv ----------------------------------------------------------------------------------------
    age_shares: tuple[tuple[int, float], ...] = _from(
        "report para 31 (most common age 15, down from 16); the spread is a modelling choice",
        ((10, 0.01), (11, 0.025), (12, 0.055), (13, 0.12), (14, 0.19), (15, 0.27), (16, 0.21), (17, 0.12)),
    )
    legal_status_shares: tuple[float, ...] = _from(
        "modelling choice (report para 31 counts CIN, CP and CiC children): CP, CIN, EH, none for children not in care",
        (0.27, 0.38, 0.22, 0.13),
    )
    placement_shares: tuple[float, ...] = _from(
        "modelling choice (report para 39: temporary placements): residential, foster, kinship, semi_independent",
        (0.38, 0.44, 0.08, 0.10),
    )
    sex_shares: tuple[float, ...] = _from("modelling choice: female, male, other, unknown", (0.55, 0.43, 0.01, 0.01))
    frequently_missing_sex_shares: tuple[float, ...] = _from(
        "modelling choice: female, male among the frequently missing children", (0.7, 0.3)
    )
    family_home_unknown_share: float = _from("modelling choice: a child in care's family home not recorded", 0.15)
    semi_independent_no_school_share: float = _from("modelling choice: in semi-independent living and no school", 0.5)
    no_school_share: float = _from("report para 46 (school now recorded); modelling choice: no school recorded", 0.06)
    nearby_schools: int = _from("modelling choice: a child goes to one of this many schools nearest home", 3)
    residential_home_spread: float = _from(
        "modelling choice: Dirichlet concentration of children over children's homes (small: a few homes hold many)",
        1.2,
    )
    sibling_share: float = _from("modelling choice: children living at home with a brother or sister in the data", 0.08)
    ce_risk_shares: tuple[float, ...] = _from(
        "report para 9 and 23 (of 386 assessed: 98 low, 223 medium, 65 high); blank, low, medium, high",
        (0.3, 0.2, 0.38, 0.12),
    )
    grouped_ce_risk_shares: tuple[float, ...] = _from(
        "modelling choice: medium, high for children in a planted group or frequently missing", (0.4, 0.6)
    )
    male_exploitation_shares: tuple[float, ...] = _from(
        "report para 23 (more referred for sexual than criminal exploitation); CSE, CCE, none for boys",
        (0.15, 0.55, 0.3),
    )
    female_exploitation_shares: tuple[float, ...] = _from(
        "report para 23; CSE, CCE, none for girls and everyone else", (0.6, 0.1, 0.3)
    )
    both_exploitation_share: float = _from("report para 23: only four of 386 referred at risk of both", 0.012)
    unassessed_blank_type_share: float = _from(
        "modelling choice: no CE risk recorded, and exploitation type blank rather than 'none'", 0.5
    )
    other_sex_female_name_share: float = _from("modelling choice: sex other or unknown, and a girl's first name", 0.5)
    full_first_name_share: float = _from("modelling choice: display names 'Amelia K.' rather than 'A.K.'", 0.75)

    # -- places, homes, schools and hot spots (places.csv) ------------------------------------------------
    children_per_national_town: int = _from("modelling choice: towns of a national run, one per this many children", 40)
    national_town_size_shape: float = _from("modelling choice: gamma shape of national towns' sizes", 2.0)
    big_town_share: float = _from("modelling choice: a Durham town this big has a McDonald's and a skate park", 0.04)
    children_per_residential_home: int = _from("modelling choice: one children's home per this many children", 35)
    children_per_residential_home_small: int = _from("modelling choice: the same below 150 children", 20)
    residential_home_scatter_m: float = _from("modelling choice: children's homes around their town's centre", 2200)
    children_per_school: int = _from("modelling choice: one school per this many children", 15)
    school_scatter_m: float = _from("modelling choice: schools around their town's centre", 1600)
    schools_per_pupil_referral_unit: int = _from("modelling choice: one pupil referral unit per this many schools", 12)
    hotspots_per_group: float = _from("report para 45 (hot spots); modelling choice: hot spots per planted group", 0.55)
    hotspot_town_pull: float = _from("modelling choice: hot spots favour big towns (town size to this power)", 1.5)
    hotspot_radius_m: tuple[float, float] = _from("modelling choice: a hot spot's radius, metres", (150, 400))

    # -- where children live -------------------------------------------------------------------------------
    home_scatter_m: float = _from("modelling choice: family homes around their town's centre", 1800)
    placement_scatter_m: float = _from("modelling choice: foster and other placements around their town", 2000)

    # -- planted peer groups (report para 45: "missing at the same time or with the same people") -------
    children_per_group: int = _from("modelling choice: one planted group per this many children (200 or more)", 35)
    children_per_group_small: int = _from("modelling choice: the same below 200 children", 30)
    group_town_pull: int = _from("modelling choice: towns with a hot spot draw this many times more groups", 3)
    group_size: tuple[int, int] = _from("modelling choice: children in a group, 3 to 7", (3, 8))
    group_home_scatter_m: float = _from("modelling choice: members live this close to their town's centre", 1100)
    group_home_reach_m: float = _from("modelling choice: a member in a children's home further away is moved", 6000)
    group_school_share: float = _from("modelling choice: members who go to the group's school", 0.7)
    bridge_every: int = _from("modelling choice: one group in this many shares a child with a nearby group", 5)
    bridge_reach_m: float = _from("modelling choice: only between groups this close", 12_000)
    group_associates: tuple[int, int] = _from("modelling choice: shared associates a group, 1 to 3", (1, 4))
    resolved_associate_share: float = _from(
        "modelling choice: shared associates in associates.csv (with an alias)", 0.55
    )
    lower_case_associate_share: float = _from(
        "modelling choice: an unresolved associate also written in lower case", 0.5
    )
    second_hotspot_share: float = _from("modelling choice: a group with a second hot spot nearby", 0.3)
    second_hotspot_reach_m: float = _from("modelling choice: a second hot spot no further than this", 15_000)
    active_months: tuple[int, int] = _from("modelling choice: months a group is active, 2 to 5 inclusive", (2, 5))
    evenings_a_month: tuple[int, int] = _from("modelling choice: joint evenings in an active month, 1 to 3", (1, 4))
    min_evenings: int = _from("modelling choice: evenings a group goes missing together, at least", 3)
    max_evenings: int = _from("modelling choice: and at most", 8)
    evening_hours: tuple[int, ...] = _from(
        "modelling choice: hours a joint evening starts", (16, 17, 18, 19, 20, 21, 22)
    )
    extra_evening_active_share: float = _from("modelling choice: a topped-up evening falls in an active month", 0.7)
    evening_dropout: float = _from("modelling choice: a member beyond the third stays home on an evening", 0.35)
    first_hotspot_share: float = _from("modelling choice: an evening ends at the group's first hot spot", 0.7)
    from_school_share: float = _from("modelling choice: a joint evening starts from school", 0.2)
    joint_hours_median: float = _from("modelling choice: median hours of a joint episode", 11.0)
    joint_hours_sigma: float = _from("modelling choice: its log-normal spread", 0.55)
    joint_hours_range: tuple[float, float] = _from("modelling choice: joint episodes last 3 to 48 hours", (3, 48))
    joint_start_spread_min: tuple[int, int] = _from(
        "modelling choice: members go missing within these minutes", (-40, 100)
    )
    joint_return_spread_min: tuple[int, int] = _from("modelling choice: and return within these", (-50, 50))
    found_place_named_share: float = _from(
        "modelling choice: an evening whose hot spot is named in found_at_place", 0.55
    )
    found_place_each_share: float = _from("modelling choice: and each member's episode names it", 0.8)
    max_joint_episodes: int = _from("modelling choice: joint episodes a child, at most", 10)

    # -- episodes.csv ------------------------------------------------------------------------------------
    episode_count_spread: float = _from(
        "report para 43-44 (heavy tail); modelling choice: log-normal spread of episodes a child", 1.05
    )
    episode_cap_mean_multiple: int = _from(
        "modelling choice: above 356 children, the cap on others' episodes is this many times the mean", 3
    )
    short_episode_share: float = _from("modelling choice: episodes of hours rather than days", 0.88)
    short_hours_median: float = _from(
        "modelling choice: median hours of a short episode (before calibrating to 23)", 6.5
    )
    short_hours_sigma: float = _from("modelling choice: its log-normal spread", 0.95)
    long_hours_median: float = _from("modelling choice: median hours of a multi-day episode", 60.0)
    long_hours_sigma: float = _from("modelling choice: its log-normal spread", 0.55)
    episode_hours_range: tuple[float, float] = _from(
        "modelling choice: an episode lasts half an hour to 14 days", (0.5, 14 * 24)
    )
    long_decoy_share: float = _from(
        "modelling choice: planted 4-9 day episodes in busy towns, a share of episodes", 0.004
    )
    long_decoy_hours: tuple[float, float] = _from("modelling choice: their length, hours", (96, 216))
    busy_towns: int = _from("modelling choice: the long decoys are in the biggest this many towns", 4)
    min_duration_scale: float = _from(
        "modelling choice: calibrating to 23 hours shrinks durations at most this far "
        "at a time (so where joint and long episodes alone pass it, as in tiny runs, "
        "the rest stay positive)",
        0.3,
    )
    still_missing_share: float = _from("modelling choice: episodes still open at the end of the period", 0.003)
    still_missing_days: float = _from("modelling choice: an open episode began in this many last days", 30)
    report_hour_weights: tuple[float, ...] = _from(
        "modelling choice: hour of day children are reported missing (0-23), afternoon and evening most",
        (4, 3, 2, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 4, 5, 7, 9, 10, 11, 12, 12, 11, 8, 6),
    )
    burst_shape: float = _from(
        'report para 44 ("returns then goes missing within hours"); modelling choice: '
        "gamma shape of the gaps between a child's episodes",
        0.6,
    )
    missing_from_shares: tuple[float, ...] = _from(
        "report para 46 (postcode missing from now recorded); modelling choice: where they live, school, family "
        "home, town centre, not recorded",
        (0.78, 0.07, 0.05, 0.06, 0.04),
    )
    town_centre_scatter_m: float = _from("modelling choice: missing from the town centre", 600)
    found_at_shares: tuple[float, ...] = _from(
        "report para 46 (postcode found at now recorded); modelling choice: nothing recorded, a friend's house, the "
        "town centre, a named place, a hot spot, anywhere, the family home, another town, a place nobody mapped "
        "(normalised)",
        (0.22, 0.18, 0.17, 0.15, 0.06, 0.10, 0.05, 0.055, 0.015),
    )
    friend_scatter_m: float = _from("modelling choice: a friend's house from where the child lives", 1500)
    found_centre_scatter_m: float = _from("modelling choice: found in a town centre", 500)
    found_in_own_town_share: float = _from("modelling choice: a named place found at is in the child's own town", 0.85)
    found_place_postcode_share: float = _from("modelling choice: a named place found at also has its postcode", 0.55)
    hotspot_travel_share: float = _from("modelling choice: found at any hot spot rather than the one nearest home", 0.5)
    national_anywhere_scatter_m: float = _from("modelling choice: 'anywhere' in a national run, around the town", 9000)
    place_lower_case_share: float = _from("modelling choice: found_at_place written in lower case", 0.2)
    postcode_lower_case_share: float = _from("modelling choice: episode postcodes typed in lower case", 0.03)
    postcode_no_space_share: float = _from("modelling choice: and without the space", 0.02)

    # -- rthis.csv (report para 33-37, 41-45: one interview can cover several episodes) ---------------------
    merge_share: float = _from(
        "report para 34, 37 and 45: one interview covers several episodes; modelling choice: "
        "an episode joins the last one's interview",
        0.35,
    )
    merge_share_frequently_missing: float = _from(
        "report para 44: the child missing most returns then goes missing "
        "within hours; the same for the frequently missing",
        0.55,
    )
    merge_within_hours: int = _from("modelling choice: only an episode starting this soon after the last return", 96)
    max_episodes_an_interview: int = _from("modelling choice: episodes one interview covers, at most", 4)
    cic_accepted_lift_pct: float = _from(
        "modelling choice: the children-in-care acceptance quota is lifted this much so it rounds to para 32's 68%", 0.3
    )
    decline_spread: float = _from("modelling choice: some children decline more than others (normal spread)", 0.4)
    offer_hours_median: float = _from("modelling choice: median hours from return to the offer", 5.0)
    offer_hours_sigma: float = _from("modelling choice: its log-normal spread", 0.9)
    offer_hours_range: tuple[float, float] = _from("modelling choice: offers 0.3 to 40 hours after return", (0.3, 40))
    interview_due_hours: int = _from("report para 11 and 31: a return home interview is due within 72 hours", 72)
    on_time_within_hours: int = _from("modelling choice: an on-time interview is held within 70 hours of return", 70)
    late_hours_median: float = _from("modelling choice: median hours a late interview is held after the 72", 70.0)
    late_hours_sigma: float = _from("modelling choice: its log-normal spread", 0.8)
    late_hours_range: tuple[float, float] = _from("modelling choice: 3 to 700 hours late", (3, 700))
    pending_days: float = _from("modelling choice: an interview can still be pending this many days after return", 21)
    pending_share: float = _from("modelling choice: accepted but not completed interviews that are pending", 0.6)
    no_row_share: float = _from(
        "report para 37 (21 children not offered an interview); modelling choice: a "
        "not-offered block has no row at all rather than a row with no offer",
        0.5,
    )
    workers: int = _from("report para 14: four Child Exploitation Workers and three Missing Coordinators", 7)
    children_per_worker_national: int = _from(
        "modelling choice: interviewers in a national run, one per this many children", 60
    )
    no_worker_share: float = _from("modelling choice: interviews with no worker recorded", 0.03)

    # -- links.csv: how much and who records it ----------------------------------------------------------
    links_per_episode: int = _from("modelling choice: intelligence links an episode when no total is given", 3)
    device_spare_share: float = _from(
        "modelling choice: background vehicles, phones and handles each, a share of links", 0.06
    )
    police_source_grades: tuple[float, ...] = _from(
        "modelling choice: police links graded source 1, 2, 3", (0.45, 0.40, 0.15)
    )
    police_intel_grades: tuple[float, ...] = _from(
        "modelling choice: and intelligence A to E", (0.15, 0.35, 0.30, 0.12, 0.08)
    )
    police_handling: tuple[float, ...] = _from(
        "modelling choice: police links with handling none, P, C", (0.30, 0.15, 0.55)
    )
    rthi_graded_share: float = _from("modelling choice: interview links that are graded", 0.75)
    rthi_source_grades: tuple[float, ...] = _from("modelling choice: graded source 1, 2", (0.2, 0.8))
    rthi_intel_grades: tuple[float, ...] = _from("modelling choice: intelligence A to D", (0.25, 0.35, 0.30, 0.10))
    other_graded_share: float = _from("modelling choice: other partners' links that are graded", 0.7)
    other_source_grades: tuple[float, ...] = _from("modelling choice: graded source 1, 2, 3", (0.4, 0.45, 0.15))
    other_intel_grades: tuple[float, ...] = _from("modelling choice: intelligence A to E", (0.2, 0.35, 0.3, 0.1, 0.05))
    other_handling_p_share: float = _from("modelling choice: non-police links with handling P", 0.12)
    recorded_hours_median: float = _from("modelling choice: median hours from return to a link being recorded", 40.0)
    recorded_hours_sigma: float = _from("modelling choice: its log-normal spread", 1.0)
    recorded_hours_range: tuple[float, float] = _from("modelling choice: an hour to 30 days later", (1, 24 * 30))

    # -- links about the planted groups ---------------------------------------------------------------------
    named_together_share: float = _from(
        "report para 45 (missing with the same people): each member names each other on a joint episode", 0.45
    )
    named_together_sources: Sources = _from("modelling choice", Sources(0.85))
    named_together_note_share: float = _from("modelling choice: with a note", 0.35)
    named_outside_sources: Sources = _from(
        "modelling choice: members named together outside an episode",
        Sources(0.0, ("worker", "school", "police"), (0.5, 0.3, 0.2)),
    )
    named_outside_note_share: float = _from("modelling choice: with a note", 0.3)
    frequents_hotspot_share: float = _from("modelling choice: members known to frequent the group's hot spot", 0.5)
    frequents_hotspot_sources: Sources = _from(
        "modelling choice", Sources(0.0, ("worker", "school", "police"), (0.5, 0.2, 0.3))
    )
    group_associate_age: tuple[int, int] = _from("modelling choice: shared associates aged 15 to 19", (15, 20))
    group_associate_named_share: float = _from("modelling choice: joint episodes naming a shared associate", 0.55)
    group_associate_sources: Sources = _from("modelling choice", Sources(0.8))
    group_associate_peer_share: float = _from("modelling choice: recorded as a peer (else unknown)", 0.85)
    group_associate_with_share: float = _from("modelling choice: recorded as with the child during the episode", 0.85)
    group_associate_note_share: float = _from("modelling choice: with a note", 0.3)
    found_together_share: float = _from("report para 46 (found at recorded): joint episodes with a found-at link", 0.5)
    found_together_sources: Sources = _from("modelling choice", Sources(0.6))
    found_together_by_name_share: float = _from("modelling choice: naming the place rather than its postcode", 0.5)
    found_together_note_share: float = _from("modelling choice: with a note", 0.3)

    # -- adults of concern (report para 29 and 46: disruption, the weekly police discussion) ---------------
    groups_per_adult_of_concern: int = _from("modelling choice: one adult of concern per this many groups", 3)
    adult_age: tuple[int, int] = _from("modelling choice: adults of concern aged 19 to 38", (19, 39))
    adult_groups: tuple[int, int] = _from("modelling choice: groups an adult reaches, 2 or 3", (2, 4))
    adult_children_a_group: tuple[int, int] = _from(
        "modelling choice: children of each group he is linked to, 2 to 3 inclusive", (2, 3)
    )
    adult_address_scatter_m: float = _from("modelling choice: his address around his patch's town", 1500)
    misspelling_share: float = _from("modelling choice: a later mention uses his misspelt name", 0.3)
    adult_role_share: float = _from("modelling choice: recorded as adult_of_concern (else unknown)", 0.9)
    adult_with_share: float = _from("modelling choice: recorded as with the child during the episode", 0.6)
    adult_vehicle_share: float = _from("modelling choice: a linked child also linked to his vehicle", 0.45)
    adult_phone_share: float = _from("modelling choice: to his phone", 0.4)
    adult_online_share: float = _from("modelling choice: to his online handle", 0.25)
    adult_address_share: float = _from("modelling choice: to his address", 0.3)
    adult_sources: Sources = _from(
        "report para 21 (CE workers submit intelligence to police); modelling choice",
        Sources(0.5, ("police", "partner", "worker"), (0.6, 0.2, 0.2)),
    )
    adult_note_share: float = _from("modelling choice: with a note", 0.8)
    adult_device_sources: Sources = _from("modelling choice", Sources(0.3, ("police", "worker"), (0.7, 0.3)))
    adult_device_note_share: float = _from("modelling choice: with a note", 0.6)
    adult_address_sources: Sources = _from(
        "modelling choice: police intelligence only", Sources(0.0, ("police",), (1.0,))
    )
    adult_address_note_share: float = _from("modelling choice: with a note", 0.7)

    # -- everyone else named: stray associates, protective people, safe places, siblings ------------------------
    stray_slots: tuple[tuple[int, ...], tuple[float, ...]] = _from(
        "modelling choice: stray associates a child (1, 2 or 3) and their shares", ((1, 2, 3), (0.55, 0.30, 0.15))
    )
    stray_role_shares: tuple[float, ...] = _from(
        "modelling choice: peer, family, professional, unknown", (0.52, 0.25, 0.08, 0.15)
    )
    stray_sources: Sources = _from("modelling choice", Sources(0.7))
    stray_note_share: float = _from("modelling choice: with a note", 0.3)
    stray_with_share: float = _from("modelling choice: a stray peer recorded as with the child", 0.3)
    stray_listed_share: float = _from("modelling choice: stray associates listed in associates.csv", 0.15)
    stray_peer_age: tuple[int, int] = _from("modelling choice: a listed stray peer aged 14 to 19", (14, 20))
    protective_share: float = _from(
        'report para 28 ("see both risks and safety"): children with a protective person named', 0.45
    )
    protective_sources: Sources = _from(
        "modelling choice", Sources(0.6, ("worker", "school", "partner"), (0.6, 0.2, 0.2))
    )
    protective_note_share: float = _from("modelling choice: with a note", 0.5)
    protective_listed_share: float = _from("modelling choice: protective people listed in associates.csv", 0.25)
    children_per_youth_worker: int = _from("modelling choice: one youth worker per this many children", 150)
    youth_worker_age: tuple[int, int] = _from("modelling choice: youth workers aged 25 to 49", (25, 50))
    youth_worker_children: tuple[int, int] = _from(
        "modelling choice: children a youth worker is linked to, 8 to 15", (8, 16)
    )
    youth_worker_sources: Sources = _from("modelling choice", Sources(0.5, ("worker", "school"), (0.7, 0.3)))
    youth_worker_not_with_share: float = _from("modelling choice: recorded as not with the child", 0.3)
    youth_worker_note_share: float = _from("modelling choice: with a note", 0.4)
    safe_place_share: float = _from("report para 28: children with a safe place named", 0.3)
    safe_place_sources: Sources = _from("modelling choice", Sources(0.0, ("worker", "school"), (0.7, 0.3)))
    safe_place_note_share: float = _from("modelling choice: with a note", 0.4)
    sibling_sources: Sources = _from("modelling choice", Sources(0.5))

    # -- everyday background links --------------------------------------------------------------------------
    background_sources: Sources = _from("modelling choice", Sources(0.7))
    background_no_episode_share: float = _from("modelling choice: background links about no episode", 0.15)
    background_shares: tuple[float, ...] = _from(
        "modelling choice: found at, missing from, frequents, stray associate, another child of the town, protective "
        "person, safe place, vehicle, phone, online, an ambiguous first name (normalised)",
        (0.22, 0.05, 0.10, 0.30, 0.07, 0.06, 0.04, 0.04, 0.05, 0.05, 0.02),
    )
    found_by_name_share: float = _from(
        "modelling choice: a found-at link naming the place though it has a postcode", 0.4
    )
    found_note_share: float = _from("modelling choice: with a note", 0.3)
    frequents_named_share: float = _from("modelling choice: a frequented place named rather than a postcode", 0.7)
    frequents_scatter_m: float = _from("modelling choice: a frequented postcode from where the child lives", 1200)
    background_stray_roles: tuple[float, ...] = _from(
        "modelling choice: peer, family, unknown, no role", (0.5, 0.2, 0.2, 0.1)
    )
    background_stray_with_share: float = _from("modelling choice: recorded as with the child", 0.2)
    background_stray_not_with_share: float = _from("modelling choice: of the rest, recorded as not with the child", 0.2)
    background_stray_note_share: float = _from("modelling choice: with a note", 0.25)
    school_friend_with_share: float = _from("modelling choice: a school friend recorded as with the child", 0.1)
    background_protective_note_share: float = _from("modelling choice: with a note", 0.3)
    safe_place_named_share: float = _from(
        "modelling choice: a safe place named rather than a grandparent's postcode", 0.6
    )
    grandparent_scatter_m: float = _from("modelling choice: a grandparent's postcode from where the child lives", 2500)
    background_safe_note_share: float = _from("modelling choice: with a note", 0.3)
    background_device_note_share: float = _from("modelling choice: with a note", 0.4)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "age_shares":
                value = [share for _, share in value]
            if f.name.endswith("_shares") and (min(value) < 0 or sum(value) <= 0):
                raise ValueError(f"Calibration.{f.name}: shares must be non-negative and not all 0, not {value}")
            if f.name.endswith("_share") and not 0 <= value <= 1:
                raise ValueError(f"Calibration.{f.name}: a share is between 0 and 1, not {value}")
        mode = max(self.age_shares, key=lambda pair: pair[1])[0]
        if mode != self.most_common_age:
            raise ValueError(
                f"Calibration.age_shares: the most common age is {mode}, not most_common_age {self.most_common_age}"
            )

    @classmethod
    def source(cls, name: str) -> str:
        """Where field ``name``'s default comes from: a paragraph of the council report, or a modelling choice."""
        return next(f.metadata["source"] for f in fields(cls) if f.name == name)


#: The council report's 2022/23 figures the default folder is calibrated to (report paragraphs 11, 31 and 32).
REPORT = {
    name: getattr(Calibration(), name)
    for name in (
        "children_missing",
        "episodes",
        "cic_children",
        "cic_episodes",
        "average_hours_missing",
        "most_common_age",
        "rthi_offered_pct",
        "rthi_accepted_pct",
        "rthi_completed_pct",
        "rthi_completed_within_72h_pct",
        "cic_rthi_accepted_pct",
        "cic_rthi_completed_pct",
        "cic_rthi_completed_within_72h_pct",
    )
}
#: The report's "Frequently Missing" table (paragraph 43): (episodes, declined) of the top 11 children in care.
FREQUENTLY_MISSING = list(Calibration().frequently_missing)
