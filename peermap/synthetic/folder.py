"""The synthetic data folder: :func:`synthesise` makes every table and writes them, with ``peermap.key`` and
``truth.json``.

Each stage draws from its own random stream (one ``SeedSequence`` spawned into
16), so the same seed gives byte-identical files, and a stage's draws do not
shift when another stage changes.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from peermap.graph_models.private_files import FOLDER_MODE, make_folder, open_private
from peermap.synthetic.calibration import Calibration
from peermap.synthetic.children import Children, birth_dates, make_children, make_siblings
from peermap.synthetic.clock import Clock
from peermap.synthetic.episodes import Episodes, make_episodes
from peermap.synthetic.groups import Groups, group_count, make_groups
from peermap.synthetic.identifiers import child_ids
from peermap.synthetic.intelligence import make_links
from peermap.synthetic.interviews import Interviews, make_interviews
from peermap.synthetic.links import HANDLING, INTEL_GRADES, ROLES, SOURCE_GRADES, SOURCES, TARGET_TYPES, WITH, LinkSet
from peermap.synthetic.names import FEMALE, MALE, Names
from peermap.synthetic.places import World, make_world
from peermap.synthetic.postcode_pool import spell
from peermap.synthetic.truth import truth

#: Above this many children, postcodes and towns come from all of England and Wales.
NATIONAL_FROM = 20_000

Progress = Callable[[str, int, int], None]


def synthesise(
    out_dir,
    *,
    seed: int = 7,
    children: int = 356,
    episodes: int = 1535,
    links: int | None = None,
    start: date = date(2022, 4, 1),
    months: int = 12,
    progress: Progress | None = None,
    region: str | None = None,
    calibration: Calibration = Calibration(),
) -> dict:
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
    calibration : Calibration, optional
        The rates, shares and medians the folder is made with (default: the council
        report's 2022/23 year; see :mod:`peermap.synthetic.calibration` to change one).

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
    cal = calibration
    clock = Clock(start, months)

    say("postcodes", 0, 1)
    n_groups = group_count(children, cal)
    world = make_world(streams[0], national, children, n_groups, cal)
    say("postcodes", 1, 1)

    say("children", 0, 1)
    kids = make_children(streams[1], world, children, cal)
    per_adult = cal.groups_per_adult_of_concern
    n_aoc = max(4, n_groups // per_adult) if n_groups >= 6 else max(1, n_groups // 2)
    n_youth = max(2, children // cal.children_per_youth_worker)
    # every distinct adult or peer name, drawn at once so none is used twice
    stray_slots = streams[1].choice(cal.stray_slots[0], children, p=cal.stray_slots[1])
    prot_has = streams[1].random(children) < cal.protective_share
    most_associates = cal.group_associates[1] - 1
    names = Names(streams[2], most_associates * n_groups, n_aoc, n_youth, int(stray_slots.sum()), int(prot_has.sum()))
    groups = make_groups(streams[3], world, kids, clock, n_groups, names.group, cal)
    siblings = make_siblings(streams[9], kids, groups.members, cal)
    say("children", 1, 1)

    say("episodes", 0, 1)
    ep = make_episodes(streams[4], clock, world, kids, groups, episodes, cal)
    birth = birth_dates(streams[5], clock, kids, ep.child, ep.start, cal)
    say("episodes", 1, 1)

    say("interviews", 0, 1)
    iv = make_interviews(streams[6], clock, kids, ep, national, cal)
    say("interviews", 1, 1)

    say("intelligence links", 0, 1)
    lk = make_links(streams[7], clock, world, kids, groups, ep, iv, links, names, stray_slots, prot_has, siblings, cal)
    say("intelligence links", 1, 1)

    summary = _write(streams[8], out, clock, world, kids, birth, groups, ep, iv, lk, siblings, seed, say, cal)
    summary["out_dir"] = str(out)
    return summary


def _csv(frame: pd.DataFrame, path: Path, mode: str = "w", header: bool = True) -> None:
    with open_private(path, mode, newline="") as handle:
        frame.to_csv(handle, index=False, header=header, lineterminator="\n")


def _write(
    rng,
    out: Path,
    clock: Clock,
    world: World,
    kids: Children,
    birth,
    groups: Groups,
    ep: Episodes,
    iv: Interviews,
    lk: LinkSet,
    siblings,
    seed: int,
    say: Progress,
    cal: Calibration,
) -> dict:
    """Write the six CSV files, ``peermap.key`` and ``truth.json``; returns the counts written."""
    pool = world.pool
    n = kids.n
    cid = child_ids(rng, n)
    names_f = np.array(FEMALE, dtype=object)
    names_m = np.array(MALE, dtype=object)
    girl, boy = names_f[rng.integers(0, len(names_f), n)], names_m[rng.integers(0, len(names_m), n)]
    either = np.where(
        rng.random(n) < cal.other_sex_female_name_share,
        names_f[rng.integers(0, len(names_f), n)],
        names_m[rng.integers(0, len(names_m), n)],
    )
    first = np.where(kids.sex == "female", girl, np.where(kids.sex == "male", boy, either))
    initial = np.array(list("ABCDEFGHJKLMNPRSTW"), dtype=object)[rng.integers(0, 18, n)]
    display = np.where(
        rng.random(n) < cal.full_first_name_share,
        first + " " + initial + ".",
        pd.Series(first).str[0].to_numpy() + "." + initial + ".",
    )
    codes = np.concatenate([pool.codes, np.array([""], dtype=object)])

    def pc(idx):
        return codes[np.where(np.asarray(idx) >= 0, idx, len(codes) - 1)]

    ce_risk = rng.choice(np.array(["", "low", "medium", "high"], dtype=object), n, p=cal.ce_risk_shares)
    grouped = np.zeros(n, bool)
    for m in groups.members:
        grouped[m] = True
    worried = grouped | (kids.top >= 0)
    ce_risk[worried] = rng.choice(
        np.array(["medium", "high"], dtype=object), int(worried.sum()), p=cal.grouped_ce_risk_shares
    )
    kinds = np.array(["CSE", "CCE", "none"], dtype=object)
    etype = np.where(
        kids.sex == "male",
        rng.choice(kinds, n, p=cal.male_exploitation_shares),
        rng.choice(kinds, n, p=cal.female_exploitation_shares),
    ).astype(object)
    etype[rng.random(n) < cal.both_exploitation_share] = "both"
    blank = rng.random(int((ce_risk == "").sum())) < cal.unassessed_blank_type_share
    etype[ce_risk == ""] = np.where(blank, "", "none")
    school = np.concatenate([world.school_name, np.array([""], dtype=object)])[
        np.where(kids.school >= 0, kids.school, len(world.school_name))
    ]
    children_df = pd.DataFrame(
        {
            "child_id": cid,
            "display_name": display,
            "birth_date": birth,
            "sex": kids.sex,
            "legal_status": kids.legal,
            "placement_type": kids.ptype,
            "home_postcode": pc(kids.home_pc),
            "placement_postcode": np.where(kids.cic, pc(kids.res_pc), ""),
            "school": school,
            "ce_risk": ce_risk,
            "exploitation_type": etype,
        }
    ).sort_values("child_id", kind="stable")
    _csv(children_df, out / "children.csv")
    say("writing files", 1, 7)

    E = len(ep.child)
    fap = np.where(ep.place >= 0, ep.place_text[np.maximum(ep.place, 0)], "").astype(object)
    lower = (ep.place >= 0) & (rng.random(E) < cal.place_lower_case_share)
    fap[lower] = pd.Series(fap[lower], dtype=object).str.lower().to_numpy()
    episodes_df = pd.DataFrame(
        {
            "episode_id": ep.ids,
            "child_id": cid[ep.child],
            "missing_at": clock.local(ep.start),
            "returned_at": clock.local(ep.end),
            "missing_from_postcode": spell(rng, pc(ep.frm), cal.postcode_lower_case_share, cal.postcode_no_space_share),
            "found_at_postcode": spell(rng, pc(ep.found), cal.postcode_lower_case_share, cal.postcode_no_space_share),
            "found_at_place": fap,
        }
    )
    _csv(episodes_df, out / "episodes.csv")
    del episodes_df
    say("writing files", 2, 7)

    R_ = len(iv.ids)
    joined = np.full(R_, "", dtype=object)
    for j in range(iv.members.shape[1]):
        e = iv.members[:, j]
        part = np.where(e >= 0, ep.ids[np.maximum(e, 0)], "")
        joined = np.where(j == 0, part, np.where(e >= 0, joined + ";" + part, joined))
    outcome_text = np.array(["", "not_completed", "declined", "not_completed", "pending", "completed"], dtype=object)
    rthis_df = pd.DataFrame(
        {
            "rthi_id": iv.ids,
            "child_id": cid[iv.child],
            "episode_ids": joined,
            "offered_at": clock.local(iv.offered),
            "outcome": outcome_text[iv.outcome],
            "completed_at": clock.local(iv.completed),
            "worker": iv.worker,
        }
    )
    _csv(rthis_df, out / "rthis.csv")
    del rthis_df
    say("writing files", 3, 7)

    # links, in time order, written in chunks
    cols = lk.cols
    table = lk.strings.copy()
    table[:n] = cid  # the child placeholders come first in the string table
    order = np.lexsort((cols["child"], cols["rec"]))
    total = len(order)
    width = max(6, len(str(total)))
    chunk = 250_000
    header = [
        "link_id",
        "child_id",
        "recorded_at",
        "target_type",
        "target_ref",
        "role",
        "episode_id",
        "rthi_id",
        "with_during_episode",
        "source",
        "source_grade",
        "intel_grade",
        "handling",
        "notes",
    ]
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
        idx = order[k : k + chunk]
        m = len(idx)
        ids = ("L" + pd.Series(np.arange(k + 1, k + m + 1)).astype(str).str.zfill(width)).to_numpy()
        note = cols["note"][idx]
        frame = pd.DataFrame(
            {
                "link_id": ids,
                "child_id": cid[cols["child"][idx]],
                "recorded_at": clock.local(cols["rec"][idx]),
                "target_type": t_types[cols["ttype"][idx]],
                "target_ref": table[cols["ref"][idx]],
                "role": t_roles[cols["role"][idx]],
                "episode_id": ep_ids[np.where(cols["ep"][idx] >= 0, cols["ep"][idx], E)],
                "rthi_id": rthi_ids[np.where(cols["rthi"][idx] >= 0, cols["rthi"][idx], R_)],
                "with_during_episode": t_with[cols["with_"][idx]],
                "source": t_src[cols["source"][idx]],
                "source_grade": t_sg[cols["sgrade"][idx]],
                "intel_grade": t_ig[cols["igrade"][idx]],
                "handling": t_hd[cols["handling"][idx]],
                "notes": np.where(note >= 0, table[np.maximum(note, 0)], ""),
            }
        )
        _csv(frame, out / "links.csv", mode="w" if k == 0 else "a", header=k == 0)
        say("writing files", 4, 7)

    # places.csv: every named place except the two nobody mapped, plus homes and schools
    places_df = pd.DataFrame(
        {
            "place_name": np.concatenate([world.place_name, world.home_name, world.school_name]),
            "postcode": np.concatenate([pc(world.place_pc), pc(world.home_pc), pc(world.school_pc)]),
            "kind": np.concatenate(
                [
                    world.place_kind,
                    np.full(len(world.home_name), "residential_home", dtype=object),
                    np.full(len(world.school_name), "school", dtype=object),
                ]
            ),
        }
    )
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

    planted = truth(clock, world, kids, cid, groups, ep, lk, assoc, siblings, seed)
    with open_private(out / "truth.json") as handle:
        handle.write(json.dumps(planted, indent=1, ensure_ascii=False) + "\n")
    say("writing files", 7, 7)
    return {
        "children": n,
        "episodes": E,
        "rthis": R_,
        "links": total,
        "places": len(places_df),
        "associates": len(assoc),
        "groups": len(groups.members),
        "adults_of_concern": len(lk.aoc),
        "hotspots": len(world.hot_pc),
        "residential_homes": len(world.home_pc),
        "still_missing": int(np.isnan(ep.end).sum()),
        "planted_links": lk.planted,
    }
