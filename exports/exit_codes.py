"""SCHEMA.md's exit codes: the code each kind of failure gives, and the one line a user reads for it.

Shared by the command line (:mod:`peermap.cli`), which exits with them, and the
audit trail (:mod:`peermap.exports.audit`), which records a failed run's code
and line whichever way the run was started.
"""

from __future__ import annotations

import errno

import typer

from peermap.exports.console import say

# SCHEMA.md, "Exit codes"
EXIT_STRICT = 1  # --strict and something was rejected; nothing else
EXIT_INPUT = 2  # the user's input or environment: data folder, arguments, --out, a full disk, a wrong Neo4j URI
EXIT_STORE = 3  # Neo4j down, refused us, or lost during a run
EXIT_BUG = 70  # an internal error (EX_SOFTWARE): one line asking for a report
EXIT_STOPPED = 130  # Ctrl-C or SIGTERM

#: Operating-system errors that are about the machine, not the code: a full disk, a folder that cannot be
#: written, a path that is not there or is a link.
ENVIRONMENT_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "ENOSPC",
        "EDQUOT",
        "EACCES",
        "EPERM",
        "EROFS",
        "ENOENT",
        "ENOTDIR",
        "EISDIR",
        "EEXIST",
        "ENAMETOOLONG",
        "ELOOP",
        "EMFILE",
        "ENFILE",
        "EFBIG",
        "EIO",
        "EXDEV",
        "EBUSY",
        "ETXTBSY",
        "ENOTEMPTY",
        "ESTALE",
    )
    if hasattr(errno, name)
)


class CommandFailed(typer.Exit):
    """A command stopped with a message it has already said (see :func:`fail`)."""

    def __init__(self, message: str, code: int = EXIT_INPUT):
        super().__init__(code)
        self.message = message

    def __str__(self) -> str:
        return self.message


def fail(message: str, code: int = EXIT_INPUT) -> None:
    """Stop a command with one line on stderr and ``code`` (2, the user's input, unless said otherwise)."""
    say(f"peermap: {message}")
    raise CommandFailed(message, code)


def exit_code_of(error: BaseException) -> int:
    """The exit code SCHEMA.md's table gives an error: 2 input or environment, 3 Neo4j, 70 a bug.

    The error types are imported when a run fails, not with this module, so
    that ``peermap --help`` does not wait seconds for Neo4j's driver and pandas.
    """
    from neo4j.exceptions import DriverError, Neo4jError

    from peermap.exports.output_folder import OutputError
    from peermap.geo.postcodes import PostcodeError
    from peermap.graph_models.neo4j_store import Neo4jAddressError, StoreError
    from peermap.graph_models.references import MissingKeyError, ReferenceCollision
    from peermap.graph_models.rejects import DataFolderError
    from peermap.mapping.periods import PeriodError

    if isinstance(error, (typer.Exit, SystemExit)):
        return int(getattr(error, "exit_code", getattr(error, "code", 0)) or 0)
    if isinstance(error, (KeyboardInterrupt, typer.Abort)):
        return EXIT_STOPPED
    if isinstance(
        error,
        (
            DataFolderError,
            MissingKeyError,
            ReferenceCollision,
            PostcodeError,
            PeriodError,
            OutputError,
            Neo4jAddressError,
        ),
    ) or (hasattr(error, "show") and hasattr(error, "exit_code")):
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
        text = (
            f"Neo4j failed during the run ({type(error).__name__}: {error}). Whatever was merged stays; "
            "running the same command again is safe."
        )
    elif isinstance(error, OSError) and code == EXIT_INPUT:
        where = " -> ".join(str(f) for f in (error.filename, error.filename2) if f)
        reason = (
            "a symbolic link (peermap does not write through links)"
            if error.errno == errno.ELOOP
            else error.strerror or str(error)
        )
        text = f"{where}: {reason}" if where else reason
    elif isinstance(error, KeyboardInterrupt):
        text = "stopped"
    elif code == EXIT_BUG:
        text = (
            f"internal error ({type(error).__name__}: {error}): this is a bug in peermap; please report it with "
            "the command you ran (PEERMAP_DEBUG=1 shows the details)"
        )
    else:
        text = str(error)
    return "; ".join([" ".join(text.split()), *getattr(error, "__notes__", [])])
