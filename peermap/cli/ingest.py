"""``peermap ingest``: merge a data folder into the shared Neo4j store."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from peermap.cli.options import DataDir, KeyFile, Neo4jOpt, Postcodes, rejects_option
from peermap.cli.source import load_data_folder
from peermap.exports import console
from peermap.exports.console import say


def ingest(
    data_dir: Path = DataDir,
    neo4j: Optional[str] = Neo4jOpt,
    batch_size: int = typer.Option(5000, "--batch-size", help="Rows sent in one transaction."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = rejects_option(),
):
    """Merge a data folder into the shared Neo4j store.

    Validated rows are merged in batches (UNWIND ... MERGE) in managed
    transactions, retried on transient errors. Loading the same folder twice
    changes nothing; next month's folder adds what is new and updates what
    changed. An interrupted load can simply be run again.

    Example:

        eval "$(make -s neo4j-start)"
        peermap ingest data/durham
    """
    from peermap.graph_models.neo4j_store import Connection, connect, counts
    from peermap.graph_models.neo4j_store import ingest as merge_into

    connection = Connection.from_env(neo4j)
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
