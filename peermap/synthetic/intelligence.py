"""Every intelligence link (links.csv): the planted ones first, then everyday background links up to the total.

Planted, in this order: the groups (members named together on their joint
episodes and outside them, shared associates, found together at the group's hot
spot, the hot spot as a place they frequent); the adults of concern; hundreds
of stray associates (peers, family, professionals, unknowns) each linked to one
child only; protective people, including youth workers linked to 8-15 children
in and out of groups, and safe places (report para 28: "see both risks and
safety"), never risk; and siblings named as family.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from peermap.synthetic.adults_of_concern import adult_links
from peermap.synthetic.background import background_links
from peermap.synthetic.calibration import Calibration
from peermap.synthetic.children import Children
from peermap.synthetic.clock import Clock
from peermap.synthetic.episodes import Episodes
from peermap.synthetic.groups import Groups
from peermap.synthetic.identifiers import handles, phones, plates
from peermap.synthetic.interviews import Interviews
from peermap.synthetic.links import (
    LINK_COLUMNS,
    ROLES,
    T_ASSOC,
    T_CHILD,
    T_PLACE,
    ByChild,
    Linker,
    Links,
    LinkSet,
    R,
    Strings,
)
from peermap.synthetic.names import AMBIGUOUS_FIRST_NAMES, Names
from peermap.synthetic.places import World, pick_per_town


def make_links(
    rng,
    clock: Clock,
    world: World,
    kids: Children,
    groups: Groups,
    ep: Episodes,
    iv: Interviews,
    total: int | None,
    names: Names,
    stray_slots: np.ndarray,
    prot_has: np.ndarray,
    siblings: list[tuple[int, int]],
    cal: Calibration,
) -> LinkSet:
    """Every intelligence link: the planted ones (groups, adults of concern, strays, protective
    people, siblings), then everyday background links up to the total."""
    n = kids.n
    E = len(ep.child)
    strings = Strings()
    child_ref = strings.add(np.full(n, "", dtype=object))  # child IDs, filled in at write time
    pc_ref = strings.add(world.pool.codes)
    place_ref = strings.add(ep.place_text)
    taken = {str(x).lower() for x in names.all}  # every name and alias in use, so none is shared
    taken.update(f.lower() for g in groups.assoc_forms for forms in g for f in forms)
    taken.update(x.lower() for x in AMBIGUOUS_FIRST_NAMES)
    lk = Linker(
        rng=rng,
        clock=clock,
        ep=ep,
        iv=iv,
        cal=cal,
        strings=strings,
        links=Links(),
        child_ref=child_ref,
        pc_ref=pc_ref,
        place_ref=place_ref,
        by_child=ByChild(ep, n),
        assoc_rows=[],
        taken=taken,
    )

    group_forms = _group_links(lk, world, groups)
    # devices: the adults' own first, then one distinct device for each background link
    want = cal.links_per_episode * E if total is None else int(total)
    n_aoc = len(names.aoc)
    spare = int(cal.device_spare_share * want) + 20
    vehicles, numbers, online = plates(rng, n_aoc + spare), phones(rng, n_aoc + spare), handles(rng, n_aoc + spare)
    aoc_truth = adult_links(lk, world, groups, names.aoc, vehicles, numbers, online)
    s_ref = _stray_links(lk, names.stray, stray_slots)
    p_ref, protective = _protective_links(lk, world, kids, names, prot_has)
    _sibling_links(lk, siblings)

    planted = lk.links.concat()
    P = len(planted["child"])
    if P > want:  # a total smaller than the planted links keeps the first of them
        planted = {k: v[:want] for k, v in planted.items()}
        P = want
    bg = background_links(
        lk,
        world,
        kids,
        max(0, want - P),
        stray_slots,
        s_ref,
        prot_has,
        p_ref,
        vehicles[n_aoc:],
        numbers[n_aoc:],
        online[n_aoc:],
    )
    cols = {k: np.concatenate([planted[k], bg[k]]) for k in LINK_COLUMNS}
    assoc = pd.DataFrame(lk.assoc_rows, columns=["label", "aliases", "role", "approx_age", "origin"])
    return LinkSet(
        cols=cols,
        strings=strings.array(),
        associates=assoc,
        aoc=aoc_truth,
        group_forms=group_forms,
        protective=protective,
        planted=P,
    )


def _group_links(lk: Linker, world: World, groups: Groups) -> list[list[str]]:
    """Links about the planted groups; returns the forms each group's shared associates are written in."""
    rng, ep, cal, L = lk.rng, lk.ep, lk.cal, lk.links
    n_groups = len(groups.members)
    gep = np.flatnonzero(ep.event >= 0)
    ggroup = ep.group[gep]
    # named together: each participant names each co-participant with some chance
    df = pd.DataFrame({"e": gep, "c": ep.child[gep], "ev": ep.event[gep]})
    pairs = df.merge(df, on="ev", suffixes=("", "_b"))
    pairs = pairs[pairs["c"] != pairs["c_b"]]
    pairs = pairs[rng.random(len(pairs)) < cal.named_together_share]
    pe = pairs["e"].to_numpy()
    pv = lk.provenance(pe, cal.named_together_sources)
    L.add(
        "group",
        ep.child[pe],
        ttype=T_CHILD,
        ref=lk.child_ref[pairs["c_b"].to_numpy()],
        role=R["peer"],
        ep=pe,
        with_=1,
        note=lk.notes("peer", len(pe), cal.named_together_note_share),
        **pv,
    )
    # and each member named with another member outside any episode (worker, school, police);
    # the group's hot spot as a place half its members frequent
    named_c, named_o, freq_c, freq_ref = [], [], [], []
    for g, m in enumerate(groups.members):
        if len(m) >= 2:
            named_c.append(m)
            named_o.append(m[(np.arange(len(m)) + 1 + rng.integers(0, len(m) - 1, len(m))) % len(m)])
        who = m[rng.random(len(m)) < cal.frequents_hotspot_share]
        freq_c.append(who)
        freq_ref.append(np.full(len(who), lk.place_ref[world.hot_place[groups.hot[g][0]]]))
    if named_c:
        c = np.concatenate(named_c)
        pv = lk.provenance(np.full(len(c), -1), cal.named_outside_sources)
        L.add(
            "group",
            c,
            ttype=T_CHILD,
            ref=lk.child_ref[np.concatenate(named_o)],
            role=R["peer"],
            note=lk.notes("peer", len(c), cal.named_outside_note_share),
            **pv,
        )
    # shared associates, named in many of the joint episodes
    group_forms: list[list[str]] = []
    order = np.argsort(ggroup, kind="stable")
    bounds = np.searchsorted(ggroup[order], np.arange(n_groups + 1))
    a_e, a_ref = [], []
    for g in range(n_groups):
        mine = order[bounds[g] : bounds[g + 1]]
        used: set[str] = set()
        for a, forms in enumerate(groups.assoc_forms[g]):
            label = groups.assoc_names[g][a]
            if groups.assoc_resolved[g][a]:
                age = int(rng.integers(*cal.group_associate_age))
                lk.assoc_rows.append((label, forms[1], "peer", age, ("group", g, a)))
            if len(mine) == 0:
                continue
            pick = mine[rng.random(len(mine)) < cal.group_associate_named_share]
            if len(pick) == 0:
                pick = mine[rng.integers(0, len(mine), 1)]
            refs = lk.strings.add(forms)
            j = rng.integers(0, len(forms), len(pick))
            if len(forms) > 1 and len(pick) > 1:
                j[0] = 1  # the alias appears at least once
            used.update(forms[k] for k in np.unique(j))
            a_e.append(gep[pick])
            a_ref.append(refs[j])
        group_forms.append(sorted(used))
    if a_e:
        e = np.concatenate(a_e)
        pv = lk.provenance(e, cal.group_associate_sources)
        L.add(
            "group",
            ep.child[e],
            ttype=T_ASSOC,
            ref=np.concatenate(a_ref),
            role=np.where(rng.random(len(e)) < cal.group_associate_peer_share, R["peer"], R["unknown"]),
            ep=e,
            with_=np.where(rng.random(len(e)) < cal.group_associate_with_share, 1, 0),
            note=lk.notes("peer", len(e), cal.group_associate_note_share),
            **pv,
        )
    # found together: place links to the hot spot (postcode or its name)
    e = gep[rng.random(len(gep)) < cal.found_together_share]
    pv = lk.provenance(e, cal.found_together_sources)
    use_place = (ep.place[e] >= 0) & (rng.random(len(e)) < cal.found_together_by_name_share)
    ref = np.where(use_place, lk.place_ref[np.maximum(ep.place[e], 0)], lk.pc_ref[np.maximum(ep.found[e], 0)])
    ok = use_place | (ep.found[e] >= 0)
    L.add(
        "group",
        ep.child[e][ok],
        ttype=T_PLACE,
        ref=ref[ok],
        role=R["found_at"],
        ep=e[ok],
        note=lk.notes("place", int(ok.sum()), cal.found_together_note_share),
        **{k: v[ok] for k, v in pv.items()},
    )
    c = np.concatenate(freq_c) if freq_c else np.empty(0, np.int64)
    pv = lk.provenance(np.full(len(c), -1), cal.frequents_hotspot_sources)
    L.add("group", c, ttype=T_PLACE, ref=np.concatenate(freq_ref) if freq_ref else c, role=R["frequents"], **pv)
    return group_forms


def _stray_links(lk: Linker, stray_names: np.ndarray, stray_slots: np.ndarray) -> np.ndarray:
    """Stray associates, each linked to one child only; returns where their names are in the text table."""
    rng, cal, n = lk.rng, lk.cal, len(stray_slots)
    s_child = np.repeat(np.arange(n), stray_slots)
    ns = len(s_child)
    s_role = rng.choice([R["peer"], R["family"], R["professional"], R["unknown"]], ns, p=cal.stray_role_shares)
    s_ref = lk.strings.add(stray_names)
    s_ep = lk.by_child.random(rng, s_child)
    pv = lk.provenance(s_ep, cal.stray_sources)
    notes = np.full(ns, -1, np.int64)
    for r, kind in (
        (R["peer"], "peer"),
        (R["family"], "family"),
        (R["professional"], "professional"),
        (R["unknown"], "unknown"),
    ):
        m = s_role == r
        notes[m] = lk.notes(kind, int(m.sum()), cal.stray_note_share)
    lk.links.add(
        "stray",
        s_child,
        ttype=T_ASSOC,
        ref=s_ref,
        role=s_role,
        ep=s_ep,
        with_=np.where((s_role == R["peer"]) & (rng.random(ns) < cal.stray_with_share), 1, 0),
        note=notes,
        **pv,
    )
    role_names = np.array(ROLES, dtype=object)
    for i in np.flatnonzero(rng.random(ns) < cal.stray_listed_share)[:5000]:
        age = int(rng.integers(*cal.stray_peer_age)) if s_role[i] == R["peer"] else ""
        lk.assoc_rows.append((str(stray_names[i]), "", str(role_names[s_role[i]]), age, ("stray", int(i))))
    return s_ref


def _protective_links(
    lk: Linker, world: World, kids: Children, names: Names, prot_has: np.ndarray
) -> tuple[np.ndarray, list[dict]]:
    """Protective people, youth workers and safe places; returns where the protective people's names are in
    the text table, and the youth workers for truth.json."""
    rng, cal, L, n = lk.rng, lk.cal, lk.links, kids.n
    p_child = np.flatnonzero(prot_has)
    p_ref = lk.strings.add(names.protective)
    pv = lk.provenance(lk.by_child.random(rng, p_child), cal.protective_sources)
    L.add(
        "protective",
        p_child,
        ttype=T_ASSOC,
        ref=p_ref,
        role=R["protective"],
        note=lk.notes("protective", len(p_child), cal.protective_note_share),
        **pv,
    )
    for i in np.flatnonzero(rng.random(len(p_child)) < cal.protective_listed_share)[:5000]:
        lk.assoc_rows.append((str(names.protective[i]), "", "protective", "", ("protective", int(i))))
    protective = []
    for y, name in enumerate(names.youth):
        parts = str(name).split(" ")
        label = f"{parts[0]} {parts[-1]}"
        alias = f"{parts[0]} {parts[-1][0]} from the youth centre"
        lk.assoc_rows.append((label, alias, "protective", int(rng.integers(*cal.youth_worker_age)), ("youth", y)))
        k = int(min(n, rng.integers(*cal.youth_worker_children)))
        who = np.sort(rng.choice(n, k, replace=False))
        refs = lk.strings.add([label, alias])
        pv = lk.provenance(lk.by_child.random(rng, who), cal.youth_worker_sources)
        L.add(
            "youth_worker",
            who,
            ttype=T_ASSOC,
            ref=refs[rng.integers(0, 2, k)],
            role=R["protective"],
            with_=np.where(rng.random(k) < cal.youth_worker_not_with_share, 2, 0),
            note=lk.notes("protective", k, cal.youth_worker_note_share),
            **pv,
        )
        protective.append(
            {
                "label": label,
                "aliases": [alias],
                "kind": "youth worker",
                "children": who.tolist(),
                "origin": ("youth", y),
            }
        )
    safe_child = np.flatnonzero(rng.random(n) < cal.safe_place_share)
    safe_places = np.flatnonzero(world.place_safe)
    sp = pick_per_town(rng, world.place_town[safe_places], len(world.town_name), kids.town[safe_child])
    ok = sp >= 0
    pv = lk.provenance(np.full(int(ok.sum()), -1), cal.safe_place_sources)
    L.add(
        "protective",
        safe_child[ok],
        ttype=T_PLACE,
        ref=lk.place_ref[safe_places[sp[ok]]],
        role=R["safe_place"],
        note=lk.notes("safe", int(ok.sum()), cal.safe_place_note_share),
        **pv,
    )
    return p_ref, protective


def _sibling_links(lk: Linker, siblings: list[tuple[int, int]]) -> None:
    """Siblings name each other as family."""
    if siblings:
        sib = np.array(siblings, np.int64)
        sa, sb = np.concatenate([sib[:, 0], sib[:, 1]]), np.concatenate([sib[:, 1], sib[:, 0]])
        pv = lk.provenance(lk.by_child.random(lk.rng, sa), lk.cal.sibling_sources)
        lk.links.add("sibling", sa, ttype=T_CHILD, ref=lk.child_ref[sb], role=R["family"], **pv)
