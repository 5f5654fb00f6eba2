"""Thin wrappers behind :mod:`peermap`'s public API (Neo4j and small conveniences).

Import them from ``peermap``, not from here: ``from peermap import read_neo4j``.
"""

from __future__ import annotations

from typing import Any


def _driver(uri: str | None):
    from peermap.graph_models.neo4j_store import Connection, connect

    connection = Connection.from_env(uri)
    return connect(connection), connection


def ingest_neo4j(dataset, uri: str | None = None) -> dict[str, int]:
    """Merge a loaded dataset into Neo4j (idempotent); returns the rows sent per table.

    ``uri`` defaults to ``NEO4J_URI``; the user and password come from
    ``NEO4J_USER`` and ``NEO4J_PASSWORD``. Raises ``StoreError`` with a plain
    message when no server is given or it cannot be reached.
    """
    from peermap.graph_models.neo4j_store import ingest

    driver, connection = _driver(uri)
    try:
        return ingest(driver, dataset, database=connection.database)
    finally:
        driver.close()


def read_neo4j(uri: str | None = None):
    """Every table from the Neo4j graph, as the same ``Dataset`` :func:`load_folder` gives."""
    from peermap.graph_models.neo4j_store import read_dataset

    driver, connection = _driver(uri)
    try:
        return read_dataset(driver, database=connection.database, uri=connection.uri)
    finally:
        driver.close()


def recipe(name: str):
    """The cookbook recipe called ``name`` (its ``question``, ``cypher``, example ``params``)."""
    from peermap.graph_models.cookbook import RECIPES

    for found in RECIPES:
        if found.name == name:
            return found
    raise KeyError(f"no cookbook recipe {name!r}; there are: {', '.join(r.name for r in RECIPES)}")


def run_recipe(name: str, uri: str | None = None, **params: Any):
    """Run cookbook recipe ``name`` against Neo4j with ``params``; the rows as a pandas DataFrame."""
    import pandas as pd

    chosen = recipe(name)
    driver, connection = _driver(uri)
    try:
        records, _, keys = driver.execute_query(chosen.cypher, params, database_=connection.database)
    finally:
        driver.close()
    return pd.DataFrame([r.data() for r in records], columns=list(keys))


def cluster_of(analysis) -> dict[str, int]:
    """Each clustered person's cluster number from an :func:`analyse` result (``ref`` → ``cluster``)."""
    people = analysis.people.dropna(subset=["cluster"])
    return {str(ref): int(cluster) for ref, cluster in zip(people["ref"], people["cluster"])}
