"""``peermap kpi``: SCHEMA.md's missing-from-home measures for a period."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from peermap.cli.options import FromOpt, KeyFile, Neo4jOpt, PeriodOpt, Postcodes, SourceDir, ToOpt, Top, rejects_option
from peermap.cli.source import open_dataset
from peermap.exports import console


def kpi(
    data_dir: Optional[Path] = SourceDir,
    period: Optional[str] = PeriodOpt,
    date_from: Optional[str] = FromOpt,
    date_to: Optional[str] = ToOpt,
    top: int = Top,
    as_json: bool = typer.Option(False, "--json", help="Print SCHEMA.md's measures object as JSON on stdout."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = rejects_option(),
    neo4j: Optional[str] = Neo4jOpt,
):
    """The missing-from-home measures for a period: all children, children in care, and others.

    Example (the report's year):

        peermap kpi data/durham --from 2022-04-01 --to 2023-03-31

    Example (one month, as JSON):

        peermap kpi data/durham --period 2023-03 --json

    Example (from the shared Neo4j store):

        peermap kpi --neo4j bolt://127.0.0.1:7687 --period 2023-03
    """
    from peermap.mapping.measures import compute_measures, format_measures
    from peermap.mapping.periods import resolve_period

    span = resolve_period(period, date_from, date_to)
    dataset = open_dataset(data_dir, neo4j, key_file, postcodes, rejects or Path("rejects.csv"))
    measures = compute_measures(dataset, span, top=top)
    if as_json:
        sys.stdout.write(json.dumps(measures, indent=2) + "\n")
    else:
        previous = compute_measures(dataset, span.previous(), top=top)
        console.out.print(format_measures(measures, previous))
