"""The options several ``peermap`` commands take, each declared once, and who an output is for (:class:`Audience`).

An option only one command takes (``synth --children``, ``pack --basemap``,
``child --out``) is declared in that command's module.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import typer


class Audience(StrEnum):
    """Who an output is for: DESIGN.md's audience table (what each may see: :mod:`peermap.exports.audiences`)."""

    meeting = "meeting"
    police = "police"
    board = "board"
    worker = "worker"  # one child's page, made by ``peermap child`` alone


#: What ``--audience`` offers (``analyse`` and ``pack``): a worker's page is ``peermap child``'s.
AudienceChoice = Literal[Audience.meeting, Audience.police, Audience.board]

# -- what to read ---------------------------------------------------------------------------------------------------
DataDir = typer.Argument(
    ..., metavar="DATA_DIR", help="The data folder (CSV files, or one .xlsx workbook).", show_default=False
)
SourceDir = typer.Argument(
    None,
    metavar="[DATA_DIR]",
    show_default=False,
    help="The data folder (CSV files, or one .xlsx workbook); leave out with --neo4j.",
)
Neo4jOpt = typer.Option(
    None,
    "--neo4j",
    metavar="URI",
    help="Read from (or write to) this Neo4j server, e.g. bolt://127.0.0.1:7687, instead of a "
    "data folder. The user and password come from NEO4J_USER and NEO4J_PASSWORD; NEO4J_URI "
    "is used when --neo4j is not given.",
)
EngineChoice = Literal["python", "gds"]
EngineOpt = typer.Option(
    "python",
    "--engine",
    help="Where peer clusters, degree and betweenness are computed: python (default, in this process) or gds "
    "(inside the Neo4j store given by --neo4j, by its Graph Data Science library; same results, for stores too "
    "big to pull into one process). The ties always come from the same evidence code.",
)
KeyFile = typer.Option(
    None, "--key-file", help="File holding the reference key (else PEERMAP_KEY, else DATA_DIR/peermap.key)."
)
Postcodes = typer.Option(
    None,
    "--postcodes",
    help="A full Code-Point Open (folder or zip) or ONSPD CSV instead of the embedded postcode index.",
)


def rejects_option(default: str = "the output folder, or the current folder"):
    """``--rejects``, saying where rejects.csv goes without it (SCHEMA.md: the command's --out folder)."""
    return typer.Option(None, "--rejects", help=f"Where to write rejects.csv (default: {default}).")


# -- the period -----------------------------------------------------------------------------------------------------
PeriodOpt = typer.Option(
    None, "--period", help="A calendar month, YYYY-MM, or an ISO week, YYYY-Www (Monday to Sunday)."
)
FromOpt = typer.Option(None, "--from", help="First local date of the period, YYYY-MM-DD (included).")
ToOpt = typer.Option(None, "--to", help="Last local date of the period, YYYY-MM-DD (included).")
Lookback = typer.Option(
    12,
    "--lookback",
    min=1,
    metavar="MONTHS",
    help="Months ending with the period's last day that the hot spots' areas are drawn over and their "
    "series and emerging patterns counted on, and over which people's reach (people.csv's *_lookback "
    "columns) and shared phones, vehicles and handles (police) are given (meeting and police; the board "
    "gets one fixed period).",
)
CoversFrom = typer.Option(
    None,
    "--covers-from",
    metavar="DATE",
    help="Where the data folder's coverage starts, YYYY-MM-DD (default: its first missing episode); "
    "months or weeks before it are unknown, never counted as none.",
)


def covers_from_date(text: str | None) -> str | None:
    """``--covers-from`` as ISO text, or a one-line error (exit 2) when it is not a date."""
    if text is None:
        return None
    from peermap.mapping.periods import PeriodError, parse_date

    try:
        return parse_date(text, "--covers-from").isoformat()
    except PeriodError as exc:
        from peermap.exports.exit_codes import fail

        fail(str(exc))


# -- what to write, and for whom ------------------------------------------------------------------------------------
AudienceOpt = typer.Option(
    Audience.meeting,
    "--audience",
    help="Who the files are for: meeting (references, partner-shareable (handling P) "
    "intelligence only, no notes, phones, vehicles or handles), police (everything) or "
    "board (measures and counts by postcode district only).",
)
Names = typer.Option(False, "--names", help="Let a meeting see children's names (display_name).")
OutFolder = typer.Option(
    ...,
    "--out",
    help="Folder to write the files into: new, empty, or an earlier peermap "
    "output (whose files are replaced: nothing of it survives); any other "
    "file there stops the run. audit.jsonl goes beside it.",
)
Top = typer.Option(11, "--top", help="How many children in the frequently-missing list.")
Seed = typer.Option(7, "--seed", help="Random seed: the same seed gives the same files.")
