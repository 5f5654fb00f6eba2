"""Where a command's tables come from: a data folder (``DATA_DIR``) or the shared Neo4j store (``--neo4j``).

Either way the command gets the same :class:`peermap.graph_models.dataset.Dataset`,
so everything downstream is shared. Loading a data folder writes its rejects
file and says on stderr what was loaded.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from peermap.exports.console import say
from peermap.exports.exit_codes import fail


def postcode_index(path: Optional[Path]):
    """The postcode index ``--postcodes`` names, else the embedded one."""
    from peermap.geo.postcodes import default_index

    return default_index(str(path) if path else None)


def load_data_folder(
    data_dir: Path,
    key_file: Optional[Path],
    postcodes: Optional[Path],
    rejects_path: Path,
    shown_as: Optional[Path] = None,
):
    """Load a data folder, write its rejects file, and say what was found: ``loaded N of M rows`` for each file
    (and the rejects as ``shown_as``, if given).

    When the folder stops the run, the rows it could not use (the error's
    ``problems``) are still written to ``rejects_path``; a command writing an
    output folder then moves them beside ``--out`` (SCHEMA.md, "Bad input").
    """
    from peermap.graph_models.load import load_folder
    from peermap.graph_models.rejects import DataFolderError, summarise, write_rejects

    try:
        dataset = load_folder(data_dir, key_file=key_file, postcodes=postcode_index(postcodes))
    except DataFolderError as error:
        if getattr(error, "problems", None):
            write_rejects(error.problems, rejects_path)
        raise
    write_rejects(dataset.rejects, rejects_path)
    for file, (loaded, read) in dataset.loaded.items():
        say(f"{file}: loaded {loaded:,} of {read:,} rows")
    counts = summarise(dataset.rejects)
    loaded = ", ".join(
        f"{len(t):,} {name}"
        for name, t in dataset.tables().items()
        if name in ("children", "episodes", "rthis", "links") and len(t)
    )
    rejected, warnings = counts["rejected"], counts["warnings"]
    say(
        f"loaded {loaded}; {rejected:,} row{'' if rejected == 1 else 's'} rejected, "
        f"{warnings:,} warning{'' if warnings == 1 else 's'} "
        f"(see {shown_as or rejects_path})"
    )
    return dataset


def open_dataset(
    data_dir: Optional[Path],
    neo4j: Optional[str],
    key_file: Optional[Path],
    postcodes: Optional[Path],
    rejects_path: Path,
    shown_as: Optional[Path] = None,
):
    """The tables from a data folder or, with ``--neo4j`` (or NEO4J_URI when no ``DATA_DIR`` was given), from
    the graph."""
    neo4j = neo4j or (os.environ.get("NEO4J_URI") if data_dir is None else None)
    if (data_dir is None) == (neo4j is None):
        fail("give a DATA_DIR or --neo4j URI (one of them, not both)")
    if data_dir is not None:
        return load_data_folder(data_dir, key_file, postcodes, rejects_path, shown_as)
    from peermap.graph_models.neo4j_store import Connection, connect, read_dataset

    connection = Connection.from_env(neo4j)
    driver = connect(connection)
    try:
        dataset = read_dataset(driver, database=connection.database, uri=connection.uri)
    finally:
        driver.close()
    say(
        f"read {len(dataset.children):,} children, {len(dataset.episodes):,} episodes and "
        f"{len(dataset.links):,} links from {connection.uri}"
    )
    return dataset


def check_engine(engine: str, data_dir: Optional[Path], neo4j: Optional[str]) -> None:
    """``--engine gds`` runs where the data is: before anything is read, refuse it (exit 2) when that is not
    Neo4j, and stop (exit 3, one line naming the fix) when the server has no Graph Data Science library."""
    if engine != "gds":
        return
    if data_dir is not None or not (neo4j or os.environ.get("NEO4J_URI")):
        fail("--engine gds computes inside the Neo4j store: read the data from it with --neo4j URI, not a DATA_DIR")
    from peermap.graph_models.gds_engine import gds_version
    from peermap.graph_models.neo4j_store import Connection, connect

    connection = Connection.from_env(neo4j or os.environ.get("NEO4J_URI"))
    driver = connect(connection)
    try:
        gds_version(driver, connection.database)
    finally:
        driver.close()


@contextmanager
def graph_engine(engine: str, neo4j: Optional[str], dataset):
    """The analysis's engine for the ``with`` block: ``None`` (this process) or the store's Graph Data Science
    (exit 3 with one line naming the fix when the server has none; what dead runs left is removed first)."""
    from peermap.mapping import engines

    if engine == "python":
        with engines.using(None):
            yield None
        return
    from peermap.graph_models.gds_engine import GdsEngine
    from peermap.graph_models.neo4j_store import Connection, connect

    connection = Connection.from_env(neo4j or os.environ.get("NEO4J_URI"))
    driver = connect(connection)
    try:
        children = dataset.children
        store = GdsEngine(driver, dict(zip(children["ref"], children["child_id"])), connection.database)
        version = store.check()
        say(f"peer clusters, degree and betweenness computed in {connection.uri} by Graph Data Science {version}")
        with engines.using(store):
            yield store
        seconds = store.seconds
        say(
            f"Graph Data Science: {int(seconds['ties written']):,} ties written into the store in "
            f"{seconds['writing ties']:.1f}s and removed in {seconds['removing ties']:.1f}s"
        )
    finally:
        driver.close()
