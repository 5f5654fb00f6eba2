"""``--engine gds``: peer clusters, degree and betweenness computed inside Neo4j by Graph Data Science agree with
this process's, leave nothing behind in the store, and clear up after a client that was killed mid-run.

Run on the real local server (`make test` starts it with GDS) and the synthetic year loaded into it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def stored_year(neo4j_connection, synthetic_year, synthetic_dataset):
    """The synthetic year merged into the store, read back as the commands read it, and a driver on it."""
    from peermap.graph_models.neo4j_store import clear, connect, ingest, read_dataset

    driver = connect(neo4j_connection)
    clear(driver, database=neo4j_connection.database)
    ingest(driver, synthetic_dataset, database=neo4j_connection.database)
    dataset = read_dataset(driver, database=neo4j_connection.database, uri=neo4j_connection.uri)
    yield driver, dataset, json.loads((synthetic_year / "truth.json").read_text())
    clear(driver, database=neo4j_connection.database)
    driver.close()


def _engine(driver, dataset):
    from peermap.graph_models.gds_engine import GdsEngine

    engine = GdsEngine(driver, dict(zip(dataset.children["ref"], dataset.children["child_id"])))
    engine.check()
    return engine


def _analysis(dataset, period, engine):
    from peermap.exports.audience_view import analyse_for_audience
    from peermap.mapping import engines

    with engines.using(engine):
        return analyse_for_audience(dataset, period, "police")


def _leftovers(driver) -> dict[str, int]:
    """What runs keep in the store while they last: records, associate nodes, run ties, projections."""
    count = lambda cypher: driver.execute_query(cypher).records[0]["n"]  # noqa: E731
    return {
        "runs": count("MATCH (r:PeermapRun) RETURN count(r) AS n"),
        "people": count("MATCH (p:PeermapRunPerson) RETURN count(p) AS n"),
        "ties": count(
            "MATCH ()-[t]->() WHERE type(t) STARTS WITH 'PEERMAP_RUN_' RETURN count(t) AS n",
        ),
        "projections": count("CALL gds.graph.list() YIELD graphName RETURN count(graphName) AS n"),
    }


def _children(analysis) -> pd.DataFrame:
    people = analysis.people
    return people[people["kind"].eq("child")].set_index("ref")


def test_a_month_in_the_store_agrees_with_this_process(stored_year):
    """March 2023: two GDS runs give identical clusters; GDS and this process agree (ARI >= 0.9 over the
    children; the measured month agrees exactly), degree and (exact) betweenness are equal person by person,
    the ten children who may need most support and the ranked adults of concern agree in at least 8 of 10;
    nothing of the runs is left in the store."""
    from peermap.mapping.key_people import adults_of_concern
    from peermap.mapping.periods import Period

    driver, dataset, _ = stored_year
    month = Period.from_month("2023-03")
    here = _analysis(dataset, month, None)
    first = _analysis(dataset, month, _engine(driver, dataset))
    second = _analysis(dataset, month, _engine(driver, dataset))
    assert first.info["engine"] == "gds" and first.info["clustering"]["method"] == "gds-leiden"
    assert here.info["engine"] == "python"

    a, b, p = _children(first), _children(second), _children(here)
    assert a["cluster"].equals(b["cluster"])  # two runs agree
    assert first.info["clustering"]["clusters"] >= 5  # enough clusters for agreement to mean something
    ari = adjusted_rand_score(p["cluster"].fillna(0), a.loc[p.index, "cluster"].fillna(0))
    assert ari >= 0.9, ari

    people_here, people_gds = here.people.set_index("ref"), first.people.set_index("ref")
    assert people_gds["degree"].loc[people_here.index].tolist() == people_here["degree"].tolist()
    assert first.info["betweenness"] == here.info["betweenness"] == "exact"
    assert np.allclose(people_gds["betweenness"].loc[people_here.index], people_here["betweenness"], atol=1e-5)
    assert people_here["betweenness"].max() > 0

    top = lambda analysis: analysis.people[analysis.people["kind"].eq("child")]["ref"].head(10)  # noqa: E731
    assert len(set(top(here)) & set(top(first))) >= 8
    adults = lambda analysis: set(adults_of_concern(analysis.people)["ref"].head(10))  # noqa: E731
    assert len(adults(here)) >= 2 and len(adults(here) & adults(first)) >= min(8, len(adults(here)))

    # after relabelling clusters by best match (their numbers carry on from earlier months' clusters, which the
    # engines may have found a little differently), the tables the pages and files are made from are the same
    pairs = pd.crosstab(a.loc[p.index, "cluster"], p["cluster"])
    relabel = {int(k): int(v) for k, v in pairs.idxmax(axis=1).items()}
    people = first.people.assign(cluster=first.people["cluster"].map(relabel).astype("Int64"))
    pd.testing.assert_frame_equal(people, here.people, obj="people")
    clusters = first.clusters.assign(cluster=first.clusters["cluster"].map(relabel)).sort_values("cluster")
    pd.testing.assert_frame_equal(
        clusters.reset_index(drop=True).astype(here.clusters.dtypes.to_dict()),
        here.clusters.sort_values("cluster").reset_index(drop=True),
        obj="clusters",
    )
    pd.testing.assert_frame_equal(first.ties, here.ties, obj="ties")

    assert _leftovers(driver) == {"runs": 0, "people": 0, "ties": 0, "projections": 0}


def test_the_year_in_the_store_still_finds_the_planted_groups(stored_year):
    """The whole synthetic year (splitting oversized clusters in the store): planted groups recovered with
    ARI >= 0.8, as this process must."""
    from peermap.mapping.periods import Period

    driver, dataset, truth = stored_year
    year = Period.from_dates(truth["period"]["from"], truth["period"]["to"])
    analysis = _analysis(dataset, year, _engine(driver, dataset))
    assert analysis.info["clustering"]["splits"] >= 1  # the splitting rule ran in the store
    seen: dict[str, list] = {}
    for group in truth["groups"]:
        for child in group["children"]:
            seen.setdefault(child, []).append(group["id"])
    labels = {c: groups[0] for c, groups in seen.items() if len(groups) == 1}  # bridge children left out
    ref = dict(zip(dataset.children["child_id"], dataset.children["ref"]))
    cluster = analysis.people.set_index("ref")["cluster"]
    found = [cluster.get(ref[c]) for c in labels]
    found = [int(f) if pd.notna(f) else -1 - i for i, f in enumerate(found)]
    ari = adjusted_rand_score(list(labels.values()), found)
    print(f"\nGDS: ARI against the planted groups over the year {ari:.3f} ({analysis.info['clustering']})")
    assert ari >= 0.8
    assert _leftovers(driver) == {"runs": 0, "people": 0, "ties": 0, "projections": 0}


def test_one_write_of_a_networks_ties_serves_clusters_degree_and_betweenness(stored_year):
    """Inside engines.ties_in_store (as analyse runs them) the month's ties are written into the store once for
    the clusters, degree and betweenness, with the same results as when each measure writes its own."""
    from peermap.mapping import engines
    from peermap.mapping.clusters import find_clusters
    from peermap.mapping.key_people import betweenness
    from peermap.mapping.periods import Period
    from peermap.mapping.settings import EvidenceSettings

    driver, dataset, _ = stored_year
    network = _analysis(dataset, Period.from_month("2023-03"), None).network
    settings = EvidenceSettings()
    found = {}
    for way in ("once", "each its own"):
        engine = _engine(driver, dataset)
        with engines.using(engine):
            if way == "once":
                with engines.ties_in_store(network):
                    assert _leftovers(driver)["ties"] == len(engines.store_ties(network)["a"])
                    between = betweenness(network, settings)
                    clusters = find_clusters(network, settings).membership
            else:
                between = betweenness(network, settings)
                clusters = find_clusters(network, settings).membership
        found[way] = (engine.seconds["ties written"], between, clusters, engine.degrees.pop(id(network)))
    ties = len(engines.store_ties(network)["a"])
    assert ties > 100
    assert found["once"][0] == ties and found["each its own"][0] == 2 * ties
    assert found["once"][1][1] == found["each its own"][1][1]
    assert np.array_equal(found["once"][1][0], found["each its own"][1][0])
    assert np.array_equal(found["once"][2], found["each its own"][2])
    assert np.array_equal(found["once"][3], found["each its own"][3])
    assert _leftovers(driver) == {"runs": 0, "people": 0, "ties": 0, "projections": 0}


def test_leiden_where_no_node_moves_leaves_each_on_its_own_as_in_this_process(stored_year):
    """At a resolution so high that every person is best on their own, Leiden's first pass moves no one: GDS
    2.13.9 then fails on its own result (a national year's splitting reached it); the engine gives what the
    algorithm found, everyone on their own, as igraph's Leiden does here."""
    from peermap.mapping.clusters import _graph, detect
    from peermap.mapping.settings import EvidenceSettings

    driver, dataset, _ = stored_year
    engine = _engine(driver, dataset)
    children = dataset.children.head(4)
    refs = np.array(list(children["ref"]), dtype=object)
    kinds = np.array(["child"] * 4)
    ties = {"a": np.array([0, 1, 2]), "b": np.array([1, 2, 3]), "w": np.ones(3), "clusters": np.ones(3, bool)}
    here = detect(_graph(4, np.column_stack([ties["a"], ties["b"]])), ties["w"], EvidenceSettings(leiden_resolution=50))
    with engine.run(refs, kinds, ties) as run, run.projection("clusters", "w") as name:
        assert len(np.unique(run.leiden(name, 4, 1.0, 42))) < 4  # at the usual resolution they are grouped
        alone = run.leiden(name, 4, 50.0, 42)
    assert len(np.unique(alone)) == len(np.unique(here)) == 4
    assert _leftovers(driver) == {"runs": 0, "people": 0, "ties": 0, "projections": 0}


KILLED_CLIENT = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    from peermap.graph_models.neo4j_store import Connection, connect, read_dataset
    from peermap.graph_models.gds_engine import GdsEngine
    driver = connect(Connection.from_env())
    dataset = read_dataset(driver)
    children = dataset.children.head(4)
    engine = GdsEngine(driver, dict(zip(children["ref"], children["child_id"])))
    refs = np.array(list(children["ref"]) + ["A-ASSOCIATE1"], dtype=object)
    kinds = np.array(["child"] * 4 + ["associate"])
    ties = {"a": np.array([0, 1, 2, 3]), "b": np.array([1, 2, 4, 4]), "w": np.ones(4), "clusters": np.ones(4, bool)}
    with engine.run(refs, kinds, ties) as run, run.projection("clusters", "w"):
        print("ready", flush=True)
        time.sleep(600)
    """
)


def test_a_client_killed_mid_run_is_cleared_by_the_next_run(stored_year, tmp_path, capfd):
    """A client killed (SIGKILL, server up) while its ties and projection are in the store leaves them there;
    the next `peermap analyse --engine gds` removes them before it runs, and succeeds."""
    from cli_run import run_in_process

    driver, _, _ = stored_year
    client = subprocess.Popen(
        [sys.executable, "-c", KILLED_CLIENT], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert client.stdout.readline().strip() == "ready"
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=30)
    finally:
        if client.poll() is None:
            client.kill()
    assert _leftovers(driver) == {"runs": 1, "people": 1, "ties": 4, "projections": 1}

    result = run_in_process(
        capfd,
        ["analyse", "--neo4j", os.environ["NEO4J_URI"], "--engine", "gds", "--period", "2023-03"]
        + ["--out", str(tmp_path / "out")],
        inherit_key=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Graph Data Science" in result.stderr
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["engine"] == "gds"
    assert _leftovers(driver) == {"runs": 0, "people": 0, "ties": 0, "projections": 0}


def test_forgetting_a_child_mid_run_removes_their_run_ties(stored_year):
    """`peermap forget` (neo4j_store.forget) during a run: the child's ties under the run's relationship type go
    with the child; the other children's stay until the run ends."""
    from peermap.graph_models.neo4j_store import forget

    driver, dataset, _ = stored_year
    engine = _engine(driver, dataset)
    children = dataset.children.tail(3)  # merged again by the next test module's fixture
    refs = np.array(list(children["ref"]) + ["A-ASSOCIATE1"], dtype=object)
    kinds = np.array(["child"] * 3 + ["associate"])
    ties = {"a": np.array([0, 1, 0]), "b": np.array([1, 2, 3]), "w": np.ones(3), "clusters": np.ones(3, bool)}
    with engine.run(refs, kinds, ties):
        assert _leftovers(driver)["ties"] == 3
        assert forget(driver, children["child_id"].iloc[0]) is not None
        assert _leftovers(driver)["ties"] == 1  # only the tie between the other two children is left
    assert _leftovers(driver) == {"runs": 0, "people": 0, "ties": 0, "projections": 0}


def test_a_server_without_gds_stops_engine_gds_with_one_line_and_exit_3(tmp_path, capfd):
    """A real Neo4j 5.26 without the Graph Data Science plugin (as most servers are): `peermap analyse --neo4j
    URI --engine gds` stops before reading anything, exit 3, one line that names the fix; nothing is written."""
    from pathlib import Path

    from cli_run import run_in_process

    root = Path(__file__).resolve().parent.parent
    home = tmp_path / "plain-neo4j"
    home.mkdir()
    (home / "lib").symlink_to(root / ".neo4j" / "lib")  # the jars `make test`'s server runs from, without GDS
    env = {**os.environ, "PEERMAP_NEO4J_DIR": str(home), "PEERMAP_NEO4J_GDS": "0"}
    env.pop("NEO4J_PORT", None)
    server = [sys.executable, str(root / "scripts" / "neo4j_server.py")]
    started = subprocess.run([*server, "start"], env=env, capture_output=True, text=True, cwd=root)
    try:
        assert started.returncode == 0, started.stderr
        exported = dict(
            line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines() if "=" in line
        )
        exported = {k: v.strip("'\"") for k, v in exported.items()}
        assert exported["NEO4J_URI"] != os.environ["NEO4J_URI"]
        out = tmp_path / "out"
        result = run_in_process(
            capfd,
            ["analyse", "--neo4j", exported["NEO4J_URI"], "--engine", "gds", "--period", "2023-03", "--out", out],
            env={"NEO4J_USER": exported["NEO4J_USER"], "NEO4J_PASSWORD": exported["NEO4J_PASSWORD"]},
        )
    finally:
        subprocess.run([*server, "stop"], env=env, capture_output=True, text=True, cwd=root)
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Graph Data Science" in lines[0] and "plugin" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())
