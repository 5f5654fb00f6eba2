"""The parts every ``peermap`` command shares: its options, exit codes, and where its tables come from.

Kept apart from :mod:`mapping.cli` so that commands living beside their own
modules (``analyse``, ``pack``, ``child``) can use them without importing the
command line itself.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Optional

import typer

from peermap.mapping.console import say

# SCHEMA.md, "Exit codes"
EXIT_STRICT = 1  # --strict and something was rejected; nothing else
EXIT_INPUT = 2  # the user's input or environment: data folder, arguments, --out, a full disk, a wrong Neo4j URI
EXIT_STORE = 3  # Neo4j down, refused us, or lost during a run
EXIT_BUG = 70  # an internal error (EX_SOFTWARE): one line asking for a report
EXIT_STOPPED = 130  # Ctrl-C or SIGTERM

#: Operating-system errors that are about the machine, not the code: a full disk, a folder that cannot be
#: written, a path that is not there or is a link.
ENVIRONMENT_ERRNOS = frozenset(getattr(errno, name) for name in (
    "ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "ENOENT", "ENOTDIR", "EISDIR", "EEXIST", "ENAMETOOLONG",
    "ELOOP", "EMFILE", "ENFILE", "EFBIG", "EIO", "EXDEV", "EBUSY", "ETXTBSY", "ENOTEMPTY", "ESTALE")
    if hasattr(errno, name))


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


class CommandFailed(typer.Exit):
    """A command stopped with a message it has already said (see :func:`fail`)."""

    def __init__(self, message: str, code: int = EXIT_INPUT):
        super().__init__(code)
        self.message = message

    def __str__(self) -> str:
        return self.message


def fail(message: str, code: int = EXIT_INPUT) -> None:
    say(f"peermap: {message}")
    raise CommandFailed(message, code)


def exit_code_of(error: BaseException) -> int:
    """The exit code SCHEMA.md's table gives an error: 2 input or environment, 3 Neo4j, 70 a bug."""
    from peermap.geo.postcodes import PostcodeError
    from peermap.graph_models.neo4j_store import Neo4jAddressError, StoreError
    from peermap.graph_models.references import MissingKeyError, ReferenceCollision
    from peermap.graph_models.rejects import DataFolderError
    from peermap.exports.output_folder import OutputError
    from peermap.mapping.periods import PeriodError
    from neo4j.exceptions import DriverError, Neo4jError

    if isinstance(error, (typer.Exit, SystemExit)):
        return int(getattr(error, "exit_code", getattr(error, "code", 0)) or 0)
    if isinstance(error, (KeyboardInterrupt, typer.Abort)):
        return EXIT_STOPPED
    if isinstance(error, (DataFolderError, MissingKeyError, ReferenceCollision, PostcodeError, PeriodError,
                          OutputError, Neo4jAddressError)) or (hasattr(error, "show") and hasattr(error, "exit_code")):
        return EXIT_INPUT
    if isinstance(error, (StoreError, DriverError, Neo4jError)):
        return EXIT_STORE
    if isinstance(error, OSError) and error.errno in ENVIRONMENT_ERRNOS:
        return EXIT_INPUT
    return EXIT_BUG


def message_of(error: BaseException) -> str:
    """The one line a user reads for an error (its notes, such as where the rejects went, after a ";")."""
    from neo4j.exceptions import DriverError, Neo4jError

    code = exit_code_of(error)
    if isinstance(error, (DriverError, Neo4jError)):
        text = (f"Neo4j failed during the run ({type(error).__name__}: {error}). Whatever was merged stays; "
                "running the same command again is safe.")
    elif isinstance(error, OSError) and code == EXIT_INPUT:
        where = " -> ".join(str(f) for f in (error.filename, error.filename2) if f)
        reason = ("a symbolic link (peermap does not write through links)" if error.errno == errno.ELOOP
                  else error.strerror or str(error))
        text = f"{where}: {reason}" if where else reason
    elif isinstance(error, KeyboardInterrupt):
        text = "stopped"
    elif code == EXIT_BUG:
        text = (f"internal error ({type(error).__name__}: {error}): this is a bug in peermap; please report it with "
                "the command you ran (PEERMAP_DEBUG=1 shows the details)")
    else:
        text = str(error)
    return "; ".join([" ".join(text.split()), *getattr(error, "__notes__", [])])


def postcode_index(path: Optional[Path]):
    from peermap.geo.postcodes import default_index

    return default_index(str(path) if path else None)


def load_data_folder(data_dir: Path, key_file: Optional[Path], postcodes: Optional[Path], rejects_path: Path,
                     shown_as: Optional[Path] = None):
    """Load a data folder, write its rejects file, and say what was found: ``loaded N of M rows`` for each file
    (and the rejects as ``shown_as``, if given).

    When the folder stops the run, the rows it could not use (the error's
    ``problems``) are still written to ``rejects_path``; a command writing an
    output folder then moves them beside ``--out`` (SCHEMA.md, "Bad input").
    """
    from peermap.graph_models.load import load_folder
    from peermap.graph_models.rejects import DataFolderError, summarise, write_rejects

    try:
        dataset = load_folder(data_dir, key_file=key_file, postcodes=postcode_index(postcodes))
    except DataFolderError as error:
        if getattr(error, "problems", None):
            write_rejects(error.problems, rejects_path)
        raise
    write_rejects(dataset.rejects, rejects_path)
    for file, (loaded, read) in dataset.loaded.items():
        say(f"{file}: loaded {loaded:,} of {read:,} rows")
    counts = summarise(dataset.rejects)
    loaded = ", ".join(f"{len(t):,} {name}" for name, t in dataset.tables().items()
                       if name in ("children", "episodes", "rthis", "links") and len(t))
    rejected, warnings = counts["rejected"], counts["warnings"]
    say(f"loaded {loaded}; {rejected:,} row{'' if rejected == 1 else 's'} rejected, "
        f"{warnings:,} warning{'' if warnings == 1 else 's'} "
        f"(see {shown_as or rejects_path})")
    return dataset


def open_dataset(data_dir: Optional[Path], neo4j: Optional[str], key_file: Optional[Path],
                 postcodes: Optional[Path], rejects_path: Path, shown_as: Optional[Path] = None):
    """The tables from a data folder or, with ``--neo4j``, from the graph: everything downstream is shared."""
    if (data_dir is None) == (neo4j is None):
        fail("give a DATA_DIR or --neo4j URI (one of them, not both)")
    if data_dir is not None:
        return load_data_folder(data_dir, key_file, postcodes, rejects_path, shown_as)
    from peermap.graph_models.neo4j_store import Connection, connect, read_dataset

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
