"""Faults injected where peermap writes: the operating system's own calls, in this process or a forked copy of it.

A full disk, a folder that cannot be written and a kill are made real at the
calls every writer goes through: ``os.open`` and ``open`` for writing,
``os.mkdir``, ``os.rename``, ``os.replace`` and the folder exchange
(``exports.output_folder.exchange``). Each such call under a watched folder is
a *step*. Nothing in peermap knows about this module.

:func:`fault_at_every_step` runs a whole command once; at each step it forks:
the child meets the fault there (``ENOSPC`` after the file was made and
truncated, ``EACCES`` before, or a real ``SIGKILL`` of itself) and runs the
command's own failure path to its end, while the parent waits, looks at
``--out``, puts the watched folder back as it was before the fork, and goes on
to the next step. So one run tries every step, as a run killed or failed at
that step would leave things.
"""

from __future__ import annotations

import builtins
import errno
import gc
import io
import json
import os
import signal
import stat
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("ENOSPC", "EACCES", "SIGKILL")


def snapshot(path: Path) -> dict | None:
    """Every name under ``path`` with its kind, mode and bytes (None when ``path`` does not exist)."""
    if not os.path.lexists(path):
        return None
    tree = {}
    for root, dirs, names in os.walk(path):
        for name in [".", *dirs, *names] if root == str(path) else [*dirs, *names]:
            full = Path(root) / name if name != "." else Path(root)
            info = os.lstat(full)
            rel = os.path.relpath(full, path)
            if stat.S_ISDIR(info.st_mode):
                tree[rel] = ("dir", stat.S_IMODE(info.st_mode), b"")
            elif stat.S_ISLNK(info.st_mode):
                tree[rel] = ("link", 0, os.readlink(full).encode())
            else:
                tree[rel] = ("file", stat.S_IMODE(info.st_mode), full.read_bytes())
    return tree


def restore(path: Path, tree: dict) -> None:
    """Put ``path`` back to ``tree`` (from :func:`snapshot`); files already identical are left untouched."""
    current = snapshot(path) or {}
    for rel in sorted(set(current) - set(tree), key=len, reverse=True):
        full = path / rel
        if current[rel][0] == "dir":
            import shutil

            shutil.rmtree(full, ignore_errors=True)
        elif os.path.lexists(full):
            os.unlink(full)
    for rel in sorted(tree, key=len):
        kind, mode, data = tree[rel]
        full = path / rel if rel != "." else path
        if current.get(rel) == tree[rel]:
            continue
        if kind == "dir":
            os.makedirs(full, exist_ok=True)
            os.chmod(full, mode)
        elif kind == "link":
            if os.path.lexists(full):
                os.unlink(full)
            os.symlink(data.decode(), full)
        else:
            if os.path.isdir(full) and not os.path.islink(full):
                import shutil

                shutil.rmtree(full)
            fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(full, mode)


@dataclass
class Outcome:
    """What one fault at one step left."""

    step: int
    call: str
    kind: str
    out: dict | None
    exit_code: int | None
    signal: int | None
    stderr: str
    beside: set[str]  # what is new beside --out (in the watched folder)
    names: set[str]  # everything in the watched folder


@dataclass
class Run:
    """One command run with a fault tried at every step."""

    steps: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    swap_step: int | None = None
    exit_code: int | None = None
    stderr: str = ""


class _Injector:
    """The patched calls: count steps under ``watched``, and at each fork a child that meets a fault."""

    def __init__(self, watched: Path, out: Path, results: Path, run: Run, kinds):
        self.watched, self.out, self.results, self.run, self.kinds = str(watched), out, results, run, kinds
        self.child_kind: str | None = None  # set in a forked child: it meets this fault once, then calls go through
        self.paused = False  # while the parent looks and puts things back
        self.real = {
            "os.open": os.open,
            "open": builtins.open,
            "os.mkdir": os.mkdir,
            "os.rename": os.rename,
            "os.replace": os.replace,
        }

    def _watched(self, *paths) -> bool:
        return any(p is not None and os.path.abspath(os.fsdecode(p)).startswith(self.watched) for p in paths)

    def step(self, call: str, paths: tuple, do):
        if self.child_kind is not None or self.paused or not self._watched(*paths):
            return do()
        self.run.steps.append(f"{call} {' -> '.join(os.path.relpath(os.fsdecode(p), self.watched) for p in paths)}")
        k = len(self.run.steps)
        dest = os.path.abspath(os.fsdecode(paths[-1]))
        if call in ("exchange", "os.rename", "os.replace") and dest == str(self.out) and self.run.swap_step is None:
            self.run.swap_step = k
        self.paused = True
        before = snapshot(Path(self.watched))
        self.paused = False
        for kind in self.kinds:
            gc.freeze()  # the child's collector leaves the parent's objects alone (no copying of their pages)
            pid = os.fork()
            gc.unfreeze()
            if pid == 0:
                self.child_kind = kind
                self.step_number = k
                sys.stderr.seek(0)  # what the child says from here on
                sys.stderr.truncate()
                return self._meet(kind, call, paths, do)
            _, status = os.waitpid(pid, 0)
            self.paused = True
            result = self.results / f"{k}-{kind}.json"
            found = json.loads(result.read_text()) if result.exists() else {}
            self.run.outcomes.append(
                Outcome(
                    step=k,
                    call=self.run.steps[-1],
                    kind=kind,
                    out=snapshot(self.out),
                    exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                    signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    stderr=found.get("stderr", ""),
                    beside=set(os.listdir(self.watched)) - set(name for name in (before or {}) if os.sep not in name),
                    names=set(os.listdir(self.watched)),
                )
            )
            restore(Path(self.watched), before)
            self.paused = False
        return do()

    def _meet(self, kind: str, call: str, paths: tuple, do):
        if kind == "EACCES":
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(paths[0]))
        if kind == "ENOSPC":
            if call in ("os.open", "open"):  # the file is made (and truncated) before the disk is found full
                handle = do()
                (os.close if isinstance(handle, int) else type(handle).close)(handle)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(paths[0]))
        if call in ("os.open", "open"):  # killed with the file made and empty
            handle = do()
        os.kill(os.getpid(), signal.SIGKILL)

    def patch(self, monkeypatch) -> None:
        real = self.real
        injector = self

        def os_open(path, flags, mode=0o777, *, dir_fd=None):
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                return injector.step("os.open", (path,), lambda: real["os.open"](path, flags, mode, dir_fd=dir_fd))
            return real["os.open"](path, flags, mode, dir_fd=dir_fd)

        def py_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+"):
                return injector.step("open", (file,), lambda: real["open"](file, mode, *args, **kwargs))
            return real["open"](file, mode, *args, **kwargs)

        def mkdir(path, mode=0o777, *, dir_fd=None):
            return injector.step("os.mkdir", (path,), lambda: real["os.mkdir"](path, mode, dir_fd=dir_fd))

        def rename(src, dst, **kwargs):
            return injector.step("os.rename", (src, dst), lambda: real["os.rename"](src, dst, **kwargs))

        def replace(src, dst, **kwargs):
            return injector.step("os.replace", (src, dst), lambda: real["os.replace"](src, dst, **kwargs))

        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(builtins, "open", py_open)
        monkeypatch.setattr(io, "open", py_open)
        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(os, "rename", rename)
        monkeypatch.setattr(os, "replace", replace)
        try:
            import peermap.exports.output_folder as output_folder
        except ImportError:  # the code before output folders had no exchange
            return
        real_exchange = output_folder.exchange

        def exchange(a, b):
            return injector.step("exchange", (a, b), lambda: real_exchange(a, b))

        monkeypatch.setattr(output_folder, "exchange", exchange)


def fault_at_every_step(argv: list[str], *, watched: Path, out: Path, results: Path, kinds=KINDS) -> Run:
    """Run ``peermap ARGV`` (``peermap``'s ``main``) here, with each fault of ``kinds`` tried at every step.

    ``watched`` is the folder holding ``--out`` (and what is written beside it);
    ``results`` a folder outside it where each child leaves its exit code and
    what it said on stderr.
    """
    import pytest

    from peermap.cli import main
    from peermap.exports.exit_codes import message_of

    message_of(OSError(errno.ENOSPC, "full"))  # what a failure imports, imported here once, not in every child
    run = Run()
    results.mkdir(parents=True, exist_ok=True)
    injector = _Injector(Path(watched), Path(os.path.abspath(out)), Path(results), run, kinds)
    said = io.StringIO()
    stderr = sys.stderr
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(sys, "argv", ["peermap", *map(str, argv)])
    injector.patch(monkeypatch)
    code = None
    try:
        sys.stderr = said
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc(file=said)
        code = 99
    finally:
        sys.stderr = stderr
        if injector.child_kind is not None:  # a forked child never returns to pytest
            try:
                path = Path(results) / f"{injector.step_number}-{injector.child_kind}.json"
                fd = injector.real["os.open"](path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as handle:
                    json.dump({"code": code, "stderr": said.getvalue()}, handle)
            finally:
                os._exit(code if isinstance(code, int) and 0 <= code < 256 else 99)
        monkeypatch.undo()
    run.exit_code = code
    run.stderr = said.getvalue()
    return run
