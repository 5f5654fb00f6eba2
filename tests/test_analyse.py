"""The whole analysis and the files it writes: audiences, aliases and duplicates, change since last period,
the command line, and the planted truth of the synthetic year."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_run import run_in_process
from conftest import TEST_KEY, write_folder
from test_evidence import child, episode, link

from peermap.exports.analysis_folder import write_analysis
from peermap.exports.audience_view import analyse_for_audience
from peermap.graph_models.load import load_folder
from peermap.mapping.analysis import CHANGE_COLUMNS, CLUSTER_COLUMNS, PEOPLE_COLUMNS, analyse, tie_columns
from peermap.mapping.associates import duplicate_suggestions
from peermap.mapping.periods import Period
from peermap.mapping.settings import EvidenceSettings

MARCH = Period.from_month("2023-03")


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def meeting_folder(tmp_path: Path) -> Path:
    """Three children: QK1 and QK2 found together and named by a partner (handling P); QK1 and QK3 linked only by
    police intelligence with handling C; an unresolved associate, a phone, notes and names throughout.
    (IDs are chosen so no SHA-256 in the manifest can contain them.)"""
    children = [
        child("QK1", display_name="Amy Secretname"),
        child("QK2", display_name="Ben Hiddenname"),
        child("QK3", display_name='=HYPERLINK("http://x")'),
    ]
    episodes = [
        episode("EPQ1", "QK1", "2023-03-04T20:00", "2023-03-05T01:00", found_at="DH1 3EB"),
        episode("EPQ2", "QK2", "2023-03-04T20:30", "2023-03-05T01:30", found_at="DH1 4QP"),
        episode("EPQ3", "QK3", "2023-03-12T20:30", "2023-03-13T01:30", found_at="NE1 4ST"),
    ]
    links = [
        link("LNQ1", "QK1", "child", "QK2", role="peer", source="partner", notes="NOTE-SHOULD-NOT-LEAK"),
        link("LNQ2", "QK1", "child", "QK3", role="peer", source="police", notes="POLICE-ONLY-NOTE"),  # handling C
        link("LNQ3", "QK1", "associate", "Unresolved Uncleman", role="unknown"),
        link("LNQ4", "QK2", "associate", "unresolved uncleman", role="unknown"),
        link("LNQ5", "QK1", "phone", "07700 900123"),
        link("LNQ6", "QK2", "associate", "Dazza", role="adult_of_concern"),
    ]
    associates = [{"associate_id": "ASQ1", "label": "Darren Known", "aliases": "Dazza", "role": "adult_of_concern"}]
    return write_folder(tmp_path / "data", children=children, episodes=episodes, links=links, associates=associates)


def all_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file())


# -- audiences -------------------------------------------------------------------------------------------------------
def test_meeting_output_keeps_to_the_meeting_audience(tmp_path):
    dataset = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    analysis = analyse_for_audience(dataset, MARCH, "meeting")
    files = write_analysis(analysis, tmp_path / "meeting", "meeting", dataset)
    names = {f.name for f in files}
    assert {
        "people.csv",
        "clusters.csv",
        "ties.csv",
        "changes.csv",
        "kpi.json",
        "hotspots.geojson",
        "places.geojson",
        "manifest.json",
    } <= names
    text = all_text(tmp_path / "meeting")
    for secret in (
        "QK1",
        "QK2",
        "QK3",
        "Amy",
        "Secretname",
        "Hiddenname",
        "HYPERLINK",
        "NOTE-SHOULD-NOT-LEAK",
        "POLICE-ONLY-NOTE",
        "Uncleman",
        "07700",
        "LNQ",
        "EPQ",
        "ASQ1",
    ):
        assert secret not in text, secret
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    ties = read_csv(tmp_path / "meeting" / "ties.csv")
    pairs = {frozenset((t["a"], t["b"])) for t in ties}
    assert frozenset((ref["QK1"], ref["QK2"])) in pairs
    assert frozenset((ref["QK1"], ref["QK3"])) not in pairs  # only handling C intelligence links them
    people = read_csv(tmp_path / "meeting" / "people.csv")
    labels = {p["label"] for p in people if p["kind"] == "associate"}
    assert "Darren Known" in labels  # resolved: by label
    assert any(label.startswith("A-") for label in labels)  # unresolved: by reference
    assert all(p["name"] == "" for p in people)
    assert list(people[0])[:8] == ["ref", "name", "kind", "label", "role", "cluster", "degree", "betweenness"]
    assert (tmp_path / "meeting" / "people.csv").stat().st_mode & 0o077 == 0


def test_police_output_has_everything_and_names_are_formula_safe(tmp_path):
    dataset = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    analysis = analyse_for_audience(dataset, MARCH, "police")
    write_analysis(analysis, tmp_path / "police", "police", dataset)
    text = all_text(tmp_path / "police")
    for seen in ("Amy Secretname", "Unresolved Uncleman", "LNQ2", "EPQ1"):
        assert seen in text, seen
    people = read_csv(tmp_path / "police" / "people.csv")
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    by_ref = {p["ref"]: p for p in people}
    assert by_ref[ref["QK3"]]["name"] == '\'=HYPERLINK("http://x")'  # neutralised, SCHEMA.md last paragraph
    assert by_ref[ref["QK1"]]["id"] == "QK1"
    ties = read_csv(tmp_path / "police" / "ties.csv")
    assert frozenset((ref["QK1"], ref["QK3"])) in {frozenset((t["a"], t["b"])) for t in ties}


def test_meeting_names_only_with_names_flag(tmp_path):
    dataset = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    analysis = analyse_for_audience(dataset, MARCH, "meeting")
    write_analysis(analysis, tmp_path / "named", "meeting", dataset, names=True)
    text = all_text(tmp_path / "named")
    assert "Amy Secretname" in text
    assert "Uncleman" not in text and "QK1" not in text  # unresolved associates' raw names and IDs: never


def test_board_gets_no_people_or_ties(tmp_path):
    dataset = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    analysis = analyse_for_audience(dataset, MARCH, "board")
    files = write_analysis(analysis, tmp_path / "board", "board", dataset)
    # measures, and places by postcode district only (exports/geojson.py's board writer)
    assert {f.name for f in files} == {"kpi.json", "hotspots.geojson", "places.geojson", "manifest.json"}
    text = all_text(tmp_path / "board")
    assert "C-" not in text and "A-" not in text
    kpi = json.loads((tmp_path / "board" / "kpi.json").read_text())
    assert kpi["all"]["children_missing"] is None and kpi["all"]["children_missing_suppressed"] is True
    assert all("child" not in row for row in kpi["all"]["frequently_missing"])


def test_writing_a_police_analysis_for_a_meeting_is_refused(tmp_path):
    dataset = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    analysis = analyse(dataset, MARCH)  # not restricted: holds handling C intelligence
    with pytest.raises(ValueError, match="handling C"):
        write_analysis(analysis, tmp_path / "x", "meeting", dataset)


def test_manifest_lists_inputs_and_files_with_their_hashes(tmp_path):
    from peermap import __version__
    from peermap.exports.manifest import check_manifest
    from peermap.graph_models.reading import sha256_file

    dataset = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    out = tmp_path / "meeting"
    write_analysis(analyse_for_audience(dataset, MARCH, "meeting"), out, "meeting", dataset)
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["audience"], manifest["from"], manifest["to"]) == ("meeting", "2023-03-01", "2023-03-31")
    assert manifest["version"] == __version__ and manifest["created_at"].endswith("+00:00")
    assert manifest["inputs"]["links.csv"] == sha256_file(tmp_path / "data" / "links.csv")
    assert set(manifest["files"]) == {
        "people.csv",
        "clusters.csv",
        "ties.csv",
        "changes.csv",
        "kpi.json",
        "hotspots.geojson",
        "hotspots.csv",
        "places.geojson",
    }
    assert check_manifest(out) == []
    (out / "ties.csv").write_text("tampered\n")
    assert check_manifest(out) == ["ties.csv"]


def test_output_columns_are_the_contract(tmp_path):
    dataset = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    analysis = analyse_for_audience(dataset, MARCH, "meeting")
    write_analysis(analysis, tmp_path / "out", "meeting", dataset)
    for name, columns in (
        ("people", PEOPLE_COLUMNS),
        ("clusters", CLUSTER_COLUMNS),
        ("ties", tie_columns()),
        ("changes", CHANGE_COLUMNS),
    ):
        with open(tmp_path / "out" / f"{name}.csv", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert set(columns) <= set(header), name
    people = pd.read_csv(tmp_path / "out" / "people.csv")
    assert people["score"].is_monotonic_decreasing
    ties = read_csv(tmp_path / "out" / "ties.csv")
    assert all(t["why"] for t in ties) and {t["unverified"] for t in ties} <= {"yes", "no"}


# -- associates --------------------------------------------------------------------------------------------------------
def test_aliases_resolve_and_likely_duplicates_are_suggested(tmp_path):
    folder = write_folder(
        tmp_path / "data",
        children=[child("1"), child("2"), child("3")],
        episodes=[episode("E1", "1", "2023-03-04T20:00")],
        links=[
            link("L1", "1", "associate", "Big Dave"),
            link("L2", "2", "associate", "  DAVID   SMITH "),
            link("L3", "3", "associate", "Davd Smith"),  # a misspelling: resolves to nothing
            link("L4", "3", "associate", "Kayleigh Jones"),
            link("L5", "2", "associate", "Davd Smith"),  # near the same child as David Smith: worth asking
        ],
        associates=[{"associate_id": "X1", "label": "David Smith", "aliases": "Big Dave", "role": "adult_of_concern"}],
    )
    dataset = load_folder(folder, key=TEST_KEY)
    keys = dataset.links.set_index("link_id")["associate_key"]
    assert keys["L1"] == keys["L2"] == "X1" and keys["L3"] == "davd smith"
    suggestions = duplicate_suggestions(dataset.associates)
    assert len(suggestions) == 1
    row = suggestions.iloc[0]
    assert {row["a_label"], row["b_label"]} == {"David Smith", "Davd Smith"} and row["similarity"] >= 88
    assert row["suggestion"] == "if they are one person, add Davd Smith as an alias of David Smith"
    analysis = analyse(dataset, MARCH)
    assert len(analysis.duplicates) == 1 and analysis.duplicates.iloc[0]["shared_children"] == 1
    write_analysis(analysis, tmp_path / "police", "police", dataset)
    assert "Davd Smith" in (tmp_path / "police" / "possible_duplicates.csv").read_text()


# -- change since last period ------------------------------------------------------------------------------------------
def test_change_since_last_period(tmp_path):
    # February: 1 and 2 found together twice. March: 1, 2 and 3 found together twice; 4 and 5 likewise, new;
    # adult of concern X reaches 1 in February and 1 and 3 in March.
    def night(prefix, day, kids):
        return [episode(f"{prefix}{k}", k, f"{day}T20:00", f"{day}T23:00", found_at="DH1 3EB") for k in kids]

    episodes = (
        night("F1-", "2023-02-04", ["1", "2"])
        + night("F2-", "2023-02-11", ["1", "2"])
        + night("M1-", "2023-03-04", ["1", "2", "3"])
        + night("M2-", "2023-03-11", ["1", "2", "3"])
        + night("N1-", "2023-03-18", ["4", "5"])
        + night("N2-", "2023-03-25", ["4", "5"])
    )
    links = [
        link("L1", "1", "associate", "X", role="adult_of_concern", recorded="2023-02-05T10:00"),
        link("L2", "1", "associate", "X", role="adult_of_concern", recorded="2023-03-05T10:00"),
        link("L3", "3", "associate", "X", role="adult_of_concern", recorded="2023-03-05T10:00"),
    ]
    folder = write_folder(
        tmp_path / "data", children=[child(str(i)) for i in range(1, 6)], episodes=episodes, links=links
    )
    dataset = load_folder(folder, key=TEST_KEY)
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    x = dataset.associates["ref"].iloc[0]
    march = analyse(dataset, MARCH)
    changes = march.changes
    print("\n" + changes.to_string())
    got = {(row.kind, row.subject) for row in changes.itertuples()}
    # first: child 3 is newly linked to X (child 1 was linked to X last month too)
    assert ("child_linked_to_adult_of_concern", ref["3"]) in got
    assert ("child_linked_to_adult_of_concern", ref["1"]) not in got
    assert changes.iloc[0]["kind"] == "child_linked_to_adult_of_concern" and changes.iloc[0]["rank"] == 1
    # the cluster of 1 and 2 keeps February's number and grew by child 3
    february = analyse(dataset, MARCH.previous())
    number = int(february.people.set_index("ref").loc[ref["1"], "cluster"])
    assert int(march.people.set_index("ref").loc[ref["3"], "cluster"]) == number
    grew = changes[changes["kind"] == "cluster_grew"]
    assert list(grew["subject"]) == [f"cluster {number}"] and ref["3"] in grew.iloc[0]["detail"]
    assert "3 children now, 2 last period" in grew.iloc[0]["detail"]
    # 4 and 5 are a new cluster; their strong tie is part of that change, not a decision of its own
    assert any(kind == "new_cluster" for kind, _ in got)
    assert not any(kind == "tie_now_strong" for kind, _ in got)
    # X reaches 2 children now and 1 last month
    aoc = changes[changes["kind"] == "adult_reaches_more_children"]
    assert (
        list(aoc["subject"]) == [x]
        and aoc.iloc[0]["detail"] == "linked to 2 children in 1 cluster this period (1 last period)"
    )
    # ranked: decisions first, and every row has its rank
    assert list(changes["rank"]) == list(range(1, len(changes) + 1))
    order = list(changes["kind"])
    assert order.index("cluster_grew") < order.index("adult_reaches_more_children") < order.index("new_cluster")


def test_clusters_that_merged_or_split_are_named_with_last_periods_clusters():
    from peermap.mapping.changes import changes_since

    def people(clusters: dict[str, int]) -> pd.DataFrame:
        return pd.DataFrame({"ref": list(clusters), "kind": "child", "role": "", "cluster": list(clusters.values())})

    ties = pd.DataFrame(columns=["a", "b", "weight", "tie_type"])
    # last period: 1 = a, b; 2 = c, d; 3 = e, f, g, h; 4 = i, j
    before = people({"a": 1, "b": 1, "c": 2, "d": 2, "e": 3, "f": 3, "g": 3, "h": 3, "i": 4, "j": 4})
    # now: a-d together (1 and 2 merged), e-h in two (3 split); i alone moves to 1 (one child moving is
    # not a merge of cluster 4, and cluster 4 is not split by it)
    now = people({"a": 1, "b": 1, "c": 1, "d": 1, "i": 1, "e": 2, "f": 2, "g": 3, "h": 3, "j": 4, "k": 4})
    changes = changes_since(now, ties, before, ties)
    merged = changes[changes["kind"] == "clusters_merged"]
    split = changes[changes["kind"] == "cluster_split"]
    assert list(merged["subject"]) == ["cluster 1"]
    assert list(merged["detail"]) == ["brings together last period's clusters 1 and 2: 5 children now"]
    assert list(split["subject"]) == ["last period's cluster 3"]
    assert list(split["detail"]) == ["now split between clusters 2 and 3"]


# -- the command line --------------------------------------------------------------------------------------------------
def test_analyse_command_writes_the_files_and_rejects(tmp_path, capfd):
    """``peermap analyse`` run in this process (tests/cli_run.py; tests/test_cli.py starts a real one)."""
    folder = meeting_folder(tmp_path)
    env = {"PEERMAP_KEY": TEST_KEY}
    out = tmp_path / "out"
    result = run_in_process(capfd, ["analyse", folder, "--period", "2023-03", "--out", out], env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name for p in out.iterdir()} >= {
        "people.csv",
        "clusters.csv",
        "ties.csv",
        "changes.csv",
        "kpi.json",
        "manifest.json",
        "rejects.csv",
    }
    assert "for the meeting audience" in result.stderr
    bad = run_in_process(capfd, ["analyse", folder, "--period", "2023-13", "--out", out], env=env)
    assert bad.returncode == 2 and "not a real month" in bad.stderr and "Traceback" not in bad.stderr
    wrong = run_in_process(
        capfd, ["analyse", folder, "--period", "2023-03", "--audience", "press", "--out", out], env=env
    )
    assert wrong.returncode == 2 and "--audience" in wrong.stderr
    helped = run_in_process(capfd, ["analyse", "--help"], env=env)
    assert "peermap analyse data/durham --period 2023-03 --out out/2023-03" in helped.stdout


# -- the synthetic year ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic_analysis(synthetic_year, synthetic_dataset):
    truth = json.loads((synthetic_year / "truth.json").read_text())
    year = Period.from_dates(truth["period"]["from"], truth["period"]["to"])
    return truth, synthetic_dataset, year, analyse_for_audience(synthetic_dataset, year, "police")


def planted_labels(truth: dict) -> dict:
    """Each planted child's group; bridge children (in two groups) are left out."""
    seen: dict[str, list] = {}
    for group in truth["groups"]:
        for c in group["children"]:
            seen.setdefault(c, []).append(group["id"])
    return {c: groups[0] for c, groups in seen.items() if len(groups) == 1}


def test_planted_peer_groups_are_recovered(synthetic_analysis):
    from sklearn.metrics import adjusted_rand_score

    truth, dataset, year, analysis = synthetic_analysis
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    labels = planted_labels(truth)
    cluster = analysis.people.set_index("ref")["cluster"]
    found = [cluster.get(ref[c]) for c in labels]
    found = [int(f) if pd.notna(f) else -1 - i for i, f in enumerate(found)]  # no cluster: a cluster of one
    ari = adjusted_rand_score(list(labels.values()), found)
    print(
        f"\nARI between planted groups and found clusters over {len(labels)} planted children: {ari:.3f} "
        f"({analysis.info['clustering']['clusters']} clusters, modularity "
        f"{analysis.info['clustering']['modularity']})"
    )
    assert ari >= 0.8


def test_every_adult_of_concern_is_among_the_top_ten_associates(synthetic_analysis):
    truth, dataset, year, analysis = synthetic_analysis
    associates = analysis.people[analysis.people["kind"] == "associate"].reset_index(drop=True)
    position = {r: i + 1 for i, r in enumerate(associates["ref"])}
    by_id = dict(zip(dataset.associates["associate_id"], dataset.associates["ref"]))
    ranks = {a["label"]: position.get(by_id.get(a["id"])) for a in truth["adults_of_concern"]}
    print(f"\nplanted adults of concern, rank among {len(associates)} associates by score: {ranks}")
    assert all(rank is not None and rank <= 10 for rank in ranks.values())
    meeting = analyse_for_audience(dataset, year, "meeting", previous=False, duplicates=False)
    associates = meeting.people[meeting.people["kind"] == "associate"].reset_index(drop=True)
    position = {r: i + 1 for i, r in enumerate(associates["ref"])}
    meeting_ranks = {a["label"]: position.get(by_id.get(a["id"])) for a in truth["adults_of_concern"]}
    print(f"the same for the meeting (handling P intelligence only): {meeting_ranks}")
    assert all(rank is not None and rank <= 10 for rank in meeting_ranks.values())


def unrelated_housemates(truth: dict) -> list[tuple[str, str]]:
    planted: dict[str, set] = {}
    for group in truth["groups"]:
        for c in group["children"]:
            planted.setdefault(c, set()).add(group["id"])
    pairs = []
    for home in truth["residential_home_details"]:
        for x, y in itertools.combinations(home["children"], 2):
            if not planted.get(x, set()) & planted.get(y, set()):
                pairs.append((x, y))
    return pairs


def test_residential_homes_are_not_clustered_because_their_children_live_together(synthetic_analysis):
    truth, dataset, year, analysis = synthetic_analysis
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    pairs = unrelated_housemates(truth)

    def together(people: pd.DataFrame) -> int:
        cluster = people.set_index("ref")["cluster"]
        got = [(cluster.get(ref[x]), cluster.get(ref[y])) for x, y in pairs]
        return sum(1 for a, b in got if pd.notna(a) and pd.notna(b) and a == b)

    # the counterfactual: the same analysis with living together counting for nothing at all
    blind = analyse_for_audience(
        dataset, year, "police", EvidenceSettings(shared_home_factor=0.0), previous=False, duplicates=False
    )
    naive = analyse_for_audience(
        dataset, year, "police", EvidenceSettings(shared_home_factor=1.0), previous=False, duplicates=False
    )
    ours, without, full = together(analysis.people), together(blind.people), together(naive.people)
    cluster = analysis.people.set_index("ref")["cluster"]
    largest = {}
    for home in truth["residential_home_details"]:
        values = [cluster.get(ref[c]) for c in home["children"] if pd.notna(cluster.get(ref[c]))]
        largest[home["name"]] = (max((values.count(v) for v in set(values)), default=0), len(home["children"]))
    print(
        f"\nunrelated children of the same residential home in one cluster: {ours} of {len(pairs)} pairs "
        f"(with living together ignored: {without}; counted in full: {full})"
    )
    print("most children of one home in one cluster (of its children):", largest)
    # and what ties housemates rests on other things: the share of their evidence that is living together
    keys = {frozenset((ref[x], ref[y])) for x, y in pairs}
    rows = analysis.evidence
    between = rows[[frozenset((a, b)) in keys for a, b in zip(rows["a"], rows["b"])]]
    home = between["place"].fillna("").str.contains("where both live", regex=False)
    share = between.loc[home, "weight"].sum() / max(between["weight"].sum(), 1e-9)
    print(f"share of the evidence between unrelated housemates that is leaving from where both live: {share:.1%}")
    assert ours <= without + max(3, 0.05 * len(pairs))  # living together is not what puts them together
    assert ours <= 0.3 * len(pairs)
    assert share < 0.25


def test_ties_are_ordered_heaviest_first_then_by_the_references_of_their_ends():
    from peermap.mapping.analysis import _heaviest_first

    rng = np.random.default_rng(11)
    weight = rng.choice([0.0, 0.5, 1.25, 3.0, 7.333], 5000)  # many equal weights: the references decide
    a_rank, b_rank = rng.integers(0, 300, 5000), rng.integers(0, 300, 5000)
    expected = np.lexsort((b_rank, a_rank, -weight))
    assert np.array_equal(_heaviest_first(weight, a_rank, b_rank), expected)
    weight[7] = np.nan  # cannot be an integer key: the three-key sort instead, NaN last as before
    assert np.array_equal(_heaviest_first(weight, a_rank, b_rank), np.lexsort((b_rank, a_rank, -weight)))


def _same_table(csv_path: Path, parquet_path: Path) -> int:
    """The Parquet file holds the CSV's table, cell for cell, with the CSV's formula guard stripped (a Parquet
    file keeps raw values and their types); the number of cells compared."""
    table = pd.read_parquet(parquet_path)
    text = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert list(table.columns) == list(text.columns) and len(table) == len(text), csv_path.name
    cells = 0
    for column in table.columns:
        shown = text[column]
        shown = shown.where(~shown.str.match(r"^'[=+\-@]"), shown.str[1:])  # the guard SCHEMA.md asks of a CSV
        for value, cell in zip(table[column].tolist(), shown.tolist()):
            where = f"{csv_path.name} {column}: {value!r} against {cell!r}"
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
                assert cell == "", where
            elif isinstance(value, bool):
                assert cell == ("yes" if value else "no"), where
            elif isinstance(value, int):
                assert int(float(cell)) == value, where
            elif isinstance(value, float):
                assert float(cell) == pytest.approx(value, rel=1e-12), where
            elif isinstance(value, pd.Timestamp):
                assert pd.Timestamp(cell) == value, where
            else:
                assert cell == str(value), where
            cells += 1
    return cells


def test_parquet_beside_each_csv_holds_the_same_table_and_summary_only_leaves_out_ties(tmp_path, synthetic_dataset):
    """--format both: a Parquet file of the same name beside every CSV, equal to it cell for cell once the CSV's
    formula guard is stripped (a name that starts with '=' comes back raw), owner-only and in the manifest;
    --summary-only leaves out ties.csv (and its Parquet) and says so in the manifest. At Durham scale too."""
    small = load_folder(meeting_folder(tmp_path), key=TEST_KEY)
    for name, dataset, summary_only in (("small", small, True), ("durham", synthetic_dataset, False)):
        out = tmp_path / name
        analysis = analyse_for_audience(dataset, MARCH, "police")
        write_analysis(analysis, out, "police", dataset, formats=("csv", "parquet"), summary_only=summary_only)
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["formats"] == ["csv", "parquet"] and manifest["summary_only"] is summary_only
        tables = sorted(p for p in out.glob("*.csv") if p.name != "rejects.csv")
        assert {"people.csv", "clusters.csv", "changes.csv", "hotspots.csv"} <= {p.name for p in tables}
        assert ("ties.csv" in {p.name for p in tables}) is not summary_only
        assert not (out / "ties.parquet").exists() or not summary_only
        cells = {}
        for csv_path in tables:
            parquet = csv_path.with_suffix(".parquet")
            assert parquet.name in manifest["files"] and parquet.stat().st_mode & 0o077 == 0
            cells[csv_path.name] = _same_table(csv_path, parquet)
        assert cells["people.csv"] > 0 and cells["hotspots.csv"] > 0, cells
    people = pd.read_parquet(tmp_path / "small" / "people.parquet")
    assert '=HYPERLINK("http://x")' in people["name"].tolist()  # raw in Parquet, guarded in the CSV
    default = tmp_path / "csv-only"
    write_analysis(analyse_for_audience(small, MARCH, "police"), default, "police", small)
    assert not list(default.glob("*.parquet"))
    manifest = json.loads((default / "manifest.json").read_text())
    assert manifest["formats"] == ["csv"] and manifest["summary_only"] is False and "ties.csv" in manifest["files"]


def test_the_command_line_asks_for_parquet_and_a_summary(tmp_path, capfd):
    """`peermap analyse --format parquet --summary-only`: Parquet beside the CSV files, no ties; an unknown format
    is a usage error naming the choices."""
    folder = meeting_folder(tmp_path)
    out = tmp_path / "out"
    env = {"PEERMAP_KEY": TEST_KEY}
    args = ["analyse", folder, "--period", "2023-03", "--format", "parquet", "--summary-only", "--out", out]
    result = run_in_process(capfd, args, env=env)
    assert result.returncode == 0, result.stderr
    names = {p.name for p in out.iterdir()}
    assert {"people.csv", "people.parquet", "hotspots.parquet"} <= names and not names & {"ties.csv", "ties.parquet"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["formats"] == ["csv", "parquet"] and manifest["summary_only"] is True
    bad = run_in_process(capfd, ["analyse", folder, "--period", "2023-03", "--format", "xlsx", "--out", out], env=env)
    assert bad.returncode == 2 and "xlsx" in bad.stderr


@pytest.mark.parametrize("audience", ["meeting", "police"])
def test_letting_go_of_the_ties_evidence_changes_no_file(tmp_path, synthetic_dataset, audience):
    """`peermap analyse` writes the tables first and lets go of the evidence and the ties' texts before the hot
    spots (gigabytes on a national year): every file is byte for byte what the folder held when all was kept
    (the manifest but for its time), and the analysis kept only what the command still reads."""
    kept, dropped = tmp_path / "kept", tmp_path / "dropped"
    write_analysis(analyse_for_audience(synthetic_dataset, MARCH, audience), kept, audience, synthetic_dataset)
    analysis = analyse_for_audience(synthetic_dataset, MARCH, audience)
    people, counts = analysis.people.copy(), dict(analysis.info["counts"])
    write_analysis(analysis, dropped, audience, synthetic_dataset, drop_tie_details=True)
    names = sorted(p.name for p in kept.iterdir())
    assert names == sorted(p.name for p in dropped.iterdir()) and "ties.csv" in names and "hotspots.geojson" in names
    for name in names:
        if name != "manifest.json":
            assert (kept / name).read_bytes() == (dropped / name).read_bytes(), name
    manifests = [json.loads((folder / "manifest.json").read_text()) for folder in (kept, dropped)]
    for manifest in manifests:
        manifest.pop("created_at")
    assert manifests[0] == manifests[1]
    assert analysis.evidence.empty and analysis.ties.empty and analysis.network.ties.empty
    pd.testing.assert_frame_equal(analysis.people, people)
    assert analysis.info["counts"] == counts and counts["ties"] > 100


def test_a_ties_words_are_the_same_whichever_block_asks_for_them(synthetic_analysis, monkeypatch):
    """ties.csv's ``why`` is made a block of ties at a time as the file is written (a national year's words
    are more than a gigabyte): any ties asked for, in any order and in blocks of any size, get the words the
    whole table gives them; and the words made row by row on demand (a national year keeps none) are those
    made once for every row (a county's year)."""
    from peermap.mapping import why as why_module
    from peermap.mapping.evidence import explain
    from peermap.mapping.why import TieTexts

    *_, analysis = synthetic_analysis
    ties = analysis.ties
    assert len(ties) > 1000 and ties["why"].str.len().gt(0).all()
    for police in (False, True):
        texts = analysis.why(police=police)
        whole = texts.series()
        at = np.random.default_rng(11).permutation(len(whole))[:300]
        monkeypatch.setattr(why_module, "WHY_CHUNK", 7)
        assert texts.of(at).to_pylist() == whole.iloc[at].tolist()
        monkeypatch.undo()
    assert analysis.evidence["detail"].notna().all()  # a county's year: every row's words made once
    on_demand = TieTexts(
        analysis.evidence,
        analysis.network,
        lambda frame, at: explain(frame, analysis.records, positions=at),
        order=analysis.tie_order,
    )
    assert on_demand.series().tolist() == ties["why"].tolist()
    several = ties["why"].str.contains("; ")
    assert several.any() and ties["why"].str.contains(r"and \d+ more").any()
