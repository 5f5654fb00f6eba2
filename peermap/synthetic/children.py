"""The children (children.csv): who is in care, where they live and go to school, ages, siblings.

The default (356 children, 142 in care) is the report's 2022/23 year; the
frequently missing children (report para 43) are the first children in care.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peermap.synthetic.calibration import Calibration
from peermap.synthetic.clock import Clock
from peermap.synthetic.places import World, nearby_school

#: Where the frequently missing children live, in the table's order: most in children's homes.
FREQUENTLY_MISSING_PLACEMENTS = ["residential"] * 8 + ["foster", "semi_independent", "foster"]


@dataclass
class Children:
    """One entry per child; postcodes are indices into the world's pool, -1 for none."""

    n: int
    cic: np.ndarray
    top: np.ndarray  # index into the frequently missing table, -1 otherwise
    legal: np.ndarray
    ptype: np.ndarray
    sex: np.ndarray
    town: np.ndarray  # the town they live in now (placement town for children in care)
    home_pc: np.ndarray  # family home (-1 = unknown)
    res_pc: np.ndarray  # where they live now
    res_home: np.ndarray  # residential home index or -1
    school: np.ndarray  # school index or -1


def make_children(rng, world: World, n: int, cal: Calibration) -> Children:
    """``n`` children, in care in the report's proportion (the first ones), the frequently missing first of all."""
    pool = world.pool
    n_cic = int(round(n * cal.cic_children / cal.children_missing))
    n_cic = min(max(n_cic, 1 if n > 1 else 0), n)
    cic = np.zeros(n, bool)
    cic[:n_cic] = True
    top = np.full(n, -1, np.int64)
    n_top = min(len(cal.frequently_missing), max(0, n_cic - 1)) if n >= 60 else 0
    top[:n_top] = np.arange(n_top)

    legal = np.where(
        cic, "CiC", rng.choice(np.array(["CP", "CIN", "EH", "none"], dtype=object), n, p=cal.legal_status_shares)
    ).astype(object)
    ptype = np.where(
        cic,
        rng.choice(
            np.array(["residential", "foster", "kinship", "semi_independent"], dtype=object), n, p=cal.placement_shares
        ),
        "family_home",
    ).astype(object)
    ptype[:n_top] = np.resize(np.array(FREQUENTLY_MISSING_PLACEMENTS, dtype=object), n_top)
    sex = rng.choice(np.array(["female", "male", "other", "unknown"], dtype=object), n, p=cal.sex_shares)
    sex[:n_top] = rng.choice(np.array(["female", "male"], dtype=object), n_top, p=cal.frequently_missing_sex_shares)

    town = rng.choice(len(world.town_name), n, p=world.town_w)
    home_pc = pool.near(rng, world.town_xy[town, 0], world.town_xy[town, 1], cal.home_scatter_m)
    res_pc = home_pc.copy()
    res_home = np.full(n, -1, np.int64)
    resid = np.flatnonzero(ptype == "residential")
    n_homes = len(world.home_pc)
    home_w = rng.dirichlet(np.full(n_homes, cal.residential_home_spread))
    res_home[resid] = rng.choice(n_homes, len(resid), p=home_w)
    res_pc[resid] = world.home_pc[res_home[resid]]
    town[resid] = world.home_town[res_home[resid]]
    other_cic = np.flatnonzero(cic & (ptype != "residential"))
    placement_town = rng.choice(len(world.town_name), len(other_cic), p=world.town_w)
    res_pc[other_cic] = pool.near(
        rng, world.town_xy[placement_town, 0], world.town_xy[placement_town, 1], cal.placement_scatter_m
    )
    town[other_cic] = placement_town
    # the family home of a child in care is elsewhere in the county, sometimes unknown
    fam_town = rng.choice(len(world.town_name), n_cic, p=world.town_w)
    home_pc[:n_cic] = pool.near(rng, world.town_xy[fam_town, 0], world.town_xy[fam_town, 1], cal.home_scatter_m)
    home_pc[:n_cic][rng.random(n_cic) < cal.family_home_unknown_share] = -1

    school = nearby_school(rng, world, res_pc, cal)
    school[(ptype == "semi_independent") & (rng.random(n) < cal.semi_independent_no_school_share)] = -1
    school[rng.random(n) < cal.no_school_share] = -1
    return Children(
        n=n,
        cic=cic,
        top=top,
        legal=legal,
        ptype=ptype,
        sex=sex,
        town=town,
        home_pc=home_pc,
        res_pc=res_pc,
        res_home=res_home,
        school=school,
    )


def _quota(total: int, shares) -> np.ndarray:
    """Whole numbers in proportion to ``shares`` summing exactly to ``total`` (largest remainder)."""
    shares = np.asarray(shares, float)
    raw = total * shares / shares.sum()
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def birth_dates(
    rng, clock: Clock, kids: Children, ep_child: np.ndarray, ep_start: np.ndarray, cal: Calibration
) -> np.ndarray:
    """Birth dates giving an exact age quota (mode 15) at each child's first episode (``ep_start``) in the period."""
    n = kids.n
    first = np.full(n, np.inf)
    np.minimum.at(first, ep_child, ep_start)
    first_day = pd.to_datetime(clock.local(first), format="ISO8601").normalize()
    ages = np.array([age for age, _ in cal.age_shares], np.int64)
    age = np.zeros(n, np.int64)
    for part in (np.flatnonzero(kids.cic), np.flatnonzero(~kids.cic)):  # mode 15 in each, so overall
        age[part] = np.repeat(ages, _quota(len(part), [share for _, share in cal.age_shares]))[
            rng.permutation(len(part))
        ]
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


def make_siblings(rng, kids: Children, members: list[np.ndarray], cal: Calibration) -> list[tuple[int, int]]:
    """About 8% of children living at home, in no group (``members``), have a brother or sister in the data:
    the same home."""
    grouped = np.zeros(kids.n, bool)
    for m in members:
        grouped[m] = True
    pool = np.flatnonzero(~kids.cic & ~grouped & (kids.top < 0))
    pool = pool[rng.permutation(len(pool))][: 2 * (int(len(pool) * cal.sibling_share) // 2)]
    a, b = pool[0::2], pool[1::2]
    kids.home_pc[b] = kids.home_pc[a]
    kids.res_pc[b] = kids.res_pc[a]
    kids.town[b] = kids.town[a]
    kids.school[b] = kids.school[a]
    return list(zip(a.tolist(), b.tolist()))
