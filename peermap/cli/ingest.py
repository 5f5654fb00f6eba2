"""``peermap ingest``: merge a data folder into the shared Neo4j store."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from peermap.cli.options import DataDir, KeyFile, Neo4jOpt, Postcodes, rejects_option
from peermap.cli.source import load_data_folder
from peermap.exports import console
from peermap.exports.console import say
from peermap.exports.exit_codes import fail


def ingest(
    data_dir: Path = DataDir,
    neo4j: Optional[str] = Neo4jOpt,
    batch_size: int = typer.Option(5000, "--batch-size", help="Rows sent in one transaction."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = rejects_option(),
    initial: bool = typer.Option(
        False,
        "--initial",
        help="A first load in minutes: replace the local server's whole database (the one `make neo4j-start` "
        "runs) by neo4j-admin database import (the server is stopped, the folder imported, the server restarted). "
        "Any other server takes the batched load without --initial.",
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="With --initial: replace the database even though it already holds data (all of it goes).",
    ),
):
    """Merge a data folder into the shared Neo4j store.

    Validated rows are merged in batches (UNWIND ... MERGE) in managed
    transactions, retried on transient errors. Loading the same folder twice
    changes nothing; next month's folder adds what is new and updates what
    changed. An interrupted load can simply be run again.

    With --initial (the first national load, on the local server only) the
    folder is written as CSV files in Neo4j's bulk-import format and imported
    with neo4j-admin into a fresh database, which replaces the old one only
    when the import succeeded; the graph is the same as the batched load's.
    Next months' folders take the batched load.

    Example (a month's folder, merged into the store NEO4J_URI names):

        peermap ingest data/durham

    Example (the first national load: the local server's database replaced):

        peermap ingest data/national --neo4j "$NEO4J_URI" --initial --replace

    """
    from peermap.graph_models.neo4j_store import Connection, connect, counts
    from peermap.graph_models.neo4j_store import ingest as merge_into

    connection = Connection.from_env(neo4j)
    if replace and not initial:
        fail("--replace goes with --initial (the batched load merges, it never replaces)")
    if initial:
        _initial(connection, data_dir, key_file, postcodes, rejects, replace)
        return
    dataset = load_data_folder(data_dir, key_file, postcodes, rejects or Path("rejects.csv"))
    driver = connect(connection)
    try:
        with console.progress() as report:
            sent = merge_into(
                driver, dataset, database=connection.database, batch_size=max(1, batch_size), progress=report
            )
        graph = counts(driver, database=connection.database)
    finally:
        driver.close()
    say(
        f"merged {sum(sent.values()):,} rows into {connection.uri}; the graph now holds "
        + ", ".join(
            f"{graph.get(label, 0):,} {label}"
            for label in ("Child", "Episode", "Interview", "Associate", "Place", "Identifier")
        )
    )


def _initial(connection, data_dir, key_file, postcodes, rejects, replace: bool) -> None:
    """``--initial``: check the server and the store before reading the folder, then the bulk import."""
    import time

    from peermap.graph_models import bulk_import
    from peermap.graph_models.neo4j_store import connect

    started = time.perf_counter()
    bulk_import.check_local(connection.uri)
    if not replace:  # say so now, not after reading a national folder
        driver = connect(connection)
        try:
            held = bulk_import.node_count(driver, connection.database)
        finally:
            driver.close()
        if held:
            fail(
                f"the store at {connection.uri} holds {held:,} nodes and --initial replaces the whole database: "
                "add --replace to do that, or leave out --initial to merge this folder into it"
            )
    reading = time.perf_counter()
    dataset = load_data_folder(data_dir, key_file, postcodes, rejects or Path("rejects.csv"))
    read = time.perf_counter() - reading
    say(f"read folder: {read:.1f}s")
    with console.progress() as report:
        done = bulk_import.initial_load(connection, dataset, replace=replace, progress=report, say=say)
    took = time.perf_counter() - started
    steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in {"read folder": read, **done.seconds}.items())
    say(
        f"imported {done.rows:,} rows ({done.nodes:,} nodes, {done.relationships:,} relationships) into "
        f"{connection.uri} in {took:.1f}s: {done.rows / took:,.0f} rows/s over the whole command ({steps})"
    )
