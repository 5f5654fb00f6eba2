"""The ``peermap`` command line: one obvious verb per job.

Every command's ``--help`` carries a worked example. Diagnostics and progress
go to stderr, results to stdout. Exit codes are SCHEMA.md's: 0 done, 1 only
for ``validate --strict``, 2 for the user's input or environment (the data
folder, an argument, ``--out``, a full disk, a Neo4j URI of the wrong scheme),
3 for Neo4j, 70 for a bug. Each failure is one line on stderr; no traceback
reaches a user (set ``PEERMAP_DEBUG=1`` to see one for a bug).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from peermap.mapping import console
from peermap.mapping.command_options import (EXIT_BUG, EXIT_INPUT, EXIT_STOPPED, EXIT_STRICT, DataDir, FromOpt, KeyFile,
                                     Neo4jOpt, PeriodOpt, Postcodes, Rejects, SourceDir, ToOpt, exit_code_of, fail,
                                     load_data_folder, message_of, neo4j_from_env, open_dataset)
from peermap.mapping.console import say

app = typer.Typer(
    name="peermap",
    help="Peer networks and hot spots of children who go missing, for multi-agency mapping meetings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# -- commands ---------------------------------------------------------------------------------
@app.command()
def synth(
    out: Path = typer.Option(..., "--out", help="Folder to write the synthetic data folder into."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same files."),
    children: int = typer.Option(356, "--children", help="Children with at least one episode."),
    episodes: int = typer.Option(1535, "--episodes", help="Missing episodes in all."),
    links: Optional[int] = typer.Option(None, "--links", help="Intelligence links (default: about 3 an episode)."),
    start: str = typer.Option("2022-04-01", "--start", help="First day of the synthetic period."),
    months: int = typer.Option(12, "--months", help="How many months it covers."),
):
    """Make a synthetic County Durham data folder, with the truth of what is planted in it.

    Everything is invented (real postcodes, made-up children), calibrated by
    default to the council report's 2022/23 year, with planted peer groups,
    adults of concern and hot spots, and decoys that a naive analysis falls for.

    Example:

        peermap synth --out data/durham --seed 7
    """
    from peermap.synthetic import synthesise

    try:
        first = dt.date.fromisoformat(start)
    except ValueError:
        fail(f"--start must be a date YYYY-MM-DD, not {start!r}")
    if min(children, episodes, months) < 1 or episodes < children or (links is not None and links < 0):
        fail("--children, --episodes and --months must be positive, with at least one episode a child")
    with console.progress() as report:
        summary = synthesise(out, seed=seed, children=children, episodes=episodes, links=links,
                             start=first, months=months, progress=report)
    say(f"wrote a synthetic data folder to {out}: " + ", ".join(f"{v:,} {k}" for k, v in summary.items()
                                                                 if isinstance(v, int)))


@app.command()
def validate(
    data_dir: Path = DataDir,
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any row was rejected or warned about."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = Rejects,
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


@app.command()
def kpi(
    data_dir: Optional[Path] = SourceDir,
    period: Optional[str] = PeriodOpt,
    date_from: Optional[str] = FromOpt,
    date_to: Optional[str] = ToOpt,
    top: int = typer.Option(11, "--top", help="How many children in the frequently-missing list."),
    as_json: bool = typer.Option(False, "--json", help="Print SCHEMA.md's measures object as JSON on stdout."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = Rejects,
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
    dataset = open_dataset(data_dir, neo4j or neo4j_from_env(data_dir), key_file, postcodes,
                           rejects or Path("rejects.csv"))
    measures = compute_measures(dataset, span, top=top)
    if as_json:
        sys.stdout.write(json.dumps(measures, indent=2) + "\n")
    else:
        previous = compute_measures(dataset, span.previous(), top=top)
        console.out.print(format_measures(measures, previous))


@app.command()
def ingest(
    data_dir: Path = DataDir,
    neo4j: Optional[str] = Neo4jOpt,
    batch_size: int = typer.Option(5000, "--batch-size", help="Rows sent in one transaction."),
    key_file: Optional[Path] = KeyFile,
    postcodes: Optional[Path] = Postcodes,
    rejects: Optional[Path] = Rejects,
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
            sent = merge_into(driver, dataset, database=connection.database, batch_size=max(1, batch_size),
                              progress=report)
        graph = counts(driver, database=connection.database)
    finally:
        driver.close()
    say(f"merged {sum(sent.values()):,} rows into {connection.uri}; the graph now holds "
        + ", ".join(f"{graph.get(label, 0):,} {label}" for label in ("Child", "Episode", "Interview", "Associate",
                                                                   "Place", "Identifier")))


@app.command()
def forget(
    child_id: str = typer.Argument(..., metavar="CHILD_ID", help="The case-system ID of the child to remove."),
    neo4j: Optional[str] = Neo4jOpt,
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
):
    """Remove a child and everything recorded about them from the Neo4j store (erasure).

    Removes the child, their episodes, interviews and intelligence links, and
    any associate, place or identifier left linked to nothing; says what it
    removed. Others' records stay. It cannot be undone: remove the child from
    the exports too, or next month's ingest brings them back.

    Example:

        peermap forget 004512 --neo4j bolt://127.0.0.1:7687 --yes
    """
    from peermap.graph_models.neo4j_store import Connection, connect
    from peermap.graph_models.neo4j_store import forget as erase

    connection = Connection.from_env(neo4j)
    if not yes:
        if not sys.stdin.isatty():
            fail("forget removes records for good: add --yes to confirm")
        typer.confirm(f"Remove child {child_id} and everything recorded about them from {connection.uri}?",
                      abort=True, err=True)
    driver = connect(connection)
    try:
        removed = erase(driver, child_id, database=connection.database)
    finally:
        driver.close()
    if removed is None:
        fail(f"no child {child_id!r} in {connection.uri}: nothing removed")
    say(f"removed child {child_id}: " + ", ".join(f"{n:,} {what}" for what, n in removed.items() if what != "children"))


@app.command()
def demo(
    out: Path = typer.Option(Path("out"), "--out", help="Where to put the synthetic data and the results."),
    seed: int = typer.Option(7, "--seed", help="Random seed for the synthetic data."),
):
    """Make the synthetic County Durham year and run everything peermap does on it.

    Writes the data folder to OUT/data, its rejects to OUT/rejects.csv, the
    measures to OUT/kpi.json (the year) and OUT/kpi-month.json (its last
    month), and the full meeting pack for March 2023 to OUT/pack: open
    OUT/pack/index.html in a browser (it needs no internet).

    Example:

        peermap demo --out out
    """
    from peermap.exports.manifest import write_json
    from peermap.graph_models.private_files import make_folder
    from peermap.synthetic import synthesise
    from peermap.mapping.measures import compute_measures, format_measures
    from peermap.mapping.periods import Period

    make_folder(out)
    data = out / "data"
    start = dt.date(2022, 4, 1)
    with console.progress() as report:
        synthesise(data, seed=seed, start=start, progress=report)
    say(f"synthetic data folder: {data}")
    dataset = load_data_folder(data, None, None, out / "rejects.csv")
    year = Period.from_dates("2022-04-01", "2023-03-31")
    month = Period.from_month("2023-03")
    for span, name in ((year, "kpi.json"), (month, "kpi-month.json")):
        write_json(compute_measures(dataset, span), out / name)
    console.out.print(format_measures(compute_measures(dataset, year)))
    say(f"measures: {out / 'kpi.json'} (the year) and {out / 'kpi-month.json'} (March 2023)")
    from peermap.exports.commands import demo_pack

    demo_pack(dataset, out, month="2023-03")


def _register() -> None:
    """Commands that live beside their own modules."""
    from peermap.exports.commands import child_command, pack_command
    from peermap.mapping.analyse_command import analyse_command

    app.command("analyse")(analyse_command)
    app.command("pack")(pack_command)
    app.command("child")(child_command)


_register()


def _stop(signum, frame) -> None:
    """SIGTERM stops a run as Ctrl-C does: what it was writing is removed and --out left as it was."""
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: run the app, turning every failure into one line and SCHEMA.md's exit code."""
    import signal

    signal.signal(signal.SIGTERM, _stop)
    try:
        code = app(standalone_mode=False)  # click returns typer.Exit's code here instead of raising
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        say("peermap: stopped")
        sys.exit(EXIT_STOPPED)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # a usage error (typer's bundled click)
            exc.show(file=sys.stderr)
            sys.exit(EXIT_INPUT)
        code = exit_code_of(exc)
        if code == EXIT_BUG and os.environ.get("PEERMAP_DEBUG"):
            import traceback

            traceback.print_exc()
        say(f"peermap: {message_of(exc)}")
        sys.exit(code)
