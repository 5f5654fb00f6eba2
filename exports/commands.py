"""``peermap pack`` and ``peermap child``: the command functions, registered in :mod:`mapping.cli`.

Register them (and call :func:`demo_pack` from ``peermap demo``) with::

    from peermap.exports.commands import child_command, pack_command
    app.command("pack")(pack_command)
    app.command("child")(child_command)

Both read a data folder or, with ``--neo4j``, the shared store, through
:func:`mapping.command_options.open_dataset`, like every other command.
``rejects.csv`` goes in the ``--out`` folder as SCHEMA.md says (for ``child``,
the folder of the page), readable by its owner only and never listed in a
manifest: it holds raw rows, so it is moved out before a pack is shared.

A pack is written whole or not at all through
:class:`exports.output_folder.OutputFolder` (the ``--out`` rule, staging, the
commit); a child's page replaces only its file. Each run appends its line to
``audit.jsonl`` beside ``--out``, failures included (:func:`exports.audit.audited`).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from peermap.mapping.command_options import fail
from peermap.mapping.console import say


class PackAudience(str, Enum):
    """Who a pack is for (DESIGN.md's audience table)."""

    meeting = "meeting"
    police = "police"
    board = "board"


def _argv() -> list[str]:
    return ["peermap", *sys.argv[1:]]


def pack_command(
    data_dir: Optional[Path] = typer.Argument(None, metavar="[DATA_DIR]", show_default=False,
                                              help="The data folder (CSV files, or one .xlsx workbook); leave out "
                                                   "with --neo4j."),
    period: Optional[str] = typer.Option(None, "--period", help="A calendar month, YYYY-MM."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First local date of the period, YYYY-MM-DD "
                                                                 "(included)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last local date of the period, YYYY-MM-DD (included)."),
    audience: PackAudience = typer.Option(PackAudience.meeting, "--audience",
                                          help="meeting: references, partner-shareable (handling P) intelligence, no "
                                               "notes, phones, vehicles or handles; police: everything; board: "
                                               "measures and counts by postcode district only."),
    names: bool = typer.Option(False, "--names", help="Let a meeting pack show children's names."),
    basemap: str = typer.Option("none", "--basemap", metavar="none|osm|URL",
                                help="Map tiles: none (default; the pages make no network request), osm "
                                     "(OpenStreetMap), or a tile URL such as https://tiles.example.org/{z}/{x}/{y}.png."),
    out: Path = typer.Option(..., "--out", help="Folder to write the pack into: new, empty, or an earlier peermap "
                                                "output (whose files are replaced: nothing of it survives); any other "
                                                "file there stops the run. audit.jsonl goes beside it."),
    top: int = typer.Option(11, "--top", help="How many children in the frequently-missing list."),
    key_file: Optional[Path] = typer.Option(None, "--key-file", help="File holding the reference key (else "
                                                                     "PEERMAP_KEY, else DATA_DIR/peermap.key)."),
    postcodes: Optional[Path] = typer.Option(None, "--postcodes", help="A full Code-Point Open (folder or zip) or "
                                                                       "ONSPD CSV instead of the embedded index."),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="Where to write rejects.csv (default: in the pack "
                                                                   "folder, as SCHEMA.md says, readable by its owner "
                                                                   "only and not listed in the manifest: it holds raw "
                                                                   "rows, so move it out before sharing the pack)."),
    neo4j: Optional[str] = typer.Option(None, "--neo4j", metavar="URI",
                                        help="Read from this Neo4j server instead of a data folder (NEO4J_USER, "
                                             "NEO4J_PASSWORD; NEO4J_URI when --neo4j is not given)."),
):
    """Write the pack for a mapping meeting: pages, data files and manifest, for one audience.

    The folder opens from a shared drive with no server and no internet:
    index.html (measures beside the previous period, what changed, clusters,
    children who may need most support, adults of concern, top hot spots),
    network.html, map.html, people/clusters/ties/changes CSV, hotspots and
    places GeoJSON, kpi.json, network.graphml and manifest.json, each as the
    audience may see it, whole or not at all and readable by its owner only.
    Every run adds a line to audit.jsonl beside the pack, failures included.

    Example (the monthly meeting):

        peermap pack data/durham --period 2023-03 --audience meeting --out packs/2023-03-meeting

    Example (the board's year, from the shared store):

        peermap pack --neo4j bolt://127.0.0.1:7687 --from 2022-04-01 --to 2023-03-31 --audience board --out packs/board
    """
    import os

    from peermap.exports.audit import audited
    from peermap.exports.map_page import resolve_basemap
    from peermap.exports.output_folder import REJECTS, OutputFolder
    from peermap.exports.pack import build_pack
    from peermap.mapping.command_options import open_dataset
    from peermap.mapping.periods import resolve_period

    with audited(out, audience=audience.value, command=_argv()) as run, OutputFolder(out) as folder:
        span = resolve_period(period, date_from, date_to)
        run.period = span.as_dict()
        try:
            resolve_basemap(basemap)
        except ValueError as exc:
            fail(str(exc))
        if top < 0:
            fail("--top must be 0 or more")
        if names and audience is not PackAudience.meeting:
            say("peermap: --names only changes a meeting pack (police packs always show names, board packs never "
                "do)")
        source = neo4j or (os.environ.get("NEO4J_URI") if data_dir is None else None)
        dataset = open_dataset(data_dir, source, key_file, postcodes, rejects or folder.path / REJECTS,
                               shown_as=rejects or out / REJECTS)
        pack = build_pack(dataset, span, audience.value, folder, names=names, basemap=basemap,
                          postcodes=None if postcodes is None else _index(postcodes), top=top, audit=False)
        folder.commit(after=run.written)
    say(f"wrote the {audience.value} pack for {span.label} to {out} ({len(pack.files)} files); "
        f"open {out / 'index.html'}")


def child_command(
    child_id: str = typer.Argument(..., metavar="CHILD_ID", help="The child's case-system ID (or C- reference)."),
    data_dir: Optional[Path] = typer.Argument(None, metavar="[DATA_DIR]", show_default=False,
                                              help="The data folder; leave out with --neo4j."),
    out: Path = typer.Option(..., "--out", help="The page to write, e.g. child.html (only that file is replaced); "
                                                "audit.jsonl goes beside it."),
    period: Optional[str] = typer.Option(None, "--period", help="Only this calendar month, YYYY-MM (default: "
                                                                "everything recorded)."),
    date_from: Optional[str] = typer.Option(None, "--from", help="Only from this local date, YYYY-MM-DD (with --to)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Only to this local date, YYYY-MM-DD (with --from)."),
    key_file: Optional[Path] = typer.Option(None, "--key-file", help="File holding the reference key."),
    postcodes: Optional[Path] = typer.Option(None, "--postcodes", help="A full Code-Point Open or ONSPD file."),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="Where to write rejects.csv (default: beside "
                                                                   "the page)."),
    neo4j: Optional[str] = typer.Option(None, "--neo4j", metavar="URI", help="Read from this Neo4j server."),
):
    """One child's peer map, for a worker's session with that young person.

    The child in the middle, the people and places in their own records (never
    another child's), what keeps them safe as well as what worries us, and the
    times they went missing, in plain words and large type. It shows names and notes
    (the worker audience) but never police-only intelligence, phones, vehicles
    or handles. Only that file is replaced (through a temporary file and a
    rename), readable by its owner only; adds a line to audit.jsonl beside the
    page, failures included.

    Example:

        peermap child 004512 data/durham --out sessions/004512.html
    """
    import os

    from peermap.exports.audit import audited
    from peermap.exports.child_page import ChildNotFound
    from peermap.exports.pack import write_child_page
    from peermap.mapping.command_options import open_dataset
    from peermap.mapping.periods import resolve_period

    with audited(out, audience="worker", command=_argv()) as run:
        span = None
        if any(v not in (None, "") for v in (period, date_from, date_to)):
            span = resolve_period(period, date_from, date_to)
            run.period = span.as_dict()
        if out.is_dir() and not out.is_symlink():
            fail(f"--out must be a file such as child.html: {out} is a folder")
        source = neo4j or (os.environ.get("NEO4J_URI") if data_dir is None else None)
        dataset = open_dataset(data_dir, source, key_file, postcodes, rejects or out.absolute().parent / "rejects.csv")
        try:
            write_child_page(dataset, child_id, out, span, audit=run)
        except ChildNotFound as exc:
            fail(str(exc))
    say(f"wrote the peer map of {child_id} to {out}; open it in a browser (it needs no internet)")


def _index(path: Path):
    from peermap.geo.postcodes import default_index

    return default_index(str(path))


def demo_pack(dataset, out: Path, month: str = "2023-03") -> Path:
    """What ``peermap demo`` calls: the full meeting pack for the synthetic year's last month in ``OUT/pack``."""
    from peermap.exports.pack import write_pack
    from peermap.mapping.periods import Period

    folder = write_pack(dataset, Period.from_month(month), "meeting", Path(out) / "pack",
                        command=["peermap", "demo", "--out", str(out)])
    say(f"meeting pack for {month}: open {folder / 'index.html'}")
    return folder
