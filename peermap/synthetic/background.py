"""Everyday background links up to the total: finds, places, stray peers, school friends, phones...

All vectorised. Background vehicles, phones and handles are each linked to one
child only (only the adults' devices link children); random ``child`` links
join children of the same town (school friends) with no missing episode in
common; ``ambiguous_first_names`` (``Josh``, ``Chloe``...) are mentioned by
unrelated children.
"""

from __future__ import annotations

import numpy as np

from peermap.synthetic.children import Children
from peermap.synthetic.links import (
    KINDS,
    LINK_COLUMNS,
    LINK_DTYPES,
    T_ASSOC,
    T_CHILD,
    T_ONLINE,
    T_PHONE,
    T_PLACE,
    T_VEHICLE,
    Linker,
    R,
)
from peermap.synthetic.names import AMBIGUOUS_FIRST_NAMES
from peermap.synthetic.places import World, pick_per_town


def background_links(
    lk: Linker,
    world: World,
    kids: Children,
    F: int,
    stray_slots: np.ndarray,
    s_ref: np.ndarray,
    prot_has: np.ndarray,
    p_ref: np.ndarray,
    plates: np.ndarray,
    phones: np.ndarray,
    handles: np.ndarray,
) -> dict:
    """``F`` everyday links as columns (LINK_COLUMNS): each child's own stray associates (``s_ref``) and
    protective person (``p_ref``), and each device of ``plates``, ``phones`` and ``handles`` for one child."""
    rng, ep, cal, strings = lk.rng, lk.ep, lk.cal, lk.strings
    child_ref, pc_ref, place_ref = lk.child_ref, lk.pc_ref, lk.place_ref
    cols = {k: np.zeros(F, LINK_DTYPES[k]) for k in LINK_COLUMNS}
    if F == 0:
        return cols
    E = len(ep.child)
    e = rng.integers(0, E, F)
    no_ep = rng.random(F) < cal.background_no_episode_share
    c = ep.child[e]
    # kinds: 0 found at, 1 missing from, 2 frequents, 3 stray associate, 4 another child of the town,
    # 5 protective person, 6 safe place, 7 vehicle, 8 phone, 9 online, 10 an ambiguous first name
    shares = cal.background_shares
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
    use_place = (ep.place[e[m]] >= 0) & ((ep.found[e[m]] < 0) | (rng.random(int(m.sum())) < cal.found_by_name_share))
    ref[m] = np.where(use_place, place_ref[np.maximum(ep.place[e[m]], 0)], pc_ref[np.maximum(ep.found[e[m]], 0)])
    ttype[m], role[m] = T_PLACE, R["found_at"]
    note[m] = lk.notes("place", int(m.sum()), cal.found_note_share)
    m = kind == 1
    ref[m], ttype[m], role[m] = pc_ref[ep.frm[e[m]]], T_PLACE, R["missing_from"]
    m = np.flatnonzero(kind == 2)
    public = np.flatnonzero(world.place_public)
    sp = pick_per_town(rng, world.place_town[public], len(world.town_name), kids.town[c[m]])
    named = sp >= 0
    near = world.pool.near(rng, *world.pool.xy[kids.res_pc[c[m]]].T, cal.frequents_scatter_m)
    ref[m] = np.where(
        named & (rng.random(len(m)) < cal.frequents_named_share), place_ref[public[np.maximum(sp, 0)]], pc_ref[near]
    )
    ttype[m], role[m] = T_PLACE, R["frequents"]
    m = np.flatnonzero(kind == 3)
    s_first = np.concatenate([[0], np.cumsum(stray_slots)[:-1]])
    k = np.floor(rng.random(len(m)) * stray_slots[c[m]]).astype(np.int64)
    ref[m], ttype[m] = s_ref[s_first[c[m]] + k], T_ASSOC
    role[m] = rng.choice([R["peer"], R["family"], R["unknown"], 0], len(m), p=cal.background_stray_roles)
    with_[m] = np.where(
        rng.random(len(m)) < cal.background_stray_with_share,
        1,
        np.where(rng.random(len(m)) < cal.background_stray_not_with_share, 2, 0),
    )
    note[m] = lk.notes("peer", len(m), cal.background_stray_note_share)
    m = np.flatnonzero(kind == 4)
    friend = pick_per_town(rng, kids.town, len(world.town_name), kids.town[c[m]])
    ok = (friend >= 0) & (friend != c[m])
    ref[m[ok]], ttype[m[ok]], role[m[ok]] = child_ref[friend[ok]], T_CHILD, R["peer"]
    with_[m[ok]] = np.where(rng.random(int(ok.sum())) < cal.school_friend_with_share, 1, 0)
    bad = m[~ok]
    ref[bad], ttype[bad] = s_ref[s_first[c[bad]]], T_ASSOC
    m = np.flatnonzero(kind == 5)
    p_first = np.cumsum(prot_has) - 1
    ref[m], ttype[m], role[m] = p_ref[p_first[c[m]]], T_ASSOC, R["protective"]
    note[m] = lk.notes("protective", len(m), cal.background_protective_note_share)
    m = np.flatnonzero(kind == 6)
    safe = np.flatnonzero(world.place_safe)
    sp = pick_per_town(rng, world.place_town[safe], len(world.town_name), kids.town[c[m]])
    gran = world.pool.near(rng, *world.pool.xy[kids.res_pc[c[m]]].T, cal.grandparent_scatter_m)
    ref[m] = np.where(
        (sp >= 0) & (rng.random(len(m)) < cal.safe_place_named_share), place_ref[safe[np.maximum(sp, 0)]], pc_ref[gran]
    )
    ttype[m], role[m] = T_PLACE, R["safe_place"]
    note[m] = lk.notes("safe", len(m), cal.background_safe_note_share)
    for code, pool_, t, nk in (
        (7, plates, T_VEHICLE, "vehicle"),
        (8, phones, T_PHONE, "phone"),
        (9, handles, T_ONLINE, "online"),
    ):
        m = np.flatnonzero(kind == code)
        refs = strings.add(pool_[: len(m)])
        ref[m], ttype[m] = refs[np.arange(len(m)) % max(len(refs), 1)], t  # one device, one child
        note[m] = lk.notes(nk, len(m), cal.background_device_note_share)
    m = np.flatnonzero(kind == 10)
    amb = strings.add(AMBIGUOUS_FIRST_NAMES)
    ref[m], ttype[m], role[m] = amb[rng.integers(0, len(amb), len(m))], T_ASSOC, R["peer"]
    pv = lk.provenance(e, cal.background_sources)
    cols.update(
        child=c.astype(np.int64),
        ttype=ttype,
        ref=ref,
        role=role,
        ep=e,
        with_=with_,
        note=note,
        kind=np.full(F, KINDS.index("background"), np.int8),
        **pv,
    )
    return cols
