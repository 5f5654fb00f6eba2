"""``peermap validate``: what a data folder would reject or warn about, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from peermap.cli.options import DataDir, KeyFile, Postcodes, rejects_option
from peermap.cli.source import load_data_folder
from peermap.exports import console
from peermap.exports.exit_codes import EXIT_STRICT


def validate(
    data_dir: Path = DataDir,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any row was rejected or warned about."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = rejects_option(),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON on stdout."),
):
    """Load a data folder and report what would be rejected or warned about, and nothing else.

    Rejected rows and warnings go to rejects.csv (file, line, column,
    severity, reason, row), readable by its owner only.

    Example:

        peermap validate data/durham --strict
    """
    from peermap.graph_models.rejects import summarise

    rejects_path = rejects or Path("rejects.csv")
    dataset = load_data_folder(data_dir, key_file, postcodes, rejects_path)
    counts = summarise(dataset.rejects)
    if as_json:
        tables = {name: len(t) for name, t in dataset.tables().items()}
        console.out.print_json(json.dumps({"loaded": tables, **counts, "rejects": str(rejects_path)}))
    if strict and (counts["rejected"] or counts["warnings"]):  # SCHEMA.md, "Exit codes"
        raise typer.Exit(EXIT_STRICT)
