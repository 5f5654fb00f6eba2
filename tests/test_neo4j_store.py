"""Neo4j as the shared store, against the real server `make test` starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from cli_run import run_in_process
from conftest import TEST_KEY, write_folder

from peermap.graph_models.load import load_folder
from peermap.graph_models.neo4j_store import clear, connect, counts, forget, ingest, read_dataset
from peermap.mapping.measures import compute_measures
from peermap.mapping.periods import Period

pytestmark = pytest.mark.neo4j  # run one at a time (make test runs the neo4j tests serially)

ROOT = Path(__file__).resolve().parent.parent
PEERMAP = [sys.executable, "-m", "peermap"]

CHILDREN = [
    {
        "child_id": "001",
        "display_name": "Amy",
        "birth_date": "2007-05",
        "legal_status": "CiC",
        "home_postcode": "DH1 1AB",
        "placement_postcode": "DH1 1AD",
    },
    {"child_id": "002", "display_name": "Ben", "home_postcode": "DH1 1AB"},
    {"child_id": "003", "display_name": "Cal"},
]
EPISODES = [
    {
        "episode_id": "E1",
        "child_id": "001",
        "missing_at": "2023-03-03T21:00",
        "returned_at": "2023-03-04T09:00",
        "missing_from_postcode": "DH1 1AD",
        "found_at_postcode": "DH1 1AE",
        "found_at_place": "Bus Station",
    },
    {
        "episode_id": "E2",
        "child_id": "002",
        "missing_at": "2023-03-03T21:30",
        "returned_at": "2023-03-04T09:30",
        "found_at_place": "bus station",
    },
    {"episode_id": "E3", "child_id": "003", "missing_at": "2023-03-10T10:00"},
]
RTHIS = [
    {
        "rthi_id": "R1",
        "child_id": "001",
        "episode_ids": "E1",
        "offered_at": "2023-03-05T10:00",
        "outcome": "completed",
        "completed_at": "2023-03-05T12:00",
    }
]
LINKS = [
    {
        "link_id": "L1",
        "child_id": "001",
        "recorded_at": "2023-03-05",
        "target_type": "associate",
        "target_ref": "Big Dave",
        "role": "adult_of_concern",
        "episode_id": "E1",
        "with_during_episode": "yes",
        "source": "rthi",
        "source_grade": "2",
        "intel_grade": "B",
    },
    {
        "link_id": "L2",
        "child_id": "002",
        "recorded_at": "2023-03-05",
        "target_type": "associate",
        "target_ref": "big dave",
        "role": "adult_of_concern",
        "source": "police",
    },
    {
        "link_id": "L3",
        "child_id": "001",
        "recorded_at": "2023-03-05",
        "target_type": "child",
        "target_ref": "002",
        "role": "peer",
    },
    {
        "link_id": "L4",
        "child_id": "001",
        "recorded_at": "2023-03-06",
        "target_type": "vehicle",
        "target_ref": "NK19 ABC",
        "source": "police",
        "notes": "seen collecting",
    },
    {
        "link_id": "L5",
        "child_id": "003",
        "recorded_at": "2023-03-06",
        "target_type": "place",
        "target_ref": "dh11ae",
        "role": "frequents",
    },
    {
        "link_id": "L6",
        "child_id": "003",
        "recorded_at": "2023-03-06",
        "target_type": "associate",
        "target_ref": "Aunt Jo",
        "role": "protective",
    },
]
PLACES = [{"place_name": "Bus station", "postcode": "DH1 1AE", "kind": "transport"}]


def small_folder(tmp_path, **changes):
    tables = {"children": CHILDREN, "episodes": EPISODES, "rthis": RTHIS, "links": LINKS, "places": PLACES}
    tables.update(changes)
    return write_folder(tmp_path, **tables)


def assert_same_tables(left, right):
    for name, table in left.tables().items():
        pd.testing.assert_frame_equal(table, right.tables()[name], obj=name)


def test_read_back_equals_the_folder(graph, tmp_path):
    dataset = load_folder(small_folder(tmp_path), key=TEST_KEY)
    ingest(graph, dataset)
    assert_same_tables(dataset, read_dataset(graph))


def test_loading_twice_changes_nothing(graph, tmp_path):
    dataset = load_folder(small_folder(tmp_path), key=TEST_KEY)
    ingest(graph, dataset)
    first = counts(graph)
    ingest(graph, dataset)
    assert counts(graph) == first
    # what the model promises: one Place per postcode and named place, one Associate for both spellings
    assert first["Child"] == 3 and first["Episode"] == 3 and first["Interview"] == 1
    assert first["Associate"] == 2 and first["Identifier"] == 1 and first["LINKED_TO"] == 6
    records, _, _ = graph.execute_query(
        "MATCH (c:Child)-[r:LINKED_TO]->(a:Associate {associate_key: $key}) RETURN c.child_id AS child ORDER BY child",
        key="big dave",
    )
    assert [r["child"] for r in records] == ["001", "002"]


def test_next_months_folder_adds_and_updates(graph, tmp_path):
    ingest(graph, load_folder(small_folder(tmp_path / "feb"), key=TEST_KEY))
    before = counts(graph)
    march = small_folder(
        tmp_path / "mar",
        children=CHILDREN + [{"child_id": "004", "display_name": "Dee"}],
        episodes=[{**EPISODES[0], "returned_at": "2023-03-04T10:00", "found_at_postcode": "DH1 1AF"}]
        + EPISODES[1:]
        + [{"episode_id": "E4", "child_id": "004", "missing_at": "2023-03-20T10:00"}],
        links=[{**LINKS[0], "target_ref": "Zed"}] + LINKS[1:],
    )
    dataset = load_folder(march, key=TEST_KEY)
    ingest(graph, dataset)
    after = counts(graph)
    assert after["Child"] == before["Child"] + 1 and after["Episode"] == before["Episode"] + 1
    assert after["LINKED_TO"] == before["LINKED_TO"]  # L1 re-pointed, not duplicated
    assert after["FOUND_AT"] == before["FOUND_AT"]  # E1's found-at postcode moved, not added
    assert_same_tables(dataset, read_dataset(graph))


def test_corrections_move_relationships_instead_of_adding_them(graph, tmp_path):
    """Next month's folder corrects who an episode, interview or link belongs to, and where a child lives."""
    ingest(graph, load_folder(small_folder(tmp_path / "feb"), key=TEST_KEY))
    before = counts(graph)
    march = small_folder(
        tmp_path / "mar",
        children=[CHILDREN[0], {**CHILDREN[1], "home_postcode": "DH1 1AG"}, CHILDREN[2]],
        episodes=EPISODES[:1] + [{**EPISODES[1], "child_id": "003"}] + EPISODES[2:],  # E2 was Cal's, not Ben's
        rthis=[{**RTHIS[0], "episode_ids": "E1;E3", "child_id": "003"}],
        links=LINKS[:2]
        + [{**LINKS[2], "child_id": "002", "target_ref": "003"}]
        + LINKS[3:]
        + [
            {
                "link_id": "L7",
                "child_id": "002",
                "recorded_at": "2023-03-07",
                "target_type": "place",
                "target_ref": "Market Square",
                "role": "frequents",
            }
        ],
    )
    dataset = load_folder(march, key=TEST_KEY)
    ingest(graph, dataset)
    assert counts(graph) == {
        **before,
        "Place": before["Place"] + 2,
        "COVERS": before["COVERS"] + 1,
        "LINKED_TO": before["LINKED_TO"] + 1,
    }
    assert_same_tables(dataset, read_dataset(graph))
    owners, _, _ = graph.execute_query(
        "MATCH (c:Child)-[:WENT_MISSING]->(:Episode {episode_id: 'E2'}) RETURN c.child_id AS child"
    )
    assert [r["child"] for r in owners] == ["003"]
    home, _, _ = graph.execute_query("MATCH (:Child {child_id: '002'})-[:LIVES_AT]->(p) RETURN p.key AS key")
    assert [r["key"] for r in home] == ["DH1 1AG"]
    peer, _, _ = graph.execute_query(
        "MATCH (a:Child)-[:LINKED_TO {link_id: 'L3'}]->(b:Child) RETURN a.child_id AS a, b.child_id AS b"
    )
    assert [(r["a"], r["b"]) for r in peer] == [("002", "003")]
    square, _, _ = graph.execute_query(
        "MATCH (:Child {child_id: '002'})-[:LINKED_TO {link_id: 'L7'}]->(p:Place) "
        "RETURN p.name AS name, p.postcode AS pc"
    )
    assert [(r["name"], r["pc"]) for r in square] == [("Market Square", None)]


def _operators(plan: dict) -> set[str]:
    """Every operator of an EXPLAIN plan, without the ``@neo4j`` suffix."""
    names = {plan["operatorType"].split("@")[0]}
    for child in plan.get("children", []):
        names |= _operators(child)
    return names


def test_load_statements_plan_without_eager_operators(graph):
    """Eager would hold every row of a batch before writing: the statements that merge are written to avoid it.

    Removal statements (``DELETE``, no ``MERGE``) keep one, holding only the stale relationships.
    """
    from peermap.graph_models.neo4j_store import (
        ASSOCIATE_STATEMENTS,
        CHILD_STATEMENTS,
        EPISODE_STATEMENTS,
        INTERVIEW_STATEMENTS,
        LINK_STATEMENTS,
        PLACE_STATEMENTS,
        create_schema,
    )

    create_schema(graph)
    statements = [
        *CHILD_STATEMENTS,
        *PLACE_STATEMENTS,
        *ASSOCIATE_STATEMENTS,
        *EPISODE_STATEMENTS,
        *INTERVIEW_STATEMENTS,
        *(s for group in LINK_STATEMENTS.values() for s in group),
    ]
    merging = [s for s in statements if "MERGE" in s]
    assert len(merging) >= 20 and all("MERGE" in s or "DELETE" in s for s in statements)
    with graph.session() as session:
        for statement in merging:
            operators = _operators(session.run("EXPLAIN " + statement, rows=[]).consume().plan)
            assert "Eager" not in operators, f"{sorted(operators)}\n{statement}"
            assert operators & {"Merge", "LockingMerge"}, statement


def test_hostile_text_is_stored_as_text(graph, tmp_path):
    hostile = "x'}) DETACH DELETE n //\"<script>alert(1)</script>=cmd|' /C calc'!A0 \\u0000 ${x}"
    children = [{**CHILDREN[0], "display_name": hostile, "school": hostile}, CHILDREN[1], CHILDREN[2]]
    episodes = [{**EPISODES[0], "found_at_place": hostile}] + EPISODES[1:]
    links = [{**LINKS[0], "target_ref": hostile, "notes": hostile}] + LINKS[1:]
    rthis = [{**RTHIS[0], "worker": hostile}]
    places = [{"place_name": hostile, "postcode": "DH1 1AE"}]
    dataset = load_folder(
        small_folder(tmp_path, children=children, episodes=episodes, links=links, rthis=rthis, places=places),
        key=TEST_KEY,
    )
    ingest(graph, dataset)
    back = read_dataset(graph)
    assert_same_tables(dataset, back)
    assert back.children.set_index("child_id").at["001", "display_name"] == hostile
    assert counts(graph)["Child"] == 3


def test_forget_removes_the_child_and_what_only_they_had(graph, tmp_path):
    ingest(graph, load_folder(small_folder(tmp_path), key=TEST_KEY))
    removed = forget(graph, "001")
    # 001 had E1 and R1; links L1, L3, L4 (and none to it); the vehicle, DH1 1AD (placement and missing-from)
    # are left linked to nothing; DH1 1AE stays (003 frequents it), as does big dave (002) and DH1 1AB (002's home)
    assert removed == {
        "links": 3,
        "episodes": 1,
        "interviews": 1,
        "children": 1,
        "associates": 0,
        "places": 1,
        "identifiers": 1,
    }
    back = read_dataset(graph)
    assert "001" not in set(back.children["child_id"]) and "E1" not in set(back.episodes["episode_id"])
    assert not back.links["child_id"].eq("001").any() and not back.links["target_child_id"].eq("001").any()
    assert forget(graph, "001") is None


@pytest.fixture
def run(capfd, tmp_path, monkeypatch):
    """``peermap ARGS`` with this process's environment plus ``env``, run in this process (tests/cli_run.py):
    the exit code, stdout and stderr a process would give, without its seconds of imports. It runs in a
    folder of its own: ``peermap kpi --neo4j`` writes rejects.csv into the current folder, which was the
    repository's."""
    monkeypatch.chdir(tmp_path)
    return lambda *args, env=None: run_in_process(capfd, args, env=env, inherit_key=True)


def test_wrong_password_and_no_server_are_one_clear_message(neo4j_connection, tmp_path, run):
    folder = small_folder(tmp_path)
    wrong = run(
        "kpi",
        "--neo4j",
        neo4j_connection.uri,
        "--period",
        "2023-03",
        env={"NEO4J_PASSWORD": neo4j_connection.password + "x"},
    )
    assert wrong.returncode == 3 and "refused" in wrong.stderr and "Traceback" not in wrong.stderr
    down = run("ingest", folder, "--neo4j", "bolt://127.0.0.1:9", env={"PEERMAP_KEY": TEST_KEY})
    assert down.returncode == 3 and "cannot reach Neo4j" in down.stderr and "Traceback" not in down.stderr


def test_kpi_from_neo4j_equals_kpi_from_the_folder(graph, neo4j_connection, synthetic_year, synthetic_dataset, run):
    ingest(graph, synthetic_dataset)
    back = read_dataset(graph)
    assert_same_tables(synthetic_dataset, back)
    for period in (Period.from_dates("2022-04-01", "2023-03-31"), Period.from_month("2023-03")):
        assert compute_measures(back, period) == compute_measures(synthetic_dataset, period)
    from_folder = run(
        "kpi", synthetic_year, "--period", "2023-03", "--json", "--rejects", synthetic_year.parent / "r.csv"
    )
    from_graph = run("kpi", "--neo4j", neo4j_connection.uri, "--period", "2023-03", "--json")
    assert from_folder.returncode == from_graph.returncode == 0, from_graph.stderr
    assert from_folder.stdout == from_graph.stdout


def test_a_load_killed_midway_then_run_again_ends_exact(
    graph, neo4j_connection, synthetic_year, synthetic_dataset, run
):
    server = [sys.executable, str(ROOT / "scripts" / "neo4j_server.py")]
    status = subprocess.run([*server, "env"], capture_output=True, text=True)
    assert neo4j_connection.uri in status.stdout, "this test kills the local server that `make test` started"
    ingest(graph, synthetic_dataset)
    expected = counts(graph)
    clear(graph)

    load = subprocess.Popen(
        [
            *PEERMAP,
            "ingest",
            str(synthetic_year),
            "--neo4j",
            neo4j_connection.uri,
            "--batch-size",
            "100",
            "--rejects",
            str(synthetic_year.parent / "r.csv"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PEERMAP_NEO4J_RETRY_SECONDS": "3"},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the load is part-way through the episodes
        if counts(graph).get("Episode", 0) > 0:
            break
        time.sleep(0.1)
    subprocess.run([*server, "kill"], check=True, capture_output=True)
    _, stderr = load.communicate(timeout=120)
    assert load.returncode == 3 and "running the same command again is safe" in stderr
    subprocess.run([*server, "start"], check=True, capture_output=True)

    driver = connect(neo4j_connection)
    try:
        partial = counts(driver)
        assert partial.get("Episode", 0) > 0 and partial != expected, "the kill came too late to interrupt the load"
        again = run(
            "ingest", synthetic_year, "--neo4j", neo4j_connection.uri, "--rejects", synthetic_year.parent / "r.csv"
        )
        assert again.returncode == 0, again.stderr
        assert counts(driver) == expected
    finally:
        driver.close()


def test_every_cookbook_recipe_runs_and_answers(graph, tmp_path):
    from peermap.graph_models.cookbook import RECIPES

    dataset = load_folder(small_folder(tmp_path), key=TEST_KEY)
    ingest(graph, dataset)
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    answers = {}
    for recipe in RECIPES:
        params = {**recipe.params, **({"child": ref["001"]} if "child" in recipe.params else {})}
        records, _, _ = graph.execute_query(recipe.cypher, params)
        answers[recipe.name] = [r.data() for r in records]
    # 001 was with Big Dave during E1 (L1) and is linked to 002 on no episode (L3: not "with")
    assert [(a["kind"], a["role"], a["episode"]) for a in answers["with_child"]] == [
        ("Associate", "adult_of_concern", "E1")
    ]
    # 001 and 002 both link to big dave; 003's Aunt Jo is protective and left out
    assert [(a["child"], a["linked_child"]) for a in answers["shared_associate"]] == [
        tuple(sorted([ref["001"], ref["002"]]))
    ]
    # E1 was found at DH1 1AE; E2 at "bus station", which places.csv puts at DH1 1AE
    assert [(a["child"], a["episode"]) for a in answers["found_at_postcode"]] == [
        (ref["001"], "E1"),
        (ref["002"], "E2"),
    ]
    assert [(a["label"], a["children_reached"]) for a in answers["adults_reaching_several"]] == [("Big Dave", 2)]
    assert answers["missing_from_homes"][0]["postcode"] == "DH1 1AD" and answers["missing_from_homes"][0]["a_placement"]
    assert [a["child"] for a in answers["children_linked_to_child"]] == [ref["002"]]


def test_analyse_from_neo4j_equals_analyse_from_the_folder(
    graph, neo4j_connection, synthetic_year, synthetic_dataset, tmp_path, run
):
    ingest(graph, synthetic_dataset)
    env = {"PEERMAP_NEO4J_RETRY_SECONDS": "5"}
    from_folder = run(
        "analyse",
        synthetic_year,
        "--period",
        "2023-03",
        "--out",
        tmp_path / "folder",
        "--rejects",
        tmp_path / "r.csv",
        env=env,
    )
    from_graph = run(
        "analyse", "--neo4j", neo4j_connection.uri, "--period", "2023-03", "--out", tmp_path / "graph", env=env
    )
    assert from_folder.returncode == 0, from_folder.stderr
    assert from_graph.returncode == 0, from_graph.stderr
    for name in (
        "people.csv",
        "clusters.csv",
        "ties.csv",
        "changes.csv",
        "kpi.json",
        "hotspots.geojson",
        "places.geojson",
    ):
        assert (tmp_path / "graph" / name).read_text() == (tmp_path / "folder" / name).read_text(), name
