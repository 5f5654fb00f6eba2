"""``peermap child``: one child's peer map, for a worker's session with that young person.

Reads a data folder or, with ``--neo4j``, the shared store
(:func:`peermap.cli.source.open_dataset`); ``rejects.csv`` goes beside the
page. Only the page's file is replaced, and each run appends its line to
``audit.jsonl`` beside it, failures included (:func:`peermap.exports.audit.audited`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from peermap.cli.options import Audience, KeyFile, Neo4jOpt, Postcodes, SourceDir, rejects_option
from peermap.cli.source import open_dataset
from peermap.exports.console import say
from peermap.exports.exit_codes import fail


def child(
    child_id: str = typer.Argument(..., metavar="CHILD_ID", help="The child's case-system ID (or C- reference)."),
    data_dir: Optional[Path] = SourceDir,
    out: Path = typer.Option(
        ...,
        "--out",
        help="The page to write, e.g. child.html (only that file is replaced); audit.jsonl goes beside it.",
    ),
    # everything recorded unless narrowed, so not the shared period options
    period: Optional[str] = typer.Option(
        None,
        "--period",
        help="Only this calendar month, YYYY-MM, or ISO week, YYYY-Www (default: everything recorded).",
    ),
    date_from: Optional[str] = typer.Option(None, "--from", help="Only from this local date, YYYY-MM-DD (with --to)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Only to this local date, YYYY-MM-DD (with --from)."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = rejects_option("beside the page"),
    neo4j: Optional[str] = Neo4jOpt,
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
    from peermap.exports.audit import audited
    from peermap.exports.child_page import ChildNotFound, write_child_page
    from peermap.mapping.periods import resolve_period

    with audited(out, audience=Audience.worker.value) as run:
        span = None
        if any(v not in (None, "") for v in (period, date_from, date_to)):
            span = resolve_period(period, date_from, date_to)
            run.period = span.as_dict()
        if out.is_dir() and not out.is_symlink():
            fail(f"--out must be a file such as child.html: {out} is a folder")
        dataset = open_dataset(data_dir, neo4j, key_file, postcodes, rejects or out.absolute().parent / "rejects.csv")
        try:
            write_child_page(dataset, child_id, out, span, audit=run)
        except ChildNotFound as exc:
            fail(str(exc))
    say(f"wrote the peer map of {child_id} to {out}; open it in a browser (it needs no internet)")
