"""The missing episodes (episodes.csv): when, how long, where from and where found.

Durations are mostly hours, some days, with a few planted ``long_episodes`` of
4-9 days in busy towns that overlap many others by chance; they are rescaled so
the average is the report's 23 hours, for children in care and the rest alike.
A few episodes are still open at the end (``still_missing``). Postcodes missing
from and found at (report para 46) are real; finds are all over the county, and
some ``found_at_place`` names are of places nobody mapped (``absent_places``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from peermap.synthetic.calibration import Calibration
from peermap.synthetic.children import Children
from peermap.synthetic.clock import DAY, MIN, Clock, lognormal_hours
from peermap.synthetic.groups import Groups
from peermap.synthetic.places import ABSENT_PLACES, World, pick_per_town
from peermap.synthetic.timeline import episode_counts, fit_joint, place_episodes


@dataclass
class Episodes:
    """One entry per episode, in ``ids`` (chronological) order; postcodes are indices into the pool."""

    child: np.ndarray
    start: np.ndarray
    end: np.ndarray  # NaN = still missing
    frm: np.ndarray  # postcode index or -1
    found: np.ndarray  # postcode index or -1
    place: np.ndarray  # index into place_text or -1
    place_text: np.ndarray  # found_at_place texts
    group: np.ndarray  # planted group or -1
    event: np.ndarray  # planted event or -1
    long: np.ndarray  # planted long decoy
    ids: np.ndarray  # episode_id texts


def make_episodes(
    rng, clock: Clock, world: World, kids: Children, groups: Groups, total: int, cal: Calibration
) -> Episodes:
    """``total`` episodes: the groups' joint ones fixed, the rest placed around them."""
    n = kids.n
    fit_joint(rng, kids, groups, total, cal)
    fixed_per_child = np.bincount(groups.p_child, minlength=n)
    counts = episode_counts(rng, kids, total, fixed_per_child, cal)
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
    dur = np.where(
        rng.random(E) < cal.short_episode_share,
        lognormal_hours(rng, E, cal.short_hours_median, cal.short_hours_sigma),
        lognormal_hours(rng, E, cal.long_hours_median, cal.long_hours_sigma),
    )
    dur = np.clip(dur, *cal.episode_hours_range) * MIN
    in_group = np.zeros(n, bool)
    in_group[groups.p_child] = True
    busy = np.isin(kids.town[child], np.argsort(-world.town_w)[: cal.busy_towns])
    candidates = np.flatnonzero(free & ~in_group[child] & busy & (kids.top[child] < 0))
    if len(candidates) == 0:
        candidates = np.flatnonzero(free)
    long_n = min(len(candidates), max(3, int(round(E * cal.long_decoy_share))))
    # one long episode per child
    cand_child = child[candidates]
    perm = rng.permutation(len(candidates))
    _, first_of = np.unique(cand_child[perm], return_index=True)
    pool_long = candidates[perm[first_of]]
    pool_long = pool_long[rng.permutation(len(pool_long))][:long_n]
    is_long = np.zeros(E, bool)
    is_long[pool_long] = True
    dur[is_long] = rng.uniform(*cal.long_decoy_hours, is_long.sum()) * MIN

    # calibrate: mean hours of returned episodes = 23, for children in care and the rest alike
    target = cal.average_hours_missing * MIN
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
            scale[m & adjustable] = max(want, cal.min_duration_scale * have) / have
    # placing squeezes a few crowded windows: measure and correct, a few times
    for rounds in range(4):
        d_now = np.where(fixed, 0.0, dur * scale)
        s, e = place_episodes(np.random.default_rng(place_seed), clock, child, fixed, start, end, d_now, n, cal)
        if rounds == 3:
            break
        real = e - s
        for group_mask in (cic_ep, ~cic_ep):
            m = group_mask & adjustable
            if m.any():
                missing_minutes = target * group_mask.sum() - real[group_mask].sum()
                # never below the floor: where joint and long episodes alone pass the average (tiny
                # runs), the others are shortened, not turned negative
                scale[m] *= max(1 + missing_minutes / max(real[m].sum(), 1e-9), cal.min_duration_scale)
    start, end = s, e

    # a few children are still missing at the end: their last episode began in the last month
    o = np.lexsort((start, child))
    last = o[np.concatenate([child[o][1:] != child[o][:-1], [True]])]
    late = last[
        (start[last] > clock.T - cal.still_missing_days * DAY)
        & ~fixed[last]
        & ~is_long[last]
        & (kids.top[child[last]] < 0)
    ]
    k = min(len(late), max(1, int(round(E * cal.still_missing_share))))
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
    cum = np.cumsum(cal.missing_from_shares)
    cat = np.searchsorted(cum, u, side="right")
    town_xy = world.town_xy[kids.town[c]]
    mf = kids.res_pc[c].copy()
    school_pc = np.where(kids.school[c] >= 0, world.school_pc[np.maximum(kids.school[c], 0)], kids.res_pc[c])
    mf[cat == 1] = school_pc[cat == 1]
    fam = (cat == 2) & (kids.home_pc[c] >= 0)
    mf[fam] = kids.home_pc[c][fam]
    tc = cat == 3
    mf[tc] = pool.near(rng, town_xy[tc, 0], town_xy[tc, 1], cal.town_centre_scatter_m)
    mf[cat >= 4] = -1
    frm[f] = mf

    # found: nothing recorded, a friend's house, the town centre, a named place, a hot spot,
    # anywhere in the county, the family home, another town's centre, or a place nobody mapped
    shares = cal.found_at_shares
    cat = np.searchsorted(np.cumsum(shares), rng.random(len(f)) * sum(shares), side="right")
    fp = np.full(len(f), -1, np.int64)
    pl = np.full(len(f), -1, np.int64)
    res_xy = pool.xy[kids.res_pc[c]]
    m = cat == 1
    fp[m] = pool.near(rng, res_xy[m, 0], res_xy[m, 1], cal.friend_scatter_m)
    m = cat == 2
    fp[m] = pool.near(rng, town_xy[m, 0], town_xy[m, 1], cal.found_centre_scatter_m)
    m = np.flatnonzero(cat == 3)
    other_town = rng.choice(len(world.town_name), len(m), p=world.town_w)
    t = np.where(rng.random(len(m)) < cal.found_in_own_town_share, kids.town[c[m]], other_town)
    public = np.flatnonzero(world.place_public)
    chosen = pick_per_town(rng, world.place_town[public], len(world.town_name), t)
    chosen = np.where(chosen >= 0, public[np.maximum(chosen, 0)], -1)
    pl[m] = chosen
    with_pc = (rng.random(len(m)) < cal.found_place_postcode_share) & (chosen >= 0)
    fp[m[with_pc]] = world.place_pc[chosen[with_pc]]
    m = np.flatnonzero(cat == 4)
    if len(m):
        # half go to the hot spot nearest home, half travel to any of them: a real hot spot
        # draws children from across the county, not only from its own town
        hot = cKDTree(pool.xy[world.hot_pc]).query(pool.xy[kids.res_pc[c[m]]])[1]
        travel = rng.random(len(m)) < cal.hotspot_travel_share
        hot[travel] = rng.integers(0, len(world.hot_pc), travel.sum())
        fp[m] = pool.within(rng, world.hot_pc[hot], world.hot_radius[hot])
    m = cat == 5
    if world.national:
        fp[m] = pool.near(rng, town_xy[m, 0], town_xy[m, 1], cal.national_anywhere_scatter_m)
    else:
        fp[m] = rng.integers(0, len(pool.codes), m.sum())
    m = (cat == 6) & (kids.home_pc[c] >= 0) & kids.cic[c]
    fp[m] = kids.home_pc[c][m]
    m = (cat == 6) & ~((kids.home_pc[c] >= 0) & kids.cic[c]) | (cat == 7)
    far = rng.choice(len(world.town_name), m.sum(), p=world.town_w)
    fp[m] = pool.near(rng, world.town_xy[far, 0], world.town_xy[far, 1], cal.found_centre_scatter_m)
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
    return Episodes(
        child=child[order],
        start=start[order],
        end=end[order],
        frm=frm[order],
        found=found[order],
        place=place[order],
        place_text=texts,
        group=grp[order],
        event=evt[order],
        long=is_long[order],
        ids=ids,
    )
