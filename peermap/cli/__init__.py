"""The ``peermap`` command line: one obvious verb per job, one module per command.

Every command's ``--help`` carries a worked example. Diagnostics and progress
go to stderr, results to stdout (:mod:`peermap.exports.console`). Exit codes
are SCHEMA.md's (:mod:`peermap.exports.exit_codes`): 0 done, 1 only for
``validate --strict``, 2 for the user's input or environment (the data folder,
an argument, ``--out``, a full disk, a Neo4j URI of the wrong scheme), 3 for
Neo4j, 70 for a bug. Each failure is one line on stderr; no traceback reaches
a user (set ``PEERMAP_DEBUG=1`` to see one for a bug).

The options several commands share, and the :class:`~peermap.cli.options.Audience`
every command writes for, are in :mod:`peermap.cli.options`; where a command's
tables come from, in :mod:`peermap.cli.source`. A command module imports the
analysis and the writers inside its function, so that ``peermap --help``
stays quick.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading

import typer

from peermap.cli import analyse, child, demo, forget, ingest, kpi, pack, synth, validate
from peermap.exports.console import say
from peermap.exports.exit_codes import EXIT_BUG, EXIT_INPUT, EXIT_STOPPED, exit_code_of, message_of

app = typer.Typer(
    name="peermap",
    help="Peer networks and hot spots of children who go missing, for multi-agency mapping meetings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# in the order `peermap --help` lists them
app.command()(synth.synth)
app.command()(validate.validate)
app.command()(kpi.kpi)
app.command()(ingest.ingest)
app.command()(forget.forget)
app.command()(demo.demo)
app.command()(analyse.analyse)
app.command()(pack.pack)
app.command()(child.child)


def _stop(signum, frame) -> None:
    """SIGTERM stops a run as Ctrl-C does: what it was writing is removed and --out left as it was."""
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: run the app, turning every failure into one line and SCHEMA.md's exit code."""
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


def run() -> None:
    """The ``peermap`` program (its console script, and ``python -m peermap``): :func:`main`, then the process
    ends at once with main's exit code.

    Python's own ending of an interpreter tears down every module (some 2,800 once pandas, SciPy and the
    rest are in) and the objects they hold: 0.6 s after each command here, longer than many commands' own
    work, for nothing, since every file a command writes is closed before ``main`` returns. So the exit
    functions (``atexit``) are run, the standard streams flushed, and the process ended there
    (``os._exit``, as mypy ends its runs). While a thread of the command is still running, the interpreter
    ends as usual instead, waiting for it. Tests call :func:`main`, which leaves their process alone.
    """
    # pandera imports Hypothesis whenever it is installed (as in the test environment), for making data from a
    # schema, which peermap never does: about a third of a second of every command that reads a data folder
    sys.modules.setdefault("hypothesis", None)
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _status(exc.code)
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the command is over: nothing of it left to remove
    atexit._run_exitfuncs()
    problem = None
    try:
        sys.stdout.flush()
    except ValueError:  # closed by the command itself
        pass
    except OSError as exc:  # a full disk, or the reader gone: the output is not whole (SCHEMA.md: exit 2)
        if not code:  # (a command that failed has said why already)
            problem, code = f"peermap: the output could not all be written: {exc.strerror or exc}", EXIT_INPUT
    try:
        if problem:
            say(problem)
        sys.stderr.flush()
    except (OSError, ValueError):  # nowhere left to say it
        pass
    os._exit(code)


def _status(code) -> int:
    """A process's exit status for ``sys.exit(code)``, as Python gives it (a message is printed, status 1)."""
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1
