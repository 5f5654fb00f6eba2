"""``peermap pack``: the pack for a mapping meeting, for one audience.

Reads a data folder or, with ``--neo4j``, the shared store
(:func:`peermap.cli.source.open_dataset`). ``rejects.csv`` goes in the
``--out`` folder as SCHEMA.md says, readable by its owner only and never
listed in a manifest: it holds raw rows, so it is moved out before a pack is
shared. The pack is written whole or not at all through
:class:`peermap.exports.output_folder.OutputFolder`, and each run appends its
line to ``audit.jsonl`` beside ``--out``, failures included
(:func:`peermap.exports.audit.audited`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from peermap.cli.options import (
    Audience,
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
    Top,
    covers_from_date,
    rejects_option,
)
from peermap.cli.source import check_engine, graph_engine, open_dataset, postcode_index
from peermap.exports.console import say
from peermap.exports.exit_codes import fail


def pack(
    data_dir: Optional[Path] = SourceDir,
    period: Optional[str] = PeriodOpt,
    date_from: Optional[str] = FromOpt,
    date_to: Optional[str] = ToOpt,
    audience: AudienceChoice = AudienceOpt,
    names: bool = Names,
    basemap: str = typer.Option(
        "none",
        "--basemap",
        metavar="none|osm|URL",
        help="Map tiles: none (default; the pages make no network request), osm "
        "(OpenStreetMap), or a tile URL such as "
        "https://tiles.example.org/{z}/{x}/{y}.png.",
    ),
    out: Path = OutFolder,
    top: int = Top,
    lookback: int = Lookback,
    covers_from: Optional[str] = CoversFrom,
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = rejects_option(
        "in the pack folder, as SCHEMA.md says, readable by its owner only and "
        "not listed in the manifest: it holds raw rows, so move it out before "
        "sharing the pack"
    ),
    neo4j: Optional[str] = Neo4jOpt,
    engine: EngineChoice = EngineOpt,
):
    """Write the pack for a mapping meeting: pages, data files and manifest, for one audience.

    The folder opens from a shared drive with no server and no internet:
    index.html (the meeting's agenda: what needs a decision, one section per
    peer cluster, frequently missing children in no cluster, adults of
    concern, top hot spots, measures beside the previous period),
    network.html, map.html, people/clusters/ties/changes CSV, hotspots and
    places GeoJSON, kpi.json, network.graphml and manifest.json, each as the
    audience may see it, whole or not at all and readable by its owner only.
    Every run adds a line to audit.jsonl beside the pack, failures included.

    Example (the monthly meeting):

        peermap pack data/durham --period 2023-03 --audience meeting --out packs/2023-03-meeting

    Example (the board's year, from the shared store):

        peermap pack --neo4j bolt://127.0.0.1:7687 --from 2022-04-01 --to 2023-03-31 --audience board --out packs/board
    """
    from peermap.exports.audit import audited
    from peermap.exports.map_page import resolve_basemap
    from peermap.exports.output_folder import REJECTS, OutputFolder
    from peermap.exports.pack import build_pack
    from peermap.mapping.periods import resolve_period

    with audited(out, audience=audience.value) as run, OutputFolder(out) as folder:
        span = resolve_period(period, date_from, date_to)
        run.period = span.as_dict()
        try:
            resolve_basemap(basemap)
        except ValueError as exc:
            fail(str(exc))
        if top < 0:
            fail("--top must be 0 or more")
        if names and audience is not Audience.meeting:
            say("peermap: --names only changes a meeting pack (police packs always show names, board packs never do)")
        check_engine(engine, data_dir, neo4j)
        dataset = open_dataset(
            data_dir, neo4j, key_file, postcodes, rejects or folder.path / REJECTS, shown_as=rejects or out / REJECTS
        )
        with graph_engine(engine, neo4j, dataset):
            written = build_pack(
                dataset,
                span,
                audience.value,
                folder,
                names=names,
                basemap=basemap,
                postcodes=None if postcodes is None else postcode_index(postcodes),
                top=top,
                lookback=lookback,
                covers_from=covers_from_date(covers_from),
                audit=False,
            )
        folder.commit(after=run.written)
    say(
        f"wrote the {audience.value} pack for {span.label} to {out} ({len(written.files)} files); "
        f"open {out / 'index.html'}"
    )
