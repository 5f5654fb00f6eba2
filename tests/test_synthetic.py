"""The synthetic data folder: reproducible, real postcodes, what it plants, and calibration.

The calibration test computes SCHEMA.md's measures with its own few lines of
pandas (not ``mapping.measures``), so the two can be checked against each other.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from peermap.geo.postcodes import PostcodeIndex
from peermap.graph_models.postcode_format import normalise_postcodes
from peermap.synthetic import DURHAM_BOUNDS, FREQUENTLY_MISSING, REPORT, synthesise

FILES = [
    "children.csv",
    "episodes.csv",
    "rthis.csv",
    "links.csv",
    "places.csv",
    "associates.csv",
    "peermap.key",
    "truth.json",
]
COLUMNS = {
    "children": [
        "child_id",
        "display_name",
        "birth_date",
        "sex",
        "legal_status",
        "placement_type",
        "home_postcode",
        "placement_postcode",
        "school",
        "ce_risk",
        "exploitation_type",
    ],
    "episodes": [
        "episode_id",
        "child_id",
        "missing_at",
        "returned_at",
        "missing_from_postcode",
        "found_at_postcode",
        "found_at_place",
    ],
    "rthis": ["rthi_id", "child_id", "episode_ids", "offered_at", "outcome", "completed_at", "worker"],
    "links": [
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
    ],
    "places": ["place_name", "postcode", "kind"],
    "associates": ["associate_id", "label", "aliases", "role", "approx_age"],
}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def local(values: pd.Series) -> pd.Series:
    """SCHEMA.md's reading of an offset-less datetime: Europe/London, first of a repeated hour."""
    naive = pd.to_datetime(values.replace("", None), format="ISO8601")
    return naive.dt.tz_localize("Europe/London", ambiguous=np.ones(len(naive), bool), nonexistent="shift_forward")


def key(text: str) -> str:
    return " ".join(str(text).lower().split())


@pytest.fixture(scope="module")
def year(synthetic_year) -> Path:
    return synthetic_year


@pytest.fixture(scope="module")
def tables(year):
    return {name: read(year, name) for name in COLUMNS}


@pytest.fixture(scope="module")
def truth(year):
    return json.loads((year / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def index():
    return PostcodeIndex()


def coords(index, postcodes) -> dict[str, tuple[float, float]]:
    found = index.lookup(postcodes)
    return {r.postcode: (r.easting, r.northing) for r in found.itertuples()}


# -- reproducible -------------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_differs(tmp_path, year):
    again = tmp_path / "again"
    other = tmp_path / "other"
    synthesise(again, seed=7)
    synthesise(other, seed=8)
    for name in FILES:
        assert (again / name).read_bytes() == (year / name).read_bytes(), name
    for name in ("episodes.csv", "links.csv", "peermap.key", "truth.json"):
        assert (other / name).read_bytes() != (year / name).read_bytes(), name


def test_files_have_the_schema_columns_and_a_key(year, tables):
    for name, columns in COLUMNS.items():
        assert list(tables[name].columns) == columns, name
    key_text = (year / "peermap.key").read_text(encoding="utf-8").strip()
    assert len(key_text) >= 32 and len(set(key_text)) > 10


def test_ids_unique_and_references_resolve(tables):
    ch, ep, rt, lk = tables["children"], tables["episodes"], tables["rthis"], tables["links"]
    for frame, column, pattern in (
        (ch, "child_id", r"\d{6}"),
        (ep, "episode_id", r"E\d{6}"),
        (rt, "rthi_id", r"R\d{6}"),
        (lk, "link_id", r"L\d{6}"),
    ):
        assert frame[column].is_unique
        assert frame[column].str.fullmatch(pattern).all(), column
    kids = set(ch["child_id"])
    assert set(ep["child_id"]) <= kids and set(rt["child_id"]) <= kids and set(lk["child_id"]) <= kids
    episodes = set(ep["episode_id"])
    covered = rt["episode_ids"].str.split(";").explode()
    assert set(covered) <= episodes
    assert set(lk.loc[lk["episode_id"] != "", "episode_id"]) <= episodes
    assert set(lk.loc[lk["rthi_id"] != "", "rthi_id"]) <= set(rt["rthi_id"])
    child_links = lk[lk["target_type"] == "child"]
    assert set(child_links["target_ref"]) <= kids
    assert (child_links["target_ref"] != child_links["child_id"]).all()
    assert ch["child_id"].str.startswith("0").any()  # text IDs, leading zeros kept


def test_times_are_local_iso_and_consistent(tables):
    ep, rt = tables["episodes"], tables["rthis"]
    for frame, column in ((ep, "missing_at"), (ep, "returned_at"), (rt, "offered_at"), (rt, "completed_at")):
        values = frame[column][frame[column] != ""]
        assert values.str.match(ISO).all(), column
    missing, returned = local(ep["missing_at"]), local(ep["returned_at"])
    # no time in the hour the clocks skip in spring
    naive = pd.to_datetime(ep["missing_at"])
    skipped = naive.dt.tz_localize("Europe/London", nonexistent="NaT", ambiguous=np.ones(len(naive), bool))
    assert skipped.notna().all()
    ok = returned.notna()
    assert (returned[ok] >= missing[ok]).all()
    assert 1 <= (~ok).sum() <= 10  # a few children still missing at the end
    completed = rt["outcome"] == "completed"
    assert (rt.loc[completed, "completed_at"] != "").all()
    assert set(rt["outcome"]) == {"completed", "declined", "not_completed", "pending"}


# -- real postcodes -------------------------------------------------------------------------------
def all_postcodes(tables, truth) -> pd.Series:
    ch, ep, lk, pl = tables["children"], tables["episodes"], tables["links"], tables["places"]
    places = lk.loc[lk["target_type"] == "place", "target_ref"]
    looks_like = normalise_postcodes(places).dropna()
    values = pd.concat(
        [
            ch["home_postcode"],
            ch["placement_postcode"],
            ep["missing_from_postcode"],
            ep["found_at_postcode"],
            pl["postcode"],
            looks_like,
            pd.Series([h["postcode"] for h in truth["hotspots"]]),
            pd.Series(truth["residential_homes"]),
        ],
        ignore_index=True,
    )
    return values[values != ""]


def test_every_postcode_is_real_and_in_county_durham(tables, truth, index):
    values = all_postcodes(tables, truth)
    normal = normalise_postcodes(values)
    assert normal.notna().all(), list(values[normal.isna()][:5])  # nothing malformed
    known = coords(index, normal.unique())
    assert set(normal) <= set(known), sorted(set(normal) - set(known))[:5]
    e0, e1, n0, n1 = DURHAM_BOUNDS
    for easting, northing in known.values():
        assert e0 <= easting <= e1 and n0 <= northing <= n1
    assert {p[:2].rstrip("0123456789") for p in normal} <= {"DH", "DL", "SR", "TS", "NE"}
    # messy spelling, as typed: some lower case or without the space, all still real
    raw = tables["episodes"]["found_at_postcode"]
    assert (raw.str.islower() & (raw != "")).any() and (raw.str.fullmatch(r"[A-Z0-9]{5,7}")).any()


# -- truth.json -----------------------------------------------------------------------------------
def test_truth_has_the_documented_shape(truth, tables):
    assert set(truth) >= {"groups", "adults_of_concern", "hotspots", "residential_homes"}
    kids = set(tables["children"]["child_id"])
    assert 8 <= len(truth["groups"]) <= 12
    for group in truth["groups"]:
        assert set(group) >= {"id", "children", "associates"}
        assert 3 <= len(group["children"]) <= 8 and set(group["children"]) <= kids
        assert 1 <= len(group["associates"]) and all(isinstance(a, str) and a for a in group["associates"])
    assert 3 <= len(truth["adults_of_concern"]) <= 4
    assert 5 <= len(truth["hotspots"]) <= 6
    for spot in truth["hotspots"]:
        assert set(spot) >= {"postcode", "easting", "northing", "radius_m"}
        assert 150 <= spot["radius_m"] <= 400
    assert 8 <= len(truth["residential_homes"]) <= 12
    assert all(isinstance(p, str) for p in truth["residential_homes"])


# -- planted groups ---------------------------------------------------------------------------------
def test_planted_groups_go_missing_together(truth, tables, index):
    ep = tables["episodes"].set_index("episode_id")
    names = tables["links"]
    spots = {h["postcode"]: h for h in truth["hotspots"]}
    last_month = truth["period"]["to"][:7]
    active_last = 0
    for group in truth["groups"]:
        members = set(group["children"])
        assert len(group["events"]) >= 3, group["id"]
        for event in group["events"]:
            rows = ep.loc[event]
            assert len(rows) >= 2 and set(rows["child_id"]) <= members
            assert rows["child_id"].is_unique
            missing, returned = local(rows["missing_at"]), local(rows["returned_at"])
            assert (missing.max() - missing.min()) <= pd.Timedelta(hours=2.5)
            if returned.notna().all():
                assert (returned.max() - returned.min()) <= pd.Timedelta(hours=2)
            # found together at one of the group's hot spots
            found = normalise_postcodes(rows["found_at_postcode"])
            assert found.notna().all()
            where = coords(index, list(found) + group["hotspots"])
            near = [
                min(
                    np.hypot(where[f][0] - spots[h]["easting"], where[f][1] - spots[h]["northing"])
                    - spots[h]["radius_m"]
                    for h in group["hotspots"]
                )
                for f in found
            ]
            assert max(near) <= 0, (group["id"], event)
            # from nearby places
            frm = normalise_postcodes(rows["missing_from_postcode"]).dropna()
            xy = np.array([where_ for where_ in coords(index, frm).values()])
            assert np.ptp(xy[:, 0]) < 20_000 and np.ptp(xy[:, 1]) < 20_000
        active_last += last_month in group["active_months"]
        # named together: child links between members with the child while missing, shared associates
        mine = names[names["child_id"].isin(members)]
        together = mine[(mine["target_type"] == "child") & mine["target_ref"].isin(members)]
        assert together["child_id"].nunique() >= min(3, len(members))
        assert (together["with_during_episode"] == "yes").any()
        shared = mine[
            (mine["target_type"] == "associate")
            & mine["target_ref"].map(key).isin({key(a) for a in group["associates"]})
        ]
        assert shared["child_id"].nunique() >= 2, group["id"]
        assert (shared["with_during_episode"] == "yes").any()
    assert active_last >= len(truth["groups"]) // 2


def test_adults_of_concern_reach_several_groups(truth, tables):
    lk, assoc = tables["links"], tables["associates"]
    group_of: dict[str, set] = {}
    for group in truth["groups"]:
        for child in group["children"]:
            group_of.setdefault(child, set()).add(group["id"])
    known = {key(x) for x in assoc["label"]} | {key(a) for aliases in assoc["aliases"] for a in aliases.split(";") if a}
    spelt = 0
    for aoc in truth["adults_of_concern"]:
        row = assoc[assoc["associate_id"] == aoc["id"]].iloc[0]
        assert row["role"] == "adult_of_concern" and row["approx_age"] != ""
        assert set(aoc["aliases"]) <= set(row["aliases"].split(";"))
        forms = {key(f) for f in [aoc["label"], *aoc["aliases"], aoc["id"]]}  # what resolves to him
        mine = lk[(lk["target_type"] == "associate") & lk["target_ref"].map(key).isin(forms)]
        reached = set().union(*(group_of.get(c, set()) for c in mine["child_id"]))
        assert len(reached) >= 2, aoc["label"]
        assert mine["target_ref"].map(key).isin({key(a) for a in aoc["aliases"]}).any()  # via an alias
        for wrong in aoc["misspellings"]:
            assert key(wrong) not in known  # does not resolve: only a duplicate suggestion can join it
            assert (lk["target_ref"] == wrong).any()
            spelt += 1
        assert (lk["target_ref"] == aoc["vehicle"]).sum() >= 1 or (lk["target_ref"] == aoc["phone"]).sum() >= 1
    assert spelt >= 1
    assert (lk.loc[lk["role"] == "adult_of_concern", "handling"] == "C").any() or (lk["handling"] == "C").any()


# -- decoys ------------------------------------------------------------------------------------------
def test_decoys(truth, tables):
    lk, ep, ch, pl = tables["links"], tables["episodes"], tables["children"], tables["places"]
    planted_people = {key(a) for g in truth["groups"] for a in g["associates"]}
    for aoc in truth["adults_of_concern"]:
        planted_people |= {key(x) for x in [aoc["label"], *aoc["aliases"], *aoc["misspellings"]]}
    people = lk[lk["target_type"] == "associate"]
    per = people.groupby(people["target_ref"].map(key))["child_id"].nunique()
    strays = per[(per == 1) & ~per.index.isin(planted_people)]
    assert len(strays) >= 50
    # children's homes: many children who are not in one group, going missing from the same postcode
    group_of = {c: g["id"] for g in truth["groups"] for c in g["children"]}
    frm = normalise_postcodes(ep["missing_from_postcode"])
    busy = 0
    for home in truth["residential_homes"]:
        kids = set(ep.loc[frm == home, "child_id"])
        groups = {group_of.get(c, c) for c in kids}  # ungrouped children count on their own
        if len(kids) >= 5 and len(groups) >= 5:
            busy += 1
    assert busy >= 2
    assert (ch["placement_type"] == "residential").sum() >= 30
    # long episodes of several days
    rows = ep.set_index("episode_id").loc[truth["long_episodes"]]
    hours = (local(rows["returned_at"]) - local(rows["missing_at"])).dt.total_seconds() / 3600
    assert len(rows) >= 3 and (hours >= 90).all()
    # safety as well as risk, devices, police-only and unverified intelligence, notes
    assert (lk["role"] == "protective").sum() >= 20 and (lk["role"] == "safe_place").sum() >= 10
    assert {"vehicle", "phone", "online"} <= set(lk["target_type"])
    devices = lk[lk["target_type"].isin(["vehicle", "phone", "online"])]
    shared = devices.groupby("target_ref")["child_id"].nunique()
    theirs = {a[k] for a in truth["adults_of_concern"] for k in ("vehicle", "phone", "online")}
    assert set(shared[shared > 1].index) <= theirs  # only the adults' devices link children
    assert ((lk["source"] == "police") & (lk["handling"] == "C")).sum() >= 20
    unverified = (
        (lk["source_grade"] == "3")
        | lk["intel_grade"].isin(["D", "E"])
        | ((lk["source_grade"] == "") & (lk["intel_grade"] == ""))
    )
    assert 0.1 < unverified.mean() < 0.7
    assert (lk["notes"] != "").mean() > 0.1
    # places named in finds, two of them never mapped
    named = {key(p) for p in pl["place_name"]}
    used = {key(p) for p in ep["found_at_place"] if p}
    assert used - named == {key(p) for p in truth["absent_places"]}
    assert len(used & named) >= 10
    assert {"residential_home", "school", "park", "transport"} <= set(pl["kind"])


def test_associates_names_are_unambiguous(tables):
    assoc = tables["associates"]
    names = [key(x) for x in assoc["label"]] + [key(a) for s in assoc["aliases"] for a in s.split(";") if a]
    assert len(names) == len(set(names))  # no alias means two people
    assert assoc["associate_id"].is_unique
    assert {"peer", "adult_of_concern", "protective"} <= set(assoc["role"])


def test_interviews_cover_several_episodes_sometimes(tables):
    rt = tables["rthis"]
    sizes = rt["episode_ids"].str.count(";") + 1
    assert sizes.max() <= 4 and (sizes >= 2).sum() >= 10 and (sizes == 1).mean() > 0.8
    assert (rt["offered_at"] == "").any()  # an interview with no offer recorded


# -- calibration against the report ---------------------------------------------------------------
def measures(tables, frm="2022-04-01", to="2023-03-31") -> dict:
    """SCHEMA.md's measures, worked out here with plain pandas."""
    ch, ep, rt = tables["children"], tables["episodes"], tables["rthis"]
    ep = ep.assign(missing=local(ep["missing_at"]), returned=local(ep["returned_at"]))
    day = ep["missing"].dt.date.astype(str)
    ep = ep[(day >= frm) & (day <= to)]
    cic = set(ch.loc[ch["legal_status"] == "CiC", "child_id"])
    cover = rt.assign(episode_id=rt["episode_ids"].str.split(";")).explode("episode_id")
    cover = cover.assign(offered=local(cover["offered_at"]), completed=local(cover["completed_at"]))
    out = {}
    for name, rows in (("all", ep), ("CiC", ep[ep["child_id"].isin(cic)]), ("other", ep[~ep["child_id"].isin(cic)])):
        c = cover[cover["episode_id"].isin(rows["episode_id"])]
        n = len(rows)
        offered = c.loc[c["offered"].notna(), "episode_id"].nunique()
        accepted = c.loc[c["offered"].notna() & (c["outcome"] != "declined"), "episode_id"].nunique()
        done = c[c["outcome"] == "completed"].merge(rows[["episode_id", "returned"]], on="episode_id")
        in72 = done[done["returned"].notna()].assign(
            ok=lambda d: d["completed"] - d["returned"] <= pd.Timedelta(hours=72)
        )
        hours = (rows["returned"] - rows["missing"]).dt.total_seconds() / 3600
        first = rows.groupby("child_id")["missing"].min().dt.tz_localize(None)
        born = pd.to_datetime(ch.set_index("child_id")["birth_date"]).reindex(first.index)
        age = (
            first.dt.year
            - born.dt.year
            - ((first.dt.month < born.dt.month) | ((first.dt.month == born.dt.month) & (first.dt.day < born.dt.day)))
        )
        counts = age.value_counts()
        out[name] = {
            "children_missing": rows["child_id"].nunique(),
            "episodes": n,
            "average_hours_missing": hours.mean(),
            "most_common_age": int(min(counts[counts == counts.max()].index)),
            "rthi_offered_pct": 100 * offered / n,
            "rthi_accepted_pct": 100 * accepted / n,
            "rthi_completed_pct": 100 * done["episode_id"].nunique() / n,
            "rthi_completed_within_72h_pct": 100 * in72.groupby("episode_id")["ok"].any().mean(),
            "per_child": rows["child_id"].value_counts(),
        }
    return out


def close(got, want, rel=0.05) -> bool:
    return abs(got - want) <= rel * abs(want)


def test_default_year_matches_the_report(tables):
    m = measures(tables)
    a, c = m["all"], m["CiC"]
    assert a["children_missing"] == REPORT["children_missing"] and a["episodes"] == REPORT["episodes"]
    assert close(c["children_missing"], REPORT["cic_children"]) and close(c["episodes"], REPORT["cic_episodes"])
    assert a["most_common_age"] == 15 and c["most_common_age"] == 15
    for name in (
        "average_hours_missing",
        "rthi_offered_pct",
        "rthi_accepted_pct",
        "rthi_completed_pct",
        "rthi_completed_within_72h_pct",
    ):
        assert close(a[name], REPORT[name]), (name, a[name])
    assert close(c["average_hours_missing"], REPORT["average_hours_missing"])
    assert close(c["rthi_accepted_pct"], REPORT["cic_rthi_accepted_pct"])
    assert close(c["rthi_completed_pct"], REPORT["cic_rthi_completed_pct"])
    assert close(c["rthi_completed_within_72h_pct"], REPORT["cic_rthi_completed_within_72h_pct"])
    # the report's frequently missing table: the 11 children in care with most episodes
    top = c["per_child"].head(11).tolist()
    assert top == [n for n, _ in FREQUENTLY_MISSING]
    assert a["per_child"].iloc[11] < 14


def test_frequently_missing_decline_as_in_the_report(tables, truth):
    rt = tables["rthis"]
    cover = rt.assign(episode_id=rt["episode_ids"].str.split(";")).explode("episode_id")
    all_declined = cover.groupby("episode_id")["outcome"].agg(lambda o: (o == "declined").all())
    ep = tables["episodes"].assign(declined=lambda d: d["episode_id"].map(all_declined).fillna(False))
    for child, (episodes, declined) in zip(truth["frequently_missing"], FREQUENTLY_MISSING):
        mine = ep[ep["child_id"] == child]
        assert len(mine) == episodes and int(mine["declined"].sum()) == declined


# -- a bigger run ------------------------------------------------------------------------------------
def test_scaled_run(tmp_path):
    folder = tmp_path / "bigger"
    summary = synthesise(folder, seed=3, children=2000, episodes=10000)
    assert summary["children"] == 2000 and summary["episodes"] == 10000 and summary["links"] == 30000
    ch, ep, lk = read(folder, "children"), read(folder, "episodes"), read(folder, "links")
    assert len(ch) == 2000 and len(ep) == 10000 and len(lk) == 30000
    assert ep["child_id"].nunique() == 2000
    truth = json.loads((folder / "truth.json").read_text())
    assert len(truth["groups"]) >= 40 and len(truth["adults_of_concern"]) >= 10
    m = measures({"children": ch, "episodes": ep, "rthis": read(folder, "rthis")})["all"]
    assert close(m["average_hours_missing"], 23) and close(m["rthi_completed_pct"], 68)
    assert m["most_common_age"] == 15


def test_progress_is_reported(tmp_path):
    seen = []
    synthesise(
        tmp_path / "p",
        seed=1,
        children=60,
        episodes=200,
        links=100,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert seen and all(0 <= d <= t for _, d, t in seen)
    assert {s for s, d, t in seen if d == t} >= {"episodes", "intelligence links", "writing files"}
    assert len(read(tmp_path / "p", "links")) == 100


def test_bad_arguments():
    with pytest.raises(ValueError):
        synthesise("unused", children=10, episodes=5)
