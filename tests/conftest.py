"""Shared test fixtures: hand-made data folders and a fixed reference key."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

TEST_KEY = "test-key-0123456789-abcdef"


def write_folder(folder: Path, **tables: list[dict]) -> Path:
    """Write each table (a list of row dicts) as ``NAME.csv`` in ``folder``; columns from the first row."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row if c not in columns]
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns or ["child_id"])
            writer.writeheader()
            writer.writerows(rows)
    return folder


@pytest.fixture
def key(monkeypatch) -> str:
    """A reference key set as PEERMAP_KEY for commands run in-process."""
    monkeypatch.setenv("PEERMAP_KEY", TEST_KEY)
    return TEST_KEY


@pytest.fixture(scope="session")
def synthetic_year(tmp_path_factory) -> Path:
    """The default synthetic County Durham year (seed 7), made once per test session.

    The folder holds the data files, ``peermap.key`` and ``truth.json``.
    """
    from graph_models.synthetic import synthesise

    folder = tmp_path_factory.mktemp("synthetic") / "durham"
    synthesise(folder, seed=7)
    return folder


@pytest.fixture(scope="session")
def synthetic_dataset(synthetic_year):
    """The default synthetic year loaded with its own key (shared: do not modify it)."""
    from graph_models.load import load_folder

    return load_folder(synthetic_year)


@pytest.fixture(scope="session")
def neo4j_connection():
    """The Neo4j server `make test` started (NEO4J_URI/USER/PASSWORD); the test fails, never skips, without it."""
    import os

    from graph_models.neo4j_store import Connection

    missing = [name for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD") if not os.environ.get(name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run the tests with `make test`, which starts the local Neo4j "
                    '(or `eval "$(make -s neo4j-start)"` first)', pytrace=False)
    return Connection.from_env()


@pytest.fixture
def graph(neo4j_connection):
    """A driver on an empty graph. Neo4j tests share one server, so they run in one xdist group."""
    from graph_models.neo4j_store import connect

    driver = connect(neo4j_connection)
    with driver.session(database=neo4j_connection.database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    yield driver
    driver.close()
