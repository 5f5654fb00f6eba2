"""``peermap ARGS`` run inside the test's own process, as ``subprocess.run`` would report it.

Starting a Python process for every command costs seconds of imports; a test
that checks what a command prints and the code it exits with does not need a
new process for it. :func:`run_in_process` calls ``peermap``'s ``main`` (the
installed entry point's function) with the arguments, environment and working
folder the command would have had, and captures stdout and stderr at the file
descriptors (``capfd``), so what a library writes straight to fd 1 or 2 is
caught too. Tests whose subject is the process itself (the installed script,
exit codes a real process returns) still start one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import signal
import sys
import traceback

import pytest


@dataclasses.dataclass
class Result:
    """What ``subprocess.run(..., capture_output=True, text=True)`` gives: the exit code, stdout and stderr."""

    returncode: int
    stdout: str
    stderr: str


def run_in_process(capfd, args, env: dict | None = None, cwd=None, inherit_key: bool = False) -> Result:
    """Run ``peermap ARGS`` here: the environment is this process's, less ``PEERMAP_KEY`` (unless
    ``inherit_key``), plus ``env``; the working folder ``cwd`` (else this one). Both are restored afterwards.
    stdout and stderr are pytest's ``capfd``: what reaches file descriptors 1 and 2 as well as ``sys.stdout``."""
    capfd.readouterr()  # what came before is not the command's
    code = _main(args, env, cwd, inherit_key)
    captured = capfd.readouterr()
    return Result(code, captured.out, captured.err)


def run_main(args, env: dict | None = None, cwd=None, inherit_key: bool = True) -> Result:
    """:func:`run_in_process` where no ``capfd`` is at hand (a module-scoped fixture): ``sys.stdout`` and
    ``sys.stderr`` are captured, and the environment is this process's as it is (``PEERMAP_KEY`` included)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = _main(args, env, cwd, inherit_key)
    return Result(code, out.getvalue(), err.getvalue())


def _main(args, env: dict | None, cwd, inherit_key: bool) -> int:
    """``peermap``'s ``main`` with ``sys.argv`` set to ``peermap ARGS``; its exit code as a process's."""
    from peermap.cli import main

    handler = signal.getsignal(signal.SIGTERM)  # main() installs its own
    with pytest.MonkeyPatch.context() as patch:
        if not inherit_key:
            patch.delenv("PEERMAP_KEY", raising=False)
        for name, value in (env or {}).items():
            patch.setenv(name, str(value))
        if cwd is not None:
            patch.chdir(cwd)
        patch.setattr(sys, "argv", ["peermap", *map(str, args)])
        try:
            main()
            code = 0
        except SystemExit as exit_:
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:  # as Python itself does with sys.exit("message")
                print(exit_.code, file=sys.stderr)
                code = 1
        except Exception:  # what a process would die of: a traceback on stderr and exit code 1
            traceback.print_exc()
            code = 1
        finally:
            signal.signal(signal.SIGTERM, handler)
            sys.stdout.flush()
            sys.stderr.flush()
    return code
