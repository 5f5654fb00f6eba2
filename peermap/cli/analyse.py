"""``peermap analyse``: the peer networks of one period, written for one audience."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

import typer

from peermap.cli.options import (
    AudienceChoice,
    AudienceOpt,
    CoversFrom,
    EngineChoice,
    EngineOpt,
    FromOpt,
    KeyFile,
    Lookback,
    Names,
    Neo4jOpt,
    OutFolder,
    PeriodOpt,
    Postcodes,
    SourceDir,
    ToOpt,
    covers_from_date,
    rejects_option,
)
from peermap.cli.source import check_engine, graph_engine, open_dataset, postcode_index
from peermap.exports import console
from peermap.exports.console import say

FormatChoice = Literal["csv", "parquet", "both"]


def analyse(
    data_dir: Optional[Path] = SourceDir,
    period: Optional[str] = PeriodOpt,
    date_from: Optional[str] = FromOpt,
    date_to: Optional[str] = ToOpt,
    audience: AudienceChoice = AudienceOpt,
    names: bool = Names,
    out: Path = OutFolder,
    lookback: int = Lookback,
    covers_from: Optional[str] = CoversFrom,
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = rejects_option(),
    neo4j: Optional[str] = Neo4jOpt,
    engine: EngineChoice = EngineOpt,
    format: FormatChoice = typer.Option(
        "csv",
        "--format",
        help="csv (default), or parquet / both: CSV is always written, and these add a Parquet file of the "
        "same name beside each CSV (raw values and types, for pandas, Arrow, DuckDB or a GIS).",
    ),
    summary_only: bool = typer.Option(
        False,
        "--summary-only",
        help="Leave out ties.csv (every pair with evidence between them: millions of rows on a national year); "
        "people, clusters, changes and hot spots are written as usual. Recorded in the manifest.",
    ),
):
    """Find the peer networks of a period: who is linked, why, the clusters, key people and what changed.

    Writes people.csv (children and associates, most connected first),
    clusters.csv (peer clusters with their children, associates, places and a
    one-line summary), ties.csv (every pair with evidence between them, each
    kind counted, and why in words), changes.csv (since the previous period),
    hotspots.geojson and places.geojson, kpi.json and manifest.json into
    --out, plus rejects.csv (and possible_duplicates.csv for the police). What
    may appear is decided by --audience; a child's score means "most
    connected: may need most support", never anything a child has done.

    --out is written whole or not at all, readable by its owner only; a run
    stops (exit 2) if --out holds anything peermap did not write. Adds a line
    to audit.jsonl beside --out, failures included.

    Example (March 2023 for the mapping meeting):

        peermap analyse data/durham --period 2023-03 --out out/2023-03

    Example (a national year: Parquet beside the CSV files, and no ties.csv):

        peermap analyse data/national --period 2023-03 --format both --summary-only --out out/national

    Example (clusters and key people computed inside a Neo4j store with Graph Data Science):

        peermap analyse --neo4j bolt://127.0.0.1:7687 --engine gds --period 2023-03 --out out/2023-03

    Example (the report's year, for the police child-exploitation team):

        peermap analyse data/durham --from 2022-04-01 --to 2023-03-31 --audience police --out out/year
    """
    import gc

    from peermap.exports.analysis_folder import TiesFirst, write_analysis
    from peermap.exports.audience_view import analyse_for_audience
    from peermap.exports.audiences import audience_policy, restrict_dataset
    from peermap.exports.audit import audited
    from peermap.exports.manifest import formats_written
    from peermap.exports.output_folder import REJECTS, OutputFolder
    from peermap.mapping.memory import release_free_memory
    from peermap.mapping.periods import resolve_period

    with (
        audited(out, audience=audience.value) as run,
        OutputFolder(out) as folder,
        console.progress() as report,
    ):
        stage = console.stages(report)  # each stage's time on stderr (a bar on a terminal)
        span = resolve_period(period, date_from, date_to)
        run.period = span.as_dict()
        check_engine(engine, data_dir, neo4j)
        with stage("loading"):
            dataset = open_dataset(
                data_dir,
                neo4j,
                key_file,
                postcodes,
                rejects or folder.path / REJECTS,
                shown_as=rejects or out / REJECTS,
            )
            # what the audience may not see is let go of at once, never held beside what it may (the hot spots
            # and the measures read nothing else; a national year's links are hundreds of MB)
            dataset = restrict_dataset(dataset, audience_policy(audience.value, names=names))
            gc.collect()  # reading a national folder leaves more than a gigabyte freed but still held:
            release_free_memory()  # handed back to the operating system before the analysis
        written = tuple(formats_written(format))
        # ties.csv names no cluster: written while a national network's clusters are found in a second process
        ties_first = None if summary_only else TiesFirst(dataset, audience.value, folder.path, names, written, stage)
        with graph_engine(engine, neo4j, dataset), stage("analysing"):
            index = postcode_index(postcodes)
            analysis = analyse_for_audience(
                dataset, span, audience.value, postcodes=index, stage=stage, meanwhile=ties_first
            )
        files = write_analysis(
            analysis,
            folder,
            audience.value,
            dataset,
            names=names,
            postcodes=index,
            lookback=lookback,
            covers_from=covers_from_date(covers_from),
            formats=written,
            summary_only=summary_only,
            stage=stage,
            drop_tie_details=True,  # the command needs only the counts once ties.csv is written
            ties_written=ties_first.files if ties_first else None,
        )
        with stage("moving into place"):
            folder.commit(after=run.written)
    counts = analysis.info["counts"]
    clusters = analysis.info["clustering"]["clusters"]
    say(
        f"{span.label}: {counts['children']:,} children and {counts['associates']:,} associates, "
        f"{counts['ties']:,} ties, {clusters:,} peer clusters, {len(analysis.changes):,} changes since "
        f"{span.previous().label}"
    )
    say(f"wrote {', '.join(f.name for f in files)} to {out} for the {audience.value} audience")
