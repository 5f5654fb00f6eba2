"""The planted adults of concern and the intelligence naming them (report para 29 and 46: disruption, the
weekly discussion with the police about who we are most worried about).

Adults (19-38), about one per three groups, linked to children of 2-3 nearby
groups. Each group hears of him under a name that resolves (label, nickname
alias, "Big X", or a case or spacing variant); half of them also appear under a
one-letter misspelling that resolves to nothing (so only a duplicate suggestion
joins it). Each has a vehicle, a phone, an online handle and an address
(``exploitation_location``), each linked to some of those children; much of it
police intelligence, often with handling ``C``.
"""

from __future__ import annotations

import numpy as np

from peermap.synthetic.groups import Groups
from peermap.synthetic.links import T_ASSOC, T_ONLINE, T_PHONE, T_PLACE, T_VEHICLE, Linker, R
from peermap.synthetic.names import ADULT_FIRST, SURNAMES, misspell
from peermap.synthetic.places import World


def adult_links(
    lk: Linker,
    world: World,
    groups: Groups,
    names: np.ndarray,
    vehicles: np.ndarray,
    phones: np.ndarray,
    handles: np.ndarray,
) -> list[dict]:
    """Link each adult of concern (surnames from ``names``; his own vehicle, phone and handle the first of
    ``vehicles``, ``phones`` and ``handles``) to children of nearby groups; returns them for truth.json."""
    rng, ep, cal, strings, taken, pool = lk.rng, lk.ep, lk.cal, lk.strings, lk.taken, world.pool
    n_groups = len(groups.members)
    aoc_truth = []
    firsts = list(ADULT_FIRST)
    first_order = rng.permutation(len(firsts))
    batch: dict[str, list] = {"person": [], "device": [], "address": []}
    big_enough = np.array([len(m) >= 2 for m in groups.members])
    for a in range(len(names)):
        first = firsts[first_order[a % len(firsts)]]
        surname = str(names[a]).split(" ")[-1]
        label = f"{first} {surname}"
        for _ in range(100):
            if label.lower() not in taken:
                break
            label = f"{first} {SURNAMES[int(rng.integers(0, len(SURNAMES)))]}"
        taken.add(label.lower())
        surname = label.split(" ")[-1]
        nick = ADULT_FIRST[first] if a < len(firsts) else f"{ADULT_FIRST[first]} {surname[0]}"
        big = next(
            (b for b in (f"Big {first[0]}", f"Big {first[0]}{surname[0]}", f"Big {first}") if b.lower() not in taken),
            f"Big {first} {surname}",
        )
        if nick.lower() in taken:
            nick = f"{nick} {surname}"
        aliases = [nick, big]
        taken.update(x.lower() for x in aliases)
        miss = misspell(rng, label, taken) if a % 2 == 0 else None
        if miss:
            taken.add(miss.lower())
        age = int(rng.integers(*cal.adult_age))
        # groups near each other, from one that is his "patch" (of the four nearest)
        g0 = (a * cal.groups_per_adult_of_concern) % n_groups
        dist = np.hypot(*(world.town_xy[groups.town] - world.town_xy[groups.town[g0]]).T)
        near = np.argsort(dist, kind="stable")
        cand = [int(g) for g in near[big_enough[near]][:4]]
        gs = cand[: min(len(cand), int(rng.integers(*cal.adult_groups)))]
        home = int(pool.near(rng, *world.town_xy[groups.town[g0]], cal.adult_address_scatter_m)[0])
        lk.assoc_rows.append((label, ";".join(aliases), "adult_of_concern", age, ("aoc", a)))
        forms = [label, nick, big, label.upper(), nick.lower(), label.lower().replace(" ", "  ")]
        form_ref = strings.add(forms)
        miss_ref = strings.one(miss) if miss else -1
        plate, phone, handle = strings.one(vehicles[a]), strings.one(phones[a]), strings.one(handles[a])
        kids_a, used = [], []
        fewest, most = cal.adult_children_a_group
        for gi, g in enumerate(gs):
            m = groups.members[g]
            who = m[rng.permutation(len(m))[: int(rng.integers(fewest, min(most, len(m)) + 1))]]
            for ci, c in enumerate(who):
                kids_a.append(int(c))
                mine = lk.by_child.of(int(c))
                joint = mine[ep.group[mine] == g]
                e = int(joint[rng.integers(0, len(joint))]) if len(joint) else -1
                # each group hears of him under a name that resolves (the first under his
                # nickname); the misspelling turns up at least once, in the last group
                last = gi == len(gs) - 1 and ci == len(who) - 1
                if ci > 0 and miss_ref >= 0 and (rng.random() < cal.misspelling_share or (last and miss not in used)):
                    ref, text = miss_ref, miss
                else:
                    j = 1 if gi == 0 and ci == 0 else int(rng.integers(0, len(forms)))
                    ref, text = int(form_ref[j]), forms[j]
                used.append(text)
                batch["person"].append(
                    (
                        c,
                        ref,
                        e,
                        R["adult_of_concern"] if rng.random() < cal.adult_role_share else R["unknown"],
                        1 if (e >= 0 and rng.random() < cal.adult_with_share) else 0,
                    )
                )
                for ttype, tref, p, nk in (
                    (T_VEHICLE, plate, cal.adult_vehicle_share, "vehicle"),
                    (T_PHONE, phone, cal.adult_phone_share, "phone"),
                    (T_ONLINE, handle, cal.adult_online_share, "online"),
                ):
                    if rng.random() < p:
                        batch["device"].append((c, tref, e, ttype, nk))
                if rng.random() < cal.adult_address_share:
                    batch["address"].append((c, lk.pc_ref[home], -1))
        aoc_truth.append(
            {
                "label": label,
                "aliases": aliases,
                "misspellings": [miss] if miss else [],
                "forms_in_links": sorted(set(used)),
                "approx_age": age,
                "groups": gs,
                "children": sorted(set(kids_a)),
                "vehicle": str(vehicles[a]),
                "phone": str(phones[a]),
                "online": str(handles[a]),
                "address_postcode": str(pool.codes[home]),
            }
        )

    if batch["person"]:
        c, ref, e, role, with_ = (np.array(x) for x in zip(*batch["person"]))
        pv = lk.provenance(e, cal.adult_sources)
        lk.links.add(
            "aoc",
            c,
            ttype=T_ASSOC,
            ref=ref,
            role=role,
            ep=e,
            with_=with_,
            note=lk.notes("aoc", len(c), cal.adult_note_share),
            **pv,
        )
    if batch["device"]:
        c, ref, e, ttype, kind = (np.array(x) for x in zip(*batch["device"]))
        pv = lk.provenance(e, cal.adult_device_sources)
        note = np.full(len(c), -1, np.int64)
        for nk in ("vehicle", "phone", "online"):
            m = kind == nk
            note[m] = lk.notes(nk, int(m.sum()), cal.adult_device_note_share)
        lk.links.add("aoc", c, ttype=ttype, ref=ref, ep=e, note=note, **pv)
    if batch["address"]:
        c, ref, e = (np.array(x) for x in zip(*batch["address"]))
        pv = lk.provenance(e, cal.adult_address_sources)
        lk.links.add(
            "aoc",
            c,
            ttype=T_PLACE,
            ref=ref,
            role=R["exploitation_location"],
            note=lk.notes("exploitation", len(c), cal.adult_address_note_share),
            **pv,
        )
    return aoc_truth
