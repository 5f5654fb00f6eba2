"""The parts every ``peermap`` command shares: its options, exit codes, and where its tables come from.

Kept apart from :mod:`mapping.cli` so that commands living beside their own
modules (``analyse``, ``pack``, ``child``) can use them without importing the
command line itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from mapping.console import say

EXIT_INPUT = 2  # SCHEMA.md: missing file/column, unreadable file, no key, bad arguments
EXIT_STORE = 3  # Neo4j down, refused us, or lost during a run


DataDir = typer.Argument(..., metavar="DATA_DIR", help="The data folder (CSV files, or one .xlsx workbook).", show_default=False)
KeyFile = typer.Option(None, "--key-file", help="File holding the reference key (else PEERMAP_KEY, "
                                                 "else DATA_DIR/peermap.key).")
Postcodes = typer.Option(None, "--postcodes", help="A full Code-Point Open (folder or zip) or ONSPD CSV "
                                                    "instead of the embedded postcode index.")
Rejects = typer.Option(None, "--rejects", help="Where to write rejects.csv (default: the output folder, "
                                               "or the current folder).")
PeriodOpt = typer.Option(None, "--period", help="A calendar month, YYYY-MM.")
Neo4jOpt = typer.Option(None, "--neo4j", metavar="URI",
                        help="Read from (or write to) this Neo4j server, e.g. bolt://127.0.0.1:7687, instead of a "
                             "data folder. The user and password come from NEO4J_USER and NEO4J_PASSWORD; NEO4J_URI "
                             "is used when --neo4j is not given.")
SourceDir = typer.Argument(None, metavar="[DATA_DIR]", show_default=False,
                           help="The data folder (CSV files, or one .xlsx workbook); leave out with --neo4j.")
FromOpt = typer.Option(None, "--from", help="First local date of the period, YYYY-MM-DD (included).")
ToOpt = typer.Option(None, "--to", help="Last local date of the period, YYYY-MM-DD (included).")


def fail(message: str, code: int = EXIT_INPUT) -> None:
    say(f"peermap: {message}")
    raise typer.Exit(code)


def postcode_index(path: Optional[Path]):
    from geo.postcodes import default_index

    return default_index(str(path) if path else None)


def load_data_folder(data_dir: Path, key_file: Optional[Path], postcodes: Optional[Path], rejects_path: Path):
    """Load a data folder, write its rejects file, and say what was found: ``loaded N of M rows`` for each file."""
    from graph_models.load import load_folder
    from graph_models.rejects import summarise, write_rejects

    dataset = load_folder(data_dir, key_file=key_file, postcodes=postcode_index(postcodes))
    write_rejects(dataset.rejects, rejects_path)
    for file, (loaded, read) in dataset.loaded.items():
        say(f"{file}: loaded {loaded:,} of {read:,} rows")
    counts = summarise(dataset.rejects)
    loaded = ", ".join(f"{len(t):,} {name}" for name, t in dataset.tables().items()
                       if name in ("children", "episodes", "rthis", "links") and len(t))
    say(f"loaded {loaded}; {counts['rejected']:,} rows rejected, {counts['warnings']:,} warnings "
        f"(see {rejects_path})")
    return dataset


def open_dataset(data_dir: Optional[Path], neo4j: Optional[str], key_file: Optional[Path],
                 postcodes: Optional[Path], rejects_path: Path):
    """The tables from a data folder or, with ``--neo4j``, from the graph: everything downstream is shared."""
    if (data_dir is None) == (neo4j is None):
        fail("give a DATA_DIR or --neo4j URI (one of them, not both)")
    if data_dir is not None:
        return load_data_folder(data_dir, key_file, postcodes, rejects_path)
    from graph_models.neo4j_store import Connection, connect, read_dataset

    connection = Connection.from_env(neo4j)
    driver = connect(connection)
    try:
        dataset = read_dataset(driver, database=connection.database, uri=connection.uri)
    finally:
        driver.close()
    say(f"read {len(dataset.children):,} children, {len(dataset.episodes):,} episodes and "
        f"{len(dataset.links):,} links from {connection.uri}")
    return dataset


def neo4j_from_env(data_dir: Optional[Path]) -> Optional[str]:
    """NEO4J_URI stands in for --neo4j only when no DATA_DIR was given."""
    return os.environ.get("NEO4J_URI") if data_dir is None else None
