"""``peermap ingest --initial``: the first load by neo4j-admin import makes exactly the batched load's graph.

These stop and restart the server `make test` started (its port and password
stay the same), so they run with the other Neo4j tests, one at a time.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from cli_run import run_in_process
from test_neo4j_store import assert_same_tables

from peermap.graph_models.neo4j_store import clear, connect, ingest, read_dataset


def server_home() -> Path:
    """The local server's folder, as scripts/neo4j_server.py finds it."""
    return Path(os.environ.get("PEERMAP_NEO4J_DIR") or Path(__file__).resolve().parent.parent / ".neo4j")


def canonical(value):
    """A property value with its type: a Neo4j DateTime is never equal to its text, nor a date to a datetime."""
    if isinstance(value, list):
        return ("list", tuple(canonical(v) for v in value))
    if hasattr(value, "iso_format"):
        return (type(value).__name__, value.iso_format(), str(getattr(value, "tzinfo", None)))
    return (type(value).__name__, repr(value))


def dump(driver) -> tuple[list, list]:
    """Every node (labels, all properties) and relationship (type, its ends' keys, all properties), sorted."""
    nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a) AS a_labels, labels(b) AS b_labels, "
        "coalesce(a.child_id, a.episode_id, a.rthi_id, a.associate_key, a.key) AS a, "
        "coalesce(b.child_id, b.episode_id, b.rthi_id, b.associate_key, b.key) AS b, properties(r) AS props"
    )

    def props(record):
        return tuple(sorted((name, canonical(value)) for name, value in record["props"].items()))

    return (
        sorted((tuple(sorted(r["labels"])), props(r)) for r in nodes),
        sorted((r["type"], tuple(r["a_labels"]), r["a"], tuple(r["b_labels"]), r["b"], props(r)) for r in rels),
    )


def owner_only(folder: Path) -> list[str]:
    """Paths under ``folder`` (itself included) readable by anyone but their owner."""
    wrong = []
    for root, dirs, files in os.walk(folder):
        for path in [Path(root)] + [Path(root) / name for name in files]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if not path.is_symlink() and mode & 0o077:
                wrong.append(f"{path} {oct(mode)}")
    return wrong


def some_data(driver) -> None:
    """A store that holds something (a child, a place, the relationship between them)."""
    driver.execute_query(
        "CREATE (:Child {child_id: $child, ref: $ref})-[:LIVES_AT]->(:Place {key: $postcode, postcode: $postcode})",
        child="000001",
        ref="C-0000000000",
        postcode="DH1 1AB",
    )


@pytest.fixture
def run(capfd, tmp_path, monkeypatch):
    """``peermap ARGS`` in this process, in a folder of its own (a run that writes rejects.csv into the current
    folder must not write it into the repository's)."""
    monkeypatch.chdir(tmp_path)
    return lambda *args, **kw: run_in_process(capfd, [str(a) for a in args], **kw)


def test_a_uri_other_than_the_local_server_is_refused_with_the_batched_load_named(run, synthetic_year):
    result = run("ingest", synthetic_year, "--neo4j", "bolt://db.example.org:7687", "--initial")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "only with the local server" in result.stderr
    assert "without --initial" in result.stderr
    assert "Traceback" not in result.stderr
    alone = run("ingest", synthetic_year, "--neo4j", "bolt://127.0.0.1:7687", "--replace")
    assert alone.returncode == 2 and "--replace goes with --initial" in alone.stderr


#: Rows added to the synthetic year where the order of load decides a property: a place named three ways (the
#: first episode's spelling names it), a place named only by links, an identifier written two ways, a new
#: associate, text with quotes, commas and a line break.
EXTRA_EPISODES = """\
E900001,737239,2023-01-10T20:00:00,2023-01-11T02:00:00,DH4 4ED,,Old Quarry
E900002,737239,2023-03-26T00:30:00,,,DH4 5ED,old  QUARRY
"""
EXTRA_LINKS = """\
L900001,737239,2023-01-13T10:00:00,place,OLD QUARRY,frequents,,,,police,1,A,,
L900002,737239,2023-01-13T11:00:00,place,The Den,frequents,,,,police,2,B,,"said ""the den"", twice,
and again"
L900003,737239,2023-01-13T12:00:00,place,the  den,found_at,E900002,,yes,rthi,3,C,P,
L900004,737239,2023-01-13T13:00:00,vehicle,AB12 CDE,,,,,police,,,,
L900005,737239,2023-01-13T14:00:00,vehicle,ab12cde,,,,,police,,,,
L900006,737239,2023-01-13T15:00:00,associate,Nobody Known Yet,adult_of_concern,,,no,police,1,A,C,
"""


@pytest.mark.neo4j
def test_initial_load_makes_exactly_the_batched_graph(graph, neo4j_connection, synthetic_year, tmp_path, run):
    from peermap.graph_models.load import load_folder

    folder = tmp_path / "year"
    shutil.copytree(synthetic_year, folder)
    for name, rows in (("episodes", EXTRA_EPISODES), ("links", EXTRA_LINKS)):
        with open(folder / f"{name}.csv", "a", encoding="utf-8", newline="") as handle:
            handle.write(rows)
    ingest(graph, load_folder(folder))
    batched = dump(graph)
    batched_tables = read_dataset(graph)
    graph.close()
    home = server_home()
    port = (home / "port").read_text()

    result = run("ingest", folder, "--neo4j", neo4j_connection.uri, "--initial", "--replace")
    assert result.returncode == 0, result.stderr
    assert "rows/s over the whole command" in result.stderr
    assert "replacing the whole database" in result.stderr

    assert (home / "port").read_text() == port  # NEO4J_URI of `make test` still holds
    driver = connect(neo4j_connection)  # the same password, too
    try:
        imported = dump(driver)
        assert len(imported[0]) == len(batched[0]) and len(imported[1]) == len(batched[1])
        assert imported[0] == batched[0]
        assert imported[1] == batched[1]
        assert_same_tables(read_dataset(driver), batched_tables)
        named, _, _ = driver.execute_query(
            "MATCH (p:Place) WHERE p.key IN $keys RETURN p.key AS key, p.name AS name ORDER BY key",
            keys=["name:oldquarry", "name:theden"],
        )
        assert [(r["key"], r["name"]) for r in named] == [("name:oldquarry", "Old Quarry"), ("name:theden", "The Den")]
        constraints, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names")
        assert {"child_key", "place_key", "identifier_key"} <= set(constraints[0]["names"])
        clear(driver)
    finally:
        driver.close()
    assert owner_only(home / "data") == []
    assert not list(home.glob("bulk-import-*"))


@pytest.mark.neo4j
def test_a_store_with_data_is_refused_without_replace_and_untouched(graph, neo4j_connection, run):
    some_data(graph)
    before = dump(graph)
    pid = (server_home() / "neo4j.pid").read_text()
    result = run("ingest", "/nonexistent-folder", "--neo4j", neo4j_connection.uri, "--initial")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "holds" in result.stderr and "add --replace" in result.stderr
    assert (server_home() / "neo4j.pid").read_text() == pid  # never stopped
    assert dump(graph) == before


@pytest.mark.neo4j
def test_a_failed_import_restarts_the_server_on_the_old_store(
    graph, neo4j_connection, synthetic_year, run, monkeypatch
):
    some_data(graph)
    before = dump(graph)
    graph.close()
    from peermap.graph_models import bulk_import

    seen = {}
    real = bulk_import.run_import

    def broken(home, work, files, paths):
        seen["work"] = owner_only(work)
        seen["files"] = (len(paths), sorted(p.name for p in work.iterdir() if p.suffix == ".csv"))
        relationships = next(path for path in paths if "-relationships-" in path.name)
        with open(relationships, "a", encoding="utf-8") as handle:  # to a node that is not there: the tool stops
            handle.write("0,999999999\n")
        return real(home, work, files, paths)

    monkeypatch.setattr(bulk_import, "run_import", broken)
    result = run("ingest", synthetic_year, "--neo4j", neo4j_connection.uri, "--initial", "--replace")
    assert result.returncode == 3, result.stderr
    assert "neo4j-admin database import failed" in result.stderr
    assert "restarted with the previous database unchanged" in result.stderr
    assert "Traceback" not in result.stderr
    assert seen["work"] == []  # the CSV folder and its files were owner-only
    assert len(seen["files"][1]) == seen["files"][0] > 0
    assert not list(server_home().glob("bulk-import-*"))  # and are gone
    driver = connect(neo4j_connection)
    try:
        assert dump(driver) == before
        clear(driver)
    finally:
        driver.close()


@pytest.mark.neo4j
def test_empty_lists_are_set_only_where_the_import_left_one_out(graph):
    """An associate whose aliases the import could not write (an empty list) gets ``[]``; one that never had
    the property keeps none, whichever way the empty lists are set (one pass, or by key)."""
    import pandas as pd

    from peermap.graph_models.bulk_import import ImportFile, _set_later

    def aliases(later: list[str]) -> dict[str, object]:
        graph.execute_query("MATCH (n) DETACH DELETE n")
        graph.execute_query("UNWIND $keys AS key CREATE (:Associate {associate_key: key})", keys=["a1", "a2", "a3"])
        frame = pd.DataFrame({"associate_key": ["a1", "a2", "a3"]})
        item = ImportFile("nodes", "Associate", frame, ("aliases",), frame.index.to_numpy(), key="associate_key")
        item.later = {"aliases": later}
        _set_later(graph, [item], None)
        found, _, _ = graph.execute_query("MATCH (n:Associate) RETURN n.associate_key AS key, n.aliases AS aliases")
        return {r["key"]: r["aliases"] for r in found}

    assert aliases(["a1", "a3"]) == {"a1": [], "a2": None, "a3": []}  # by key: a2 is not the import's to fill
    assert aliases(["a1", "a2", "a3"]) == {"a1": [], "a2": [], "a3": []}  # every one left out: one pass
    with pytest.raises(ValueError, match="not in the graph schema"):
        wrong = ImportFile("nodes", "Associate", pd.DataFrame({"k": []}), (), [], later={"x} SET": []})
        _set_later(graph, [wrong], None)
