"""truth.json: what was planted, in the words of the files (child IDs, texts as written in links.csv, postcodes).

``groups``, ``adults_of_concern``, ``hotspots``, ``residential_homes`` (and
``residential_home_details``: who lives in each), ``bridges``,
``long_episodes``, ``still_missing``, ``frequently_missing``, ``protective``,
``siblings``, ``ambiguous_first_names`` and ``absent_places``: what an analysis
should find, and the decoys it should not fall for.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from peermap.synthetic.children import Children
from peermap.synthetic.clock import Clock
from peermap.synthetic.episodes import Episodes
from peermap.synthetic.groups import Groups
from peermap.synthetic.links import LinkSet
from peermap.synthetic.names import AMBIGUOUS_FIRST_NAMES
from peermap.synthetic.places import ABSENT_PLACES, World


def _group_id(g: int, n: int) -> str:
    return f"G{g + 1:02d}" if n < 100 else f"G{g + 1:05d}"


def truth(
    clock: Clock,
    world: World,
    kids: Children,
    cid: np.ndarray,
    groups: Groups,
    ep: Episodes,
    lk: LinkSet,
    assoc: pd.DataFrame,
    siblings: list[tuple[int, int]],
    seed: int,
) -> dict:
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
        out_groups.append(
            {
                "id": _group_id(g, n_groups),
                "children": sorted(str(cid[c]) for c in m),
                "associates": lk.group_forms[g],
                "associate_labels": list(groups.assoc_names[g]),
                "associate_ids": [
                    id_of[("group", g, a)] for a in range(len(groups.assoc_names[g])) if ("group", g, a) in id_of
                ],
                "town": str(world.town_name[groups.town[g]]),
                "hotspots": [str(pool.codes[world.hot_pc[h]]) for h in groups.hot[g]],
                "active_months": sorted(info["months"]),
                "events": [sorted(v) for _, v in sorted(info["events"].items())],
            }
        )
    aocs = []
    for a, info in enumerate(lk.aoc):
        aocs.append(
            {
                **info,
                "id": id_of.get(("aoc", a)),
                "groups": [_group_id(g, n_groups) for g in info["groups"]],
                "children": sorted(str(cid[c]) for c in info["children"]),
            }
        )
    hot = []
    groups_at: dict[int, list[str]] = {}
    for g in range(n_groups):
        for h in groups.hot[g]:
            groups_at.setdefault(h, []).append(_group_id(g, n_groups))
    for h in range(len(world.hot_pc)):
        p = world.hot_pc[h]
        hot.append(
            {
                "postcode": str(pool.codes[p]),
                "easting": int(pool.xy[p, 0]),
                "northing": int(pool.xy[p, 1]),
                "radius_m": int(world.hot_radius[h]),
                "name": str(world.place_name[world.hot_place[h]]),
                "groups": groups_at.get(h, []),
            }
        )
    homes = []
    order = np.argsort(kids.res_home, kind="stable")
    bounds = np.searchsorted(kids.res_home[order], np.arange(len(world.home_pc) + 1))
    for h in range(len(world.home_pc)):
        living = order[bounds[h] : bounds[h + 1]]
        homes.append(
            {
                "postcode": str(pool.codes[world.home_pc[h]]),
                "name": str(world.home_name[h]),
                "children": sorted(str(cid[c]) for c in living),
            }
        )
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
        "protective": [
            {
                "id": id_of.get(p["origin"]),
                "label": p["label"],
                "aliases": p["aliases"],
                "kind": p["kind"],
                "children": sorted(str(cid[c]) for c in p["children"]),
            }
            for p in lk.protective
        ],
        "siblings": [sorted([str(cid[a]), str(cid[b])]) for a, b in siblings],
        "ambiguous_first_names": AMBIGUOUS_FIRST_NAMES,
        "absent_places": ABSENT_PLACES,
        "postcode_spelling": "about 3% of episode postcodes in lower case and 2% without the space; all real",
    }
