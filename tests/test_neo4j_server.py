"""The local Neo4j server that `make test` starts (scripts/neo4j_server.py) is
the one the Neo4j tests expect: Neo4j 5.26 Community, reached over Bolt with
NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD, and with authentication on.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError

pytestmark = pytest.mark.neo4j

ENV_VARS = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD")


@pytest.fixture(scope="module")
def neo4j_env() -> dict[str, str]:
    missing = [name for name in ENV_VARS if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: run the tests via `make test`, which starts the local "
            'Neo4j, or run `eval "$(make -s neo4j-start)"` first (see docs/neo4j.md)',
            pytrace=False,
        )
    return {name: os.environ[name] for name in ENV_VARS}


def server_script(monkeypatch=None, home: Path | None = None):
    """scripts/neo4j_server.py as a module (on ``home`` instead of the server's folder, when given)."""
    import importlib.util

    if home is not None:
        monkeypatch.setenv("PEERMAP_NEO4J_DIR", str(home))
    script = Path(__file__).resolve().parent.parent / "scripts" / "neo4j_server.py"
    spec = importlib.util.spec_from_file_location("neo4j_server_script", script)
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    return server


def test_a_new_port_is_one_no_outgoing_connection_can_take():
    """The server's port is chosen below the ports the system hands out to outgoing connections: while a
    bulk import has the server stopped, the browser tests running beside it cannot take it."""
    import socket

    server = server_script()
    first = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {server.free_port() for _ in range(5)}
    assert all(1024 <= port < first for port in ports), (ports, first)
    with socket.socket() as sock:  # and it is free: a server can listen on it
        sock.bind(("127.0.0.1", ports.pop()))


def test_server_is_neo4j_5_26_community(neo4j_env):
    with GraphDatabase.driver(
        neo4j_env["NEO4J_URI"], auth=(neo4j_env["NEO4J_USER"], neo4j_env["NEO4J_PASSWORD"])
    ) as driver:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
        )
        (kernel,) = [r for r in records if r["name"] == "Neo4j Kernel"]
        assert kernel["edition"] == "community"
        assert kernel["versions"][0].startswith("5.26."), kernel["versions"]

        records, _, _ = driver.execute_query("RETURN $value AS value", value=42)
        assert records[0]["value"] == 42


def test_graph_data_science_plugin_is_loaded_at_the_pinned_version(neo4j_env):
    """`make neo4j-start` puts GDS (scripts/neo4j/gds-pom.xml) into the server: gds.version() answers the pinned
    release, and Leiden runs on a projected graph (two groups of five, no tie between them, found apart)."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    pom = Path(__file__).resolve().parent.parent / "scripts" / "neo4j" / "gds-pom.xml"
    pinned = ET.parse(pom).getroot().find("m:properties/m:gds.version", {"m": "http://maven.apache.org/POM/4.0.0"})
    name = f"peermap-test-{os.getpid()}"
    with GraphDatabase.driver(
        neo4j_env["NEO4J_URI"], auth=(neo4j_env["NEO4J_USER"], neo4j_env["NEO4J_PASSWORD"])
    ) as driver:
        records, _, _ = driver.execute_query("RETURN gds.version() AS version")
        assert records[0]["version"] == pinned.text.strip() == "2.13.9"
        ties = [{"a": a, "b": b} for a in range(10) for b in range(a + 1, 10) if a // 5 == b // 5]
        try:
            driver.execute_query(
                "UNWIND $ties AS t WITH gds.graph.project($name, t.a, t.b, {}, "
                "{undirectedRelationshipTypes: ['*']}) AS g RETURN g.graphName",
                name=name,
                ties=ties,
            )
            records, _, _ = driver.execute_query(
                "CALL gds.leiden.stream($name, {randomSeed: 42, concurrency: 1}) YIELD nodeId, communityId "
                "RETURN nodeId, communityId",
                name=name,
            )
        finally:
            driver.execute_query("CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName", name=name)
    found = {r["nodeId"]: r["communityId"] for r in records}
    assert sorted(found) == list(range(10))
    assert len({found[i] for i in range(5)}) == 1 and len({found[i] for i in range(5, 10)}) == 1
    assert found[0] != found[5]


def test_wrong_password_is_refused(neo4j_env):
    uri, user, password = (neo4j_env[name] for name in ENV_VARS)
    with GraphDatabase.driver(uri, auth=(user, password + "-wrong")) as driver:
        with pytest.raises(AuthError):
            driver.verify_connectivity()
    # Log in once correctly so the failed attempt does not count towards Neo4j's
    # lock-out (dbms.security.auth_max_failed_attempts) for the next tests.
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:
        driver.verify_connectivity()


def test_the_local_store_is_readable_by_its_owner_only(graph, tmp_path):
    """SCHEMA.md: the local Neo4j store is owner-only, like every output (it was 755/644: a raw note could be read
    out of the transaction log by any user). Checked after a note has been merged, on the store the server uses."""
    import stat
    from pathlib import Path

    from conftest import TEST_KEY, write_folder

    from peermap.graph_models.load import load_folder
    from peermap.graph_models.neo4j_store import ingest

    root = Path(__file__).resolve().parent.parent
    home = Path(os.environ.get("PEERMAP_NEO4J_DIR") or root / ".neo4j")
    assert os.environ["NEO4J_URI"].endswith(f":{(home / 'port').read_text().strip()}"), "not the store under test"
    folder = write_folder(
        tmp_path / "data",
        children=[{"child_id": "001"}, {"child_id": "002"}],
        episodes=[{"episode_id": "E1", "child_id": "001", "missing_at": "2023-03-04T20:00"}],
        links=[
            {
                "link_id": "L1",
                "child_id": "001",
                "recorded_at": "2023-03-05T10:00",
                "target_type": "child",
                "target_ref": "002",
                "notes": "Seen with RawNoteToken7731Q at the bus station; said he is paid in cash.",
            }
        ],
    )
    (folder / "peermap.key").write_text(TEST_KEY)
    ingest(graph, load_folder(folder))

    opened, holding_the_note = [], []
    for path in [home, *home.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            opened.append(f"{oct(mode)} {path.relative_to(home)}")
        if path.is_file() and b"RawNoteToken7731Q" in path.read_bytes():
            holding_the_note.append(path.relative_to(home))
    assert holding_the_note, "the note is not in this store's files: the walk would prove nothing"
    assert opened == []


def test_classes_are_recorded_once_and_kept_only_from_a_clean_exit(tmp_path, monkeypatch):
    """Class data sharing: with no archive a start records one; it becomes the archive only when the server
    exited cleanly (a server killed while writing it would leave a broken file to map); other jars (a new
    Neo4j, the Graph Data Science plugin) get an archive of their own."""
    server = server_script(monkeypatch, tmp_path / "home")
    lib = tmp_path / "home" / "lib"
    lib.mkdir(parents=True)
    (lib / "neo4j-kernel.jar").write_bytes(b"jar")
    java = tmp_path / "java"
    java.write_bytes(b"java")

    archive = server.class_archive(str(java), "server", (lib,))
    recording = archive.with_suffix(".recording")
    (options,) = server.class_sharing(archive)
    assert options == f"-XX:ArchiveClassesAtExit={recording}"  # nothing to map yet: record
    recording.write_bytes(b"half written")
    server.keep_recorded_classes("server", exited_cleanly=False)  # killed: nothing is kept
    assert not recording.exists() and not archive.exists()

    server.class_sharing(archive)
    recording.write_bytes(b"classes")
    server.keep_recorded_classes("server", exited_cleanly=True)
    assert archive.read_bytes() == b"classes" and not recording.exists()
    assert server.class_sharing(archive) == [f"-XX:SharedArchiveFile={archive}"]

    (lib / "neo4j-gds.jar").write_bytes(b"plugin")
    other = server.class_archive(str(java), "server", (lib,))
    assert other != archive
    server.class_sharing(other)  # recording for other jars: the old archive goes
    assert not archive.exists()


def test_a_restart_maps_the_classes_the_server_recorded(neo4j_env):
    """The local server, stopped cleanly and started again (as a first load and the tests do), maps the
    classes it recorded instead of loading them one by one (half its start's time)."""
    from peermap.graph_models import bulk_import

    home = bulk_import.local_home()
    bulk_import._server(home, "stop")
    server = server_script()
    archives = sorted((home / "classes").glob("server-*.jsa"))
    assert archives, "the server's clean stop left no archive of its classes"
    bulk_import._server(home, "start")
    pid = server.find_server_pid()
    mapped = Path(f"/proc/{pid}/maps").read_text()
    assert any(str(archive) in mapped for archive in archives), "the restarted server did not map its archive"
    with GraphDatabase.driver(
        neo4j_env["NEO4J_URI"], auth=(neo4j_env["NEO4J_USER"], neo4j_env["NEO4J_PASSWORD"])
    ) as driver:
        records, _, _ = driver.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
