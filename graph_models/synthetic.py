"""A realistic synthetic data folder for County Durham (or all of England and Wales).

:func:`synthesise` writes the six CSV files of SCHEMA.md (``children``,
``episodes``, ``rthis``, ``links``, ``places``, ``associates``), a
``peermap.key`` and a ``truth.json`` saying what was planted. Everything is
invented except the postcodes: real Code-Point Open postcodes from the embedded
index (DH, DL, SR, TS and NE postcodes inside easting 385000-450000, northing
505000-565000, i.e. County Durham and its edges; every area of England and Wales
for a national-size run). The same seed gives byte-identical files.

Calibration. The default (356 children, 1,535 episodes, 1 April 2022 to 31 March
2023) matches the council report's 2022/23 figures (paragraphs 31, 32, 41-44)
under SCHEMA.md's measure definitions: 356 children missing, 1,535 episodes, 142
children in care with 992 episodes, 23 average hours missing (all and CiC), most
common age 15 (all, CiC and others), interviews offered for 99% of episodes,
accepted 69% (CiC 68%), completed 68%, completed within 72 hours 49% (CiC 58%),
and the "frequently missing" table: the 11 children in care with most episodes
have exactly 107, 56, 49, 44, 39, 38, 22, 17, 15, 14 and 14, with exactly the
table's declined counts (no other child has more than 13). Ages, interview
outcomes and on-time completions are filled as exact quotas and durations are
rescaled, so the figures land within a few tenths of a per cent at any seed.
Larger runs keep the same proportions.

What is planted, and why (all of it in ``truth.json``, in the files' own words:
child IDs, texts as written in links.csv, postcodes):

``groups`` (8-12 at the default size, about one per 35 children)
    Peer groups of 3-7 children living in one town (children's-home residents
    in a home near it). On 3-8 evenings spread over 2-5 active months (half the
    groups are active in the last month, which the demo uses) several of them go
    missing within about two hours of each other from their homes or placements,
    or together from their shared school, and are found together at the group's
    hot spot (postcodes inside its radius, often with the hot spot's name in
    ``found_at_place``), returning within about two hours of each other.
    ``events`` lists the joint episodes. Intelligence names them together:
    ``child`` links between members (``with_during_episode=yes`` for the joint
    episodes) and 1-3 shared associates per group (some resolved in
    associates.csv with a nickname alias, some only a raw name). One group in
    five shares a ``bridges`` child with the nearest other group (within 12 km).
``adults_of_concern`` (4 at the default size; about one per three groups)
    Adults (19-38) linked to children of 2-3 nearby groups. Each group hears of
    him under a name that resolves (label, nickname alias, "Big X", or a case or
    spacing variant); half of them also appear under a one-letter misspelling
    that resolves to nothing (so only a duplicate suggestion joins it). Each has
    a vehicle, a phone, an online handle and an address (``exploitation_location``),
    each linked to some of those children; much of it police intelligence, often
    with handling ``C``.
``hotspots`` (5-6 at the default size)
    A real postcode at a named public place (park, bus station, shopping centre,
    harbour) in a busy town, radius 150-400 m; every hot spot is some group's,
    and a few unrelated children are found there too.
``residential_homes`` (~10 at the default size; ``residential_home_details``
    lists who lives in each)
    Children's homes holding many children in care, most from no group or from
    different groups, including most of the frequently missing children: the
    same ``missing_from_postcode`` again and again at different times. Living
    together is not going missing together.

Decoys and mess, because real data is messy: ``long_episodes`` of 4-9 days in
busy towns that overlap many others by chance (and a heavy tail of multi-day
episodes besides); ``siblings`` sharing a home and named as family; hundreds of
stray associates (peers, family, professionals, unknowns) each linked to one
child only; ``ambiguous_first_names`` (``Josh``, ``Chloe``...) that unrelated
children mention; random ``child`` links between children of the same town
(school friends) with no missing episode in common; ``protective`` people,
including youth workers linked to 8-15 children in and out of groups, and
``safe_place`` places (youth centres, libraries, a grandparent's postcode),
never risk; finds all over the county; background vehicles, phones and handles,
each linked to one child only (only the adults' devices link children); links
graded ``3``/``D``/``E`` or not graded at all; police links with handling
``C``; notes; place names written in varying case, two of which
(``absent_places``) are not in places.csv; interviews covering 2-4 consecutive
episodes, declined, pending, not completed, not offered (a row with no
``offered_at``, or no interview at all), completed late; a few episodes still
open at the end (``still_missing``); and about 5% of episode postcodes written
in lower case or without the space (still real once normalised; nothing is
malformed). Phone numbers are fictional: Ofcom's drama ranges (07700 900xxx,
0191 498 0xxx and so on), and beyond 18,000 of them made-up 07700 9xxxxx.

Times are generated as real instants and written as Europe/London local times
without an offset, never in the hour that happens twice in October (so elapsed
hours read back exactly) and so never in the hour skipped in spring either.

Scale: above 20,000 children (or with ``region="national"``) postcodes and towns
come from all of England and Wales. Generation is vectorised numpy with Python
loops only over groups, adults of concern and hot spots; links are written in
chunks. 200,000 children, 1,000,000 episodes and 2,000,000 links take about a
minute and 1.5 GB.
"""

from __future__ import annotations

import base64
import json
import math
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from peermap.geo.postcodes import PostcodeIndex, embedded_data_dir
from peermap.graph_models.private_files import FOLDER_MODE, make_folder, open_private

__all__ = ["synthesise", "REPORT", "FREQUENTLY_MISSING"]

LONDON = ZoneInfo("Europe/London")

#: The council report's 2022/23 figures the default folder is calibrated to.
REPORT = {
    "children_missing": 356, "episodes": 1535, "cic_children": 142, "cic_episodes": 992,
    "average_hours_missing": 23.0, "most_common_age": 15,
    "rthi_offered_pct": 99.0, "rthi_accepted_pct": 69.0, "rthi_completed_pct": 68.0,
    "rthi_completed_within_72h_pct": 49.0,
    "cic_rthi_accepted_pct": 68.0, "cic_rthi_completed_pct": 68.0, "cic_rthi_completed_within_72h_pct": 58.0,
}
#: The report's "Frequently Missing" table: (episodes, declined) of the top 11 children in care.
FREQUENTLY_MISSING = [(107, 67), (56, 18), (49, 13), (44, 10), (39, 23), (38, 16),
                      (22, 7), (17, 5), (15, 4), (14, 7), (14, 8)]

DURHAM_AREAS = ("DH", "DL", "SR", "TS", "NE")
DURHAM_BOUNDS = (385000, 450000, 505000, 565000)
#: Postcode areas wholly or mostly in Scotland, left out of a national run.
SCOTTISH_AREAS = {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML",
                  "PA", "PH", "TD", "ZE"}
NATIONAL_FROM = 20_000

# (name, easting, northing, weight, special named places (name, kind))
DURHAM_TOWNS = [
    ("Durham", 427300, 542400, 48, [("Wharton Park", "park"), ("Prince Bishops Shopping Centre", "shop")]),
    ("Stanley", 419700, 553100, 32, [("Louisa Centre", "other")]),
    ("Darlington", 429000, 514500, 30, [("South Park", "park")]),
    ("Consett", 410500, 551000, 27, [("Blackhill Park", "park")]),
    ("Newton Aycliffe", 427400, 524600, 26, [("Aycliffe Shopping Centre", "shop")]),
    ("Bishop Auckland", 421000, 529500, 25, [("Newgate Street", "other")]),
    ("Chester-le-Street", 427200, 551300, 24, [("Riverside Park", "park")]),
    ("Seaham", 441900, 549600, 22, [("Seaham Harbour", "other")]),
    ("Peterlee", 443000, 540700, 20, [("Castle Dene Shopping Centre", "shop")]),
    ("Spennymoor", 425300, 533800, 20, []),
    ("Houghton-le-Spring", 434200, 549900, 12, []),
    ("Crook", 416500, 535500, 10, []),
    ("Shildon", 423000, 526200, 10, []),
    ("Ferryhill", 429000, 532700, 10, []),
    ("Horden", 443500, 541600, 9, []),
    ("Brandon", 424000, 540000, 8, []),
    ("Barnard Castle", 405000, 516300, 5, []),
    ("Sedgefield", 435600, 528800, 5, []),
    ("Lanchester", 416700, 547300, 4, []),
]

FEMALE = ["Amelia", "Olivia", "Isla", "Ava", "Mia", "Ella", "Grace", "Lily", "Sophie", "Chloe", "Emily",
          "Jessica", "Ruby", "Evie", "Freya", "Holly", "Kayla", "Leah", "Megan", "Paige", "Abbie", "Brooke",
          "Caitlin", "Demi", "Ellie", "Georgia", "Hannah", "Jade", "Katie", "Lacey", "Lauren", "Macy",
          "Millie", "Nicole", "Niamh", "Phoebe", "Rebecca", "Shannon", "Skye", "Tia", "Amber", "Bethany",
          "Courtney", "Danielle", "Eden", "Faith", "Gracie", "Harley", "Imogen", "Jasmine"]
MALE = ["Jack", "Oliver", "Harry", "Charlie", "George", "Jacob", "Alfie", "Noah", "Thomas", "Joshua",
        "James", "Leo", "Ethan", "Mason", "Logan", "Lewis", "Kyle", "Connor", "Callum", "Liam", "Jordan",
        "Tyler", "Brandon", "Bailey", "Reece", "Kai", "Aaron", "Adam", "Ben", "Cameron", "Dylan", "Finley",
        "Jake", "Jamie", "Kieran", "Luke", "Max", "Nathan", "Owen", "Ryan", "Sam", "Scott", "Taylor",
        "Declan", "Ellis", "Ashton", "Riley", "Mikey", "Bradley", "Corey"]
ADULT_FIRST = {"Darren": "Dazza", "Wayne": "Wazza", "Craig": "Craigy", "Lee": "Leezy", "Stuart": "Stu",
               "Shaun": "Shauny", "Gary": "Gaz", "Dean": "Deano", "Carl": "Carlo", "Jason": "Jay",
               "Mark": "Marky", "Kevin": "Kev", "Steven": "Stevo", "Anthony": "Tony", "Michael": "Mikey",
               "Andrew": "Andy", "Christopher": "Chris", "Jonathan": "Jonno", "Richard": "Ricky",
               "Robert": "Robbo"}
SURNAMES = ["Smith", "Brown", "Wilson", "Robson", "Thompson", "Walker", "Taylor", "Johnson", "Wright",
            "Bell", "Armstrong", "Scott", "Hall", "Young", "Graham", "Charlton", "Dixon", "Hutchinson",
            "Elliott", "Milburn", "Watson", "Anderson", "Harrison", "Stephenson", "Richardson", "Jackson",
            "Wood", "Clark", "White", "Moore", "Hughes", "Lee", "Martin", "Green", "Baker", "Turner",
            "Cooper", "Ward", "Morgan", "Allen", "Ross", "Marshall", "Stewart", "Parker", "Dodds", "Lowes",
            "Heslop", "Peacock", "Reed", "Forster", "Storey", "Nicholson", "Atkinson", "Carr", "Hodgson",
            "Davison", "Shields", "Hepple", "Todd", "Rutherford", "Cowell", "Gibson", "Lamb", "Errington",
            "Tweddle", "Pattison", "Sanderson", "Ramshaw", "Dunn", "Kirkup", "Henderson", "Burn", "Douglas",
            "Patterson", "Ridley", "Fenwick", "Hope", "Curry", "Bainbridge", "Lister", "Mason", "Proud",
            "Pearson", "Raine", "Snowdon", "Spence", "Tate", "Tindale", "Urwin", "Vasey", "Wake", "Walton",
            "Welsh", "Wheatley", "Wilkinson", "Yeadon", "Barker", "Blenkinsop", "Brass", "Bulmer", "Cairns",
            "Coates", "Coulson", "Craggs", "Dobson", "Emmerson", "Fawcett", "Gowland", "Hedley",
            "Hindmarsh", "Iley", "Jobling", "Kell", "Laidler", "Lumsden", "Maddison", "Metcalfe", "Newton",
            "Oliver", "Pickering", "Pounder", "Quinn", "Renwick", "Robinson", "Scorer", "Siddle", "Surtees",
            "Swinburn", "Thirlwell", "Tully", "Varley", "Waugh", "Willis", "Younger", "Adamson", "Alderson",
            "Appleby", "Bowes", "Bradley", "Brewis", "Chapman", "Cummings", "Dawson", "Ellison", "Ferguson",
            "Foster", "Gray", "Hart", "Hunter", "Johnstone", "Kennedy", "Lambert", "Lawson", "Middleton",
            "Murray", "Nixon", "Oxley", "Potts", "Rowell", "Simpson", "Stoddart", "Teasdale", "Thornton",
            "Usher", "Watt", "Winter", "Wren", "Yates", "Bates", "Boyd", "Cook", "Cross", "Dale", "Duffy",
            "Fleming", "Gill", "Hardy", "Holmes", "Irving", "Kerr", "Little", "Lynch", "Maughan", "Nelson",
            "Orde", "Price", "Rowe", "Shaw", "Short", "Slater", "Strong", "Tait", "Thwaites", "Vaux"]
NICKNAMES = ["Ty", "JD", "Macca", "Smithy", "Jonno", "Tommo", "Wilko", "Kez", "Mo", "Bex", "Lil T", "Chops",
             "Skinny", "Tank", "Little J", "Rizza", "Ginge", "Spud", "Bubbles", "Tats", "Ozzy", "Kenzo",
             "Bugsy", "Moose", "Dex", "Fitzy", "Hutch", "Jammy", "Kiddo", "Nando", "Pidge", "Snowy", "Titch",
             "Zeus", "Ace", "Benji", "Coco", "Digger", "Frankie", "Gazza"]
AMBIGUOUS_FIRST_NAMES = ["Josh", "Liam", "Chloe", "Jess", "Kyle"]
HOME_NAMES = ["Oakfield House", "Willow Lodge", "Beech View", "Hawthorn House", "Rowan Lodge",
              "Elm Tree House", "Cedar Court", "Holly Bank", "Maple House", "Ash Grove", "Birch Lodge",
              "Laurel House", "Fern Lea", "Heather View", "Larch House", "Poplar Lodge"]
SCHOOL_WORDS = ["Moorside", "Parkview", "Hillcrest", "Riverside", "Woodlands", "Greenfield", "Valley",
                "St Bede's", "St Cuthbert's", "St Aidan's", "Fernhill", "Eastgate", "Westfield", "Highfield",
                "Northfield", "Southlands", "Oakwood", "Brookside", "Castleview", "Meadowbank"]
SCHOOL_KINDS = ["Academy", "School", "Community College", "High School", "Catholic School"]
WORKER_FIRST = ["Siobhan", "Gemma", "Lisa", "Karen", "Joanne", "Paul", "Steph", "Rachel", "Andrew", "Nicola",
                "Claire", "Helen", "Martin", "Dawn", "Louise", "Sarah"]
PROTECTIVE_KINDS = ["nan", "grandad", "aunt", "uncle", "older sister", "older brother", "football coach",
                    "boxing coach", "foster carer's daughter", "family friend", "teacher", "youth worker"]
CAR_COLOURS = ["silver", "black", "white", "grey", "blue", "red"]
CAR_MAKES = ["Ford Fiesta", "Vauxhall Corsa", "VW Golf", "Audi A3", "BMW 1 Series", "Seat Leon", "Kia Ceed",
             "Mercedes A-Class"]
ABSENT_PLACES = ["the underpass", "skate park"]
NOTES = {
    "peer": ["Named as being with YP while missing", "YP says they met up after school",
             "Friend from school; parent aware", "YP stayed at this friend's house overnight",
             "Were drinking together by the river", "YP says they just walked around town",
             "Mentioned in RTHI as a close friend", "Seen together on CCTV in town"],
    "aoc": ["Older male seen collecting YP in a car", "YP given cannabis and vapes, asked to hold a package",
            "Reported to be supplying alcohol to young people", "Number saved under a nickname on YP's phone",
            "Seen with YP at an address late at night", "Linked to county lines activity",
            "YP reluctant to talk about him; appeared scared", "Buys food and clothes for YP"],
    "family": ["Cousin; YP sometimes stays there", "Mum's partner", "Older brother, lives away",
               "Dad; contact arrangements"],
    "professional": ["Social worker", "School pastoral lead", "Support worker at placement"],
    "unknown": ["YP would not say who this is", "Name given by another young person",
                "Only a first name known"],
    "protective": ["Trusted adult: YP stays here when unsettled", "Supportive; calls carers when YP is there",
                   "YP says they feel safe with them", "Helped bring YP home"],
    "place": ["Found by police", "Returned of own accord", "Picked up by carer", "Seen on CCTV",
              "Found sheltering from the rain", "Located after a call from a member of the public"],
    "safe": ["YP goes here to calm down", "Safe place agreed in safety plan", "Staff know YP well"],
    "exploitation": ["Address linked to drug supply", "Young people seen going in and out late at night",
                     "Believed to be a party house"],
    "vehicle": ["Car seen dropping YP off", "YP picked up in this car", "Registration noted by carer"],
    "phone": ["Number found on YP's phone", "Calls YP late at night", "Number given by YP"],
    "online": ["Snapchat contact", "Instagram account messaging YP", "Added YP on TikTok"],
}

# Link codes (written through these lists)
T_CHILD, T_ASSOC, T_PLACE, T_VEHICLE, T_PHONE, T_ONLINE = range(6)
TARGET_TYPES = ["child", "associate", "place", "vehicle", "phone", "online"]
ROLES = ["", "peer", "adult_of_concern", "protective", "family", "professional", "unknown",
         "found_at", "frequents", "exploitation_location", "missing_from", "safe_place"]
R = {name: i for i, name in enumerate(ROLES)}
SOURCES = ["", "rthi", "police", "school", "worker", "partner"]
S = {name: i for i, name in enumerate(SOURCES)}
SOURCE_GRADES = ["", "1", "2", "3"]
INTEL_GRADES = ["", "A", "B", "C", "D", "E"]
HANDLING = ["", "P", "C"]
WITH = ["", "yes", "no"]

# Interview block categories
NONE, NOOFFER, DECLINED, NOTCOMP, PENDING, DONE = range(6)

MIN = 60.0  # minutes an hour
DAY = 1440.0

Progress = Callable[[str, int, int], None]


# -- time ---------------------------------------------------------------------------------------
def _add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, 28) if day.day > 28 else day.day)


def _epoch_minutes(day: date) -> int:
    """UTC minutes since 1970 of local (Europe/London) midnight starting ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=LONDON).timestamp()) // 60


class _Clock:
    """The period as float minutes from its first local midnight (a real, elapsed time axis)."""

    def __init__(self, start: date, months: int):
        self.start = start
        self.end = _add_months(start, months)  # exclusive
        self.t0 = _epoch_minutes(start)
        self.T = float(_epoch_minutes(self.end) - self.t0)
        self.month_edges = np.array([_epoch_minutes(_add_months(start, i)) - self.t0
                                     for i in range(months + 1)], dtype=float)
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


# -- postcodes ----------------------------------------------------------------------------------
@lru_cache(maxsize=2)
def _load_pool(national: bool) -> tuple[np.ndarray, np.ndarray]:
    index = PostcodeIndex()
    if national:
        areas = sorted(p.name.split(".")[0].upper() for p in embedded_data_dir().glob("*.csv.gz"))
        areas = [a for a in areas if a not in SCOTTISH_AREAS]
    else:
        areas = list(DURHAM_AREAS)
    frames = []
    for area in areas:
        frame = index.area(area)
        frame = frame[(frame["quality"] == 10) & (frame["easting"] > 0)]
        if not national:
            e0, e1, n0, n1 = DURHAM_BOUNDS
            frame = frame[frame["easting"].between(e0, e1) & frame["northing"].between(n0, n1)]
        frames.append(frame[["easting", "northing"]])
    frame = pd.concat(frames).sort_index()
    frame = frame[~frame.index.duplicated()]
    codes = frame.index.to_numpy().astype(object)
    xy = frame[["easting", "northing"]].to_numpy(dtype=float)
    return codes, xy


@lru_cache(maxsize=2)
def _pool_tree(national: bool) -> cKDTree:
    return cKDTree(_load_pool(national)[1])


class _Pool:
    def __init__(self, national: bool):
        self.codes, self.xy = _load_pool(national)
        self.tree = _pool_tree(national)

    def nearest(self, x, y) -> np.ndarray:
        pts = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])
        return self.tree.query(pts)[1].astype(np.int64)

    def near(self, rng, x, y, sd: float) -> np.ndarray:
        """A real postcode near each (x, y): the nearest one to a normal scatter of ``sd`` metres."""
        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        return self.nearest(x + rng.normal(0, sd, len(x)), y + rng.normal(0, sd, len(y)))

    def within(self, rng, centre: np.ndarray, radius: np.ndarray) -> np.ndarray:
        """A real postcode inside each circle (postcode ``centre``, ``radius`` m); the centre if none."""
        centre = np.atleast_1d(centre)
        cx, cy = self.xy[centre, 0], self.xy[centre, 1]
        ang = rng.random(len(centre)) * 2 * np.pi
        rad = 0.95 * radius * np.sqrt(rng.random(len(centre)))
        idx = self.nearest(cx + rad * np.cos(ang), cy + rad * np.sin(ang))
        dist = np.hypot(self.xy[idx, 0] - cx, self.xy[idx, 1] - cy)
        return np.where(dist <= radius, idx, centre)


def _spell(rng, codes: np.ndarray, p_lower=0.03, p_nospace=0.02) -> np.ndarray:
    """Postcodes as a person types them: mostly standard, a few lower case or unspaced."""
    out = codes.copy()
    u = rng.random(len(codes))
    has = pd.Series(codes, dtype=object).ne("").to_numpy()
    lower = has & (u < p_lower)
    nospace = has & (u >= p_lower) & (u < p_lower + p_nospace)
    if lower.any():
        out[lower] = pd.Series(codes[lower]).str.lower().to_numpy()
    if nospace.any():
        out[nospace] = pd.Series(codes[nospace]).str.replace(" ", "", regex=False).to_numpy()
    return out


# -- small helpers --------------------------------------------------------------------------------
def _quota(total: int, shares) -> np.ndarray:
    """Whole numbers in proportion to ``shares`` summing exactly to ``total`` (largest remainder)."""
    shares = np.asarray(shares, float)
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def _pick_per_group(rng, group_of_item: np.ndarray, n_groups: int, wanted_group: np.ndarray) -> np.ndarray:
    """For each entry of ``wanted_group``, a random item index of that group (-1 if it has none)."""
    order = np.argsort(group_of_item, kind="stable")
    counts = np.bincount(group_of_item, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    c = counts[wanted_group]
    pos = starts[wanted_group] + np.floor(rng.random(len(wanted_group)) * np.maximum(c, 1)).astype(np.int64)
    pos = np.minimum(pos, len(order) - 1) if len(order) else pos
    out = np.where(c > 0, order[pos] if len(order) else -1, -1)
    return out.astype(np.int64)


def _misspell(rng, name: str, avoid: set[str]) -> str:
    """A one-letter slip in the surname that no alias matches (``Darren Hall`` -> ``Darren Hal``)."""
    first, _, last = name.partition(" ")
    for _ in range(50):
        op = rng.integers(0, 3)
        i = int(rng.integers(1, len(last)))
        if op == 0:
            cand = last[:i] + last[i:].replace(last[i], "", 1) if i < len(last) else last[:-1]
        elif op == 1:
            cand = last[:i] + last[i - 1] + last[i:]
        else:
            vowels = "aeiou"
            spots = [k for k, ch in enumerate(last) if ch in vowels]
            if not spots:
                continue
            k = spots[int(rng.integers(0, len(spots)))]
            cand = last[:k] + vowels[(vowels.index(last[k]) + 1 + int(rng.integers(0, 4))) % 5] + last[k + 1:]
        out = f"{first} {cand}"
        if out.lower() not in avoid and cand != last:
            return out
    return f"{first} {last}e"


class _Strings:
    """One table of every text a link can point at; links hold indices into it."""

    def __init__(self):
        self.parts: list[np.ndarray] = []
        self.size = 0
        self._notes: dict[str, np.ndarray] = {}

    def notes(self, kind: str) -> np.ndarray:
        if kind not in self._notes:
            self._notes[kind] = self.add(NOTES[kind])
        return self._notes[kind]

    def add(self, values) -> np.ndarray:
        arr = np.asarray(values, dtype=object)
        base = self.size
        self.parts.append(arr)
        self.size += len(arr)
        return np.arange(base, base + len(arr), dtype=np.int64)

    def one(self, value: str) -> int:
        return int(self.add([value])[0])

    def array(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.empty(0, object)


LINK_COLUMNS = ("child", "rec", "ttype", "ref", "role", "ep", "rthi", "with_", "source", "sgrade",
                "igrade", "handling", "note", "kind")
_LINK_DTYPES = {"child": np.int64, "rec": float, "ttype": np.int8, "ref": np.int64, "role": np.int8,
                "ep": np.int64, "rthi": np.int64, "with_": np.int8, "source": np.int8, "sgrade": np.int8,
                "igrade": np.int8, "handling": np.int8, "note": np.int64, "kind": np.int8}
#: What made each link (for the summary, never written): planted or background.
KINDS = ["group", "aoc", "stray", "protective", "sibling", "youth_worker", "background"]


class _Links:
    def __init__(self):
        self.parts: list[dict] = []

    def add(self, kind: str, child, **cols):
        child = np.asarray(child, dtype=np.int64)
        n = len(child)
        if n == 0:
            return
        defaults = {"ep": -1, "rthi": -1, "with_": 0, "source": 0, "sgrade": 0, "igrade": 0,
                    "handling": 0, "note": -1, "role": 0}
        part = {"child": child, "kind": np.full(n, KINDS.index(kind), np.int8)}
        for name in LINK_COLUMNS:
            if name in ("child", "kind"):
                continue
            value = cols.get(name, defaults.get(name))
            if value is None:
                raise ValueError(f"link column {name} missing")
            part[name] = np.broadcast_to(np.asarray(value, dtype=_LINK_DTYPES[name]), (n,)).copy()
        self.parts.append(part)

    def concat(self) -> dict[str, np.ndarray]:
        if not self.parts:
            return {name: np.empty(0, _LINK_DTYPES[name]) for name in LINK_COLUMNS}
        return {name: np.concatenate([p[name] for p in self.parts]) for name in LINK_COLUMNS}


def _unique_names(rng, n: int) -> np.ndarray:
    """``n`` distinct adult/peer names ``First Surname`` (with a middle initial when many are needed)."""
    firsts = np.array(FEMALE + MALE + list(ADULT_FIRST), dtype=object)
    surnames = np.array(SURNAMES, dtype=object)
    plain = len(firsts) * len(surnames)
    if n <= plain // 8:
        codes = rng.choice(plain, n, replace=False)
        return firsts[codes // len(surnames)] + " " + surnames[codes % len(surnames)]
    letters = np.array([f" {chr(65 + i)}." for i in range(26)] + [""], dtype=object)
    space = plain * len(letters)
    if n > space:
        raise ValueError("too many names for the name pools")
    codes = rng.choice(space, n, replace=False)
    f, rest = codes // (len(surnames) * len(letters)), codes % (len(surnames) * len(letters))
    m, s = rest // len(surnames), rest % len(surnames)
    return firsts[f] + letters[m] + " " + surnames[s]


def _plates(rng, n: int) -> np.ndarray:
    letters = np.array(list("ABCDEFGHJKLMNOPRSTUVWXYZ"), dtype=object)
    memory = np.array(["NK", "NL", "ND", "NE", "NA", "YX", "YS", "PN"], dtype=object)
    space = 90 * len(letters) ** 3
    codes = rng.choice(space * len(memory), n, replace=False)
    mem, rest = codes // space, codes % space
    age, tail = rest // len(letters) ** 3 + 10, rest % len(letters) ** 3
    a, b, c = tail // len(letters) ** 2, (tail // len(letters)) % len(letters), tail % len(letters)
    digits = pd.Series(age).astype(str).to_numpy().astype(object)
    return memory[mem] + digits + " " + letters[a] + letters[b] + letters[c]


#: Ofcom's numbers for TV and radio drama (1,000 each), local ones first: never anyone's phone.
DRAMA_NUMBERS = ["07700 900", "0191 498 0", "0113 496 0", "0114 496 0", "0115 496 0", "0116 496 0",
                 "0117 496 0", "0118 496 0", "0121 496 0", "0131 496 0", "0141 496 0", "0151 496 0",
                 "0161 496 0", "020 7946 0", "029 2018 0", "01632 960", "03069 990", "08081 570"]


def _phones(rng, n: int) -> np.ndarray:
    """``n`` distinct fictional numbers from Ofcom's drama ranges (made-up 07700 9xxxxx beyond them)."""
    space = 1000 * (2 if n <= 2000 else len(DRAMA_NUMBERS))
    codes = rng.choice(space, min(n, space), replace=False)
    prefix = np.array(DRAMA_NUMBERS, dtype=object)[codes // 1000]
    out = (pd.Series(prefix) + pd.Series(codes % 1000).astype(str).str.zfill(3)).to_numpy().astype(object)
    if n > space:
        more = rng.choice(np.arange(1000, 100_000), n - space, replace=False)
        out = np.concatenate([out, ("07700 9" + pd.Series(more).astype(str).str.zfill(5)).to_numpy().astype(object)])
    return out


def _handles(rng, n: int) -> np.ndarray:
    words = np.array(["kaz", "jd", "lil", "trap", "noodle", "ghost", "vibes", "xo", "baby", "king", "queen",
                      "savage", "drip", "moon", "real", "official", "smoke", "angel", "wavy", "blaze"], dtype=object)
    prefixes = np.array(["snap: ", "insta: @", "tiktok: @", "@"], dtype=object)
    codes = rng.choice(10**6, n, replace=False)
    w1, w2 = rng.integers(0, len(words), n), rng.integers(0, len(words), n)
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    return pre + words[w1] + "_" + words[w2] + pd.Series(codes % 10000).astype(str).to_numpy().astype(object)


def _lognormal_hours(rng, n: int, median: float, sigma: float) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def _evening_hours(rng, n: int) -> np.ndarray:
    """Hour of day at which children are reported missing: afternoon and evening most."""
    weights = np.array([4, 3, 2, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 4, 5, 7, 9, 10, 11, 12, 12, 11, 8, 6], float)
    return rng.choice(24, n, p=weights / weights.sum()) + rng.random(n)


# -- the world: postcodes, towns, places ----------------------------------------------------------
@dataclass
class _World:
    pool: _Pool
    national: bool
    town_name: np.ndarray
    town_xy: np.ndarray
    town_w: np.ndarray
    town_pc: np.ndarray
    place_name: np.ndarray
    place_kind: np.ndarray
    place_pc: np.ndarray
    place_town: np.ndarray
    place_public: np.ndarray
    place_safe: np.ndarray
    home_name: np.ndarray
    home_pc: np.ndarray
    home_town: np.ndarray
    school_name: np.ndarray
    school_pc: np.ndarray
    hot_place: np.ndarray
    hot_pc: np.ndarray
    hot_radius: np.ndarray
    hot_town: np.ndarray


def _make_world(rng, national: bool, children: int, n_groups: int) -> _World:
    pool = _Pool(national)
    if national:
        n_towns = max(30, children // 40)
        centre = np.sort(rng.choice(len(pool.codes), n_towns, replace=False))
        district = pd.Series(pool.codes[centre]).str.split(" ").str[0]
        dup = district.groupby(district).cumcount()
        names = np.where(dup > 0, district + "/" + (dup + 1).astype(str), district).astype(object)
        xy = pool.xy[centre]
        weight = rng.gamma(2.0, 1.0, n_towns)
        specials = [[] for _ in range(n_towns)]
    else:
        names = np.array([t[0] for t in DURHAM_TOWNS], dtype=object)
        xy = np.array([[t[1], t[2]] for t in DURHAM_TOWNS], float)
        weight = np.array([t[3] for t in DURHAM_TOWNS], float)
        specials = [t[4] for t in DURHAM_TOWNS]
        centre = pool.nearest(xy[:, 0], xy[:, 1])
    weight = weight / weight.sum()
    n_towns = len(names)
    xy = pool.xy[centre]  # centres on a real postcode

    # Places: per town a bus station, a park, a takeaway, a youth centre and a library (safe places),
    # the named places of the bigger Durham towns, and in the bigger towns a skate park.
    p_name, p_kind, p_town, p_public, p_safe, p_sd = [], [], [], [], [], []

    def put(name, kind, town, public, safe, sd):
        p_name.append(name), p_kind.append(kind), p_town.append(town), p_public.append(public)
        p_safe.append(safe), p_sd.append(sd)

    for t in range(n_towns):
        nm = names[t]
        if national:
            put(f"{nm} bus station", "transport", t, True, False, 250)
            put(f"{nm} park", "park", t, True, False, 700)
            put(f"McDonald's {nm}", "takeaway", t, True, False, 600)
            put(f"{nm} youth centre", "other", t, False, True, 800)
            continue
        for special, kind in specials[t]:
            put(special, kind, t, True, False, 400)
        put(f"{nm} bus station", "transport", t, True, False, 250)
        put(f"{nm} recreation ground", "park", t, True, False, 700)
        if weight[t] > 0.04:
            put(f"McDonald's {nm}", "takeaway", t, True, False, 700)
            put(f"{nm} skate park", "park", t, True, False, 900)
        put(f"{nm} Youth Centre", "other", t, False, True, 800)
        put(f"{nm} Library", "other", t, False, True, 400)
    p_town_arr = np.array(p_town, dtype=np.int64)
    sd = np.array(p_sd, float)
    p_pc = pool.nearest(xy[p_town_arr, 0] + rng.normal(0, 1, len(sd)) * sd,
                        xy[p_town_arr, 1] + rng.normal(0, 1, len(sd)) * sd)

    # Children's residential homes: a handful, mostly in the bigger towns.
    n_homes = max(8, int(round(children / 35))) if children >= 150 else max(2, children // 20)
    h_town = rng.choice(n_towns, n_homes, p=weight)
    h_pc = pool.near(rng, xy[h_town, 0], xy[h_town, 1], 2200)
    base = np.array(HOME_NAMES, dtype=object)
    h_name = base[np.arange(n_homes) % len(base)]
    if n_homes > len(base) or national:
        h_name = h_name + " (" + names[h_town] + ")"
    h_name = h_name + np.where(pd.Series(h_name).duplicated(), " " + pd.Series(np.arange(n_homes)).astype(str), "")

    # Schools: about one per 15 children, each near a town.
    n_schools = max(8, int(round(children / 15)))
    s_town = np.sort(rng.choice(n_towns, n_schools, p=weight))
    s_pc = pool.near(rng, xy[s_town, 0], xy[s_town, 1], 1600)
    combos = len(SCHOOL_WORDS) * len(SCHOOL_KINDS)
    code = rng.choice(combos, min(n_schools, combos), replace=False)
    code = np.resize(code, n_schools)
    s_name = (np.array(SCHOOL_WORDS, dtype=object)[code // len(SCHOOL_KINDS)] + " "
              + np.array(SCHOOL_KINDS, dtype=object)[code % len(SCHOOL_KINDS)])
    if n_schools > combos or national:
        s_name = s_name + ", " + names[s_town]
    s_name = np.where(pd.Series(s_name).duplicated(), s_name + " " + pd.Series(np.arange(n_schools)).astype(str),
                      s_name).astype(object)
    pru = rng.choice(n_schools, max(1, n_schools // 12), replace=False)
    s_name[pru] = names[s_town[pru]] + " Pupil Referral Unit"
    s_name = np.where(pd.Series(s_name).duplicated(), s_name + " " + pd.Series(np.arange(n_schools)).astype(str),
                      s_name).astype(object)

    # Hot spots: 5-6 at Durham size, a named public place in a busy town, radius 150-400 m.
    n_hot = max(5, int(round(n_groups * 0.55))) if n_groups >= 8 else max(1, n_groups)
    n_hot = min(n_hot, n_towns)
    tw = weight ** 1.5
    hot_town = rng.choice(n_towns, n_hot, replace=False, p=tw / tw.sum())
    p_kind_arr = np.array(p_kind, dtype=object)
    hot_place = np.empty(n_hot, np.int64)
    outdoor = np.isin(p_kind_arr, ["park", "transport", "shop", "other"]) & np.array(p_public)
    by_town = np.argsort(p_town_arr, kind="stable")
    town_bounds = np.searchsorted(p_town_arr[by_town], np.arange(n_towns + 1))
    for i, t in enumerate(hot_town):
        mine = by_town[town_bounds[t]:town_bounds[t + 1]]
        mine = mine[outdoor[mine]]
        special = [k for k in mine if p_sd[k] == 400]  # a named place (park, centre) first
        hot_place[i] = special[0] if special else mine[0]
    radius = np.round(rng.uniform(150, 400, n_hot) / 10) * 10
    hot_pc = p_pc[hot_place]
    for i in range(n_hot):  # enough postcodes in the circle to spread finds over
        if len(pool.tree.query_ball_point(pool.xy[hot_pc[i]], radius[i])) < 4:
            radius[i] = 400.0

    return _World(pool=pool, national=national, town_name=names, town_xy=xy, town_w=weight, town_pc=centre,
                  place_name=np.array(p_name, dtype=object), place_kind=p_kind_arr, place_pc=p_pc,
                  place_town=p_town_arr, place_public=np.array(p_public), place_safe=np.array(p_safe),
                  home_name=h_name.astype(object), home_pc=h_pc, home_town=h_town, school_name=s_name,
                  school_pc=s_pc, hot_place=hot_place, hot_pc=hot_pc, hot_radius=radius, hot_town=hot_town)


# -- children ------------------------------------------------------------------------------------
@dataclass
class _Children:
    n: int
    cic: np.ndarray
    top: np.ndarray          # index into FREQUENTLY_MISSING, -1 otherwise
    legal: np.ndarray
    ptype: np.ndarray
    sex: np.ndarray
    town: np.ndarray         # the town they live in now (placement town for children in care)
    home_pc: np.ndarray      # family home (-1 = unknown)
    res_pc: np.ndarray       # where they live now
    res_home: np.ndarray     # residential home index or -1
    school: np.ndarray       # school index or -1


def _make_children(rng, world: _World, n: int) -> _Children:
    pool = world.pool
    n_cic = int(round(n * REPORT["cic_children"] / REPORT["children_missing"]))
    n_cic = min(max(n_cic, 1 if n > 1 else 0), n)
    cic = np.zeros(n, bool)
    cic[:n_cic] = True
    top = np.full(n, -1, np.int64)
    n_top = min(len(FREQUENTLY_MISSING), max(0, n_cic - 1)) if n >= 60 else 0
    top[:n_top] = np.arange(n_top)

    legal = np.where(cic, "CiC", rng.choice(np.array(["CP", "CIN", "EH", "none"], dtype=object), n,
                                            p=[0.27, 0.38, 0.22, 0.13])).astype(object)
    ptype = np.where(cic, rng.choice(np.array(["residential", "foster", "kinship", "semi_independent"], dtype=object),
                                     n, p=[0.38, 0.44, 0.08, 0.10]), "family_home").astype(object)
    top_types = np.array(["residential"] * 8 + ["foster", "semi_independent", "foster"], dtype=object)
    ptype[:n_top] = top_types[:n_top]
    sex = rng.choice(np.array(["female", "male", "other", "unknown"], dtype=object), n, p=[0.55, 0.43, 0.01, 0.01])
    sex[:n_top] = rng.choice(np.array(["female", "male"], dtype=object), n_top, p=[0.7, 0.3])

    town = rng.choice(len(world.town_name), n, p=world.town_w)
    home_pc = pool.near(rng, world.town_xy[town, 0], world.town_xy[town, 1], 1800)
    res_pc = home_pc.copy()
    res_home = np.full(n, -1, np.int64)
    resid = np.flatnonzero(ptype == "residential")
    n_homes = len(world.home_pc)
    home_w = rng.dirichlet(np.full(n_homes, 1.2))
    res_home[resid] = rng.choice(n_homes, len(resid), p=home_w)
    res_pc[resid] = world.home_pc[res_home[resid]]
    town[resid] = world.home_town[res_home[resid]]
    other_cic = np.flatnonzero(cic & (ptype != "residential"))
    placement_town = rng.choice(len(world.town_name), len(other_cic), p=world.town_w)
    res_pc[other_cic] = pool.near(rng, world.town_xy[placement_town, 0], world.town_xy[placement_town, 1], 2000)
    town[other_cic] = placement_town
    # the family home of a child in care is elsewhere in the county, sometimes unknown
    fam_town = rng.choice(len(world.town_name), n_cic, p=world.town_w)
    home_pc[:n_cic] = pool.near(rng, world.town_xy[fam_town, 0], world.town_xy[fam_town, 1], 1800)
    home_pc[:n_cic][rng.random(n_cic) < 0.15] = -1

    school = _nearby_school(rng, world, res_pc)
    school[(ptype == "semi_independent") & (rng.random(n) < 0.5)] = -1
    school[rng.random(n) < 0.06] = -1
    return _Children(n=n, cic=cic, top=top, legal=legal, ptype=ptype, sex=sex, town=town, home_pc=home_pc,
                     res_pc=res_pc, res_home=res_home, school=school)


def _nearby_school(rng, world: _World, pc: np.ndarray) -> np.ndarray:
    tree = cKDTree(world.pool.xy[world.school_pc])
    k = min(3, len(world.school_pc))
    _, near = tree.query(world.pool.xy[pc], k=k)
    near = near.reshape(len(pc), k)
    return near[np.arange(len(pc)), rng.integers(0, k, len(pc))].astype(np.int64)


# -- groups and their joint episodes ----------------------------------------------------------------
@dataclass
class _Groups:
    members: list[np.ndarray]        # child indices (bridges included in both)
    town: np.ndarray
    hot: list[list[int]]
    bridges: list[int]
    assoc_names: list[list[str]]     # label first
    assoc_forms: list[list[list[str]]]  # per associate, the forms written in links
    assoc_resolved: list[list[bool]]
    school: np.ndarray
    # participations (one fixed episode each)
    p_group: np.ndarray
    p_event: np.ndarray
    p_child: np.ndarray
    p_start: np.ndarray
    p_end: np.ndarray
    p_from: np.ndarray
    p_found: np.ndarray
    p_place: np.ndarray              # place index or -1
    event_time: np.ndarray
    event_group: np.ndarray


def _n_groups(children: int) -> int:
    if children >= 200:
        return max(8, int(round(children / 35)))
    return max(1, children // 30)


def _make_groups(rng, world: _World, kids: _Children, clock: _Clock, n_groups: int,
                 names: np.ndarray) -> _Groups:
    pool = world.pool
    n_towns = len(world.town_name)
    hot_xy = pool.xy[world.hot_pc]
    hot_tree = cKDTree(hot_xy)
    # towns with a hot spot draw more groups
    tw = world.town_w.copy()
    tw[world.hot_town] *= 3
    g_town = rng.choice(n_towns, n_groups, p=tw / tw.sum())
    # every hot spot is some group's: the first groups live in the hot spots' towns
    k = min(n_groups, len(world.hot_town))
    g_town[rng.permutation(n_groups)[:k]] = world.hot_town[:k]
    # candidates per town, in random order; frequently missing children are left out (decoys)
    eligible = np.flatnonzero(kids.top < 0)
    eligible = eligible[rng.permutation(len(eligible))]
    eligible = eligible[np.argsort(kids.town[eligible], kind="stable")]
    t_count = np.bincount(kids.town[eligible], minlength=n_towns)
    t_start = np.concatenate([[0], np.cumsum(t_count)[:-1]])
    t_used = np.zeros(n_towns, np.int64)
    town_tree = cKDTree(world.town_xy)
    kq = min(n_towns, 12)
    _, town_near = town_tree.query(world.town_xy, k=kq)
    town_near = town_near.reshape(n_towns, kq)

    sizes = rng.integers(3, 8, n_groups)
    members: list[np.ndarray] = []
    for g in range(n_groups):
        chosen: list[int] = []
        for t in town_near[g_town[g]]:
            while len(chosen) < sizes[g] and t_used[t] < t_count[t]:
                chosen.append(int(eligible[t_start[t] + t_used[t]]))
                t_used[t] += 1
            if len(chosen) >= sizes[g]:
                break
        members.append(np.array(chosen, np.int64))
    # members live close together (in a children's home near the group if in one); most share a school
    g_school = _nearby_school(rng, world, world.town_pc[g_town])
    home_tree = cKDTree(pool.xy[world.home_pc])
    for g, m in enumerate(members):
        if len(m) == 0:
            continue
        in_home = m[kids.res_home[m] >= 0]
        far = in_home[np.hypot(*(pool.xy[kids.res_pc[in_home]] - world.town_xy[g_town[g]]).T) > 6000]
        if len(far):
            nearest_home = int(home_tree.query(world.town_xy[g_town[g]])[1])
            kids.res_home[far] = nearest_home
            kids.res_pc[far] = world.home_pc[nearest_home]
            if np.hypot(*(pool.xy[world.home_pc[nearest_home]] - world.town_xy[g_town[g]])) > 6000:
                kids.res_home[far] = -1  # no home nearby: a foster placement in the town instead
                kids.ptype[far] = "foster"
        movable = m[kids.res_home[m] < 0]  # (children's home placements stay where they are)
        x, y = world.town_xy[g_town[g]]
        new = pool.near(rng, np.full(len(movable), x), np.full(len(movable), y), 1100)
        kids.res_pc[movable] = new
        not_cic = movable[~kids.cic[movable]]
        kids.home_pc[not_cic] = kids.res_pc[not_cic]
        kids.town[m] = g_town[g]
        same = m[rng.random(len(m)) < 0.7]
        kids.school[same] = g_school[g]
    # one group in five shares a "bridge" child with the nearest other group
    bridges: list[int] = []
    g_xy = world.town_xy[g_town] + rng.normal(0, 1, (n_groups, 2))  # ties broken at random
    for g in range(1, n_groups):
        if g % 5 != 1 or not len(members[g]):
            continue
        dist = np.hypot(*(g_xy - g_xy[g]).T)
        dist[g] = np.inf
        dist[dist > 12_000] = np.inf  # only between groups close to each other
        for h in np.argsort(dist, kind="stable"):
            if not np.isfinite(dist[h]):
                break
            pick = [int(c) for c in members[h] if int(c) not in bridges and c not in members[g]]
            if len(members[h]) > 2 and pick:
                b = pick[int(rng.integers(0, len(pick)))]
                members[g] = np.append(members[g], b)
                bridges.append(b)
                break

    # shared associates: 1-3 per group, some resolved in associates.csv (with aliases)
    assoc_names, assoc_forms, assoc_resolved = [], [], []
    k = 0
    nick_order = rng.permutation(len(NICKNAMES))
    n_nick = 0
    for g in range(n_groups):
        n_a = int(rng.integers(1, 4))
        names_g, forms_g, res_g = [], [], []
        for _ in range(n_a):
            label = str(names[k])
            k += 1
            resolved = bool(rng.random() < 0.55)
            if resolved:  # an alias no other associate has
                nick = NICKNAMES[nick_order[n_nick % len(NICKNAMES)]]
                alias = nick if n_nick < len(NICKNAMES) else f"{nick} {label.split(' ')[-1]}"
                n_nick += 1
                forms = [label, alias, label.lower(), alias.lower()]
            elif rng.random() < 0.5:
                forms = [label, label.lower()]
            else:
                forms = [label]
            names_g.append(label), forms_g.append(forms), res_g.append(resolved)
        assoc_names.append(names_g), assoc_forms.append(forms_g), assoc_resolved.append(res_g)

    # hot spots: the one in (or nearest to) the group's town, and for some a second one
    g_hot: list[list[int]] = []
    kh = min(2, len(world.hot_pc))
    _, hn = hot_tree.query(world.town_xy[g_town], k=kh)
    hn = hn.reshape(n_groups, kh)
    town_hot = {int(t): h for h, t in enumerate(world.hot_town)}
    for g in range(n_groups):
        own = town_hot.get(int(g_town[g]))
        if own is not None and hn[g, 0] != own:
            hn[g] = [own, hn[g, 0]][:kh]
        hs = [int(hn[g, 0])]
        near = np.hypot(*(hot_xy[hn[g, -1]] - world.town_xy[g_town[g]])) < 15_000
        if kh > 1 and near and hn[g, 1] != hn[g, 0] and rng.random() < 0.3:
            hs.append(int(hn[g, 1]))
        g_hot.append(hs)

    # events: evenings in 1-5 active months; half the groups active in the last month
    rows = {k: [] for k in ("group", "event", "child", "start", "end", "from", "found", "place")}
    ev_time, ev_group = [], []
    ev_id = 0
    months = clock.months
    for g in range(n_groups):
        m = members[g]
        if len(m) < 2:
            continue
        n_act = int(rng.integers(min(2, months), min(5, months) + 1))
        act = list(rng.choice(months, n_act, replace=False))
        if g % 2 == 0 and (months - 1) not in act:
            act[0] = months - 1
        times = []
        per_month = rng.integers(1, 4, len(act))
        while per_month.sum() < 3:  # at least three evenings together
            per_month[rng.integers(0, len(act))] += 1
        for mo, n_ev in zip(sorted(act), per_month):
            lo, hi = clock.month_edges[mo], clock.month_edges[mo + 1]
            for _ in range(int(n_ev)):
                day = np.floor(rng.uniform(lo, hi - 2.2 * DAY) / DAY) * DAY
                hour = rng.choice([16, 17, 18, 19, 20, 21, 22]) + rng.random()
                times.append(day + hour * MIN - (MIN if 3 <= (mo + clock.start.month - 1) % 12 + 1 <= 10 else 0))
        times = sorted(times)
        kept = []
        for t in times:
            if t < 0 or t > clock.T - 2 * DAY:
                continue
            if not kept or t - kept[-1] > 2 * DAY:
                kept.append(t)
        for _ in range(200):  # at least three evenings together
            if len(kept) >= 3:
                break
            mo = int(rng.choice(sorted(act))) if rng.random() < 0.7 else int(rng.integers(0, months))
            lo, hi = clock.month_edges[mo], clock.month_edges[mo + 1]
            t = np.floor(rng.uniform(lo, hi - 2.2 * DAY) / DAY) * DAY + (17 + 4 * rng.random()) * MIN
            if 0 <= t <= clock.T - 2 * DAY and all(abs(t - k) > 2 * DAY for k in kept):
                kept = sorted(kept + [t])
        if len(kept) > 8:  # at most eight evenings, spread over the active months
            kept = [kept[i] for i in np.sort(rng.choice(len(kept), 8, replace=False))]
        for t in kept:
            size = len(m)
            s = size - (rng.binomial(size - 3, 0.35) if size > 3 else 0)
            who = m[rng.permutation(size)[:s]]
            if len(who) < 2:
                continue
            hot = g_hot[g][0] if len(g_hot[g]) == 1 or rng.random() < 0.7 else g_hot[g][1]
            from_school = rng.random() < 0.2
            base_dur = float(np.clip(_lognormal_hours(rng, 1, 11.0, 0.55)[0], 3, 48)) * MIN
            starts = t + rng.integers(-40, 100, len(who)).astype(float)
            ends = np.maximum(t + base_dur + rng.integers(-50, 50, len(who)), starts + 60)
            if from_school:
                frm = np.where(kids.school[who] >= 0, world.school_pc[np.maximum(kids.school[who], 0)],
                               kids.res_pc[who])
            else:
                frm = kids.res_pc[who].copy()
            found = pool.within(rng, np.full(len(who), world.hot_pc[hot]), np.full(len(who), world.hot_radius[hot]))
            named = rng.random() < 0.55
            place = np.where(named & (rng.random(len(who)) < 0.8), world.hot_place[hot], -1)
            rows["group"].append(np.full(len(who), g)), rows["event"].append(np.full(len(who), ev_id))
            rows["child"].append(who), rows["start"].append(starts), rows["end"].append(ends)
            rows["from"].append(frm), rows["found"].append(found), rows["place"].append(place)
            ev_time.append(t), ev_group.append(g)
            ev_id += 1
    cat = {k: (np.concatenate(v) if v else np.empty(0)) for k, v in rows.items()}
    p_child = cat["child"].astype(np.int64)
    p_start = cat["start"].astype(float)
    p_end = cat["end"].astype(float)
    # a bridge child cannot be in two places at once: drop overlapping joint episodes
    keep = np.ones(len(p_child), bool)
    order = np.lexsort((p_start, p_child))
    last_child, last_end = -1, -np.inf
    for i in order[np.isin(p_child[order], bridges)] if bridges else []:
        if p_child[i] == last_child and p_start[i] < last_end + 2 * MIN:
            keep[i] = False
            continue
        last_child, last_end = p_child[i], p_end[i]
    # at most ten joint episodes a child (a bridge child is in two groups' evenings)
    kept_order = order[keep[order]]
    kc = p_child[kept_order]
    rank = np.arange(len(kc)) - np.searchsorted(kc, kc)
    keep[kept_order[rank >= 10]] = False
    return _Groups(members=members, town=g_town, hot=g_hot, bridges=bridges, assoc_names=assoc_names,
                   assoc_forms=assoc_forms, assoc_resolved=assoc_resolved, school=g_school,
                   p_group=cat["group"].astype(np.int64)[keep], p_event=cat["event"].astype(np.int64)[keep],
                   p_child=p_child[keep], p_start=p_start[keep], p_end=p_end[keep],
                   p_from=cat["from"].astype(np.int64)[keep], p_found=cat["found"].astype(np.int64)[keep],
                   p_place=cat["place"].astype(np.int64)[keep], event_time=np.array(ev_time, float),
                   event_group=np.array(ev_group, np.int64))


# -- episode counts -----------------------------------------------------------------------------------
def _heavy_counts(rng, n: int, total: int, mins: np.ndarray, cap: int) -> np.ndarray:
    """``n`` counts >= ``mins`` (each >= 1), <= ``cap``, heavy-tailed, summing exactly to ``total``."""
    if n == 0:
        return np.zeros(0, np.int64)
    mins = np.maximum(mins, 1)
    cap = max(cap, int(mins.max()), int(math.ceil(total / n)) + 1)
    z = rng.standard_normal(n)
    lo, hi = -5.0, 6.0
    for _ in range(60):
        mu = (lo + hi) / 2
        c = np.maximum(np.minimum(1 + np.floor(np.exp(mu + 1.05 * z)), cap), mins)
        if c.sum() > total:
            hi = mu
        else:
            lo = mu
    counts = np.maximum(np.minimum(1 + np.floor(np.exp(lo + 1.05 * z)), cap), mins).astype(np.int64)
    for _ in range(10_000):
        diff = int(total - counts.sum())
        if diff == 0:
            break
        if diff > 0:
            room = np.flatnonzero(counts < cap)
            if len(room) == 0:
                cap += 1
                continue
            w = counts[room].astype(float)
            pick = rng.choice(room, min(diff, len(room)), replace=False, p=w / w.sum())
            counts[pick] += 1
        else:
            room = np.flatnonzero(counts > mins)
            if len(room) == 0:
                raise ValueError("cannot fit the episode total: too many joint episodes for it")
            w = counts[room].astype(float)
            pick = rng.choice(room, min(-diff, len(room)), replace=False, p=w / w.sum())
            counts[pick] -= 1
    return counts


def _split_total(kids: _Children, total: int) -> tuple[int, int]:
    """Episodes of children in care and of the others, in the report's proportion."""
    n_cic = int(kids.cic.sum())
    e_cic = int(round(total * REPORT["cic_episodes"] / REPORT["episodes"]))
    e_cic = min(max(e_cic, n_cic), total - (kids.n - n_cic))
    return e_cic, total - e_cic


def _fit_joint(rng, kids: _Children, groups: _Groups, total: int) -> None:
    """Drop joint episodes a small episode total cannot hold (only ever bites on tiny runs)."""
    e_cic, e_other = _split_total(kids, total)
    n_top = int((kids.top >= 0).sum())
    rest_cic = kids.cic & (kids.top < 0)
    keep = np.ones(len(groups.p_child), bool)
    order = np.lexsort((rng.random(len(keep)), groups.p_child))
    pc = groups.p_child[order]
    rank = np.empty(len(keep), np.int64)
    rank[order] = np.arange(len(pc)) - np.searchsorted(pc, pc)
    for k in range(10, -1, -1):
        fixed = np.minimum(np.bincount(groups.p_child[rank < k], minlength=kids.n), k)
        if (np.maximum(fixed[rest_cic], 1).sum() + n_top <= e_cic
                and np.maximum(fixed[~kids.cic], 1).sum() <= e_other):
            keep = rank < k
            break
    # an evening with fewer than two children left is no longer a joint one
    per_event = np.bincount(groups.p_event[keep], minlength=int(groups.p_event.max(initial=-1)) + 1)
    keep &= per_event[groups.p_event] >= 2 if len(per_event) else keep
    for name in ("p_group", "p_event", "p_child", "p_start", "p_end", "p_from", "p_found", "p_place"):
        setattr(groups, name, getattr(groups, name)[keep])


def _episode_counts(rng, kids: _Children, total: int, fixed_per_child: np.ndarray) -> np.ndarray:
    n = kids.n
    e_cic, _ = _split_total(kids, total)
    counts = np.zeros(n, np.int64)
    top = np.flatnonzero(kids.top >= 0)
    table = np.array([FREQUENTLY_MISSING[k][0] for k in kids.top[top]], np.int64)
    rest_cic = np.flatnonzero(kids.cic & (kids.top < 0))
    if len(top):
        need = max(2 * len(rest_cic), int(np.maximum(fixed_per_child[rest_cic], 1).sum()))
        room = e_cic - min(need, e_cic - len(top))
        if table.sum() > room:  # small runs: shrink the table to fit
            table = np.maximum(1, np.floor(table * max(room, 0) / table.sum())).astype(np.int64)
            while table.sum() > max(room, len(top)):
                table[np.argmax(table)] -= 1
        counts[top] = table
    left = e_cic - int(counts[top].sum())
    mean = left / max(len(rest_cic), 1)
    cap = max(13, int(3 * mean))
    counts[rest_cic] = _heavy_counts(rng, len(rest_cic), left, fixed_per_child[rest_cic], cap)
    others = np.flatnonzero(~kids.cic)
    e_other = total - int(counts.sum())
    mean = e_other / max(len(others), 1)
    counts[others] = _heavy_counts(rng, len(others), e_other, fixed_per_child[others], max(13, int(3 * mean)))
    return counts


# -- placing episodes on the time axis -----------------------------------------------------------------
def _place(rng, clock: _Clock, child: np.ndarray, fixed: np.ndarray, start: np.ndarray, end: np.ndarray,
           dur: np.ndarray, n_children: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (minutes) for every free episode, in the gaps between each child's fixed ones.

    Each child's free time (the period less its fixed episodes and a margin) is split into
    windows; free episodes fall into windows in proportion to their length, and inside a window
    they follow each other with gamma-distributed gaps (bursty, as children who "return then go
    missing within hours"), so no two episodes of one child overlap.
    """
    T = clock.T
    margin = 3 * MIN
    fi = np.flatnonzero(fixed)
    fo = fi[np.lexsort((start[fi], child[fi]))]
    fc, fs, fe = child[fo], start[fo], end[fo]
    # windows: one opening window per child, one after each fixed episode
    first_end = np.full(n_children, T)
    if len(fc):
        is_first = np.concatenate([[True], fc[1:] != fc[:-1]])
        first_end[fc[is_first]] = fs[is_first] - margin
        nxt = np.concatenate([fs[1:], [T]])
        same_next = np.concatenate([fc[1:] == fc[:-1], [False]])
        after_end = np.where(same_next, nxt - margin, T)
    else:
        after_end = np.empty(0)
    w_child = np.concatenate([np.arange(n_children), fc])
    w_start = np.concatenate([np.zeros(n_children), fe + margin])
    w_end = np.concatenate([first_end, after_end])
    w_len = np.maximum(0.0, w_end - w_start)
    wo = np.lexsort((w_start, w_child))
    w_child, w_start, w_len = w_child[wo], w_start[wo], w_len[wo]
    cum = np.cumsum(w_len)
    child_first = np.searchsorted(w_child, np.arange(n_children))
    child_total = np.bincount(w_child, weights=w_len, minlength=n_children)
    child_off = cum[child_first] - w_len[child_first]

    free = np.flatnonzero(~fixed)
    c = child[free]
    x = child_off[c] + rng.random(len(free)) * child_total[c]
    w = np.searchsorted(cum, x, side="right")
    w = np.minimum(w, len(cum) - 1)
    bad = w_child[w] != c
    if bad.any():  # a child with no free time at all: its last window
        last = np.concatenate([child_first[1:], [len(w_child)]]) - 1
        w[bad] = last[c[bad]]
    # order the free episodes inside each window at random
    order = np.lexsort((rng.random(len(free)), w))
    free, w = free[order], w[order]
    d = dur[free].copy()
    n_w = len(w_len)
    sum_d = np.bincount(w, weights=d, minlength=n_w)
    squeeze = np.where(sum_d > 0.85 * w_len, 0.85 * w_len / np.maximum(sum_d, 1e-9), 1.0)
    d = d * squeeze[w]
    sum_d = sum_d * squeeze
    # bursty gaps between episodes, plain exponential ones at the window edges (so a child's
    # only episode falls anywhere in the year, not near its ends)
    first_in_window = np.concatenate([[True], w[1:] != w[:-1]])
    gaps = np.where(first_in_window, rng.exponential(1.0, len(free)), rng.gamma(0.6, 1.0 / 0.6, len(free)))
    tail = rng.exponential(1.0, n_w)
    gap_sum = np.bincount(w, weights=gaps, minlength=n_w) + tail
    gaps = gaps * ((w_len - sum_d) / gap_sum)[w]
    step = gaps + d
    cs = np.cumsum(step)
    first_pos = np.searchsorted(w, w)  # position of the first episode of each episode's window
    within = cs - (cs[first_pos] - step[first_pos])
    s = w_start[w] + within - d
    out_s, out_e = start.copy(), end.copy()
    out_s[free] = s
    out_e[free] = s + d

    # nudge each free start towards an evening hour, by at most half the gap either side
    o = np.lexsort((out_s, child))
    cs_, s_, e_ = child[o], out_s[o], out_e[o]
    same_prev = np.concatenate([[False], cs_[1:] == cs_[:-1]])
    same_next = np.concatenate([cs_[1:] == cs_[:-1], [False]])
    prev_end = np.where(same_prev, np.concatenate([[0.0], e_[:-1]]), 0.0)
    next_start = np.where(same_next, np.concatenate([s_[1:], [T]]), T)
    lo = np.minimum(0.0, -(s_ - prev_end) / 2 + 1)
    hi = np.maximum(0.0, (next_start - e_) / 2 - 1)
    target = _evening_hours(rng, len(o))
    cur = clock.local_hour(s_)
    want = ((target - cur + 12) % 24 - 12) * MIN
    shift = np.clip(want, lo, hi)
    shift[fixed[o]] = 0.0
    out_s[o] = s_ + shift
    out_e[o] = e_ + shift
    return out_s, out_e


# -- the generator ------------------------------------------------------------------------------------
def synthesise(out_dir, *, seed: int = 7, children: int = 356, episodes: int = 1535, links: int | None = None,
               start: date = date(2022, 4, 1), months: int = 12, progress: Progress | None = None,
               region: str | None = None) -> dict:
    """Write a synthetic data folder (SCHEMA.md), its ``peermap.key`` and ``truth.json``.

    Parameters
    ----------
    out_dir : path
        Folder to write into (made if needed; files there are overwritten).
    seed : int, default 7
        The same seed gives byte-identical files.
    children, episodes : int
        Children (each with at least one episode in the period) and missing episodes in all;
        the defaults are the council report's 2022/23 year.
    links : int, optional
        Intelligence links in all (default three an episode). Planted links come first: a
        total smaller than them keeps only the first of them.
    start : datetime.date, default 2022-04-01
        First day of the period; ``months`` calendar months long.
    progress : callable, optional
        ``progress(stage, done, total)`` as each stage goes.
    region : {"durham", "national"}, optional
        Where postcodes come from; by default national above 20,000 children.

    Returns
    -------
    dict
        Counts of what was written (``children``, ``episodes``, ``rthis``, ``links``, ...) and
        the folder (``out_dir``).

    Examples
    --------
    >>> summary = synthesise("data/durham", seed=7)  # doctest: +SKIP
    >>> summary["episodes"]  # doctest: +SKIP
    1535
    """
    if children < 1 or episodes < children or months < 1 or (links is not None and links < 0):
        raise ValueError("need children >= 1, episodes >= children, months >= 1 and links >= 0")
    if region not in (None, "durham", "national"):
        raise ValueError("region must be 'durham' or 'national'")
    national = region == "national" or (region is None and children > NATIONAL_FROM)
    out = Path(out_dir)
    make_folder(out)
    os.chmod(out, FOLDER_MODE)  # owner-only, like every folder peermap writes (SCHEMA.md)
    say = progress or (lambda stage, done, total: None)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(16)]
    clock = _Clock(start, months)

    say("postcodes", 0, 1)
    n_groups = _n_groups(children)
    world = _make_world(streams[0], national, children, n_groups)
    say("postcodes", 1, 1)

    say("children", 0, 1)
    kids = _make_children(streams[1], world, children)
    n_aoc = max(4, n_groups // 3) if n_groups >= 6 else max(1, n_groups // 2)
    n_youth = max(2, children // 150)
    # every distinct adult or peer name, drawn at once so none is used twice
    stray_slots = streams[1].choice([1, 2, 3], children, p=[0.55, 0.30, 0.15])
    prot_has = streams[1].random(children) < 0.45
    names = _Names(streams[2], 3 * n_groups, n_aoc, n_youth, int(stray_slots.sum()), int(prot_has.sum()))
    groups = _make_groups(streams[3], world, kids, clock, n_groups, names.group)
    siblings = _make_siblings(streams[9], kids, groups)
    say("children", 1, 1)

    say("episodes", 0, 1)
    ep = _make_episodes(streams[4], clock, world, kids, groups, episodes)
    birth = _birth_dates(streams[5], clock, kids, ep)
    say("episodes", 1, 1)

    say("interviews", 0, 1)
    iv = _make_interviews(streams[6], clock, kids, ep, national)
    say("interviews", 1, 1)

    say("intelligence links", 0, 1)
    lk = _make_links(streams[7], clock, world, kids, groups, ep, iv, links, names, stray_slots, prot_has, siblings)
    say("intelligence links", 1, 1)

    summary = _write(streams[8], out, clock, world, kids, birth, groups, ep, iv, lk, siblings, seed, say)
    summary["out_dir"] = str(out)
    return summary


class _Names:
    """Distinct names for every associate, drawn at once so no two people share one."""

    def __init__(self, rng, n_group: int, n_aoc: int, n_youth: int, n_stray: int, n_prot: int):
        self.all = _unique_names(rng, n_group + n_aoc + n_youth + n_stray + n_prot)
        cuts = np.cumsum([n_group, n_aoc, n_youth, n_stray])
        self.group, self.aoc, self.youth, self.stray, self.protective = np.split(self.all, cuts)




# -- episodes --------------------------------------------------------------------------------------------
@dataclass
class _Episodes:
    child: np.ndarray
    start: np.ndarray
    end: np.ndarray          # NaN = still missing
    frm: np.ndarray          # postcode index or -1
    found: np.ndarray        # postcode index or -1
    place: np.ndarray        # index into place_text or -1
    place_text: np.ndarray   # found_at_place texts
    group: np.ndarray        # planted group or -1
    event: np.ndarray        # planted event or -1
    long: np.ndarray         # planted long decoy
    ids: np.ndarray          # episode_id texts


def _make_episodes(rng, clock: _Clock, world: _World, kids: _Children, groups: _Groups, total: int) -> _Episodes:
    n = kids.n
    _fit_joint(rng, kids, groups, total)
    fixed_per_child = np.bincount(groups.p_child, minlength=n)
    counts = _episode_counts(rng, kids, total, fixed_per_child)
    child = np.repeat(np.arange(n), counts)
    E = len(child)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # the joint episodes take the first slots of each member
    po = np.lexsort((groups.p_start, groups.p_child))
    pc = groups.p_child[po]
    rank = np.arange(len(pc)) - np.searchsorted(pc, pc)
    slot = first[pc] + rank
    fixed = np.zeros(E, bool)
    fixed[slot] = True
    start = np.full(E, np.nan)
    end = np.full(E, np.nan)
    start[slot], end[slot] = groups.p_start[po], groups.p_end[po]
    grp = np.full(E, -1, np.int64)
    evt = np.full(E, -1, np.int64)
    grp[slot], evt[slot] = groups.p_group[po], groups.p_event[po]
    frm = np.full(E, -1, np.int64)
    found = np.full(E, -1, np.int64)
    place = np.full(E, -1, np.int64)
    frm[slot], found[slot], place[slot] = groups.p_from[po], groups.p_found[po], groups.p_place[po]

    # durations of free episodes: mostly hours, some days; plus a few planted long decoys
    free = ~fixed
    dur = np.where(rng.random(E) < 0.88, _lognormal_hours(rng, E, 6.5, 0.95), _lognormal_hours(rng, E, 60.0, 0.55))
    dur = np.clip(dur, 0.5, 14 * 24) * MIN
    in_group = np.zeros(n, bool)
    in_group[groups.p_child] = True
    busy = np.isin(kids.town[child], np.argsort(-world.town_w)[:4])
    candidates = np.flatnonzero(free & ~in_group[child] & busy & (kids.top[child] < 0))
    if len(candidates) == 0:
        candidates = np.flatnonzero(free)
    long_n = min(len(candidates), max(3, int(round(E * 0.004))))
    # one long episode per child
    cand_child = child[candidates]
    perm = rng.permutation(len(candidates))
    _, first_of = np.unique(cand_child[perm], return_index=True)
    pool_long = candidates[perm[first_of]]
    pool_long = pool_long[rng.permutation(len(pool_long))][:long_n]
    is_long = np.zeros(E, bool)
    is_long[pool_long] = True
    dur[is_long] = rng.uniform(96, 216, is_long.sum()) * MIN

    # calibrate: mean hours of returned episodes = 23, for children in care and the rest alike
    target = REPORT["average_hours_missing"] * MIN
    fixed_dur = np.where(fixed, end - start, 0.0)
    cic_ep = kids.cic[child]
    adjustable = free & ~is_long
    place_seed = int(rng.integers(0, 2**63 - 1))
    scale = np.ones(E)
    for group_mask in (cic_ep, ~cic_ep):
        m = group_mask
        want = target * m.sum() - fixed_dur[m].sum() - (dur * is_long)[m].sum()
        have = dur[m & adjustable].sum()
        if have > 0:
            scale[m & adjustable] = max(want, 0.3 * have) / have
    # placing squeezes a few crowded windows: measure and correct, a few times
    for rounds in range(4):
        d_now = np.where(fixed, 0.0, dur * scale)
        s, e = _place(np.random.default_rng(place_seed), clock, child, fixed, start, end, d_now, n)
        if rounds == 3:
            break
        real = e - s
        for group_mask in (cic_ep, ~cic_ep):
            m = group_mask & adjustable
            if m.any():
                missing_minutes = target * group_mask.sum() - real[group_mask].sum()
                scale[m] *= 1 + missing_minutes / max(real[m].sum(), 1e-9)
    start, end = s, e

    # a few children are still missing at the end: their last episode began in the last month
    o = np.lexsort((start, child))
    last = o[np.concatenate([child[o][1:] != child[o][:-1], [True]])]
    late = last[(start[last] > clock.T - 30 * DAY) & ~fixed[last] & ~is_long[last] & (kids.top[child[last]] < 0)]
    k = min(len(late), max(1, int(round(E * 0.003))))
    still = rng.choice(late, k, replace=False) if k else np.empty(0, np.int64)
    end[still] = np.nan

    start = clock.fix(start)
    end = clock.fix(end)
    end = np.where(np.isnan(end), end, np.maximum(end, start + 15))

    # where they went missing from and were found (free episodes)
    f = np.flatnonzero(~fixed)
    c = child[f]
    pool = world.pool
    u = rng.random(len(f))
    cum = np.cumsum([0.78, 0.07, 0.05, 0.06, 0.04])
    cat = np.searchsorted(cum, u, side="right")
    town_xy = world.town_xy[kids.town[c]]
    mf = kids.res_pc[c].copy()
    school_pc = np.where(kids.school[c] >= 0, world.school_pc[np.maximum(kids.school[c], 0)], kids.res_pc[c])
    mf[cat == 1] = school_pc[cat == 1]
    fam = (cat == 2) & (kids.home_pc[c] >= 0)
    mf[fam] = kids.home_pc[c][fam]
    tc = cat == 3
    mf[tc] = pool.near(rng, town_xy[tc, 0], town_xy[tc, 1], 600)
    mf[cat >= 4] = -1
    frm[f] = mf

    # found: nothing recorded, a friend's house, the town centre, a named place, a hot spot,
    # anywhere in the county, the family home, another town's centre, or a place nobody mapped
    shares = [0.22, 0.18, 0.17, 0.15, 0.06, 0.10, 0.05, 0.055, 0.015]
    cat = np.searchsorted(np.cumsum(shares), rng.random(len(f)) * sum(shares), side="right")
    fp = np.full(len(f), -1, np.int64)
    pl = np.full(len(f), -1, np.int64)
    res_xy = pool.xy[kids.res_pc[c]]
    m = cat == 1
    fp[m] = pool.near(rng, res_xy[m, 0], res_xy[m, 1], 1500)
    m = cat == 2
    fp[m] = pool.near(rng, town_xy[m, 0], town_xy[m, 1], 500)
    m = np.flatnonzero(cat == 3)
    other_town = rng.choice(len(world.town_name), len(m), p=world.town_w)
    t = np.where(rng.random(len(m)) < 0.85, kids.town[c[m]], other_town)
    public = np.flatnonzero(world.place_public)
    chosen = _pick_per_group(rng, world.place_town[public], len(world.town_name), t)
    chosen = np.where(chosen >= 0, public[np.maximum(chosen, 0)], -1)
    pl[m] = chosen
    with_pc = (rng.random(len(m)) < 0.55) & (chosen >= 0)
    fp[m[with_pc]] = world.place_pc[chosen[with_pc]]
    m = np.flatnonzero(cat == 4)
    if len(m):
        # half go to the hot spot nearest home, half travel to any of them: a real hot spot
        # draws children from across the county, not only from its own town
        hot = cKDTree(pool.xy[world.hot_pc]).query(pool.xy[kids.res_pc[c[m]]])[1]
        travel = rng.random(len(m)) < 0.5
        hot[travel] = rng.integers(0, len(world.hot_pc), travel.sum())
        fp[m] = pool.within(rng, world.hot_pc[hot], world.hot_radius[hot])
    m = cat == 5
    if world.national:
        fp[m] = pool.near(rng, town_xy[m, 0], town_xy[m, 1], 9000)
    else:
        fp[m] = rng.integers(0, len(pool.codes), m.sum())
    m = (cat == 6) & (kids.home_pc[c] >= 0) & kids.cic[c]
    fp[m] = kids.home_pc[c][m]
    m = (cat == 6) & ~((kids.home_pc[c] >= 0) & kids.cic[c]) | (cat == 7)
    far = rng.choice(len(world.town_name), m.sum(), p=world.town_w)
    fp[m] = pool.near(rng, world.town_xy[far, 0], world.town_xy[far, 1], 500)
    absent = np.flatnonzero(cat == 8)
    found[f] = fp

    # the texts of found_at_place: place names (some in lower case), two places nobody mapped
    n_places = len(world.place_name)
    texts = np.concatenate([world.place_name, np.array(ABSENT_PLACES, dtype=object)])
    place[f] = pl
    place[f[absent]] = n_places + rng.integers(0, len(ABSENT_PLACES), len(absent))

    # chronological IDs
    order = np.lexsort((child, start))
    width = max(6, len(str(E)))
    ids = ("E" + pd.Series(np.arange(1, E + 1)).astype(str).str.zfill(width)).to_numpy().astype(object)
    return _Episodes(child=child[order], start=start[order], end=end[order], frm=frm[order], found=found[order],
                     place=place[order], place_text=texts, group=grp[order], event=evt[order],
                     long=is_long[order], ids=ids)


# -- birth dates ------------------------------------------------------------------------------------------
AGE_SHARES = {10: 0.01, 11: 0.025, 12: 0.055, 13: 0.12, 14: 0.19, 15: 0.27, 16: 0.21, 17: 0.12}


def _birth_dates(rng, clock: _Clock, kids: _Children, ep: _Episodes) -> np.ndarray:
    """Birth dates giving an exact age quota (mode 15) at each child's first episode in the period."""
    n = kids.n
    first = np.full(n, np.inf)
    np.minimum.at(first, ep.child, ep.start)
    first_day = pd.to_datetime(clock.local(first), format="ISO8601").normalize()
    ages = np.array(list(AGE_SHARES), np.int64)
    age = np.zeros(n, np.int64)
    for part in (np.flatnonzero(kids.cic), np.flatnonzero(~kids.cic)):  # mode 15 in each, so overall
        age[part] = np.repeat(ages, _quota(len(part), list(AGE_SHARES.values())))[rng.permutation(len(part))]
    # a day up to a year before the first episode, moved back ``age`` years (never a 29 February)
    d = first_day - pd.to_timedelta(rng.integers(0, 364, n), unit="D")
    leap = np.asarray((d.month == 2) & (d.day == 29))
    d = d - pd.to_timedelta(leap.astype(np.int64), unit="D")
    year, month, day = np.asarray(d.year) - age, np.asarray(d.month), np.asarray(d.day)
    born = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))
    fy, fm, fd = np.asarray(first_day.year), np.asarray(first_day.month), np.asarray(first_day.day)
    got = fy - year - ((fm < month) | ((fm == month) & (fd < day)))
    if not (got == age).all():  # pragma: no cover - a bug, not bad luck
        raise AssertionError("birth dates do not give the planned ages")
    return born.dt.strftime("%Y-%m-%d").to_numpy().astype(object)


def _make_siblings(rng, kids: _Children, groups: "_Groups") -> list[tuple[int, int]]:
    """About 8% of children living at home have a brother or sister in the data: the same home."""
    grouped = np.zeros(kids.n, bool)
    for m in groups.members:
        grouped[m] = True
    pool = np.flatnonzero(~kids.cic & ~grouped & (kids.top < 0))
    pool = pool[rng.permutation(len(pool))][: 2 * (int(len(pool) * 0.08) // 2)]
    a, b = pool[0::2], pool[1::2]
    kids.home_pc[b] = kids.home_pc[a]
    kids.res_pc[b] = kids.res_pc[a]
    kids.town[b] = kids.town[a]
    kids.school[b] = kids.school[a]
    return list(zip(a.tolist(), b.tolist()))


# -- return home interviews ---------------------------------------------------------------------------------
@dataclass
class _Interviews:
    child: np.ndarray
    first: np.ndarray        # position of first covered episode in ep_order
    size: np.ndarray
    members: np.ndarray      # episode indices covered, padded with -1 (n x 4)
    offered: np.ndarray
    completed: np.ndarray
    outcome: np.ndarray      # category codes
    worker: np.ndarray
    ids: np.ndarray
    ep_completed: np.ndarray  # per episode: index of the completed interview covering it, or -1


def _make_interviews(rng, clock: _Clock, kids: _Children, ep: _Episodes, national: bool) -> _Interviews:
    E = len(ep.child)
    o = np.lexsort((ep.start, ep.child))  # episodes child by child, in time order
    ch = ep.child[o]
    st, en = ep.start[o], ep.end[o]
    returned = ~np.isnan(en)
    same = np.concatenate([[False], ch[1:] == ch[:-1]])
    prev_end = np.concatenate([[np.nan], en[:-1]])
    gap = st - prev_end
    p_merge = np.where(kids.top[ch] >= 0, 0.55, 0.35)
    merge = same & returned & np.concatenate([[False], returned[:-1]]) & (gap < 96 * MIN) & (rng.random(E) < p_merge)
    # the frequently missing children decline exactly as in the report's table: pick the
    # declined episodes first, and let one interview cover only episodes of one kind
    top_ep = kids.top[ch] >= 0
    declined_ep = np.zeros(E, bool)
    for t in np.unique(kids.top[ch[top_ep]]):
        mine = np.flatnonzero((kids.top[ch] == t) & returned)
        want = int(round(FREQUENTLY_MISSING[t][1] * min(1.0, len(mine) / FREQUENTLY_MISSING[t][0])))
        declined_ep[rng.choice(mine, min(want, len(mine)), replace=False)] = True
    merge &= ~(top_ep & (declined_ep != np.concatenate([[False], declined_ep[:-1]])))
    # blocks of at most four consecutive episodes
    for _ in range(3):
        block = np.cumsum(~merge) - 1
        bstart = np.flatnonzero(~merge)
        pos = np.arange(E) - bstart[block]
        merge &= ~((pos % 4 == 0) & (pos > 0))
    block = np.cumsum(~merge) - 1
    nb = int(block[-1]) + 1 if E else 0
    bfirst = np.flatnonzero(~merge)
    bsize = np.bincount(block, minlength=nb)
    blast = bfirst + bsize - 1
    bchild = ch[bfirst]
    blast_ret = en[blast]
    bcic = kids.cic[bchild]
    still = ~returned[blast]

    cat = np.full(nb, -1, np.int64)
    cat[still] = NONE
    # the frequently missing children decline exactly as in the report's table
    top_b = np.flatnonzero(kids.top[bchild] >= 0)
    forced_done = np.zeros(nb, bool)
    top_b = top_b[cat[top_b] < 0]
    cat[top_b[declined_ep[bfirst[top_b]]]] = DECLINED
    forced_done[top_b[~declined_ep[bfirst[top_b]]]] = True

    effect = rng.normal(0, 0.4, kids.n)  # some children decline more than others
    targets = {True: (REPORT["cic_rthi_accepted_pct"] + 0.3, REPORT["cic_rthi_completed_pct"],
                      REPORT["cic_rthi_completed_within_72h_pct"])}
    acc_all, comp_all, in72_all = (REPORT["rthi_accepted_pct"], REPORT["rthi_completed_pct"],
                                   REPORT["rthi_completed_within_72h_pct"])
    n_cic_eps = int(bsize[bcic].sum())
    n_oth_eps = int(bsize[~bcic].sum())
    cic_acc, cic_comp, cic_72 = targets[True]
    oth_acc = (acc_all * E - cic_acc * n_cic_eps) / max(n_oth_eps, 1)
    oth_comp = (comp_all * E - cic_comp * n_cic_eps) / max(n_oth_eps, 1)
    oth_72 = (in72_all * comp_all * E - cic_72 * cic_comp * n_cic_eps) / max(oth_comp * n_oth_eps, 1)
    targets[False] = (oth_acc, oth_comp, oth_72)

    offer_delay = np.clip(_lognormal_hours(rng, nb, 5.0, 0.9), 0.3, 40) * MIN
    on_delay = offer_delay + rng.uniform(1.0, 1.0, nb) * MIN + rng.random(nb) * np.maximum(
        MIN, 70 * MIN - offer_delay - MIN)
    late_delay = (72 + np.clip(_lognormal_hours(rng, nb, 70.0, 0.8), 3, 700)) * MIN
    ontime = np.zeros(nb, bool)
    recent = returned[blast] & (blast_ret > clock.T - 21 * DAY)
    key = rng.random(nb) + effect[bchild]
    for is_cic in (True, False):
        grp = bcic == is_cic
        n_eps = int(bsize[grp].sum())
        if n_eps == 0:
            continue
        acc, comp, in72 = targets[is_cic]
        offered_n = int(round(REPORT["rthi_offered_pct"] / 100 * n_eps))
        accepted_n = int(round(acc / 100 * n_eps))
        completed_n = int(round(comp / 100 * n_eps))
        q_nooffer = max(0, n_eps - offered_n - int(bsize[grp & (cat == NONE)].sum()))
        q_declined = max(0, offered_n - accepted_n - int(bsize[grp & (cat == DECLINED)].sum()))
        q_open = max(0, accepted_n - completed_n)
        # pending: recent returns, interview not yet held
        cand = np.flatnonzero(grp & (cat < 0) & recent & ~forced_done)
        cand = cand[rng.permutation(len(cand))]
        take = cand[np.cumsum(bsize[cand]) - bsize[cand] < int(math.ceil(q_open * 0.6))]
        cat[take] = PENDING
        q_open = max(0, q_open - int(bsize[take].sum()))
        rest = np.flatnonzero(grp & (cat < 0))
        k = np.where(forced_done[rest], np.inf, key[rest])
        rest = rest[np.lexsort((rng.random(len(rest)), k))]
        pos = np.cumsum(bsize[rest]) - bsize[rest]
        edges = np.cumsum([q_nooffer, q_declined, q_open])
        which = np.searchsorted(edges, pos, side="right")
        cat[rest] = np.array([NOOFFER, DECLINED, NOTCOMP, DONE])[which]
        # on time: judged per episode against its own return
        done = np.flatnonzero(grp & (cat == DONE))
        done = done[rng.permutation(len(done))]
        members_ret = np.full((len(done), 4), np.nan)
        for j in range(4):
            ok = j < bsize[done]
            members_ret[ok, j] = en[bfirst[done[ok]] + j]
        finish = blast_ret[done] + on_delay[done]
        n_on = np.sum(finish[:, None] - members_ret <= 72 * MIN, axis=1)
        n_ret = int(np.sum(~np.isnan(members_ret)))
        want_on = int(round(in72 / 100 * n_ret))
        cpos = np.cumsum(n_on) - n_on
        ontime[done[cpos < want_on]] = True

    # a not-offered block is either no interview at all, or a row with no offer recorded
    nooffer = np.flatnonzero(cat == NOOFFER)
    cat[nooffer[rng.random(len(nooffer)) < 0.5]] = NONE
    has_row = cat != NONE
    offered = np.where(np.isin(cat, [DECLINED, NOTCOMP, PENDING, DONE]), blast_ret + offer_delay, np.nan)
    completed = np.where(cat == DONE, blast_ret + np.where(ontime, on_delay, late_delay), np.nan)
    offered, completed = clock.fix(offered), clock.fix(completed)

    rows = np.flatnonzero(has_row)
    sort_time = np.where(np.isnan(offered[rows]), blast_ret[rows], offered[rows])
    rows = rows[np.lexsort((bchild[rows], sort_time))]
    R_ = len(rows)
    width = max(6, len(str(R_)))
    ids = ("R" + pd.Series(np.arange(1, R_ + 1)).astype(str).str.zfill(width)).to_numpy().astype(object)
    members = np.full((R_, 4), -1, np.int64)
    for j in range(4):
        ok = j < bsize[rows]
        members[ok, j] = o[bfirst[rows[ok]] + j]
    n_workers = 7 if not national else max(7, kids.n // 60)
    wf = np.array(WORKER_FIRST, dtype=object)
    wn = _unique_names(np.random.default_rng(int(rng.integers(0, 2**32))), n_workers) if national else \
        wf[rng.choice(len(wf), n_workers, replace=False)] + " " + np.array(SURNAMES, dtype=object)[
            rng.choice(len(SURNAMES), n_workers, replace=False)]
    worker = wn[rng.integers(0, n_workers, R_)]
    worker[rng.random(R_) < 0.03] = ""
    ep_completed = np.full(E, -1, np.int64)
    done_rows = np.flatnonzero(cat[rows] == DONE)
    for j in range(4):
        e = members[done_rows, j]
        ok = e >= 0
        ep_completed[e[ok]] = done_rows[ok]
    return _Interviews(child=bchild[rows], first=bfirst[rows], size=bsize[rows], members=members,
                       offered=offered[rows], completed=completed[rows], outcome=cat[rows], worker=worker,
                       ids=ids, ep_completed=ep_completed)


# -- links -------------------------------------------------------------------------------------------------
def _grades(rng, source: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(source)
    sg = np.zeros(n, np.int8)
    ig = np.zeros(n, np.int8)
    hd = np.zeros(n, np.int8)
    pol = source == S["police"]
    k = int(pol.sum())
    sg[pol] = rng.choice([1, 2, 3], k, p=[0.45, 0.40, 0.15])
    ig[pol] = rng.choice([1, 2, 3, 4, 5], k, p=[0.15, 0.35, 0.30, 0.12, 0.08])
    hd[pol] = rng.choice([0, 1, 2], k, p=[0.30, 0.15, 0.55])
    rt = source == S["rthi"]
    graded = rt & (rng.random(n) < 0.75)
    k = int(graded.sum())
    sg[graded] = rng.choice([1, 2], k, p=[0.2, 0.8])
    ig[graded] = rng.choice([1, 2, 3, 4], k, p=[0.25, 0.35, 0.30, 0.10])
    oth = ~pol & ~rt & (rng.random(n) < 0.7)
    k = int(oth.sum())
    sg[oth] = rng.choice([1, 2, 3], k, p=[0.4, 0.45, 0.15])
    ig[oth] = rng.choice([1, 2, 3, 4, 5], k, p=[0.2, 0.35, 0.3, 0.1, 0.05])
    hd[~pol & (rng.random(n) < 0.12)] = 1
    return sg, ig, hd


def _provenance(rng, clock: _Clock, ep: _Episodes, iv: _Interviews, e: np.ndarray, p_rthi: float,
                others=("police", "worker", "school", "partner"), p_others=(0.35, 0.35, 0.15, 0.15)) -> dict:
    """Source, time recorded, interview and grades for links about episodes ``e`` (-1: none)."""
    n = len(e)
    has = e >= 0
    cov = np.full(n, -1, np.int64)
    cov[has] = iv.ep_completed[e[has]]
    use = (cov >= 0) & (rng.random(n) < p_rthi)
    codes = np.array([S[s] for s in others], np.int8)
    source = np.where(use, S["rthi"], codes[rng.choice(len(codes), n, p=np.array(p_others) / sum(p_others))])
    source = source.astype(np.int8)
    base = np.where(has, np.where(np.isnan(ep.end[np.maximum(e, 0)]), ep.start[np.maximum(e, 0)],
                                  ep.end[np.maximum(e, 0)]), rng.random(n) * clock.T)
    later = np.where(has, MIN * np.clip(_lognormal_hours(rng, n, 40.0, 1.0), 1, 24 * 30), 0.0)
    rec = np.where(use, iv.completed[np.maximum(cov, 0)], base + later)
    sg, ig, hd = _grades(rng, source)
    return {"rec": clock.fix(rec), "source": source, "rthi": np.where(use, cov, -1), "sgrade": sg, "igrade": ig,
            "handling": hd}


def _notes(rng, strings: "_Strings", kind: str, n: int, p: float) -> np.ndarray:
    """A note from the ``kind`` list for a share ``p`` of ``n`` links (-1: no note)."""
    idx = strings.notes(kind)
    out = idx[rng.integers(0, len(idx), n)]
    return np.where(rng.random(n) < p, out, -1)


class _ByChild:
    """Each child's episodes, for picking one at random without a loop."""

    def __init__(self, ep: _Episodes, n: int):
        self.flat = np.argsort(ep.child, kind="stable")
        self.count = np.bincount(ep.child, minlength=n)
        self.first = np.concatenate([[0], np.cumsum(self.count)[:-1]])

    def of(self, c: int) -> np.ndarray:
        return self.flat[self.first[c]:self.first[c] + self.count[c]]

    def random(self, rng, who: np.ndarray) -> np.ndarray:
        who = np.asarray(who, np.int64)
        k = np.floor(rng.random(len(who)) * self.count[who]).astype(np.int64)
        return self.flat[self.first[who] + k]


@dataclass
class _LinkSet:
    cols: dict
    strings: np.ndarray
    associates: pd.DataFrame
    aoc: list
    group_forms: list
    protective: list
    planted: int


def _make_links(rng, clock, world, kids, groups, ep, iv, total, names, stray_slots, prot_has,
                siblings) -> _LinkSet:
    """Every intelligence link: the planted ones (groups, adults of concern, strays, protective
    people, siblings), then everyday background links up to the total."""
    n = kids.n
    E = len(ep.child)
    pool = world.pool
    strings = _Strings()
    L = _Links()
    child_ref = strings.add(np.full(n, "", dtype=object))  # child IDs, filled in at write time
    pc_ref = strings.add(pool.codes)
    place_ref = strings.add(ep.place_text)
    by_child = _ByChild(ep, n)
    assoc_rows: list[tuple] = []  # (label, aliases, role, approx_age, origin)
    taken = {str(x).lower() for x in names.all}  # every name and alias in use, so none is shared
    taken.update(f.lower() for g in groups.assoc_forms for forms in g for f in forms)
    taken.update(x.lower() for x in AMBIGUOUS_FIRST_NAMES)
    n_groups = len(groups.members)

    # --- planted groups --------------------------------------------------------------------------
    gep = np.flatnonzero(ep.event >= 0)
    ggroup = ep.group[gep]
    # named together: each participant names each co-participant with some chance
    df = pd.DataFrame({"e": gep, "c": ep.child[gep], "ev": ep.event[gep]})
    pairs = df.merge(df, on="ev", suffixes=("", "_b"))
    pairs = pairs[pairs["c"] != pairs["c_b"]]
    pairs = pairs[rng.random(len(pairs)) < 0.45]
    pe = pairs["e"].to_numpy()
    pv = _provenance(rng, clock, ep, iv, pe, 0.85)
    L.add("group", ep.child[pe], ttype=T_CHILD, ref=child_ref[pairs["c_b"].to_numpy()], role=R["peer"], ep=pe,
          with_=1, note=_notes(rng, strings, "peer", len(pe), 0.35), **pv)
    # and each member named with another member outside any episode (worker, school, police);
    # the group's hot spot as a place half its members frequent
    named_c, named_o, freq_c, freq_ref = [], [], [], []
    for g, m in enumerate(groups.members):
        if len(m) >= 2:
            named_c.append(m)
            named_o.append(m[(np.arange(len(m)) + 1 + rng.integers(0, len(m) - 1, len(m))) % len(m)])
        who = m[rng.random(len(m)) < 0.5]
        freq_c.append(who)
        freq_ref.append(np.full(len(who), place_ref[world.hot_place[groups.hot[g][0]]]))
    if named_c:
        c = np.concatenate(named_c)
        pv = _provenance(rng, clock, ep, iv, np.full(len(c), -1), 0.0, ("worker", "school", "police"), (0.5, 0.3, 0.2))
        L.add("group", c, ttype=T_CHILD, ref=child_ref[np.concatenate(named_o)], role=R["peer"],
              note=_notes(rng, strings, "peer", len(c), 0.3), **pv)
    # shared associates, named in many of the joint episodes
    group_forms: list[list[str]] = []
    order = np.argsort(ggroup, kind="stable")
    bounds = np.searchsorted(ggroup[order], np.arange(n_groups + 1))
    a_e, a_ref = [], []
    for g in range(n_groups):
        mine = order[bounds[g]:bounds[g + 1]]
        used: set[str] = set()
        for a, forms in enumerate(groups.assoc_forms[g]):
            label = groups.assoc_names[g][a]
            if groups.assoc_resolved[g][a]:
                assoc_rows.append((label, forms[1], "peer", int(rng.integers(15, 20)), ("group", g, a)))
            if len(mine) == 0:
                continue
            pick = mine[rng.random(len(mine)) < 0.55]
            if len(pick) == 0:
                pick = mine[rng.integers(0, len(mine), 1)]
            refs = strings.add(forms)
            j = rng.integers(0, len(forms), len(pick))
            if len(forms) > 1 and len(pick) > 1:
                j[0] = 1  # the alias appears at least once
            used.update(forms[k] for k in np.unique(j))
            a_e.append(gep[pick])
            a_ref.append(refs[j])
        group_forms.append(sorted(used))
    if a_e:
        e = np.concatenate(a_e)
        pv = _provenance(rng, clock, ep, iv, e, 0.8)
        L.add("group", ep.child[e], ttype=T_ASSOC, ref=np.concatenate(a_ref),
              role=np.where(rng.random(len(e)) < 0.85, R["peer"], R["unknown"]), ep=e,
              with_=np.where(rng.random(len(e)) < 0.85, 1, 0), note=_notes(rng, strings, "peer", len(e), 0.3), **pv)
    # found together: place links to the hot spot (postcode or its name)
    e = gep[rng.random(len(gep)) < 0.5]
    pv = _provenance(rng, clock, ep, iv, e, 0.6)
    use_place = (ep.place[e] >= 0) & (rng.random(len(e)) < 0.5)
    ref = np.where(use_place, place_ref[np.maximum(ep.place[e], 0)], pc_ref[np.maximum(ep.found[e], 0)])
    ok = use_place | (ep.found[e] >= 0)
    L.add("group", ep.child[e][ok], ttype=T_PLACE, ref=ref[ok], role=R["found_at"], ep=e[ok],
          note=_notes(rng, strings, "place", int(ok.sum()), 0.3), **{k: v[ok] for k, v in pv.items()})
    c = np.concatenate(freq_c) if freq_c else np.empty(0, np.int64)
    pv = _provenance(rng, clock, ep, iv, np.full(len(c), -1), 0.0, ("worker", "school", "police"), (0.5, 0.2, 0.3))
    L.add("group", c, ttype=T_PLACE, ref=np.concatenate(freq_ref) if freq_ref else c, role=R["frequents"], **pv)

    # --- adults of concern ------------------------------------------------------------------------
    aoc_truth = []
    n_aoc = len(names.aoc)
    # devices: the adults' own first, then one distinct device for each background link
    want = 3 * E if total is None else int(total)
    spare = int(0.06 * want) + 20
    plates, phones, handles = _plates(rng, n_aoc + spare), _phones(rng, n_aoc + spare), _handles(rng, n_aoc + spare)
    firsts = list(ADULT_FIRST)
    first_order = rng.permutation(len(firsts))
    batch: dict[str, list] = {"person": [], "device": [], "address": []}
    big_enough = np.array([len(m) >= 2 for m in groups.members])
    for a in range(n_aoc):
        first = firsts[first_order[a % len(firsts)]]
        surname = str(names.aoc[a]).split(" ")[-1]
        label = f"{first} {surname}"
        for _ in range(100):
            if label.lower() not in taken:
                break
            label = f"{first} {SURNAMES[int(rng.integers(0, len(SURNAMES)))]}"
        taken.add(label.lower())
        surname = label.split(" ")[-1]
        nick = ADULT_FIRST[first] if a < len(firsts) else f"{ADULT_FIRST[first]} {surname[0]}"
        big = next((b for b in (f"Big {first[0]}", f"Big {first[0]}{surname[0]}", f"Big {first}")
                    if b.lower() not in taken), f"Big {first} {surname}")
        if nick.lower() in taken:
            nick = f"{nick} {surname}"
        aliases = [nick, big]
        taken.update(x.lower() for x in aliases)
        miss = _misspell(rng, label, taken) if a % 2 == 0 else None
        if miss:
            taken.add(miss.lower())
        age = int(rng.integers(19, 39))
        # groups near each other, from one that is his "patch"
        g0 = (a * 3) % n_groups
        dist = np.hypot(*(world.town_xy[groups.town] - world.town_xy[groups.town[g0]]).T)
        near = np.argsort(dist, kind="stable")
        cand = [int(g) for g in near[big_enough[near]][:4]]
        gs = cand[: min(len(cand), int(rng.integers(2, 4)))]
        home = int(pool.near(rng, *world.town_xy[groups.town[g0]], 1500)[0])
        assoc_rows.append((label, ";".join(aliases), "adult_of_concern", age, ("aoc", a)))
        forms = [label, nick, big, label.upper(), nick.lower(), label.lower().replace(" ", "  ")]
        form_ref = strings.add(forms)
        miss_ref = strings.one(miss) if miss else -1
        plate, phone, handle = strings.one(plates[a]), strings.one(phones[a]), strings.one(handles[a])
        kids_a, used = [], []
        for gi, g in enumerate(gs):
            m = groups.members[g]
            who = m[rng.permutation(len(m))[: int(rng.integers(2, min(3, len(m)) + 1))]]
            for ci, c in enumerate(who):
                kids_a.append(int(c))
                mine = by_child.of(int(c))
                joint = mine[ep.group[mine] == g]
                e = int(joint[rng.integers(0, len(joint))]) if len(joint) else -1
                # each group hears of him under a name that resolves (the first under his
                # nickname); the misspelling turns up at least once, in the last group
                last = gi == len(gs) - 1 and ci == len(who) - 1
                if ci > 0 and miss_ref >= 0 and (rng.random() < 0.3 or (last and miss not in used)):
                    ref, text = miss_ref, miss
                else:
                    j = 1 if gi == 0 and ci == 0 else int(rng.integers(0, len(forms)))
                    ref, text = int(form_ref[j]), forms[j]
                used.append(text)
                batch["person"].append((c, ref, e, R["adult_of_concern"] if rng.random() < 0.9 else R["unknown"],
                                        1 if (e >= 0 and rng.random() < 0.6) else 0))
                for ttype, tref, p, nk in ((T_VEHICLE, plate, 0.45, "vehicle"), (T_PHONE, phone, 0.4, "phone"),
                                           (T_ONLINE, handle, 0.25, "online")):
                    if rng.random() < p:
                        batch["device"].append((c, tref, e, ttype, nk))
                if rng.random() < 0.3:
                    batch["address"].append((c, pc_ref[home], -1))
        aoc_truth.append({"label": label, "aliases": aliases, "misspellings": [miss] if miss else [],
                          "forms_in_links": sorted(set(used)), "approx_age": age, "groups": gs,
                          "children": sorted(set(kids_a)), "vehicle": str(plates[a]), "phone": str(phones[a]),
                          "online": str(handles[a]), "address_postcode": str(pool.codes[home])})

    if batch["person"]:
        c, ref, e, role, with_ = (np.array(x) for x in zip(*batch["person"]))
        pv = _provenance(rng, clock, ep, iv, e, 0.5, ("police", "partner", "worker"), (0.6, 0.2, 0.2))
        L.add("aoc", c, ttype=T_ASSOC, ref=ref, role=role, ep=e, with_=with_,
              note=_notes(rng, strings, "aoc", len(c), 0.8), **pv)
    if batch["device"]:
        c, ref, e, ttype, kind = (np.array(x) for x in zip(*batch["device"]))
        pv = _provenance(rng, clock, ep, iv, e, 0.3, ("police", "worker"), (0.7, 0.3))
        note = np.full(len(c), -1, np.int64)
        for nk in ("vehicle", "phone", "online"):
            m = kind == nk
            note[m] = _notes(rng, strings, nk, int(m.sum()), 0.6)
        L.add("aoc", c, ttype=ttype, ref=ref, ep=e, note=note, **pv)
    if batch["address"]:
        c, ref, e = (np.array(x) for x in zip(*batch["address"]))
        pv = _provenance(rng, clock, ep, iv, e, 0.0, ("police",), (1.0,))
        L.add("aoc", c, ttype=T_PLACE, ref=ref, role=R["exploitation_location"],
              note=_notes(rng, strings, "exploitation", len(c), 0.7), **pv)

    # --- stray associates: each linked to one child only -----------------------------------------
    s_child = np.repeat(np.arange(n), stray_slots)
    ns = len(s_child)
    s_role = rng.choice([R["peer"], R["family"], R["professional"], R["unknown"]], ns, p=[0.52, 0.25, 0.08, 0.15])
    s_ref = strings.add(names.stray)
    s_ep = by_child.random(rng, s_child)
    pv = _provenance(rng, clock, ep, iv, s_ep, 0.7)
    notes = np.full(ns, -1, np.int64)
    for r, kind in ((R["peer"], "peer"), (R["family"], "family"), (R["professional"], "professional"),
                    (R["unknown"], "unknown")):
        m = s_role == r
        notes[m] = _notes(rng, strings, kind, int(m.sum()), 0.3)
    L.add("stray", s_child, ttype=T_ASSOC, ref=s_ref, role=s_role, ep=s_ep,
          with_=np.where((s_role == R["peer"]) & (rng.random(ns) < 0.3), 1, 0), note=notes, **pv)
    role_names = np.array(ROLES, dtype=object)
    for i in np.flatnonzero(rng.random(ns) < 0.15)[:5000]:
        age = int(rng.integers(14, 20)) if s_role[i] == R["peer"] else ""
        assoc_rows.append((str(names.stray[i]), "", str(role_names[s_role[i]]), age, ("stray", int(i))))

    # --- protective people, youth workers, safe places ---------------------------------------------
    p_child = np.flatnonzero(prot_has)
    p_ref = strings.add(names.protective)
    pv = _provenance(rng, clock, ep, iv, by_child.random(rng, p_child), 0.6, ("worker", "school", "partner"),
                     (0.6, 0.2, 0.2))
    L.add("protective", p_child, ttype=T_ASSOC, ref=p_ref, role=R["protective"],
          note=_notes(rng, strings, "protective", len(p_child), 0.5), **pv)
    for i in np.flatnonzero(rng.random(len(p_child)) < 0.25)[:5000]:
        assoc_rows.append((str(names.protective[i]), "", "protective", "", ("protective", int(i))))
    protective = []
    for y, name in enumerate(names.youth):
        parts = str(name).split(" ")
        label = f"{parts[0]} {parts[-1]}"
        alias = f"{parts[0]} {parts[-1][0]} from the youth centre"
        assoc_rows.append((label, alias, "protective", int(rng.integers(25, 50)), ("youth", y)))
        k = int(min(n, rng.integers(8, 16)))
        who = np.sort(rng.choice(n, k, replace=False))
        refs = strings.add([label, alias])
        pv = _provenance(rng, clock, ep, iv, by_child.random(rng, who), 0.5, ("worker", "school"), (0.7, 0.3))
        L.add("youth_worker", who, ttype=T_ASSOC, ref=refs[rng.integers(0, 2, k)], role=R["protective"],
              with_=np.where(rng.random(k) < 0.3, 2, 0), note=_notes(rng, strings, "protective", k, 0.4), **pv)
        protective.append({"label": label, "aliases": [alias], "kind": "youth worker", "children": who.tolist(),
                           "origin": ("youth", y)})
    safe_child = np.flatnonzero(rng.random(n) < 0.3)
    safe_places = np.flatnonzero(world.place_safe)
    sp = _pick_per_group(rng, world.place_town[safe_places], len(world.town_name), kids.town[safe_child])
    ok = sp >= 0
    pv = _provenance(rng, clock, ep, iv, np.full(int(ok.sum()), -1), 0.0, ("worker", "school"), (0.7, 0.3))
    L.add("protective", safe_child[ok], ttype=T_PLACE, ref=place_ref[safe_places[sp[ok]]], role=R["safe_place"],
          note=_notes(rng, strings, "safe", int(ok.sum()), 0.4), **pv)

    # --- siblings are named as family ----------------------------------------------------------------
    if siblings:
        sib = np.array(siblings, np.int64)
        sa, sb = np.concatenate([sib[:, 0], sib[:, 1]]), np.concatenate([sib[:, 1], sib[:, 0]])
        pv = _provenance(rng, clock, ep, iv, by_child.random(rng, sa), 0.5)
        L.add("sibling", sa, ttype=T_CHILD, ref=child_ref[sb], role=R["family"], **pv)

    planted = L.concat()
    P = len(planted["child"])
    if P > want:  # a total smaller than the planted links keeps the first of them
        planted = {k: v[:want] for k, v in planted.items()}
        P = want
    bg = _background(rng, clock, world, kids, ep, iv, strings, max(0, want - P), child_ref, pc_ref, place_ref,
                     stray_slots, s_ref, prot_has, p_ref, plates[n_aoc:], phones[n_aoc:], handles[n_aoc:])
    cols = {k: np.concatenate([planted[k], bg[k]]) for k in LINK_COLUMNS}
    assoc = pd.DataFrame(assoc_rows, columns=["label", "aliases", "role", "approx_age", "origin"])
    return _LinkSet(cols=cols, strings=strings.array(), associates=assoc, aoc=aoc_truth, group_forms=group_forms,
                    protective=protective, planted=P)


def _background(rng, clock, world, kids, ep, iv, strings, F, child_ref, pc_ref, place_ref, stray_slots, s_ref,
                prot_has, p_ref, plates, phones, handles) -> dict:
    """``F`` everyday links, all vectorised: finds, places, stray peers, school friends, phones..."""
    cols = {k: np.zeros(F, _LINK_DTYPES[k]) for k in LINK_COLUMNS}
    if F == 0:
        return cols
    E = len(ep.child)
    n = kids.n
    e = rng.integers(0, E, F)
    no_ep = rng.random(F) < 0.15
    c = ep.child[e]
    # kinds: 0 found at, 1 missing from, 2 frequents, 3 stray associate, 4 another child of the town,
    # 5 protective person, 6 safe place, 7 vehicle, 8 phone, 9 online, 10 an ambiguous first name
    shares = [0.22, 0.05, 0.10, 0.30, 0.07, 0.06, 0.04, 0.04, 0.05, 0.05, 0.02]
    kind = rng.choice(len(shares), F, p=np.array(shares) / sum(shares))
    # what cannot be made falls back to a stray associate
    kind[(kind == 0) & (ep.found[e] < 0) & (ep.place[e] < 0)] = 3
    kind[(kind == 1) & (ep.frm[e] < 0)] = 3
    kind[(kind == 5) & ~prot_has[c]] = 3
    e = np.where(no_ep & ~np.isin(kind, [0, 1]), -1, e)
    ttype = np.zeros(F, np.int8)
    ref = np.zeros(F, np.int64)
    role = np.zeros(F, np.int8)
    note = np.full(F, -1, np.int64)
    with_ = np.zeros(F, np.int8)

    m = kind == 0
    use_place = (ep.place[e[m]] >= 0) & ((ep.found[e[m]] < 0) | (rng.random(int(m.sum())) < 0.4))
    ref[m] = np.where(use_place, place_ref[np.maximum(ep.place[e[m]], 0)], pc_ref[np.maximum(ep.found[e[m]], 0)])
    ttype[m], role[m] = T_PLACE, R["found_at"]
    note[m] = _notes(rng, strings, "place", int(m.sum()), 0.3)
    m = kind == 1
    ref[m], ttype[m], role[m] = pc_ref[ep.frm[e[m]]], T_PLACE, R["missing_from"]
    m = np.flatnonzero(kind == 2)
    public = np.flatnonzero(world.place_public)
    sp = _pick_per_group(rng, world.place_town[public], len(world.town_name), kids.town[c[m]])
    named = sp >= 0
    near = world.pool.near(rng, *world.pool.xy[kids.res_pc[c[m]]].T, 1200)
    ref[m] = np.where(named & (rng.random(len(m)) < 0.7), place_ref[public[np.maximum(sp, 0)]], pc_ref[near])
    ttype[m], role[m] = T_PLACE, R["frequents"]
    m = np.flatnonzero(kind == 3)
    s_first = np.concatenate([[0], np.cumsum(stray_slots)[:-1]])
    k = np.floor(rng.random(len(m)) * stray_slots[c[m]]).astype(np.int64)
    ref[m], ttype[m] = s_ref[s_first[c[m]] + k], T_ASSOC
    role[m] = rng.choice([R["peer"], R["family"], R["unknown"], 0], len(m), p=[0.5, 0.2, 0.2, 0.1])
    with_[m] = np.where(rng.random(len(m)) < 0.2, 1, np.where(rng.random(len(m)) < 0.2, 2, 0))
    note[m] = _notes(rng, strings, "peer", len(m), 0.25)
    m = np.flatnonzero(kind == 4)
    friend = _pick_per_group(rng, kids.town, len(world.town_name), kids.town[c[m]])
    ok = (friend >= 0) & (friend != c[m])
    ref[m[ok]], ttype[m[ok]], role[m[ok]] = child_ref[friend[ok]], T_CHILD, R["peer"]
    with_[m[ok]] = np.where(rng.random(int(ok.sum())) < 0.1, 1, 0)
    bad = m[~ok]
    ref[bad], ttype[bad] = s_ref[s_first[c[bad]]], T_ASSOC
    m = np.flatnonzero(kind == 5)
    p_first = np.cumsum(prot_has) - 1
    ref[m], ttype[m], role[m] = p_ref[p_first[c[m]]], T_ASSOC, R["protective"]
    note[m] = _notes(rng, strings, "protective", len(m), 0.3)
    m = np.flatnonzero(kind == 6)
    safe = np.flatnonzero(world.place_safe)
    sp = _pick_per_group(rng, world.place_town[safe], len(world.town_name), kids.town[c[m]])
    gran = world.pool.near(rng, *world.pool.xy[kids.res_pc[c[m]]].T, 2500)
    ref[m] = np.where((sp >= 0) & (rng.random(len(m)) < 0.6), place_ref[safe[np.maximum(sp, 0)]], pc_ref[gran])
    ttype[m], role[m] = T_PLACE, R["safe_place"]
    note[m] = _notes(rng, strings, "safe", len(m), 0.3)
    for code, pool_, t, nk in ((7, plates, T_VEHICLE, "vehicle"), (8, phones, T_PHONE, "phone"),
                               (9, handles, T_ONLINE, "online")):
        m = np.flatnonzero(kind == code)
        refs = strings.add(pool_[: len(m)])
        ref[m], ttype[m] = refs[np.arange(len(m)) % max(len(refs), 1)], t  # one device, one child
        note[m] = _notes(rng, strings, nk, len(m), 0.4)
    m = np.flatnonzero(kind == 10)
    amb = strings.add(AMBIGUOUS_FIRST_NAMES)
    ref[m], ttype[m], role[m] = amb[rng.integers(0, len(amb), len(m))], T_ASSOC, R["peer"]
    pv = _provenance(rng, clock, ep, iv, e, 0.7)
    cols.update(child=c.astype(np.int64), ttype=ttype, ref=ref, role=role, ep=e, with_=with_, note=note,
                kind=np.full(F, KINDS.index("background"), np.int8), **pv)
    return cols


# -- writing ------------------------------------------------------------------------------------------------
def _child_ids(rng, n: int) -> np.ndarray:
    width = 6 if n <= 150_000 else 7
    space = 10**width
    codes = np.unique(rng.integers(10**(width - 1) // 10, space, int(n * 1.3) + 10))
    while len(codes) < n:
        codes = np.unique(np.concatenate([codes, rng.integers(0, space, n)]))
    codes = rng.choice(codes, n, replace=False)
    return pd.Series(codes).astype(str).str.zfill(width).to_numpy().astype(object)


def _csv(frame: pd.DataFrame, path: Path, mode: str = "w", header: bool = True) -> None:
    with open_private(path, mode, newline="") as handle:
        frame.to_csv(handle, index=False, header=header, lineterminator="\n")


def _write(rng, out: Path, clock: _Clock, world: _World, kids: _Children, birth, groups: _Groups, ep: _Episodes,
           iv: _Interviews, lk: _LinkSet, siblings, seed: int, say) -> dict:
    pool = world.pool
    n = kids.n
    cid = _child_ids(rng, n)
    names_f = np.array(FEMALE, dtype=object)
    names_m = np.array(MALE, dtype=object)
    first = np.where(kids.sex == "female", names_f[rng.integers(0, len(names_f), n)],
                     np.where(kids.sex == "male", names_m[rng.integers(0, len(names_m), n)],
                              np.where(rng.random(n) < 0.5, names_f[rng.integers(0, len(names_f), n)],
                                       names_m[rng.integers(0, len(names_m), n)])))
    initial = np.array(list("ABCDEFGHJKLMNPRSTW"), dtype=object)[rng.integers(0, 18, n)]
    display = np.where(rng.random(n) < 0.75, first + " " + initial + ".",
                       pd.Series(first).str[0].to_numpy() + "." + initial + ".")
    codes = np.concatenate([pool.codes, np.array([""], dtype=object)])

    def pc(idx):
        return codes[np.where(np.asarray(idx) >= 0, idx, len(codes) - 1)]

    ce_risk = rng.choice(np.array(["", "low", "medium", "high"], dtype=object), n, p=[0.3, 0.2, 0.38, 0.12])
    grouped = np.zeros(n, bool)
    for m in groups.members:
        grouped[m] = True
    ce_risk[grouped | (kids.top >= 0)] = rng.choice(np.array(["medium", "high"], dtype=object),
                                                    int((grouped | (kids.top >= 0)).sum()), p=[0.4, 0.6])
    kinds = np.array(["CSE", "CCE", "none"], dtype=object)
    etype = np.where(kids.sex == "male", rng.choice(kinds, n, p=[0.15, 0.55, 0.3]),
                     rng.choice(kinds, n, p=[0.6, 0.1, 0.3])).astype(object)
    etype[rng.random(n) < 0.012] = "both"
    etype[ce_risk == ""] = np.where(rng.random(int((ce_risk == "").sum())) < 0.5, "", "none")
    school = np.concatenate([world.school_name, np.array([""], dtype=object)])[
        np.where(kids.school >= 0, kids.school, len(world.school_name))]
    children_df = pd.DataFrame({
        "child_id": cid, "display_name": display, "birth_date": birth, "sex": kids.sex,
        "legal_status": kids.legal, "placement_type": kids.ptype,
        "home_postcode": pc(kids.home_pc), "placement_postcode": np.where(kids.cic, pc(kids.res_pc), ""),
        "school": school, "ce_risk": ce_risk, "exploitation_type": etype,
    }).sort_values("child_id", kind="stable")
    _csv(children_df, out / "children.csv")
    say("writing files", 1, 7)

    E = len(ep.child)
    fap = np.where(ep.place >= 0, ep.place_text[np.maximum(ep.place, 0)], "").astype(object)
    lower = (ep.place >= 0) & (rng.random(E) < 0.2)
    fap[lower] = pd.Series(fap[lower], dtype=object).str.lower().to_numpy()
    episodes_df = pd.DataFrame({
        "episode_id": ep.ids, "child_id": cid[ep.child], "missing_at": clock.local(ep.start),
        "returned_at": clock.local(ep.end), "missing_from_postcode": _spell(rng, pc(ep.frm)),
        "found_at_postcode": _spell(rng, pc(ep.found)), "found_at_place": fap,
    })
    _csv(episodes_df, out / "episodes.csv")
    del episodes_df
    say("writing files", 2, 7)

    R_ = len(iv.ids)
    joined = np.full(R_, "", dtype=object)
    for j in range(4):
        e = iv.members[:, j]
        part = np.where(e >= 0, ep.ids[np.maximum(e, 0)], "")
        joined = np.where(j == 0, part, np.where(e >= 0, joined + ";" + part, joined))
    outcome_text = np.array(["", "not_completed", "declined", "not_completed", "pending", "completed"], dtype=object)
    rthis_df = pd.DataFrame({
        "rthi_id": iv.ids, "child_id": cid[iv.child], "episode_ids": joined,
        "offered_at": clock.local(iv.offered), "outcome": outcome_text[iv.outcome],
        "completed_at": clock.local(iv.completed), "worker": iv.worker,
    })
    _csv(rthis_df, out / "rthis.csv")
    del rthis_df
    say("writing files", 3, 7)

    # links, in time order, written in chunks
    cols = lk.cols
    table = lk.strings.copy()
    table[: n] = cid  # the child placeholders come first in the string table
    order = np.lexsort((cols["child"], cols["rec"]))
    total = len(order)
    width = max(6, len(str(total)))
    chunk = 250_000
    header = ["link_id", "child_id", "recorded_at", "target_type", "target_ref", "role", "episode_id",
              "rthi_id", "with_during_episode", "source", "source_grade", "intel_grade", "handling", "notes"]
    t_types = np.array(TARGET_TYPES, dtype=object)
    t_roles = np.array(ROLES, dtype=object)
    t_src = np.array(SOURCES, dtype=object)
    t_sg = np.array(SOURCE_GRADES, dtype=object)
    t_ig = np.array(INTEL_GRADES, dtype=object)
    t_hd = np.array(HANDLING, dtype=object)
    t_with = np.array(WITH, dtype=object)
    ep_ids = np.concatenate([ep.ids, np.array([""], dtype=object)])
    rthi_ids = np.concatenate([iv.ids, np.array([""], dtype=object)])
    if total == 0:
        _csv(pd.DataFrame(columns=header), out / "links.csv")
    for k in range(0, max(total, 1), chunk):
        if total == 0:
            break
        idx = order[k:k + chunk]
        m = len(idx)
        ids = ("L" + pd.Series(np.arange(k + 1, k + m + 1)).astype(str).str.zfill(width)).to_numpy()
        note = cols["note"][idx]
        frame = pd.DataFrame({
            "link_id": ids, "child_id": cid[cols["child"][idx]], "recorded_at": clock.local(cols["rec"][idx]),
            "target_type": t_types[cols["ttype"][idx]], "target_ref": table[cols["ref"][idx]],
            "role": t_roles[cols["role"][idx]],
            "episode_id": ep_ids[np.where(cols["ep"][idx] >= 0, cols["ep"][idx], E)],
            "rthi_id": rthi_ids[np.where(cols["rthi"][idx] >= 0, cols["rthi"][idx], R_)],
            "with_during_episode": t_with[cols["with_"][idx]], "source": t_src[cols["source"][idx]],
            "source_grade": t_sg[cols["sgrade"][idx]], "intel_grade": t_ig[cols["igrade"][idx]],
            "handling": t_hd[cols["handling"][idx]],
            "notes": np.where(note >= 0, table[np.maximum(note, 0)], ""),
        })
        _csv(frame, out / "links.csv", mode="w" if k == 0 else "a", header=k == 0)
        say("writing files", 4, 7)

    # places.csv: every named place except the two nobody mapped, plus homes and schools
    places_df = pd.DataFrame({
        "place_name": np.concatenate([world.place_name, world.home_name, world.school_name]),
        "postcode": np.concatenate([pc(world.place_pc), pc(world.home_pc), pc(world.school_pc)]),
        "kind": np.concatenate([world.place_kind, np.full(len(world.home_name), "residential_home", dtype=object),
                                np.full(len(world.school_name), "school", dtype=object)]),
    })
    _csv(places_df, out / "places.csv")
    say("writing files", 5, 7)

    assoc = lk.associates
    perm = rng.permutation(len(assoc))
    assoc = assoc.iloc[perm].reset_index(drop=True)
    width_a = max(4, len(str(len(assoc))))
    assoc["associate_id"] = ("AS" + pd.Series(np.arange(1, len(assoc) + 1)).astype(str).str.zfill(width_a)).to_numpy()
    _csv(assoc[["associate_id", "label", "aliases", "role", "approx_age"]], out / "associates.csv")
    say("writing files", 6, 7)

    key = base64.urlsafe_b64encode(np.random.default_rng([seed, 0x6B6579]).bytes(32)).decode().rstrip("=")
    with open_private(out / "peermap.key") as handle:
        handle.write(key)

    truth = _truth(clock, world, kids, cid, groups, ep, lk, assoc, siblings, seed)
    with open_private(out / "truth.json") as handle:
        handle.write(json.dumps(truth, indent=1, ensure_ascii=False) + "\n")
    say("writing files", 7, 7)
    return {
        "children": n, "episodes": E, "rthis": R_, "links": total, "places": len(places_df),
        "associates": len(assoc), "groups": len(groups.members), "adults_of_concern": len(lk.aoc),
        "hotspots": len(world.hot_pc), "residential_homes": len(world.home_pc),
        "still_missing": int(np.isnan(ep.end).sum()), "planted_links": lk.planted,
    }


def _group_id(g: int, n: int) -> str:
    return f"G{g + 1:02d}" if n < 100 else f"G{g + 1:05d}"


def _truth(clock, world, kids, cid, groups, ep, lk, assoc, siblings, seed) -> dict:
    """What was planted, in the words of the files (child IDs, texts as written, postcodes)."""
    pool = world.pool
    id_of = dict(zip(assoc["origin"], assoc["associate_id"]))
    n_groups = len(groups.members)
    by_group: dict[int, dict[int, list[str]]] = {}
    month_of = np.array([x[:7] for x in clock.local(ep.start[ep.group >= 0])], dtype=object)
    for e, mo in zip(np.flatnonzero(ep.group >= 0), month_of):
        g = int(ep.group[e])
        entry = by_group.setdefault(g, {"events": {}, "months": set()})
        entry["events"].setdefault(int(ep.event[e]), []).append(str(ep.ids[e]))
        entry["months"].add(mo)
    out_groups = []
    for g, m in enumerate(groups.members):
        if len(m) == 0:
            continue
        info = by_group.get(g, {"events": {}, "months": set()})
        out_groups.append({
            "id": _group_id(g, n_groups),
            "children": sorted(str(cid[c]) for c in m),
            "associates": lk.group_forms[g],
            "associate_labels": list(groups.assoc_names[g]),
            "associate_ids": [id_of[("group", g, a)] for a in range(len(groups.assoc_names[g]))
                              if ("group", g, a) in id_of],
            "town": str(world.town_name[groups.town[g]]),
            "hotspots": [str(pool.codes[world.hot_pc[h]]) for h in groups.hot[g]],
            "active_months": sorted(info["months"]),
            "events": [sorted(v) for _, v in sorted(info["events"].items())],
        })
    aocs = []
    for a, info in enumerate(lk.aoc):
        aocs.append({**info, "id": id_of.get(("aoc", a)),
                     "groups": [_group_id(g, n_groups) for g in info["groups"]],
                     "children": sorted(str(cid[c]) for c in info["children"])})
    hot = []
    groups_at: dict[int, list[str]] = {}
    for g in range(n_groups):
        for h in groups.hot[g]:
            groups_at.setdefault(h, []).append(_group_id(g, n_groups))
    for h in range(len(world.hot_pc)):
        p = world.hot_pc[h]
        hot.append({"postcode": str(pool.codes[p]), "easting": int(pool.xy[p, 0]), "northing": int(pool.xy[p, 1]),
                    "radius_m": int(world.hot_radius[h]), "name": str(world.place_name[world.hot_place[h]]),
                    "groups": groups_at.get(h, [])})
    homes = []
    order = np.argsort(kids.res_home, kind="stable")
    bounds = np.searchsorted(kids.res_home[order], np.arange(len(world.home_pc) + 1))
    for h in range(len(world.home_pc)):
        living = order[bounds[h]:bounds[h + 1]]
        homes.append({"postcode": str(pool.codes[world.home_pc[h]]), "name": str(world.home_name[h]),
                      "children": sorted(str(cid[c]) for c in living)})
    top = np.flatnonzero(kids.top >= 0)
    top = top[np.argsort(kids.top[top])]
    return {
        "seed": seed,
        "period": {"from": clock.start.isoformat(), "to": (clock.end - timedelta(days=1)).isoformat()},
        "groups": out_groups,
        "adults_of_concern": aocs,
        "hotspots": hot,
        "residential_homes": [h["postcode"] for h in homes],
        "residential_home_details": homes,
        "bridges": sorted(str(cid[b]) for b in groups.bridges),
        "long_episodes": sorted(str(x) for x in ep.ids[ep.long]),
        "still_missing": sorted(str(x) for x in ep.ids[np.isnan(ep.end)]),
        "frequently_missing": [str(cid[c]) for c in top],
        "protective": [{"id": id_of.get(p["origin"]), "label": p["label"], "aliases": p["aliases"],
                        "kind": p["kind"], "children": sorted(str(cid[c]) for c in p["children"])}
                       for p in lk.protective],
        "siblings": [sorted([str(cid[a]), str(cid[b])]) for a, b in siblings],
        "ambiguous_first_names": AMBIGUOUS_FIRST_NAMES,
        "absent_places": ABSENT_PLACES,
        "postcode_spelling": "about 3% of episode postcodes in lower case and 2% without the space; all real",
    }
