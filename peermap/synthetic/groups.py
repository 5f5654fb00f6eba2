"""The planted peer groups and their evenings missing together (report para 45: "young people missing at
the same time or with the same people").

Groups of 3-7 children living in one town (children's-home residents in a home
near it). On 3-8 evenings spread over 2-5 active months (half the groups are
active in the last month, which the demo uses) several of them go missing within
about two hours of each other from their homes or placements, or together from
their shared school, and are found together at the group's hot spot, returning
within about two hours of each other. One group in five shares a ``bridge``
child with the nearest other group (within 12 km). Each group has 1-3 shared
associates, some resolved in associates.csv with a nickname alias.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from peermap.synthetic.calibration import Calibration
from peermap.synthetic.children import Children
from peermap.synthetic.clock import DAY, MIN, Clock, lognormal_hours
from peermap.synthetic.names import NICKNAMES
from peermap.synthetic.places import World, nearby_school


@dataclass
class Groups:
    """The planted groups, and their joint episodes ("participations", ``p_*``): one fixed episode each."""

    members: list[np.ndarray]  # child indices (bridges included in both)
    town: np.ndarray
    hot: list[list[int]]
    bridges: list[int]
    assoc_names: list[list[str]]  # label first
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
    p_place: np.ndarray  # place index or -1
    event_time: np.ndarray
    event_group: np.ndarray


def group_count(children: int, cal: Calibration) -> int:
    """How many groups to plant: 8-12 at Durham size, about one per 35 children."""
    if children >= 200:
        return max(8, int(round(children / cal.children_per_group)))
    return max(1, children // cal.children_per_group_small)


def make_groups(
    rng, world: World, kids: Children, clock: Clock, n_groups: int, names: np.ndarray, cal: Calibration
) -> Groups:
    """Plant ``n_groups`` groups (shared associates named from ``names``) and their evenings missing together."""
    pool = world.pool
    n_towns = len(world.town_name)
    hot_xy = pool.xy[world.hot_pc]
    hot_tree = cKDTree(hot_xy)
    # towns with a hot spot draw more groups
    tw = world.town_w.copy()
    tw[world.hot_town] *= cal.group_town_pull
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

    sizes = rng.integers(*cal.group_size, n_groups)
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
    g_school = nearby_school(rng, world, world.town_pc[g_town], cal)
    home_tree = cKDTree(pool.xy[world.home_pc])
    for g, m in enumerate(members):
        if len(m) == 0:
            continue
        in_home = m[kids.res_home[m] >= 0]
        far = in_home[np.hypot(*(pool.xy[kids.res_pc[in_home]] - world.town_xy[g_town[g]]).T) > cal.group_home_reach_m]
        if len(far):
            nearest_home = int(home_tree.query(world.town_xy[g_town[g]])[1])
            kids.res_home[far] = nearest_home
            kids.res_pc[far] = world.home_pc[nearest_home]
            if np.hypot(*(pool.xy[world.home_pc[nearest_home]] - world.town_xy[g_town[g]])) > cal.group_home_reach_m:
                kids.res_home[far] = -1  # no home nearby: a foster placement in the town instead
                kids.ptype[far] = "foster"
        movable = m[kids.res_home[m] < 0]  # (children's home placements stay where they are)
        x, y = world.town_xy[g_town[g]]
        new = pool.near(rng, np.full(len(movable), x), np.full(len(movable), y), cal.group_home_scatter_m)
        kids.res_pc[movable] = new
        not_cic = movable[~kids.cic[movable]]
        kids.home_pc[not_cic] = kids.res_pc[not_cic]
        kids.town[m] = g_town[g]
        same = m[rng.random(len(m)) < cal.group_school_share]
        kids.school[same] = g_school[g]
    # one group in five shares a "bridge" child with the nearest other group
    bridges: list[int] = []
    g_xy = world.town_xy[g_town] + rng.normal(0, 1, (n_groups, 2))  # ties broken at random
    for g in range(1, n_groups):
        if g % cal.bridge_every != 1 or not len(members[g]):
            continue
        dist = np.hypot(*(g_xy - g_xy[g]).T)
        dist[g] = np.inf
        dist[dist > cal.bridge_reach_m] = np.inf  # only between groups close to each other
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
        n_a = int(rng.integers(*cal.group_associates))
        names_g, forms_g, res_g = [], [], []
        for _ in range(n_a):
            label = str(names[k])
            k += 1
            resolved = bool(rng.random() < cal.resolved_associate_share)
            if resolved:  # an alias no other associate has
                nick = NICKNAMES[nick_order[n_nick % len(NICKNAMES)]]
                alias = nick if n_nick < len(NICKNAMES) else f"{nick} {label.split(' ')[-1]}"
                n_nick += 1
                forms = [label, alias, label.lower(), alias.lower()]
            elif rng.random() < cal.lower_case_associate_share:
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
        near = np.hypot(*(hot_xy[hn[g, -1]] - world.town_xy[g_town[g]])) < cal.second_hotspot_reach_m
        if kh > 1 and near and hn[g, 1] != hn[g, 0] and rng.random() < cal.second_hotspot_share:
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
        n_act = int(rng.integers(min(cal.active_months[0], months), min(cal.active_months[1], months) + 1))
        act = list(rng.choice(months, n_act, replace=False))
        if g % 2 == 0 and (months - 1) not in act:
            act[0] = months - 1
        times = []
        per_month = rng.integers(*cal.evenings_a_month, len(act))
        while per_month.sum() < cal.min_evenings:  # at least three evenings together
            per_month[rng.integers(0, len(act))] += 1
        for mo, n_ev in zip(sorted(act), per_month):
            lo, hi = clock.month_edges[mo], clock.month_edges[mo + 1]
            for _ in range(int(n_ev)):
                day = np.floor(rng.uniform(lo, hi - 2.2 * DAY) / DAY) * DAY
                hour = rng.choice(cal.evening_hours) + rng.random()
                times.append(day + hour * MIN - (MIN if 3 <= (mo + clock.start.month - 1) % 12 + 1 <= 10 else 0))
        times = sorted(times)
        kept = []
        for t in times:
            if t < 0 or t > clock.T - 2 * DAY:
                continue
            if not kept or t - kept[-1] > 2 * DAY:
                kept.append(t)
        for _ in range(200):  # at least three evenings together
            if len(kept) >= cal.min_evenings:
                break
            mo = (
                int(rng.choice(sorted(act)))
                if rng.random() < cal.extra_evening_active_share
                else int(rng.integers(0, months))
            )
            lo, hi = clock.month_edges[mo], clock.month_edges[mo + 1]
            t = np.floor(rng.uniform(lo, hi - 2.2 * DAY) / DAY) * DAY + (17 + 4 * rng.random()) * MIN
            if 0 <= t <= clock.T - 2 * DAY and all(abs(t - k) > 2 * DAY for k in kept):
                kept = sorted(kept + [t])
        if len(kept) > cal.max_evenings:  # at most eight evenings, spread over the active months
            kept = [kept[i] for i in np.sort(rng.choice(len(kept), cal.max_evenings, replace=False))]
        for t in kept:
            size = len(m)
            s = size - (rng.binomial(size - 3, cal.evening_dropout) if size > 3 else 0)
            who = m[rng.permutation(size)[:s]]
            if len(who) < 2:
                continue
            hot = g_hot[g][0] if len(g_hot[g]) == 1 or rng.random() < cal.first_hotspot_share else g_hot[g][1]
            from_school = rng.random() < cal.from_school_share
            hours = lognormal_hours(rng, 1, cal.joint_hours_median, cal.joint_hours_sigma)[0]
            base_dur = float(np.clip(hours, *cal.joint_hours_range)) * MIN
            starts = t + rng.integers(*cal.joint_start_spread_min, len(who)).astype(float)
            ends = np.maximum(t + base_dur + rng.integers(*cal.joint_return_spread_min, len(who)), starts + 60)
            if from_school:
                frm = np.where(
                    kids.school[who] >= 0, world.school_pc[np.maximum(kids.school[who], 0)], kids.res_pc[who]
                )
            else:
                frm = kids.res_pc[who].copy()
            found = pool.within(rng, np.full(len(who), world.hot_pc[hot]), np.full(len(who), world.hot_radius[hot]))
            named = rng.random() < cal.found_place_named_share
            place = np.where(named & (rng.random(len(who)) < cal.found_place_each_share), world.hot_place[hot], -1)
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
    keep[kept_order[rank >= cal.max_joint_episodes]] = False
    return Groups(
        members=members,
        town=g_town,
        hot=g_hot,
        bridges=bridges,
        assoc_names=assoc_names,
        assoc_forms=assoc_forms,
        assoc_resolved=assoc_resolved,
        school=g_school,
        p_group=cat["group"].astype(np.int64)[keep],
        p_event=cat["event"].astype(np.int64)[keep],
        p_child=p_child[keep],
        p_start=p_start[keep],
        p_end=p_end[keep],
        p_from=cat["from"].astype(np.int64)[keep],
        p_found=cat["found"].astype(np.int64)[keep],
        p_place=cat["place"].astype(np.int64)[keep],
        event_time=np.array(ev_time, float),
        event_group=np.array(ev_group, np.int64),
    )
