"""The invented county: towns, public places, children's homes, schools and hot spots, on real postcodes.

At Durham size the towns are County Durham's own; above 20,000 children they
are spread over England and Wales, one per 40 children, named by postcode
district. Every place sits on a real postcode near its town.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from peermap.graph_models.postcode_format import postcode_districts
from peermap.synthetic.calibration import Calibration
from peermap.synthetic.postcode_pool import PostcodePool

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
HOME_NAMES = [
    "Oakfield House",
    "Willow Lodge",
    "Beech View",
    "Hawthorn House",
    "Rowan Lodge",
    "Elm Tree House",
    "Cedar Court",
    "Holly Bank",
    "Maple House",
    "Ash Grove",
    "Birch Lodge",
    "Laurel House",
    "Fern Lea",
    "Heather View",
    "Larch House",
    "Poplar Lodge",
]
SCHOOL_WORDS = [
    "Moorside",
    "Parkview",
    "Hillcrest",
    "Riverside",
    "Woodlands",
    "Greenfield",
    "Valley",
    "St Bede's",
    "St Cuthbert's",
    "St Aidan's",
    "Fernhill",
    "Eastgate",
    "Westfield",
    "Highfield",
    "Northfield",
    "Southlands",
    "Oakwood",
    "Brookside",
    "Castleview",
    "Meadowbank",
]
SCHOOL_KINDS = ["Academy", "School", "Community College", "High School", "Catholic School"]
ABSENT_PLACES = ["the underpass", "skate park"]


@dataclass
class World:
    """Towns, places, children's homes, schools and hot spots; every ``*_pc`` is an index into ``pool``."""

    pool: PostcodePool
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


def make_world(rng, national: bool, children: int, n_groups: int, cal: Calibration) -> World:
    """Towns (Durham's or, nationally, one per ``cal.children_per_national_town`` children) and what is in them."""
    pool = PostcodePool(national)
    if national:
        n_towns = max(30, children // cal.children_per_national_town)
        centre = np.sort(rng.choice(len(pool.codes), n_towns, replace=False))
        district = postcode_districts(pd.Series(pool.codes[centre])).astype(object)
        dup = district.groupby(district).cumcount()
        names = np.where(dup > 0, district + "/" + (dup + 1).astype(str), district).astype(object)
        xy = pool.xy[centre]
        weight = rng.gamma(cal.national_town_size_shape, 1.0, n_towns)
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
    # the named places of the bigger Durham towns, and in the bigger towns a skate park; each
    # scattered ``sd`` metres around its town's centre.
    p_name, p_kind, p_town, p_public, p_safe, p_sd, p_named = [], [], [], [], [], [], []

    def put(name, kind, town, public, safe, sd, named=False):
        p_name.append(name), p_kind.append(kind), p_town.append(town), p_public.append(public)
        p_safe.append(safe), p_sd.append(sd), p_named.append(named)

    for t in range(n_towns):
        nm = names[t]
        if national:
            put(f"{nm} bus station", "transport", t, True, False, 250)
            put(f"{nm} park", "park", t, True, False, 700)
            put(f"McDonald's {nm}", "takeaway", t, True, False, 600)
            put(f"{nm} youth centre", "other", t, False, True, 800)
            continue
        for special, kind in specials[t]:
            put(special, kind, t, True, False, 400, named=True)
        put(f"{nm} bus station", "transport", t, True, False, 250)
        put(f"{nm} recreation ground", "park", t, True, False, 700)
        if weight[t] > cal.big_town_share:
            put(f"McDonald's {nm}", "takeaway", t, True, False, 700)
            put(f"{nm} skate park", "park", t, True, False, 900)
        put(f"{nm} Youth Centre", "other", t, False, True, 800)
        put(f"{nm} Library", "other", t, False, True, 400)
    p_town_arr = np.array(p_town, dtype=np.int64)
    sd = np.array(p_sd, float)
    p_pc = pool.nearest(
        xy[p_town_arr, 0] + rng.normal(0, 1, len(sd)) * sd, xy[p_town_arr, 1] + rng.normal(0, 1, len(sd)) * sd
    )

    # Children's residential homes: a handful, mostly in the bigger towns.
    n_homes = (
        max(8, int(round(children / cal.children_per_residential_home)))
        if children >= 150
        else max(2, children // cal.children_per_residential_home_small)
    )
    h_town = rng.choice(n_towns, n_homes, p=weight)
    h_pc = pool.near(rng, xy[h_town, 0], xy[h_town, 1], cal.residential_home_scatter_m)
    base = np.array(HOME_NAMES, dtype=object)
    h_name = base[np.arange(n_homes) % len(base)]
    if n_homes > len(base) or national:
        h_name = h_name + " (" + names[h_town] + ")"
    h_name = h_name + np.where(pd.Series(h_name).duplicated(), " " + pd.Series(np.arange(n_homes)).astype(str), "")

    # Schools: about one per 15 children, each near a town.
    n_schools = max(8, int(round(children / cal.children_per_school)))
    s_town = np.sort(rng.choice(n_towns, n_schools, p=weight))
    s_pc = pool.near(rng, xy[s_town, 0], xy[s_town, 1], cal.school_scatter_m)
    combos = len(SCHOOL_WORDS) * len(SCHOOL_KINDS)
    code = rng.choice(combos, min(n_schools, combos), replace=False)
    code = np.resize(code, n_schools)
    s_name = (
        np.array(SCHOOL_WORDS, dtype=object)[code // len(SCHOOL_KINDS)]
        + " "
        + np.array(SCHOOL_KINDS, dtype=object)[code % len(SCHOOL_KINDS)]
    )
    if n_schools > combos or national:
        s_name = s_name + ", " + names[s_town]
    s_name = np.where(
        pd.Series(s_name).duplicated(), s_name + " " + pd.Series(np.arange(n_schools)).astype(str), s_name
    ).astype(object)
    pru = rng.choice(n_schools, max(1, n_schools // cal.schools_per_pupil_referral_unit), replace=False)
    s_name[pru] = names[s_town[pru]] + " Pupil Referral Unit"
    s_name = np.where(
        pd.Series(s_name).duplicated(), s_name + " " + pd.Series(np.arange(n_schools)).astype(str), s_name
    ).astype(object)

    # Hot spots: 5-6 at Durham size, a named public place in a busy town, radius 150-400 m.
    n_hot = max(5, int(round(n_groups * cal.hotspots_per_group))) if n_groups >= 8 else max(1, n_groups)
    n_hot = min(n_hot, n_towns)
    tw = weight**cal.hotspot_town_pull
    hot_town = rng.choice(n_towns, n_hot, replace=False, p=tw / tw.sum())
    p_kind_arr = np.array(p_kind, dtype=object)
    hot_place = np.empty(n_hot, np.int64)
    outdoor = np.isin(p_kind_arr, ["park", "transport", "shop", "other"]) & np.array(p_public)
    by_town = np.argsort(p_town_arr, kind="stable")
    town_bounds = np.searchsorted(p_town_arr[by_town], np.arange(n_towns + 1))
    for i, t in enumerate(hot_town):
        mine = by_town[town_bounds[t] : town_bounds[t + 1]]
        mine = mine[outdoor[mine]]
        special = [k for k in mine if p_named[k]]  # a named place (park, centre) first
        hot_place[i] = special[0] if special else mine[0]
    radius = np.round(rng.uniform(*cal.hotspot_radius_m, n_hot) / 10) * 10
    hot_pc = p_pc[hot_place]
    for i in range(n_hot):  # enough postcodes in the circle to spread finds over
        if len(pool.tree.query_ball_point(pool.xy[hot_pc[i]], radius[i])) < 4:
            radius[i] = float(cal.hotspot_radius_m[1])

    return World(
        pool=pool,
        national=national,
        town_name=names,
        town_xy=xy,
        town_w=weight,
        town_pc=centre,
        place_name=np.array(p_name, dtype=object),
        place_kind=p_kind_arr,
        place_pc=p_pc,
        place_town=p_town_arr,
        place_public=np.array(p_public),
        place_safe=np.array(p_safe),
        home_name=h_name.astype(object),
        home_pc=h_pc,
        home_town=h_town,
        school_name=s_name,
        school_pc=s_pc,
        hot_place=hot_place,
        hot_pc=hot_pc,
        hot_radius=radius,
        hot_town=hot_town,
    )


def nearby_school(rng, world: World, pc: np.ndarray, cal: Calibration) -> np.ndarray:
    """For each postcode, one of the ``cal.nearby_schools`` schools nearest to it, at random."""
    tree = cKDTree(world.pool.xy[world.school_pc])
    k = min(cal.nearby_schools, len(world.school_pc))
    _, near = tree.query(world.pool.xy[pc], k=k)
    near = near.reshape(len(pc), k)
    return near[np.arange(len(pc)), rng.integers(0, k, len(pc))].astype(np.int64)


def pick_per_town(rng, town_of_item: np.ndarray, n_towns: int, wanted_town: np.ndarray) -> np.ndarray:
    """For each entry of ``wanted_town``, a random item (place, child) of that town: its index, -1 if none."""
    order = np.argsort(town_of_item, kind="stable")
    counts = np.bincount(town_of_item, minlength=n_towns)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    c = counts[wanted_town]
    pos = starts[wanted_town] + np.floor(rng.random(len(wanted_town)) * np.maximum(c, 1)).astype(np.int64)
    pos = np.minimum(pos, len(order) - 1) if len(order) else pos
    out = np.where(c > 0, order[pos] if len(order) else -1, -1)
    return out.astype(np.int64)
